package sim

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testChip is a tiny Chip for the bridge tests: it answers every APDU with
// the APDU's bytes followed by 90 00, and counts power cycles.
type testChip struct {
	mu       sync.Mutex
	atr      []byte
	powerOns int
	powered  bool
}

func (c *testChip) PowerOn() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.powerOns++
	c.powered = true
	return c.atr
}

func (c *testChip) PowerOff() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.powered = false
}

func (c *testChip) Process(cmd []byte) []byte {
	return append(append([]byte(nil), cmd...), 0x90, 0x00)
}

// fakeVPCD plays vpcd's side of one slot: it accepts connections and hands
// each to the test.
type fakeVPCD struct {
	ln    net.Listener
	conns chan net.Conn
}

func newFakeVPCD(t *testing.T) *fakeVPCD {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeVPCD{ln: ln, conns: make(chan net.Conn, 4)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.conns <- c
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return f
}

func (f *fakeVPCD) accept(t *testing.T) net.Conn {
	t.Helper()
	select {
	case c := <-f.conns:
		t.Cleanup(func() { c.Close() })
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("bridge did not connect to vpcd")
		return nil
	}
}

// exchange sends one vpcd message and, unless it is a control code without a
// reply, reads the answer.
func exchange(t *testing.T, c net.Conn, msg []byte, wantReply bool) []byte {
	t.Helper()
	frame, err := AppendVPCDFrame(nil, msg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(frame); err != nil {
		t.Fatal(err)
	}
	if !wantReply {
		return nil
	}
	reply, err := ReadVPCDFrame(c, nil)
	if err != nil {
		t.Fatalf("reading reply to % X: %v", msg, err)
	}
	return reply
}

func startBridge(t *testing.T, addr string) *Bridge {
	t.Helper()
	b := NewBridge(addr)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return b
}

func TestBridgeExchanges(t *testing.T) {
	f := newFakeVPCD(t)
	b := startBridge(t, f.ln.Addr().String())
	chip := &testChip{atr: []byte{0x3B, 0x80, 0x80, 0x01, 0x01}}
	b.Insert(chip)
	c := f.accept(t)

	tests := []struct {
		name  string
		msg   []byte
		reply bool
		want  []byte
	}{
		{"get ATR", []byte{VPCDGetATR}, true, chip.atr},
		{"power on", []byte{VPCDPowerOn}, false, nil},
		{"ATR again while powered", []byte{VPCDGetATR}, true, chip.atr},
		{"select APDU", []byte{0x00, 0xA4, 0x04, 0x0C, 0x01, 0xA0}, true, []byte{0x00, 0xA4, 0x04, 0x0C, 0x01, 0xA0, 0x90, 0x00}},
		{"reset", []byte{VPCDReset}, false, nil},
		{"short APDU", []byte{0x00, 0x84, 0x00, 0x00, 0x08}, true, []byte{0x00, 0x84, 0x00, 0x00, 0x08, 0x90, 0x00}},
		{"power off", []byte{VPCDPowerOff}, false, nil},
		{"ATR while unpowered", []byte{VPCDGetATR}, true, chip.atr},
	}
	for _, tc := range tests {
		got := exchange(t, c, tc.msg, tc.reply)
		if tc.reply && !bytes.Equal(got, tc.want) {
			t.Errorf("%s: reply % X, want % X", tc.name, got, tc.want)
		}
	}
	if got := b.APDUs(); got != 2 {
		t.Errorf("APDUs() = %d, want 2", got)
	}
	// GET ATR goes through a round trip above, so every earlier control
	// message has been handled: connect + power on + reset = 3 power-ons.
	chip.mu.Lock()
	if chip.powerOns != 3 || chip.powered {
		t.Errorf("powerOns = %d powered = %v, want 3 and false", chip.powerOns, chip.powered)
	}
	chip.mu.Unlock()
}

func TestBridgeRemoveInsert(t *testing.T) {
	f := newFakeVPCD(t)
	b := startBridge(t, f.ln.Addr().String())
	b.Insert(&testChip{atr: []byte{0x3B, 0x00}})
	c1 := f.accept(t)
	exchange(t, c1, []byte{VPCDGetATR}, true)

	b.Remove()
	if b.Inserted() {
		t.Fatal("Inserted() after Remove")
	}
	c1.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c1.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("vpcd side after Remove: %v, want EOF (card gone)", err)
	}
	select {
	case <-f.conns:
		t.Fatal("bridge reconnected with no card inserted")
	case <-time.After(200 * time.Millisecond):
	}

	second := &testChip{atr: []byte{0x3B, 0x01, 0x02}}
	b.Insert(second)
	c2 := f.accept(t)
	if got := exchange(t, c2, []byte{VPCDGetATR}, true); !bytes.Equal(got, second.atr) {
		t.Errorf("ATR after reinsertion % X, want % X", got, second.atr)
	}
	if b.Connects() != 2 {
		t.Errorf("Connects() = %d, want 2", b.Connects())
	}
}

// TestBridgeRedials covers a pcscd restart: vpcd drops the connection while
// the card is inserted and the bridge must come back on its own.
func TestBridgeRedials(t *testing.T) {
	f := newFakeVPCD(t)
	b := startBridge(t, f.ln.Addr().String())
	b.Insert(&testChip{atr: []byte{0x3B, 0x00}})
	c1 := f.accept(t)
	exchange(t, c1, []byte{VPCDGetATR}, true)
	c1.Close()
	c2 := f.accept(t)
	if got := exchange(t, c2, []byte{VPCDGetATR}, true); !bytes.Equal(got, []byte{0x3B, 0x00}) {
		t.Errorf("ATR after redial % X", got)
	}
}

// TestBridgeRemoveFromProcess pulls the card from inside Process, as the
// mid-read removal tests do; it must neither deadlock nor answer.
func TestBridgeRemoveFromProcess(t *testing.T) {
	f := newFakeVPCD(t)
	b := startBridge(t, f.ln.Addr().String())
	var calls atomic.Int32
	b.Insert(&removingChip{bridge: b, after: 2, calls: &calls})
	c := f.accept(t)
	exchange(t, c, []byte{0x00, 0xB0, 0x00, 0x00, 0x01}, true)
	frame, _ := AppendVPCDFrame(nil, []byte{0x00, 0xB0, 0x00, 0x01, 0x01})
	c.Write(frame)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := ReadVPCDFrame(c, nil); err == nil {
		t.Fatal("got a reply after the card was removed mid-command")
	}
	if b.Inserted() || calls.Load() != 2 {
		t.Errorf("Inserted() = %v calls = %d, want false and 2", b.Inserted(), calls.Load())
	}
}

type removingChip struct {
	testChip
	bridge *Bridge
	after  int32
	calls  *atomic.Int32
}

func (c *removingChip) Process(cmd []byte) []byte {
	if c.calls.Add(1) == c.after {
		c.bridge.Remove()
	}
	return []byte{0x90, 0x00}
}

func TestBridgeBadAddress(t *testing.T) {
	if err := NewBridge("no-port").Run(context.Background()); err == nil {
		t.Fatal("Run accepted an address without a port")
	}
}

func TestDecodeVPCDMessage(t *testing.T) {
	tests := []struct {
		in      []byte
		control bool
		code    byte
		wantErr bool
	}{
		{[]byte{0x00}, true, VPCDPowerOff, false},
		{[]byte{0x01}, true, VPCDPowerOn, false},
		{[]byte{0x02}, true, VPCDReset, false},
		{[]byte{0x04}, true, VPCDGetATR, false},
		{[]byte{0x03}, false, 0, true},
		{nil, false, 0, true},
		{[]byte{0x00, 0xA4, 0x04, 0x00}, false, 0, false},
	}
	for _, tc := range tests {
		m, err := DecodeVPCDMessage(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("% X: err = %v, wantErr %v", tc.in, err, tc.wantErr)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrVPCDFrame) {
				t.Errorf("% X: error %v does not wrap ErrVPCDFrame", tc.in, err)
			}
			continue
		}
		if m.Control != tc.control || m.Code != tc.code {
			t.Errorf("% X: got %+v", tc.in, m)
		}
		if !m.Control && !bytes.Equal(m.APDU, tc.in) {
			t.Errorf("% X: APDU % X", tc.in, m.APDU)
		}
	}
}

func TestVPCDFrameRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		wantErr bool
	}{
		{"empty", []byte{}, false},
		{"control", []byte{VPCDGetATR}, false},
		{"extended response", bytes.Repeat([]byte{0xAB}, 65535), false},
		{"too long", make([]byte, 65536), true},
	}
	for _, tc := range tests {
		frame, err := AppendVPCDFrame(nil, tc.payload)
		if (err != nil) != tc.wantErr {
			t.Fatalf("%s: err = %v", tc.name, err)
		}
		if err != nil {
			continue
		}
		got, err := ReadVPCDFrame(bytes.NewReader(frame), nil)
		if err != nil || !bytes.Equal(got, tc.payload) {
			t.Errorf("%s: round trip gave %d bytes, %v", tc.name, len(got), err)
		}
	}
	if _, err := ReadVPCDFrame(bytes.NewReader([]byte{0x00, 0x05, 0x01}), nil); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated frame: %v, want ErrUnexpectedEOF", err)
	}
	if _, err := ReadVPCDFrame(bytes.NewReader(nil), nil); !errors.Is(err, io.EOF) {
		t.Errorf("clean end: %v, want EOF", err)
	}
}

package pn532_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testkit/pn532emu"
	"github.com/cccd-agent/cccd/reader"
	"github.com/cccd-agent/cccd/reader/pn532"
)

func TestPseudoATR(t *testing.T) {
	tests := []struct {
		name string
		ats  []byte
		want []byte
	}{
		// ACR122L trace ATS: T0 77 announces TA, TB, TC; historical 47 65.
		{"ACR122L trace", []byte{0x07, 0x77, 0xF7, 0x80, 0x02, 0x47, 0x65}, []byte{0x3B, 0x82, 0x80, 0x01, 0x47, 0x65, 0x21}},
		{"no interface bytes", []byte{0x03, 0x08, 0x41}, []byte{0x3B, 0x81, 0x80, 0x01, 0x41, 0x41}},
		{"no ATS", nil, []byte{0x3B, 0x80, 0x80, 0x01, 0x01}},
		{"truncated", []byte{0x05, 0x78, 0x80}, []byte{0x3B, 0x80, 0x80, 0x01, 0x01}},
	}
	for _, tc := range tests {
		if got := pn532.PseudoATR(tc.ats); !bytes.Equal(got, tc.want) {
			t.Errorf("%s: PseudoATR = % X, want % X", tc.name, got, tc.want)
		}
	}
}

// TestBackendEvents polls the emulated PN532 and checks the event sequence
// through card arrival, a read session, removal, unplug and replug.
func TestBackendEvents(t *testing.T) {
	chip := &testChip{}
	b, r := startBench(t, chip, pn532emu.Options{}, pn532.Config{})
	ctx := testCtx(t)
	events := make(chan reader.Event, 16)
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- pn532.NewBackend(r, 50*time.Millisecond).Watch(wctx, events) }()

	expect := func(want reader.EventType) reader.Event {
		t.Helper()
		select {
		case ev := <-events:
			if ev.Type != want || ev.Reader != r.Name() {
				t.Fatalf("event %v on %q, want %v on %q", ev.Type, ev.Reader, want, r.Name())
			}
			return ev
		case <-time.After(10 * time.Second):
			t.Fatalf("no %v event", want)
		}
		return reader.Event{}
	}
	quiet := func() {
		t.Helper()
		select {
		case ev := <-events:
			t.Fatalf("unexpected %v event", ev.Type)
		case <-time.After(300 * time.Millisecond):
		}
	}

	expect(reader.ReaderAdded)
	ev := expect(reader.CardPresent)
	if !bytes.Contains(ev.ATR, []byte("CCCDTEST")) || ev.ATR[0] != 0x3B {
		t.Fatalf("ATR % X", ev.ATR)
	}
	quiet() // the card stays: no repeated events

	// A session pauses polling: taking the card away is seen only after
	// the session is closed.
	c, err := r.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Transmit(ctx, readBinary(8)); err != nil {
		t.Fatal(err)
	}
	b.Emulator().SetChip(nil)
	quiet()
	c.Close()
	expect(reader.CardRemoved)
	b.Emulator().SetChip(chip)
	expect(reader.CardPresent)

	if err := b.Unplug(); err == nil {
		t.Fatal("emulator did not see the unplug")
	}
	expect(reader.CardRemoved)
	expect(reader.ReaderRemoved)
	if err := b.Replug(ctx); err != nil {
		t.Fatal(err)
	}
	expect(reader.ReaderAdded)
	expect(reader.CardPresent)

	stop()
	if err := <-done; err != nil {
		t.Fatalf("Watch: %v", err)
	}
}

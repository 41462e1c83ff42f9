package sim

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultVPCDAddr is where vsmartcard's vpcd driver listens for the card of
// its first reader slot ("Virtual PCD 00 00"); slot i listens on port 35963+i.
const DefaultVPCDAddr = "127.0.0.1:35963"

// Redial back-off after vpcd closed the connection or refused it (pcscd
// stopped or restarting). The cap stays small so that a card is back in the
// reader soon after pcscd is.
const (
	vpcdRedialMin = 50 * time.Millisecond
	vpcdRedialMax = time.Second
)

// Bridge presents a Chip to pcscd through vsmartcard's vpcd driver: it dials
// vpcd's TCP port and answers its messages. vpcd treats a connected socket as
// a card in the reader, so Insert connects and Remove disconnects. If the
// connection drops while a card is inserted (pcscd restarted), the bridge
// dials again with back-off until the card is removed or Run's context ends.
//
// Insert, Remove and the counters are safe for concurrent use, also from
// inside the chip's Process (a test can pull the card mid-command).
type Bridge struct {
	addr string

	mu      sync.Mutex
	chip    Chip
	gen     uint64        // bumped by Insert/Remove; a stale connection ends
	conn    net.Conn      // the live connection, nil when none
	changed chan struct{} // closed and replaced on every Insert/Remove

	apdus    atomic.Int64
	connects atomic.Int64
}

// NewBridge returns a bridge for the vpcd slot at addr (host:port) with no
// card inserted. Call Run to serve it.
func NewBridge(addr string) *Bridge {
	if addr == "" {
		addr = DefaultVPCDAddr
	}
	return &Bridge{addr: addr, changed: make(chan struct{})}
}

// Addr is the vpcd address the bridge dials.
func (b *Bridge) Addr() string { return b.addr }

// Insert puts chip in the reader, replacing any card there (the old
// connection is closed so that pcscd sees a new card).
func (b *Bridge) Insert(chip Chip) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.chip = chip
	b.bumpLocked()
}

// Remove takes the card out of the reader: the connection to vpcd closes and
// pcscd reports the card removed on its next presence poll.
func (b *Bridge) Remove() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.chip = nil
	b.bumpLocked()
}

// Inserted reports whether a card is inserted (connected or reconnecting).
func (b *Bridge) Inserted() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.chip != nil
}

// Connected reports whether the bridge holds a live connection to vpcd.
func (b *Bridge) Connected() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.conn != nil
}

// APDUs is the number of command APDUs the bridge has passed to chips.
func (b *Bridge) APDUs() int64 { return b.apdus.Load() }

// Connects is the number of connections made to vpcd so far.
func (b *Bridge) Connects() int64 { return b.connects.Load() }

func (b *Bridge) bumpLocked() {
	b.gen++
	if b.conn != nil {
		b.conn.Close()
		b.conn = nil
	}
	close(b.changed)
	b.changed = make(chan struct{})
}

// Run serves the slot until ctx ends, then disconnects and returns nil. It
// returns an error only for an address that can never work.
func (b *Bridge) Run(ctx context.Context) error {
	if _, _, err := net.SplitHostPort(b.addr); err != nil {
		return fmt.Errorf("sim: vpcd address %q: %w", b.addr, err)
	}
	defer b.closeConn()
	wait := vpcdRedialMin
	for {
		chip, gen, changed := b.state()
		if chip == nil {
			select {
			case <-ctx.Done():
				return nil
			case <-changed:
				wait = vpcdRedialMin
				continue
			}
		}
		served := b.connectAndServe(ctx, chip, gen)
		if ctx.Err() != nil {
			return nil
		}
		if served {
			wait = vpcdRedialMin
		}
		// Either vpcd refused us (pcscd down) or dropped us (pcscd restarted),
		// or the card was pulled: back off unless the card state changed.
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
			wait = vpcdRedialMin
		case <-time.After(wait):
			wait = min(wait*2, vpcdRedialMax)
		}
	}
}

func (b *Bridge) state() (Chip, uint64, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.chip, b.gen, b.changed
}

func (b *Bridge) closeConn() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.conn != nil {
		b.conn.Close()
		b.conn = nil
	}
}

// connectAndServe dials vpcd and serves chip until the connection ends. It
// reports whether a connection was made.
func (b *Bridge) connectAndServe(ctx context.Context, chip Chip, gen uint64) bool {
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	conn, err := d.DialContext(dctx, "tcp", b.addr)
	cancel()
	if err != nil {
		return false
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	b.mu.Lock()
	if b.gen != gen { // removed or replaced while dialing
		b.mu.Unlock()
		conn.Close()
		return true
	}
	b.conn = conn
	b.mu.Unlock()
	b.connects.Add(1)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	serveVPCD(conn, chip, &b.apdus, func() { quickAck(conn) })
	b.mu.Lock()
	if b.conn == conn {
		b.conn = nil
	}
	b.mu.Unlock()
	conn.Close()
	return true
}

// serveVPCD answers vpcd's messages on rw with chip until rw fails or vpcd
// breaks the protocol. It powers the chip on first, as a card entering the
// field, so that the ATR is known before vpcd asks for it. beforeRead, if
// set, runs before each read.
func serveVPCD(rw io.ReadWriter, chip Chip, apdus *atomic.Int64, beforeRead func()) error {
	atr := chip.PowerOn()
	defer chip.PowerOff()
	var in, out []byte
	for {
		if beforeRead != nil {
			beforeRead()
		}
		payload, err := ReadVPCDFrame(rw, in)
		if err != nil {
			return err
		}
		in = payload[:0]
		msg, err := DecodeVPCDMessage(payload)
		if err != nil {
			return err
		}
		var reply []byte
		switch {
		case !msg.Control:
			apdus.Add(1)
			reply = chip.Process(msg.APDU)
		case msg.Code == VPCDGetATR:
			reply = atr
		case msg.Code == VPCDPowerOn, msg.Code == VPCDReset:
			atr = chip.PowerOn()
			continue
		case msg.Code == VPCDPowerOff:
			chip.PowerOff()
			continue
		}
		if out, err = AppendVPCDFrame(out[:0], reply); err != nil {
			// A chip answer too big for the protocol: say so with a status
			// word rather than tearing down the card.
			out, _ = AppendVPCDFrame(out[:0], []byte{0x6F, 0x00})
		}
		if _, err := rw.Write(out); err != nil {
			return err
		}
	}
}

package pn532emu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/cccd-agent/cccd/reader/pn532"
	"github.com/cccd-agent/cccd/reader/sim"
)

// Options configure an Emulator. Zero values select the defaults.
type Options struct {
	// Chunk is the most response bytes per InDataExchange frame; longer
	// card answers are chained with the MI status bit. Default 252.
	Chunk int
	// Firmware is what GetFirmwareVersion reports; default PN532 v1.6.
	Firmware pn532.Firmware
	// TA is the TA(1) byte of the ATS the emulated card sends: the bit
	// rates it accepts. Default 0x80 (106 kbps only); 0xB3 allows 212 and
	// 424 both ways.
	TA byte
	// AwakeAtStart skips the LowVbat state, so frames are answered without a
	// preceding 0x55 wake-up.
	AwakeAtStart bool
}

// Stats counts what the emulator saw, for assertions in tests.
type Stats struct {
	Commands      int // information frames answered or dropped
	Exchanges     int // APDUs forwarded to the chip
	ChainedIn     int // InDataExchange frames with MI set by the host
	ChainedOut    int // response frames sent with MI set
	NacksReceived int // NACK frames from the host
	AcksReceived  int // ACK frames (aborts) from the host
	Wakeups       int // transitions out of LowVbat
	BitRate       int // kbps set by the last InPSL (106 after activation)
}

// Emulator is one emulated PN532 with an optional card in its field.
// Its methods are safe for concurrent use with Serve.
type Emulator struct {
	port io.ReadWriteCloser
	opts Options

	mu     sync.Mutex
	chip   sim.Chip // nil: no card in the field
	awake  bool
	active bool   // a target is listed (Tg 1)
	flags  byte   // SetParameters
	rx     []byte // host-chained command data
	tx     []byte // response data still to send
	last   []byte // last frame sent, for NACK
	uid    byte
	stats  Stats
	faults faults
}

type faults struct {
	badChecksum, nack, drop, stall int
}

// New returns an emulator that will speak on port with chip in its field
// (nil for an empty field).
func New(port io.ReadWriteCloser, chip sim.Chip, opts Options) *Emulator {
	if opts.Chunk <= 0 || opts.Chunk > pn532.MaxExtendedData-2 {
		opts.Chunk = pn532.DefaultChunk
	}
	if opts.TA == 0 {
		opts.TA = 0x80
	}
	if opts.Firmware == (pn532.Firmware{}) {
		opts.Firmware = pn532.Firmware{IC: 0x32, Version: 1, Revision: 6, Support: 0x07}
	}
	return &Emulator{port: port, opts: opts, chip: chip, awake: opts.AwakeAtStart}
}

// SetChip puts chip in the field, or takes the card away when chip is nil.
// Taking it away powers it off; a listed target then stops answering.
func (e *Emulator) SetChip(chip sim.Chip) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.chip != nil && e.active {
		e.chip.PowerOff()
	}
	// A target listed before the card left stays listed, and answers with
	// status 0x01 (timeout) as a real PN532 does.
	e.active = e.active && chip == nil
	e.chip = chip
	e.rx, e.tx = nil, nil
}

// BreakChecksum corrupts the data checksum of the next n response frames
// sent, resends after a NACK included.
func (e *Emulator) BreakChecksum(n int) { e.fault(func(f *faults) { f.badChecksum += n }) }

// NackCommands answers the next n commands with a NACK instead of an ACK,
// without executing them, so the host must retransmit.
func (e *Emulator) NackCommands(n int) { e.fault(func(f *faults) { f.nack += n }) }

// DropCommands ignores the next n commands: no ACK, no response.
func (e *Emulator) DropCommands(n int) { e.fault(func(f *faults) { f.drop += n }) }

// StallResponses acknowledges the next n commands but never answers them.
func (e *Emulator) StallResponses(n int) { e.fault(func(f *faults) { f.stall += n }) }

func (e *Emulator) fault(fn func(*faults)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fn(&e.faults)
}

// Stats returns a snapshot of the counters.
func (e *Emulator) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stats
}

// Serve answers frames until the port fails or ctx ends; it then closes the
// port. It returns nil when ctx ended and the read error otherwise (an
// unplugged PTY gives go.bug.st/serial's "Port has been closed").
func (e *Emulator) Serve(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { e.port.Close() })
	defer stop()
	defer e.port.Close()
	var dec pn532.Decoder
	buf := make([]byte, 512)
	for {
		n, err := e.port.Read(buf)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return fmt.Errorf("pn532emu: read: %w", err)
		}
		if err := e.receive(&dec, buf[:n]); err != nil {
			return err
		}
	}
}

// receive handles received bytes: wake-up detection, then frames.
func (e *Emulator) receive(dec *pn532.Decoder, p []byte) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.awake {
		i := indexByte(p, 0x55)
		if i < 0 {
			return nil // LowVbat: everything but the wake-up is lost
		}
		e.awake = true
		e.stats.Wakeups++
		p = p[i:]
	}
	dec.Feed(p)
	for {
		f, err := dec.Next()
		switch {
		case errors.Is(err, pn532.ErrIncomplete):
			return nil
		case err != nil:
			continue // a damaged host frame is ignored; the host times out
		}
		if err := e.handle(f); err != nil {
			return err
		}
	}
}

func indexByte(p []byte, b byte) int {
	for i, c := range p {
		if c == b {
			return i
		}
	}
	return -1
}

// handle reacts to one frame from the host.
func (e *Emulator) handle(f pn532.Frame) error {
	switch f.Kind {
	case pn532.KindNack:
		e.stats.NacksReceived++
		if e.last != nil {
			return e.writeResponse(e.last)
		}
		return nil
	case pn532.KindAck:
		e.stats.AcksReceived++ // abort: nothing runs in the background
		return nil
	case pn532.KindError:
		return nil
	}
	if f.TFI != pn532.TFIHost || len(f.Data) == 0 {
		return nil
	}
	e.stats.Commands++
	switch {
	case e.faults.drop > 0:
		e.faults.drop--
		return nil
	case e.faults.nack > 0:
		e.faults.nack--
		return e.write(pn532.NackFrame())
	}
	if err := e.write(pn532.AckFrame()); err != nil {
		return err
	}
	if e.faults.stall > 0 {
		e.faults.stall--
		return nil
	}
	resp, ok := e.execute(f.Data[0], f.Data[1:])
	var frame []byte
	if !ok {
		frame = pn532.ErrorFrame()
	} else {
		var err error
		frame, err = pn532.EncodeFrame(pn532.TFIPN532, append([]byte{f.Data[0] + 1}, resp...))
		if err != nil {
			frame = pn532.ErrorFrame()
		}
	}
	e.last = frame
	return e.writeResponse(frame)
}

// writeResponse sends a response frame, damaging its data checksum when a
// BreakChecksum fault is pending.
func (e *Emulator) writeResponse(frame []byte) error {
	if e.faults.badChecksum > 0 {
		e.faults.badChecksum--
		bad := append([]byte(nil), frame...)
		bad[len(bad)-2] ^= 0x5A // the DCS
		return e.write(bad)
	}
	return e.write(frame)
}

func (e *Emulator) write(p []byte) error {
	for len(p) > 0 {
		n, err := e.port.Write(p)
		if err != nil {
			return fmt.Errorf("pn532emu: write: %w", err)
		}
		p = p[n:]
	}
	return nil
}

package pn532emu

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.bug.st/serial"

	"github.com/cccd-agent/cccd/reader/sim"
)

// Bench is a PN532 on a cable: a socat PTY pair whose B end is served by an
// Emulator. The host (the pn532 driver, or `cccd read --reader
// pn532:PATH`) opens Path. Unplug and Replug simulate pulling the USB cable
// and plugging it back in; the emulator comes back powered up afresh
// (LowVbat) with the same chip and options.
type Bench struct {
	// Path is the host end of the cable (a stable symlink).
	Path string

	dir, socat string
	chip       sim.Chip
	opts       Options

	mu   sync.Mutex
	pair *SocatPair
	emu  *Emulator
	stop context.CancelFunc
	done chan error
}

// StartBench starts socat in dir and an emulator with chip in its field.
// socatPath "" looks socat up in PATH.
func StartBench(ctx context.Context, socatPath, dir string, chip sim.Chip, opts Options) (*Bench, error) {
	b := &Bench{dir: dir, socat: socatPath, chip: chip, opts: opts}
	if err := b.Replug(ctx); err != nil {
		return nil, err
	}
	return b, nil
}

// Emulator returns the emulator currently plugged in (a new one after each
// Replug), or nil while unplugged.
func (b *Bench) Emulator() *Emulator {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.emu
}

// Replug starts the cable and a fresh emulator. It is a no-op when plugged.
func (b *Bench) Replug(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pair != nil {
		return nil
	}
	pair, err := StartSocat(ctx, b.socat, b.dir)
	if err != nil {
		return err
	}
	port, err := serial.Open(pair.B, &serial.Mode{BaudRate: 115200})
	if err != nil {
		pair.Stop()
		return fmt.Errorf("pn532emu: opening %s: %w", pair.B, err)
	}
	emu := New(port, b.chip, b.opts)
	sctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- emu.Serve(sctx) }()
	b.Path, b.pair, b.emu, b.stop, b.done = pair.A, pair, emu, stop, done
	return nil
}

// Unplug kills socat: both ends see the cable vanish. It waits for the
// emulator to stop and returns Serve's error (the read failure it saw).
func (b *Bench) Unplug() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pair == nil {
		return nil
	}
	b.pair.Stop()
	var err error
	select {
	case err = <-b.done:
	case <-time.After(3 * time.Second):
		b.stop() // the read did not notice the hang-up: close the port
		err = <-b.done
	}
	b.stop()
	b.pair, b.emu = nil, nil
	return err
}

// Close unplugs the cable and stops everything.
func (b *Bench) Close() { _ = b.Unplug() }

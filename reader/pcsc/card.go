package pcsc

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/ebfe/scard"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/reader"
)

// ErrCardClosed is returned by Transmit after Close.
var ErrCardClosed = errors.New("pcsc: card session already closed")

// Card is an exclusive session with the card on a PC/SC reader. It is not
// safe for concurrent use (one APDU at a time), except that Close may be
// called while a Transmit is stuck.
type Card struct {
	reader *Reader
	h      *scard.Card
	atr    []byte

	mu       sync.Mutex
	inflight bool  // a Transmit is running in scard
	closed   bool  // Close was called
	bad      error // set when an APDU outlived its deadline
	gone     bool  // the card left during the session: nothing to reset
	stuck    bool  // the caller gave up on the running APDU (marked in stuck)

	extOnce  sync.Once
	ext      bool
	extKnown bool
}

var (
	_ reader.Card                 = (*Card)(nil)
	_ icao.Transport              = (*Card)(nil)
	_ icao.ExtendedLengthReporter = (*Card)(nil)
	_ icao.ExtendedLengthKnower   = (*Card)(nil)
	_ icao.ATRReporter            = (*Card)(nil)
)

// ATR returns the card's answer to reset as PC/SC reported it at Connect.
func (c *Card) ATR() []byte { return append([]byte(nil), c.atr...) }

// Protocol returns "T=0" or "T=1", the protocol the session runs.
func (c *Card) Protocol() string {
	if c.h.ActiveProtocol() == scard.ProtocolT0 {
		return "T=0"
	}
	return "T=1"
}

type transmitResult struct {
	rsp []byte
	err error
}

// Transmit sends one command APDU and returns the response data followed by
// SW1 SW2. It gives up when ctx ends, or after Options.TransmitTimeout when
// ctx has no deadline: the APDU keeps running in the background (PC/SC
// cannot cancel it), the session is marked bad and the reader reports
// reader.ErrTimeout until the APDU returns, so a hung reader never freezes
// the caller. Card removal is reader.ErrCardRemoved; the session is then
// over and the next read must Connect again.
func (c *Card) Transmit(ctx context.Context, command []byte) ([]byte, error) {
	if len(command) < 4 {
		return nil, fmt.Errorf("pcsc: transmit: a command APDU needs at least 4 bytes, got %d", len(command))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	switch {
	case c.closed:
		c.mu.Unlock()
		return nil, ErrCardClosed
	case c.bad != nil:
		c.mu.Unlock()
		return nil, c.bad
	case c.inflight:
		c.mu.Unlock()
		return nil, errors.New("pcsc: transmit: the card session is used by two goroutines at once")
	}
	c.inflight = true
	c.mu.Unlock()

	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.reader.opts.TransmitTimeout)
		defer cancel()
	}
	done := make(chan transmitResult, 1)
	cmd := append([]byte(nil), command...) // the caller may reuse its buffer
	go func() {
		rsp, err := c.h.Transmit(cmd)
		// Settle the session before the caller hears back, so that its
		// next Transmit does not find this one still in flight.
		c.finish()
		done <- transmitResult{rsp, err}
	}()

	select {
	case res := <-done:
		return c.result(res)
	case <-ctx.Done():
		hung := &Error{Op: "transmit", Reader: c.reader.name, Kind: reader.ErrTimeout, Hint: hintHung}
		c.mu.Lock()
		if c.inflight { // finish has not run: the call is stuck in pcscd
			c.stuck = true
			markStuck(c.reader.name, +1)
		}
		c.bad = hung
		c.mu.Unlock()
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, fmt.Errorf("pcsc: transmit on %q abandoned: %w", c.reader.name, ctx.Err())
		}
		return nil, hung
	}
}

func (c *Card) result(res transmitResult) (rsp []byte, err error) {
	defer func() {
		if errors.Is(err, reader.ErrCardRemoved) {
			c.mu.Lock()
			c.gone = true
			c.mu.Unlock()
		}
	}()
	if res.err != nil {
		if contextDead(res.err) {
			// The service went away under us: the next Connect needs a
			// fresh context.
			c.reader.cl.invalidate(c.reader.cl.current())
		}
		return nil, wrap("transmit", c.reader.name, res.err)
	}
	if len(res.rsp) < 2 {
		// No status word: the card left the field (or stopped answering)
		// in the middle of the command. vpcd reports a card pulled
		// mid-APDU this way before pcscd marks it removed. Either way the
		// session is over, as after a removal.
		return nil, &Error{Op: "transmit", Reader: c.reader.name, Kind: reader.ErrCardRemoved,
			Hint: "the card stopped answering in the middle of a command; hold it still on the reader and read again"}
	}
	return res.rsp, nil
}

// finish runs when scard's Transmit returns, possibly long after the caller
// gave up: it clears the hung mark and completes a Close that had to wait.
func (c *Card) finish() {
	c.mu.Lock()
	c.inflight = false
	closed, wasStuck := c.closed, c.stuck
	c.stuck = false
	c.mu.Unlock()
	if wasStuck {
		markStuck(c.reader.name, -1)
	}
	if closed {
		c.h.Disconnect(c.disposition())
		c.reader.release()
	}
}

// disposition is how Close leaves the card: reset, so that the next session
// starts with no secure-messaging state, unless the card has left (resetting
// a card that has left fails, and pcsc-lite 1.9.9 then reports the slot
// empty before its own poll has seen the removal; a card arriving in that
// window is never announced).
func (c *Card) disposition() scard.Disposition {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gone {
		return scard.LeaveCard
	}
	return scard.ResetCard
}

// Close ends the session and resets the card, so that the next session
// starts with no secure-messaging state left behind; the reader's context
// goes with its last session. The card stays in the field. Errors from a
// card already gone are not reported.
func (c *Card) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	inflight := c.inflight
	c.mu.Unlock()
	if inflight {
		return nil // finish disconnects once the stuck APDU returns
	}
	err := c.h.Disconnect(c.disposition())
	c.reader.release()
	switch {
	case err == nil, errors.Is(err, scard.ErrRemovedCard), errors.Is(err, scard.ErrNoSmartcard),
		errors.Is(err, scard.ErrResetCard), contextDead(err):
		return nil
	}
	return wrap("disconnect", c.reader.name, err)
}

// ExtendedLength reports whether the reader passes extended-length APDUs,
// as its PC/SC Part 10 properties say (dwMaxAPDUDataSize). Readers that do
// not publish the property, including vpcd, report false and say they do not
// know (KnowsExtendedLength): the ICAO layer then asks the card. Asked once
// per session.
func (c *Card) ExtendedLength() bool {
	c.extOnce.Do(func() {
		c.mu.Lock()
		busy := c.inflight || c.closed || c.bad != nil
		c.mu.Unlock()
		if !busy {
			c.ext, c.extKnown = probeExtendedLength(c.h, scard.CtlCode)
		}
	})
	return c.ext
}

// KnowsExtendedLength reports whether the reader published its APDU size
// (PC/SC Part 10); without it ExtendedLength's false is only a default.
func (c *Card) KnowsExtendedLength() bool {
	c.ExtendedLength()
	return c.extKnown
}

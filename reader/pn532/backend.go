package pn532

import (
	"context"
	"errors"
	"time"

	"github.com/cccd-agent/cccd/reader"
)

// DefaultPollInterval is how often a Backend looks for a card.
const DefaultPollInterval = 300 * time.Millisecond

// Backend reports the PN532's reader and card events to a reader.Watcher by
// polling: InListPassiveTarget then InRelease every interval, skipped while
// a card session from Connect is open (so polling never disturbs a read).
// Use the same Reader to open sessions, e.g. through the agent's opener.
type Backend struct {
	r        *Reader
	interval time.Duration
}

var _ reader.Backend = (*Backend)(nil)

// NewBackend polls r every interval (0: DefaultPollInterval).
func NewBackend(r *Reader, interval time.Duration) *Backend {
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	return &Backend{r: r, interval: interval}
}

// Reader returns the polled reader, for opening card sessions.
func (b *Backend) Reader() *Reader { return b.r }

// Watch polls until ctx ends. The reader is added once its port opens and
// the PN532 answers, and removed when the port goes away; a card is present
// from the poll that first finds it until the first poll that does not.
// CardPresent carries the PC/SC-style pseudo-ATR built from the card's ATS.
func (b *Backend) Watch(ctx context.Context, events chan<- reader.Event) error {
	name := b.r.Name()
	readerUp, cardUp := false, false
	var lastErr string
	send := func(ev reader.Event) bool {
		ev.Reader = name
		select {
		case events <- ev:
			return true
		case <-ctx.Done():
			return false
		}
	}
	t := time.NewTicker(b.interval)
	defer t.Stop()
	for {
		st, err := b.r.poll(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, reader.ErrNoReader) || errors.Is(err, reader.ErrReaderBusy):
			if cardUp && !send(reader.Event{Type: reader.CardRemoved}) {
				return nil
			}
			if readerUp && !send(reader.Event{Type: reader.ReaderRemoved}) {
				return nil
			}
			readerUp, cardUp = false, false
		case err != nil:
			// The PN532 is there but misbehaves: report each new failure
			// once, keep polling.
			if err.Error() != lastErr {
				lastErr = err.Error()
				if !send(reader.Event{Type: reader.Error, Err: err}) {
					return nil
				}
			}
		default:
			lastErr = ""
			if !readerUp {
				readerUp = true
				if !send(reader.Event{Type: reader.ReaderAdded}) {
					return nil
				}
			}
			switch {
			case st.busy:
			case st.present && !cardUp:
				cardUp = true
				if !send(reader.Event{Type: reader.CardPresent, ATR: st.atr}) {
					return nil
				}
			case !st.present && cardUp:
				cardUp = false
				if !send(reader.Event{Type: reader.CardRemoved}) {
					return nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// pollState is one look at the field.
type pollState struct {
	busy    bool // a card session is open: the field was not touched
	present bool
	atr     []byte
}

// poll opens the port if needed and looks for a card, unless a session is
// open. A card that is not ISO 14443-4 counts as absent.
func (r *Reader) poll(ctx context.Context) (pollState, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	l, err := r.ensureLinkLocked(ctx)
	if err != nil {
		return pollState{}, err
	}
	if r.active != nil {
		return pollState{busy: true}, nil
	}
	t, err := l.inListPassiveTarget(ctx)
	if err != nil {
		return pollState{}, r.failLocked(err)
	}
	if t == nil {
		return pollState{}, nil
	}
	if err := l.inRelease(ctx, t.Tg); err != nil {
		return pollState{}, r.failLocked(err)
	}
	if !t.ISO14443_4() {
		return pollState{}, nil
	}
	return pollState{present: true, atr: PseudoATR(t.ATS)}, nil
}

// PseudoATR builds the ATR a PC/SC reader shows for an ISO 14443-4 type A
// card (PC/SC Part 3 §3.1.3.2.3.1): 3B 8n 80 01, the ATS historical bytes
// (at most 15), and TCK, the XOR of every byte from T0 on.
func PseudoATR(ats []byte) []byte {
	hist := historical(ats)
	if len(hist) > 15 {
		hist = hist[:15]
	}
	atr := append([]byte{0x3B, 0x80 | byte(len(hist)), 0x80, 0x01}, hist...)
	var tck byte
	for _, b := range atr[1:] {
		tck ^= b
	}
	return append(atr, tck)
}

// historical returns the historical bytes of an ATS: after TL, T0 and the
// interface bytes TA(1), TB(1), TC(1) that T0 announces.
func historical(ats []byte) []byte {
	if len(ats) < 2 {
		return nil
	}
	i := 2
	for _, bit := range []byte{0x10, 0x20, 0x40} {
		if ats[1]&bit != 0 {
			i++
		}
	}
	if i > len(ats) {
		return nil
	}
	return ats[i:]
}

package ble

import (
	"context"
	"errors"
	"time"

	"github.com/cccd-agent/cccd/reader"
)

// Default timings of a Backend.
const (
	// DefaultProbeInterval re-checks the field when no notification came:
	// whether the reader notifies without auto-polling enabled is unknown.
	DefaultProbeInterval = 3 * time.Second
	// DefaultRetryInterval is the pause before reconnecting a lost reader.
	DefaultRetryInterval = 2 * time.Second
)

// Backend reports a BLE reader's events to a reader.Watcher. It keeps the
// reader connected, and decides presence by powering the card on (which
// also yields the ATR) and off again, whenever the reader sends a card
// notification (message 50, whatever its polarity) or every probe interval.
// It does not probe while a session from Connect is open. The Backend reads
// Reader.Presence: do not consume that channel elsewhere.
type Backend struct {
	r             *Reader
	probeInterval time.Duration
	retryInterval time.Duration
}

var _ reader.Backend = (*Backend)(nil)

// NewBackend watches r with the default timings.
func NewBackend(r *Reader) *Backend {
	return &Backend{r: r, probeInterval: DefaultProbeInterval, retryInterval: DefaultRetryInterval}
}

// Reader returns the watched reader, for opening card sessions.
func (b *Backend) Reader() *Reader { return b.r }

// Watch runs until ctx ends.
func (b *Backend) Watch(ctx context.Context, events chan<- reader.Event) error {
	name := b.r.Name()
	readerUp, cardUp := false, false
	var lastErr string
	send := func(t reader.EventType, atr []byte, err error) bool {
		select {
		case events <- reader.Event{Type: t, Reader: name, ATR: atr, Err: err}:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for ctx.Err() == nil {
		st, err := b.r.probe(ctx)
		wait := b.probeInterval
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			if cardUp && !send(reader.CardRemoved, nil, nil) {
				return nil
			}
			if readerUp && !send(reader.ReaderRemoved, nil, nil) {
				return nil
			}
			cardUp, readerUp = false, false
			if !errors.Is(err, reader.ErrNoReader) && err.Error() != lastErr {
				lastErr = err.Error() // e.g. a wrong master key: say it once
				if !send(reader.Error, nil, err) {
					return nil
				}
			}
			wait = b.retryInterval
		default:
			lastErr = ""
			if !readerUp {
				readerUp = true
				if !send(reader.ReaderAdded, nil, nil) {
					return nil
				}
			}
			switch {
			case st.busy:
			case st.present && !cardUp:
				cardUp = true
				if !send(reader.CardPresent, st.atr, nil) {
					return nil
				}
			case !st.present && cardUp:
				cardUp = false
				if !send(reader.CardRemoved, nil, nil) {
					return nil
				}
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-b.r.Presence():
		case <-st.dropped:
		case <-t.C:
		}
		t.Stop()
	}
	return nil
}

// probeState is one look at the field.
type probeState struct {
	busy    bool // a card session is open: the card was not touched
	present bool
	atr     []byte
	dropped <-chan struct{} // closed when the link drops (nil on error)
}

// probe connects if needed and powers the card on and off to see whether one
// is there.
func (r *Reader) probe(ctx context.Context) (probeState, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, err := r.sessionLocked(ctx)
	if err != nil {
		return probeState{}, err
	}
	st := probeState{dropped: s.done}
	if r.active != nil {
		st.busy = true
		return st, nil
	}
	m, err := s.request(ctx, Message{Type: MsgPowerOn, Seq: s.nextSeq()}, RspDataBlock)
	if err != nil {
		return probeState{}, r.failLocked(s, err)
	}
	if slotError(m.Param) != nil || len(m.Data) == 0 {
		return st, nil
	}
	if _, err := s.request(ctx, Message{Type: MsgPowerOff, Seq: s.nextSeq()}, RspSlotStatus); err != nil {
		return probeState{}, r.failLocked(s, err)
	}
	st.present, st.atr = true, m.Data
	return st, nil
}

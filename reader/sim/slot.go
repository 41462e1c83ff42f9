package sim

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/reader"
)

// SlotPrefix starts the name of every simulated reader slot, so the agent and
// the console can tell them from real readers.
const SlotPrefix = "sim:"

// Slot is a simulated reader whose card is inserted and removed on command:
// the demo's reader, and the agent's tests. It is a reader.Reader and a
// reader.Backend (it reports its own reader and card events). Safe for
// concurrent use.
type Slot struct {
	reader *Reader
	pace   time.Duration // real time spent per APDU, so a demo read takes as long as a real one

	mu       sync.Mutex
	inserted bool
	changed  chan struct{} // closed and replaced at every insert/remove
}

// NewSlot returns an empty slot called SlotPrefix+name holding chip when
// inserted. perAPDU, if positive, is slept on every APDU (the demo uses a few
// milliseconds so that the console's progress can be seen).
func NewSlot(name string, chip Chip, perAPDU time.Duration, opts ...Option) *Slot {
	return &Slot{
		reader:  NewReader(SlotPrefix+name, chip, opts...),
		pace:    perAPDU,
		changed: make(chan struct{}),
	}
}

// Name is the slot's reader name.
func (s *Slot) Name() string { return s.reader.Name() }

// Insert puts the card in the field.
func (s *Slot) Insert() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inserted {
		return
	}
	s.inserted = true
	s.signalLocked()
}

// Remove takes the card out of the field: a session in progress fails with
// reader.ErrCardRemoved at its next APDU.
func (s *Slot) Remove() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.inserted {
		return
	}
	s.inserted = false
	r := s.reader
	r.mu.Lock()
	if r.open != nil && !r.open.gone {
		r.open.removed, r.open.gone = true, true
	}
	r.chip.PowerOff()
	r.mu.Unlock()
	s.signalLocked()
}

// Inserted reports whether the card is in the field.
func (s *Slot) Inserted() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inserted
}

func (s *Slot) signalLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Connect opens a session with the card, or fails with reader.ErrNoCard.
func (s *Slot) Connect(ctx context.Context) (reader.Card, error) {
	if !s.Inserted() {
		return nil, fmt.Errorf("sim: %s: %w", s.Name(), reader.ErrNoCard)
	}
	c, err := s.reader.Connect(ctx)
	if err != nil || s.pace <= 0 {
		return c, err
	}
	return &pacedCard{Card: c, pace: s.pace}, nil
}

// Watch reports the slot and its card until ctx ends (reader.Backend).
func (s *Slot) Watch(ctx context.Context, events chan<- reader.Event) error {
	send := func(ev reader.Event) bool {
		select {
		case events <- ev:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if !send(reader.Event{Type: reader.ReaderAdded, Reader: s.Name()}) {
		return nil
	}
	reported := false
	for {
		s.mu.Lock()
		inserted, changed := s.inserted, s.changed
		s.mu.Unlock()
		if inserted != reported {
			ev := reader.Event{Type: reader.CardRemoved, Reader: s.Name()}
			if inserted {
				ev = reader.Event{Type: reader.CardPresent, Reader: s.Name(), ATR: s.reader.chip.PowerOn()}
			}
			if !send(ev) {
				return nil
			}
			reported = inserted
			continue
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil
		}
	}
}

// pacedCard spends real time on each APDU like a contactless link does.
type pacedCard struct {
	reader.Card
	pace time.Duration
}

func (c *pacedCard) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	t := time.NewTimer(c.pace)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return c.Card.Transmit(ctx, cmd)
}

// ExtendedLength passes the reader's answer through.
func (c *pacedCard) ExtendedLength() bool {
	if r, ok := c.Card.(icao.ExtendedLengthReporter); ok {
		return r.ExtendedLength()
	}
	return false
}

// KnowsExtendedLength passes through whether the reader knows.
func (c *pacedCard) KnowsExtendedLength() bool {
	if r, ok := c.Card.(icao.ExtendedLengthKnower); ok {
		return r.KnowsExtendedLength()
	}
	_, ok := c.Card.(icao.ExtendedLengthReporter)
	return ok
}

// ATR passes the chip's ATR through.
func (c *pacedCard) ATR() []byte {
	if r, ok := c.Card.(icao.ATRReporter); ok {
		return r.ATR()
	}
	return nil
}

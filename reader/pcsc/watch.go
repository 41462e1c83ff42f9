package pcsc

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/ebfe/scard"

	"github.com/cccd-agent/cccd/reader"
)

// Backend is the PC/SC source of reader.Watcher events. It follows reader
// hot-plug through the PnP pseudo-reader, card insertion and removal per
// reader, and survives pcscd stopping and restarting: it reports every
// reader removed, then establishes a new context with back-off and reports
// them again. Use one Backend per Watcher.
type Backend struct {
	// Poll bounds each GetStatusChange wait, after which the reader list
	// is read again (pcsc-lite before 2.3 can miss a reader plugged in
	// between two waits). Zero means 2 s.
	Poll time.Duration

	// establish makes a context; tests replace it.
	establish func() (*scard.Context, error)
}

var _ reader.Backend = (*Backend)(nil)

// NewBackend returns a PC/SC watch backend with default settings.
func NewBackend() *Backend { return &Backend{} }

// tracked is what the backend last reported for one reader.
type tracked struct {
	present bool
	mute    bool
	counter uint32 // upper 16 bits of the last event state: insert/remove count
}

// Watch implements reader.Backend. It returns nil when ctx ends.
func (b *Backend) Watch(ctx context.Context, events chan<- reader.Event) error {
	establish := b.establish
	if establish == nil {
		establish = scard.EstablishContext
	}
	wait := establishBackoffMin
	down := false // an outage was reported already
	for ctx.Err() == nil {
		sc, err := establish()
		if err != nil {
			if !down {
				down = true
				send(ctx, events, reader.Event{Type: reader.Error, Err: wrap("watch readers", "", err)})
			}
			sleep(ctx, wait)
			wait = min(wait*2, establishBackoffMax)
			continue
		}
		wait, down = establishBackoffMin, false
		known := map[string]*tracked{}
		err = b.session(ctx, sc, events, known)
		sc.Release()
		// The readers are gone with the context, whatever ended it.
		names := make([]string, 0, len(known))
		for n := range known {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			if known[n].present {
				send(ctx, events, reader.Event{Type: reader.CardRemoved, Reader: n})
			}
			send(ctx, events, reader.Event{Type: reader.ReaderRemoved, Reader: n})
		}
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			down = contextDead(err)
			send(ctx, events, reader.Event{Type: reader.Error, Err: err})
		}
		sleep(ctx, wait)
	}
	return nil
}

// session watches on one context until it dies or ctx ends.
func (b *Backend) session(ctx context.Context, sc *scard.Context, events chan<- reader.Event, known map[string]*tracked) error {
	stop := context.AfterFunc(ctx, func() { sc.Cancel() })
	defer stop()
	poll := b.Poll
	if poll <= 0 {
		poll = 2 * time.Second
	}
	states := []scard.ReaderState{{Reader: PnPNotification}}
	for {
		names, err := listNames(sc)
		if err != nil {
			return err
		}
		states = b.syncReaders(ctx, states, names, events, known)
		err = sc.GetStatusChange(states, poll)
		switch {
		case ctx.Err() != nil:
			return nil
		case err == nil, errors.Is(err, scard.ErrTimeout):
		case errors.Is(err, scard.ErrUnknownReader), errors.Is(err, scard.ErrReaderUnavailable):
			// A reader vanished between listing and waiting: list again.
			continue
		default:
			return wrap("watch readers", "", err)
		}
		for i := 1; i < len(states); i++ {
			s := &states[i]
			if s.EventState&scard.StateChanged != 0 {
				b.cardEvents(ctx, s, events, known[s.Reader])
			}
			s.CurrentState = s.EventState
		}
		// Keep the whole PnP state, upper word included: pcsc-lite 2.3+
		// and Windows count reader events there and return at once when
		// the count we pass is stale.
		states[0].CurrentState = states[0].EventState
	}
}

// syncReaders adds and drops reader entries to match names and reports the
// difference. Entry 0 stays the PnP pseudo-reader.
func (b *Backend) syncReaders(ctx context.Context, states []scard.ReaderState, names []string, events chan<- reader.Event, known map[string]*tracked) []scard.ReaderState {
	keep := states[:1]
	for _, s := range states[1:] {
		if slices.Contains(names, s.Reader) {
			keep = append(keep, s)
			continue
		}
		if known[s.Reader].present {
			send(ctx, events, reader.Event{Type: reader.CardRemoved, Reader: s.Reader})
		}
		delete(known, s.Reader)
		send(ctx, events, reader.Event{Type: reader.ReaderRemoved, Reader: s.Reader})
	}
	for _, n := range names {
		if _, ok := known[n]; ok {
			continue
		}
		known[n] = &tracked{}
		send(ctx, events, reader.Event{Type: reader.ReaderAdded, Reader: n})
		// UNAWARE makes the next wait return at once with the card state.
		keep = append(keep, scard.ReaderState{Reader: n, CurrentState: scard.StateUnaware})
	}
	return keep
}

// cardEvents reports what changed on one reader. Presence is read from the
// Present/Empty bits (other bits come and go); the upper 16 bits count
// insertions and removals, which reveals a re-tap between two waits.
func (b *Backend) cardEvents(ctx context.Context, s *scard.ReaderState, events chan<- reader.Event, t *tracked) {
	if t == nil || s.EventState&(scard.StateUnknown|scard.StateUnavailable) != 0 {
		return // the reader is going away; the next listing reports it
	}
	present := s.EventState&scard.StatePresent != 0
	mute := present && s.EventState&scard.StateMute != 0
	counter := uint32(s.EventState) >> 16
	retap := t.present && present && !mute && counter != t.counter
	if t.present && (!present || mute || retap) {
		send(ctx, events, reader.Event{Type: reader.CardRemoved, Reader: s.Reader})
		t.present = false
	}
	switch {
	case mute && !t.mute:
		send(ctx, events, reader.Event{Type: reader.CardMute, Reader: s.Reader})
	case present && !mute && !t.present:
		send(ctx, events, reader.Event{Type: reader.CardPresent, Reader: s.Reader, ATR: append([]byte(nil), s.Atr...)})
		t.present = true
	}
	t.mute, t.counter = mute, counter
}

func send(ctx context.Context, events chan<- reader.Event, ev reader.Event) {
	select {
	case events <- ev:
	case <-ctx.Done():
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
}

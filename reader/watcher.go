package reader

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// EventType says what happened on a reader.
type EventType int

// Event types. A backend reports them; the Watcher keeps them consistent
// (every CardPresent is ended by one CardRemoved, a reader's card is removed
// before the reader is, nothing is reported twice).
const (
	ReaderAdded   EventType = iota + 1 // a reader appeared (or the service came back)
	ReaderRemoved                      // a reader went away (or the service stopped)
	CardPresent                        // a card entered the field and answered; ATR set
	CardRemoved                        // the card left the field
	CardMute                           // something is in the field but does not answer
	Error                              // a backend failed; Err set, Reader may be empty
)

var eventNames = map[EventType]string{
	ReaderAdded: "reader-added", ReaderRemoved: "reader-removed", CardPresent: "card-present",
	CardRemoved: "card-removed", CardMute: "card-mute", Error: "error",
}

func (t EventType) String() string {
	if s, ok := eventNames[t]; ok {
		return s
	}
	return fmt.Sprintf("event(%d)", int(t))
}

// Event is one change on one reader. Reader is the reader's stable ID, unique
// across backends (a PC/SC reader name; other backends prefix theirs).
type Event struct {
	Type   EventType
	Reader string
	ATR    []byte
	Err    error
}

// Backend is a source of reader events: PC/SC, PN532, BLE, the simulator.
type Backend interface {
	// Watch reports the backend's readers and cards on events until ctx
	// ends, then returns nil. It reports every reader it knows with
	// ReaderAdded (and CardPresent) when it starts, recovers from its own
	// service failures, and returns an error only when it cannot go on;
	// the Watcher then restarts it after a pause. Watch must not close
	// events and must stop sending once ctx ends.
	Watch(ctx context.Context, events chan<- Event) error
}

// ReaderStatus is the Watcher's current view of one reader.
type ReaderStatus struct {
	Name        string
	CardPresent bool
	ATR         []byte
}

// Pause before a backend whose Watch returned an error is started again.
const backendRestartDelay = time.Second

// Watcher merges the events of several backends into one stream and keeps
// the current state of every reader, so that a backend that restarts and
// re-reports what it sees adds no duplicate event. Use Run once.
type Watcher struct {
	backends []Backend

	mu      sync.Mutex
	readers map[string]*ReaderStatus
}

// NewWatcher returns a watcher over the given backends.
func NewWatcher(backends ...Backend) *Watcher {
	return &Watcher{backends: backends, readers: map[string]*ReaderStatus{}}
}

// Run starts every backend and returns the merged event stream. The channel
// is closed after ctx ends and every backend has returned. A slow consumer
// slows the backends down; events are never dropped while ctx is alive.
func (w *Watcher) Run(ctx context.Context) <-chan Event {
	raw := make(chan Event, 16)
	out := make(chan Event, 16)
	var wg sync.WaitGroup
	for _, b := range w.backends {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.runBackend(ctx, b, raw)
		}()
	}
	go func() {
		wg.Wait()
		close(raw)
	}()
	go func() {
		defer close(out)
		for ev := range raw {
			for _, e := range w.apply(ev) {
				select {
				case out <- e:
				case <-ctx.Done():
				}
			}
		}
	}()
	return out
}

// runBackend keeps one backend running until ctx ends.
func (w *Watcher) runBackend(ctx context.Context, b Backend, raw chan<- Event) {
	for {
		err := b.Watch(ctx, raw)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = fmt.Errorf("reader: backend %T stopped on its own", b)
		}
		select {
		case raw <- Event{Type: Error, Err: err}:
		case <-ctx.Done():
			return
		}
		select {
		case <-time.After(backendRestartDelay):
		case <-ctx.Done():
			return
		}
	}
}

// apply updates the state with one backend event and returns the events to
// publish: none for a duplicate, extra ones where the backend skipped a step.
func (w *Watcher) apply(ev Event) []Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ev.Type == Error {
		return []Event{ev}
	}
	if ev.Reader == "" {
		return nil
	}
	st, known := w.readers[ev.Reader]
	var out []Event
	ensure := func() {
		if !known {
			st = &ReaderStatus{Name: ev.Reader}
			w.readers[ev.Reader] = st
			known = true
			out = append(out, Event{Type: ReaderAdded, Reader: ev.Reader})
		}
	}
	removeCard := func() {
		if st.CardPresent {
			st.CardPresent, st.ATR = false, nil
			out = append(out, Event{Type: CardRemoved, Reader: ev.Reader})
		}
	}
	switch ev.Type {
	case ReaderAdded:
		ensure()
	case ReaderRemoved:
		if known {
			removeCard()
			delete(w.readers, ev.Reader)
			out = append(out, ev)
		}
	case CardPresent:
		ensure()
		if st.CardPresent && string(st.ATR) == string(ev.ATR) {
			break
		}
		removeCard()
		st.CardPresent, st.ATR = true, append([]byte(nil), ev.ATR...)
		out = append(out, Event{Type: CardPresent, Reader: ev.Reader, ATR: append([]byte(nil), ev.ATR...)})
	case CardRemoved:
		if known {
			removeCard()
		}
	case CardMute:
		ensure()
		removeCard()
		out = append(out, ev)
	}
	return out
}

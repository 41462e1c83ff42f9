package pcsc_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/internal/testkit/vicc"
	"github.com/cccd-agent/cccd/reader"
	"github.com/cccd-agent/cccd/reader/pcsc"
)

// eventLog drains a watcher stream and lets a test wait for an event.
type eventLog struct {
	mu     sync.Mutex
	events []reader.Event
	more   chan struct{}
}

func watch(t *testing.T) (*reader.Watcher, *eventLog) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := reader.NewWatcher(pcsc.NewBackend())
	ch := w.Run(ctx)
	l := &eventLog{more: make(chan struct{}, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range ch {
			l.mu.Lock()
			l.events = append(l.events, e)
			l.mu.Unlock()
			select {
			case l.more <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("watcher did not stop within 10 s of cancel")
		}
	})
	return w, l
}

// next waits for an event matching typ and name after index from, and
// returns its index.
func (l *eventLog) next(t *testing.T, from int, typ reader.EventType, name string, within time.Duration) (int, reader.Event) {
	t.Helper()
	deadline := time.After(within)
	for {
		l.mu.Lock()
		for i := from; i < len(l.events); i++ {
			if e := l.events[i]; e.Type == typ && e.Reader == name {
				l.mu.Unlock()
				return i, e
			}
		}
		l.mu.Unlock()
		select {
		case <-l.more:
		case <-deadline:
			t.Fatalf("no %s for %q within %v; events: %s", typ, name, within, l)
		}
	}
}

func (l *eventLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.events)
}

func (l *eventLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b bytes.Buffer
	for _, e := range l.events {
		fmt.Fprintf(&b, "[%s %q] ", e.Type, e.Reader)
	}
	return b.String()
}

func TestWatchInsertRemove(t *testing.T) {
	testenv.LockVPCD(t)
	requirePCSCD(t)
	b0 := startSlot(t, 0)
	_, l := watch(t)
	for i := 0; i < 2; i++ {
		l.next(t, 0, reader.ReaderAdded, slotName(i), 5*time.Second)
	}
	for round := 0; round < 2; round++ {
		from := l.len()
		b0.Insert(&testChip{id: byte(round)})
		i, e := l.next(t, from, reader.CardPresent, slotName(0), 10*time.Second)
		if !bytes.Equal(e.ATR, testATR) {
			t.Errorf("round %d: ATR % X, want % X", round, e.ATR, testATR)
		}
		b0.Remove()
		l.next(t, i, reader.CardRemoved, slotName(0), 10*time.Second)
	}
}

// TestWatchSurvivesPCSCDRestart kills pcscd under a running watcher: the
// readers are reported removed, then added again within 5 s of pcscd being
// back, without restarting the watcher, and a card is seen again.
func TestWatchSurvivesPCSCDRestart(t *testing.T) {
	testenv.LockVPCD(t)
	requirePCSCD(t)
	b0 := startSlot(t, 0)
	b0.Insert(&testChip{id: 7})
	_, l := watch(t)
	l.next(t, 0, reader.CardPresent, slotName(0), 10*time.Second)

	from := l.len()
	vicc.StopPCSCD(t)
	i, _ := l.next(t, from, reader.CardRemoved, slotName(0), 10*time.Second)
	l.next(t, i, reader.ReaderRemoved, slotName(0), 10*time.Second)
	// pcscd going down may first answer "refused" or "comm error"; the
	// outage must be reported as ErrNoService.
	for at := from; ; at++ {
		var e reader.Event
		at, e = l.next(t, at, reader.Error, "", 10*time.Second)
		if errors.Is(e.Err, reader.ErrNoService) {
			break
		}
		t.Logf("backend error before the outage report: %v", e.Err)
	}

	from = l.len()
	vicc.StartPCSCD(t) // returns once pcscd lists the readers
	back := time.Now()
	for n := 0; n < 2; n++ {
		l.next(t, from, reader.ReaderAdded, slotName(n), 5*time.Second)
	}
	t.Logf("readers reported again %v after pcscd answered", time.Since(back).Round(time.Millisecond))
	// The bridge redials on its own; the card comes back.
	l.next(t, from, reader.CardPresent, slotName(0), 10*time.Second)
}

// TestTwoReadersConcurrent reads two cards on the two vpcd slots at once
// through two sessions: every answer comes from its own card, in order.
func TestTwoReadersConcurrent(t *testing.T) {
	testenv.LockVPCD(t)
	requirePCSCD(t)
	_, l := watch(t)
	chips := []*testChip{{id: 0x10}, {id: 0x20}}
	for i, c := range chips {
		startSlot(t, i).Insert(c)
	}
	for i := range chips {
		l.next(t, 0, reader.CardPresent, slotName(i), 10*time.Second)
	}
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for i, c := range chips {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := pcsc.NewReader(slotName(i), pcsc.Options{})
			defer r.Close()
			ctx := context.Background()
			card, err := r.Connect(ctx)
			if err != nil {
				errs <- err
				return
			}
			defer card.Close()
			base := c.apdus.Load()
			for k := 1; k <= n; k++ {
				got, err := card.Transmit(ctx, []byte{0x00, 0xCC, 0x00, 0x00})
				if err != nil {
					errs <- fmt.Errorf("reader %d APDU %d: %w", i, k, err)
					return
				}
				if got[0] != c.id || int32(got[1]) != base+int32(k) {
					errs <- fmt.Errorf("reader %d APDU %d answered by card %#x as its APDU %d: sessions mixed", i, k, got[0], got[1])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

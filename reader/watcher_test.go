package reader

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync/atomic"
	"testing"
	"time"
)

// scripted is a Backend that sends its events, then either waits for the
// end or fails (once) so the Watcher has to restart it.
type scripted struct {
	events []Event
	failN  int32 // fail this many times before waiting
	starts atomic.Int32
}

func (s *scripted) Watch(ctx context.Context, ch chan<- Event) error {
	n := s.starts.Add(1)
	for _, e := range s.events {
		select {
		case ch <- e:
		case <-ctx.Done():
			return nil
		}
	}
	if n <= s.failN {
		return errors.New("backend lost its service")
	}
	<-ctx.Done()
	return nil
}

func collect(t *testing.T, ch <-chan Event, n int) []string {
	t.Helper()
	var got []string
	for len(got) < n {
		select {
		case e := <-ch:
			s := e.Type.String() + " " + e.Reader
			if len(e.ATR) > 0 {
				s += fmt.Sprintf(" % X", e.ATR)
			}
			if e.Err != nil {
				s += " err"
			}
			got = append(got, s)
		case <-time.After(5 * time.Second):
			t.Fatalf("got %d events %q, want %d", len(got), got, n)
		}
	}
	return got
}

func TestWatcherNormalises(t *testing.T) {
	atr1, atr2 := []byte{0x3B, 0x01}, []byte{0x3B, 0x02}
	tests := []struct {
		name string
		in   []Event
		want []string
	}{
		{"insert remove", []Event{
			{Type: ReaderAdded, Reader: "A"}, {Type: CardPresent, Reader: "A", ATR: atr1}, {Type: CardRemoved, Reader: "A"},
		}, []string{"reader-added A", "card-present A 3B 01", "card-removed A"}},
		{"duplicates dropped", []Event{
			{Type: ReaderAdded, Reader: "A"}, {Type: ReaderAdded, Reader: "A"},
			{Type: CardPresent, Reader: "A", ATR: atr1}, {Type: CardPresent, Reader: "A", ATR: atr1},
			{Type: CardRemoved, Reader: "A"}, {Type: CardRemoved, Reader: "A"}, {Type: ReaderRemoved, Reader: "A"},
		}, []string{"reader-added A", "card-present A 3B 01", "card-removed A", "reader-removed A"}},
		{"missing steps synthesised", []Event{
			{Type: CardPresent, Reader: "B", ATR: atr1}, {Type: CardPresent, Reader: "B", ATR: atr2}, {Type: ReaderRemoved, Reader: "B"},
		}, []string{"reader-added B", "card-present B 3B 01", "card-removed B", "card-present B 3B 02", "card-removed B", "reader-removed B"}},
		{"mute ends a presence", []Event{
			{Type: CardPresent, Reader: "C", ATR: atr1}, {Type: CardMute, Reader: "C"},
		}, []string{"reader-added C", "card-present C 3B 01", "card-removed C", "card-mute C"}},
		{"unknown reader removal ignored", []Event{
			{Type: ReaderRemoved, Reader: "Z"}, {Type: CardRemoved, Reader: "Z"}, {Type: Error, Err: errors.New("x")},
		}, []string{"error  err"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			w := NewWatcher(&scripted{events: tc.in})
			got := collect(t, w.Run(ctx), len(tc.want))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestWatcherMergesAndRestarts(t *testing.T) {
	a := &scripted{events: []Event{{Type: CardPresent, Reader: "pcsc A", ATR: []byte{1}}}}
	b := &scripted{events: []Event{{Type: ReaderAdded, Reader: "pn532 B"}}, failN: 1}
	ctx, cancel := context.WithCancel(context.Background())
	w := NewWatcher(a, b)
	ch := w.Run(ctx)
	got := collect(t, ch, 4) // A added+present, B added, B's error
	seen := map[string]int{}
	for _, g := range got {
		seen[g]++
	}
	for _, want := range []string{"reader-added pcsc A", "card-present pcsc A 01", "reader-added pn532 B", "error  err"} {
		if seen[want] != 1 {
			t.Errorf("missing %q in %q", want, got)
		}
	}
	// The restarted backend re-reports B: a duplicate, so nothing new.
	deadline := time.Now().Add(5 * time.Second)
	for b.starts.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if b.starts.Load() != 2 {
		t.Fatalf("backend B started %d times, want 2", b.starts.Load())
	}
	rs := w.snapshot()
	if len(rs) != 2 || rs[0].Name != "pcsc A" || !rs[0].CardPresent || rs[1].Name != "pn532 B" || rs[1].CardPresent {
		t.Errorf("snapshot() = %+v", rs)
	}
	cancel()
	for range ch { // closes once both backends returned
	}
}

// snapshot returns the readers currently known, sorted by name: the state
// the watcher keeps to drop duplicate events, read by the tests of this package.
func (w *Watcher) snapshot() []ReaderStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]ReaderStatus, 0, len(w.readers))
	for _, st := range w.readers {
		c := *st
		c.ATR = append([]byte(nil), st.ATR...)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

package pcsc

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/ebfe/scard"

	"github.com/cccd-agent/cccd/reader"
)

// TestCardEvents drives the per-reader state machine with the event states
// pcsc-lite reports: counter in the upper 16 bits.
func TestCardEvents(t *testing.T) {
	const (
		present = scard.StateChanged | scard.StatePresent
		empty   = scard.StateChanged | scard.StateEmpty
		mute    = scard.StateChanged | scard.StatePresent | scard.StateMute
	)
	atr := []byte{0x3B, 0x80, 0x80, 0x01, 0x01}
	tests := []struct {
		name   string
		states []scard.StateFlag
		want   []string
	}{
		{"insert then remove", []scard.StateFlag{0x10000 | present, 0x20000 | empty | scard.StateExclusive},
			[]string{"card-present", "card-removed"}},
		{"extra bits do not matter", []scard.StateFlag{0x10000 | present, 0x10000 | present | scard.StateInuse | scard.StateExclusive},
			[]string{"card-present"}},
		{"re-tap between two waits", []scard.StateFlag{0x10000 | present, 0x30000 | present},
			[]string{"card-present", "card-removed", "card-present"}},
		{"mute card", []scard.StateFlag{0x10000 | mute, 0x10000 | mute, 0x20000 | empty},
			[]string{"card-mute"}},
		{"card becomes mute", []scard.StateFlag{0x10000 | present, 0x10000 | mute},
			[]string{"card-present", "card-removed", "card-mute"}},
		{"reader going away", []scard.StateFlag{0x10000 | present, scard.StateChanged | scard.StateUnknown | scard.StateUnavailable},
			[]string{"card-present"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			events := make(chan reader.Event, 16)
			tr := &tracked{}
			var b Backend
			for _, st := range tc.states {
				s := scard.ReaderState{Reader: "R", EventState: st, Atr: atr}
				b.cardEvents(context.Background(), &s, events, tr)
			}
			close(events)
			var got []string
			for e := range events {
				got = append(got, e.Type.String())
				if e.Type == reader.CardPresent && string(e.ATR) != string(atr) {
					t.Errorf("ATR % X", e.ATR)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestWatchServiceDown: with no service, Watch reports the outage once (not
// on every retry) and returns promptly when its context ends.
func TestWatchServiceDown(t *testing.T) {
	attempts := 0
	b := &Backend{establish: func() (*scard.Context, error) {
		attempts++
		return nil, scard.ErrNoService
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	events := make(chan reader.Event, 16)
	start := time.Now()
	if err := b.Watch(ctx, events); err != nil {
		t.Fatalf("Watch: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("Watch took %v to stop", time.Since(start))
	}
	close(events)
	var errs []error
	for e := range events {
		if e.Type != reader.Error {
			t.Errorf("unexpected %s event", e.Type)
		}
		errs = append(errs, e.Err)
	}
	if len(errs) != 1 || !errors.Is(errs[0], reader.ErrNoService) {
		t.Errorf("events %v, want one ErrNoService", errs)
	}
	if attempts < 2 || attempts > 6 {
		t.Errorf("%d attempts in 1.5 s, want a few (back-off from 250 ms)", attempts)
	}
}

// TestSyncReaders covers the reader-list side of hot-plug, which vpcd
// cannot exercise (its readers exist as long as pcscd runs): readers that
// appear are added with an UNAWARE state, readers that vanish are reported
// removed (their card first), the PnP entry stays first, and a known
// reader keeps its last state.
func TestSyncReaders(t *testing.T) {
	var b Backend
	events := make(chan reader.Event, 32)
	known := map[string]*tracked{}
	states := []scard.ReaderState{{Reader: PnPNotification}}
	ctx := context.Background()

	states = b.syncReaders(ctx, states, []string{"A", "B"}, events, known)
	states[1].CurrentState = 0x10000 | scard.StatePresent
	known["A"].present = true
	states = b.syncReaders(ctx, states, []string{"B", "C"}, events, known)
	states = b.syncReaders(ctx, states, []string{"B", "C"}, events, known)
	close(events)

	var got []string
	for e := range events {
		got = append(got, e.Type.String()+" "+e.Reader)
	}
	want := []string{"reader-added A", "reader-added B", "card-removed A", "reader-removed A", "reader-added C"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
	var names []string
	for _, s := range states {
		names = append(names, s.Reader)
	}
	if !reflect.DeepEqual(names, []string{PnPNotification, "B", "C"}) {
		t.Errorf("states %q", names)
	}
	if states[2].CurrentState != scard.StateUnaware {
		t.Errorf("new reader C starts at %#x, want UNAWARE", states[2].CurrentState)
	}
	if _, ok := known["A"]; ok {
		t.Error("removed reader A still tracked")
	}
}

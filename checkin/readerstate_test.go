package checkin

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/reader/sim"
)

// statesUntil follows readerName's reader-state events until one is want
// and returns the states seen since the last call.
func (r *rig) statesUntil(t *testing.T, readerName string, want ReaderState) []ReaderState {
	t.Helper()
	from := len(r.states[readerName])
	for {
		_, ev := r.until(t, readerName, "reader-state")
		if ev.Data.(ReaderInfo).State == want {
			return r.states[readerName][from:]
		}
	}
}

func readerInfo(t *testing.T, r *rig, name string) ReaderInfo {
	t.Helper()
	for _, ri := range r.agent.Readers(context.Background()) {
		if ri.Name == name {
			return ri
		}
	}
	t.Fatalf("reader %s not listed", name)
	return ReaderInfo{}
}

// TestReaderStateMachine walks every transition a desk sees: tap then key,
// result, removal, a new card that makes the old result stale, a wrong key
// then the right one, a key typed before the tap, a key that never comes,
// and a card pulled away mid-read.
func TestReaderStateMachine(t *testing.T) {
	slot := sim.NewSlot("desk", newChip(t, false), 0)
	r := startRig(t, AgentConfig{KeyTimeout: 200 * time.Millisecond}, slot)
	name := slot.Name()
	if got := readerInfo(t, r, name); got.State != StateIdle {
		t.Fatalf("a new reader is %s, want idle", got.State)
	}

	// Tap, then the key: waiting-key → reading → result.
	slot.Insert()
	if got := r.statesUntil(t, name, StateWaitingKey); !slices.Equal(got, []ReaderState{StateWaitingKey}) {
		t.Fatalf("after the tap: %v", got)
	}
	submit(t, r, name, sim.DemoCAN)
	if got := r.statesUntil(t, name, StateResult); !slices.Equal(got, []ReaderState{StateReading, StateResult}) {
		t.Fatalf("after the key: %v", got)
	}
	first := readerInfo(t, r, name)
	if first.Checkin == 0 || first.ReadID == "" {
		t.Fatalf("result state names no check-in: %+v", first)
	}

	// The card leaves: removed, the result still current and confirmable.
	slot.Remove()
	r.statesUntil(t, name, StateRemoved)
	if got := readerInfo(t, r, name); got.Checkin != first.Checkin {
		t.Fatalf("removed state lost its check-in: %+v", got)
	}

	// The next patient's card: the old result is no longer current, and the
	// result panel's Confirm for it is refused.
	slot.Insert()
	r.statesUntil(t, name, StateWaitingKey)
	if got := readerInfo(t, r, name); got.Checkin != 0 || got.ReadID != "" {
		t.Fatalf("the previous result stays on a new card: %+v", got)
	}
	if _, err := r.agent.ConfirmCurrent(context.Background(), name, first.Checkin); !errors.Is(err, ErrConflict) {
		t.Fatalf("confirming the previous patient on a new card: %v, want ErrConflict", err)
	}

	// A wrong key: error (wrong-key), the card stays; the right key reads it.
	submit(t, r, name, "999999")
	if got := r.statesUntil(t, name, StateError); !slices.Equal(got, []ReaderState{StateReading, StateError}) {
		t.Fatalf("after a wrong key: %v", got)
	}
	if got := readerInfo(t, r, name); got.LastErr != "wrong-key" {
		t.Fatalf("error state: %+v", got)
	}
	submit(t, r, name, sim.DemoCAN)
	if got := r.statesUntil(t, name, StateResult); !slices.Equal(got, []ReaderState{StateReading, StateResult}) {
		t.Fatalf("after the right key: %v", got)
	}
	second := readerInfo(t, r, name)
	if second.LastErr != "" || second.Checkin == 0 {
		t.Fatalf("result after a retry: %+v", second)
	}
	if c, err := r.agent.ConfirmCurrent(context.Background(), name, second.Checkin); err != nil || !c.Confirmed {
		t.Fatalf("confirming the current result: %v", err)
	}

	// A key typed before the tap shows as ready; the tap reads at once.
	slot.Remove()
	r.statesUntil(t, name, StateRemoved)
	submit(t, r, name, sim.DemoCAN)
	if _, ev := r.until(t, name, "reader-state"); !ev.Data.(ReaderInfo).KeyReady {
		t.Fatalf("a key typed before the tap is not shown as ready: %+v", ev.Data)
	}
	slot.Insert()
	if got := r.statesUntil(t, name, StateResult); !slices.Equal(got, []ReaderState{StateReading, StateResult}) {
		t.Fatalf("key before tap: %v", got)
	}

	// No key at all: waiting-key → error (key-timeout).
	slot.Remove()
	r.statesUntil(t, name, StateRemoved)
	slot.Insert()
	if got := r.statesUntil(t, name, StateError); !slices.Equal(got, []ReaderState{StateWaitingKey, StateError}) {
		t.Fatalf("no key: %v", got)
	}
	if got := readerInfo(t, r, name); got.LastErr != "key-timeout" {
		t.Fatalf("key timeout: %+v", got)
	}
	slot.Remove()
	if got := r.statesUntil(t, name, StateRemoved); !slices.Equal(got, []ReaderState{StateRemoved}) {
		t.Fatalf("removal after an error: %v", got)
	}
}

// TestReaderStateCardPulledMidRead: a card that leaves during the read
// makes the reader "removed": nothing of it is shown, no check-in named.
func TestReaderStateCardPulledMidRead(t *testing.T) {
	slot := sim.NewSlot("desk", newChip(t, false), 5*time.Millisecond)
	r := startRig(t, AgentConfig{}, slot)
	name := slot.Name()
	submit(t, r, name, sim.DemoCAN)
	slot.Insert()
	r.statesUntil(t, name, StateReading)
	slot.Remove()
	// The read may notice the card gone (error card-removed) just before
	// the reader reports it: follow both until the reader says removed and
	// the read has ended.
	var (
		states  []ReaderState
		errCode string
	)
	for len(states) == 0 || states[len(states)-1] != StateRemoved || errCode == "" {
		ev := r.next(t)
		if ev.Reader != name {
			continue
		}
		switch ev.Type {
		case "reader-state":
			states = append(states, ev.Data.(ReaderInfo).State)
		case "error":
			errCode = errorCode(t, ev)
		case "result":
			t.Fatal("a result for a card pulled mid-read")
		}
	}
	if !slices.Equal(states, []ReaderState{StateRemoved}) && !slices.Equal(states, []ReaderState{StateError, StateRemoved}) {
		t.Fatalf("card pulled mid-read: %v", states)
	}
	if errCode != "card-removed" && errCode != "no-card" { // pulled during the read, or before its first APDU
		t.Fatalf("the read ended with %s", errCode)
	}
	if got := readerInfo(t, r, name); got.State != StateRemoved || got.Checkin != 0 {
		t.Fatalf("after the failed read: %+v", got)
	}
}

// TestReaderTransitionsDocumented: every state can be reached and left.
func TestReaderTransitionsDocumented(t *testing.T) {
	all := []ReaderState{StateIdle, StateWaitingKey, StateReading, StateResult, StateError, StateRemoved}
	reached := map[ReaderState]bool{}
	for _, from := range all {
		if len(readerTransitions[from]) == 0 {
			t.Errorf("%s has no way out", from)
		}
		for _, to := range readerTransitions[from] {
			reached[to] = true
		}
	}
	for _, s := range all[1:] {
		if !reached[s] {
			t.Errorf("%s cannot be reached", s)
		}
	}
	if transitionAllowed(StateRemoved, StateResult) || transitionAllowed(StateIdle, StateResult) {
		t.Error("a result without a read is allowed")
	}
}

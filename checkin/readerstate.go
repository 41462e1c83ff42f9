package checkin

import (
	"context"
	"fmt"
	"time"

	"github.com/cccd-agent/cccd/cache"
)

// ReaderState is where one reader is in the reception flow. The console
// draws its result panel from it alone, so that what it shows always belongs
// to the card on the reader now:
//
//	idle ──card──▶ waiting-key ──key──▶ reading ──▶ result | error
//	  └──card with a key ready──────────▲             │        │
//	                                                  ▼        ▼
//	  any state with a card ──card leaves──▶ removed ──card──▶ waiting-key | reading
//
// An error with the card still there (a wrong CAN, say) goes back to
// reading when a new key comes, or to error again when the key times out.
type ReaderState string

// The reader states.
const (
	StateIdle       ReaderState = "idle"        // no card, nothing of a patient to show
	StateWaitingKey ReaderState = "waiting-key" // a card lies there and waits for its CAN
	StateReading    ReaderState = "reading"     // the chip is being read
	StateResult     ReaderState = "result"      // the card was read: Checkin names its check-in
	StateError      ReaderState = "error"       // the last attempt failed: Code says why
	StateRemoved    ReaderState = "removed"     // the card left: the last result is no longer on the reader
)

// readerTransitions lists every transition the flow makes; setStateLocked
// refuses others, so a bug shows as a log line, not as a screen that lies.
var readerTransitions = map[ReaderState][]ReaderState{
	StateIdle:       {StateWaitingKey, StateReading, StateError},
	StateWaitingKey: {StateReading, StateError, StateRemoved, StateWaitingKey},
	StateReading:    {StateResult, StateError, StateRemoved},
	StateResult:     {StateRemoved, StateError, StateWaitingKey, StateReading},
	StateError:      {StateReading, StateError, StateRemoved, StateWaitingKey},
	StateRemoved:    {StateWaitingKey, StateReading, StateError},
}

func transitionAllowed(from, to ReaderState) bool {
	for _, s := range readerTransitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// ReaderInfo is one reader as GET /api/v1/readers lists it and as a
// "reader-state" event carries it.
type ReaderInfo struct {
	Name  string      `json:"name"`
	State ReaderState `json:"state"`
	Sim   bool        `json:"sim"`
	// LastErr is the error code of StateError (an ErrorEvent code), kept
	// until the next card.
	LastErr string `json:"last_error,omitempty"`
	// Checkin and ReadID name the result of StateResult, and stay while the
	// card is removed, until the next card arrives.
	Checkin uint64 `json:"checkin,omitempty"`
	ReadID  string `json:"read_id,omitempty"`
	// KeyReady: a key was given for the next card on this reader.
	KeyReady bool      `json:"key_ready"`
	Since    time.Time `json:"since"` // when the reader entered State
}

// setStateLocked moves s to state and tells subscribers with a
// "reader-state" event. A transition the flow does not make is logged and
// still taken: the reader's real state wins over the diagram.
func (a *Agent) setStateLocked(s *slot, state ReaderState) {
	if s.state == "" {
		s.state = StateIdle
	}
	if !transitionAllowed(s.state, state) {
		a.log.Warn("unexpected reader state change", "reader", s.name, "from", s.state, "to", state)
	}
	s.state, s.since = state, a.cfg.Now()
	a.publish("reader-state", s.name, a.infoLocked(s))
}

func (a *Agent) infoLocked(s *slot) ReaderInfo {
	st := s.state
	if st == "" {
		st = StateIdle
	}
	info := ReaderInfo{Name: s.name, State: st, Sim: isSimReader(s.name), Since: s.since,
		KeyReady: s.key != nil && a.cfg.Now().Before(s.keyUntil)}
	if st == StateError {
		info.LastErr = s.lastErr
	}
	info.Checkin, info.ReadID = s.lastSeq, s.lastReadID
	return info
}

// ConfirmCurrent confirms check-in seq as the result shown for readerName
// (ConfirmCheckin), only while it is that reader's current result: its card
// may have left, but no other card has come since. The console confirms this
// way, so that a result left on screen can never confirm for the next
// patient. The reader stays locked until the confirmation is stored, so a
// card arriving meanwhile waits for it.
func (a *Agent) ConfirmCurrent(ctx context.Context, readerName string, seq uint64) (cache.Checkin, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.slots[readerName]
	if !ok {
		return cache.Checkin{}, fmt.Errorf("reader %q is not connected: %w", readerName, ErrNotFound)
	}
	if s.lastSeq != seq || (s.state != StateResult && s.state != StateRemoved) {
		return cache.Checkin{}, fmt.Errorf("check-in %d is no longer the result on this reader (another card came since); confirm it from the list: %w", seq, ErrConflict)
	}
	return a.ConfirmCheckin(ctx, seq)
}

package checkin

import (
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"
)

// Event is one message of the agent's event stream (the API's
// /api/v1/events). The flow decides what happens; the API only carries it.
type Event struct {
	Type   string `json:"type"` // reader-added, reader-removed, card-present, key-needed, progress, result, error, card-removed, checkin, status
	Reader string `json:"reader,omitempty"`
	Time   string `json:"time"`           // RFC 3339
	Data   any    `json:"data,omitempty"` // one of the payload types below, or nil

	// encoded is the event's JSON, made once by Hub.Publish so that a result
	// with its photo is not encoded again for every client.
	encoded []byte
}

// JSON returns the event's encoding, made once when it was published.
func (e Event) JSON() ([]byte, error) {
	if e.encoded != nil {
		return e.encoded, nil
	}
	return json.Marshal(e)
}

// ProgressEvent is the data of a "progress" event. Fields are in the order
// the JSON has always had (it was a map, so sorted).
type ProgressEvent struct {
	Percent int    `json:"percent"`
	Step    string `json:"step"`
}

// CheckinEvent is the data of a "checkin" event: a check-in was stored or
// changed; clients re-read it by number.
type CheckinEvent struct {
	Seq uint64 `json:"seq"`
}

// ResultEvent is the data of a "result" event: the read as EventView trims
// it, its eligibility and the check-in it was recorded as. ReadID names the
// read for GET /api/v1/reads/{id} (the photo and the QĐ 4750 fields) while
// it is kept (AgentConfig.ReadTTL).
type ResultEvent struct {
	Seq         uint64      `json:"seq"`
	ReadID      string      `json:"read_id"`
	Read        *ReadResult `json:"read"`
	Eligibility Eligibility `json:"eligibility"`
	Confirmed   bool        `json:"confirmed"`
	// Repeat: the same card was read again within the re-tap window
	// (checkins.retap_window) and no new check-in was stored; Seq is the
	// earlier check-in's.
	Repeat bool `json:"repeat,omitempty"`
}

// ErrorEvent is the data of an "error" event: a code and what to tell the
// receptionist, in Vietnamese and English.
type ErrorEvent struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageEN string `json:"message_en"`
}

// Hub fans events out to every subscriber. Publish never blocks: a
// subscriber whose buffer is full misses that event (the console re-reads
// state through REST when it reconnects). Safe for concurrent use.
type Hub struct {
	mu      sync.Mutex
	subs    map[chan Event]struct{}
	closed  bool
	dropped atomic.Uint64
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{subs: map[chan Event]struct{}{}} }

// Publish stamps ev with the current time if it has none and sends it to
// every subscriber that has room.
func (h *Hub) Publish(ev Event) {
	if ev.Time == "" {
		ev.Time = clock.Now().UTC().Format(time.RFC3339Nano)
	}
	if b, err := json.Marshal(ev); err == nil {
		ev.encoded = b
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- ev:
		default:
			h.dropped.Add(1)
		}
	}
}

// Dropped counts events that a full subscriber buffer did not take.
func (h *Hub) Dropped() uint64 { return h.dropped.Load() }

// Subscribe returns a channel of events and the function that ends the
// subscription and closes the channel.
func (h *Hub) Subscribe() (<-chan Event, func()) {
	ch := make(chan Event, 256)
	h.mu.Lock()
	if h.closed {
		close(ch)
	} else {
		h.subs[ch] = struct{}{}
	}
	h.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			if _, ok := h.subs[ch]; ok {
				delete(h.subs, ch)
				close(ch)
			}
			h.mu.Unlock()
		})
	}
}

// Subscribers reports how many subscriptions are open.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Close ends every subscription; later subscriptions get a closed channel.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for ch := range h.subs {
		delete(h.subs, ch)
		close(ch)
	}
}

package checkin

import (
	"encoding/json"
	"testing"
)

func TestHubEncodesOnceAndCountsDrops(t *testing.T) {
	h := NewHub()
	events, cancel := h.Subscribe()
	defer cancel()
	h.Publish(Event{Type: "result", Reader: "sim", Data: map[string]int{"seq": 1}})
	ev := <-events
	var back Event
	if err := json.Unmarshal(ev.encoded, &back); err != nil || back.Type != "result" || back.Time != ev.Time {
		t.Fatalf("encoded event %s: %v", ev.encoded, err)
	}
	if b, err := ev.JSON(); err != nil || string(b) != string(ev.encoded) {
		t.Fatalf("JSON() = %s, %v; want the encoding made at Publish", b, err)
	}
	for i := 0; i < 300; i++ { // nobody reads: the buffer of 256 fills
		h.Publish(Event{Type: "progress"})
	}
	if got := h.Dropped(); got != 300-256 {
		t.Fatalf("dropped %d events, want %d", got, 300-256)
	}
}

// The payloads were maps before they were types; clients see the same bytes.
func TestEventPayloadJSON(t *testing.T) {
	for _, tc := range []struct {
		typed, untyped any
	}{
		{ProgressEvent{Step: "read", Percent: 20}, map[string]any{"step": "read", "percent": 20}},
		{CheckinEvent{Seq: 7}, map[string]any{"seq": uint64(7)}},
	} {
		a, _ := json.Marshal(tc.typed)
		b, _ := json.Marshal(tc.untyped)
		if string(a) != string(b) {
			t.Errorf("%T encodes as %s, was %s", tc.typed, a, b)
		}
	}
}

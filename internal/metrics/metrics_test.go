package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandlerExposesCollectors(t *testing.T) {
	m := New()
	m.Reads.WithLabelValues("verified").Inc()
	m.ReadSeconds.Observe(1.2)
	m.OutboxDepth.Set(3)
	m.CountDroppedEvents(func() uint64 { return 7 })
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{`cccd_reads_total{outcome="verified"} 1`, "cccd_read_duration_seconds_bucket", "cccd_outbox_depth 3", "cccd_events_dropped_total 7", "go_goroutines"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics output lacks %q", want)
		}
	}
}

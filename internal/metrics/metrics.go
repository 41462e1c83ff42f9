// Package metrics holds the agent's Prometheus collectors. Labels are closed
// sets (outcomes, reason tokens, step names): never an ID number, a name or a
// reader-supplied string that could carry one.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the set of collectors the agent updates. Safe for concurrent use.
type Metrics struct {
	Registry *prometheus.Registry

	// Reads counts finished reads by outcome: verified, intact-untrusted,
	// failed, access-denied, card-removed, error.
	Reads *prometheus.CounterVec
	// ReadReasons counts verification reasons (machine tokens) of reads.
	ReadReasons *prometheus.CounterVec
	// ReadSeconds is the tap-to-result time.
	ReadSeconds prometheus.Histogram
	// APDUsPerRead is the number of APDU round trips per read.
	APDUsPerRead prometheus.Histogram
	// RosterAgeSeconds and RosterRecords describe the local roster.
	RosterAgeSeconds prometheus.Gauge
	RosterRecords    prometheus.Gauge
	// OutboxDepth is the number of check-ins not yet delivered to the HIS.
	OutboxDepth prometheus.Gauge
	// CheckinsPastRetention counts undelivered check-ins older than
	// checkins.retention: kept (never deleted undelivered), so flagged here.
	CheckinsPastRetention prometheus.Gauge
	// GatewaySeconds is the BHXH gateway latency by outcome (ok, error, timeout).
	GatewaySeconds *prometheus.HistogramVec
	// Checkins counts recorded check-ins by eligibility status.
	Checkins *prometheus.CounterVec
	// CheckinSaveFailures counts attempts to store a check-in that failed
	// (a full or read-only disk); CheckinsUnsaved is how many wait in memory.
	CheckinSaveFailures prometheus.Counter
	CheckinsUnsaved     prometheus.Gauge
}

// New creates the collectors on a fresh registry, with the Go runtime and
// process collectors.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		Reads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cccd_reads_total", Help: "Card reads by outcome.",
		}, []string{"outcome"}),
		ReadReasons: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cccd_read_reasons_total", Help: "Verification reasons reported by reads.",
		}, []string{"reason"}),
		ReadSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "cccd_read_duration_seconds", Help: "Tap-to-result time of card reads.",
			Buckets: []float64{0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 8, 13},
		}),
		APDUsPerRead: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "cccd_read_apdus", Help: "APDU round trips per card read.",
			Buckets: []float64{10, 20, 30, 40, 60, 80, 120, 200},
		}),
		RosterAgeSeconds: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "cccd_roster_age_seconds", Help: "Time since the local roster was last published.",
		}),
		RosterRecords: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "cccd_roster_records", Help: "Records in the local roster.",
		}),
		OutboxDepth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "cccd_outbox_depth", Help: "Check-ins waiting for delivery to the HIS.",
		}),
		CheckinsPastRetention: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "cccd_checkins_undelivered_past_retention", Help: "Undelivered check-ins older than checkins.retention (kept until the HIS accepts them).",
		}),
		GatewaySeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "cccd_gateway_duration_seconds", Help: "BHXH gateway call latency by outcome.",
			Buckets: prometheus.DefBuckets,
		}, []string{"outcome"}),
		Checkins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cccd_checkins_total", Help: "Recorded check-ins by eligibility status.",
		}, []string{"eligibility"}),
		CheckinSaveFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cccd_checkin_save_failures_total", Help: "Attempts to store a check-in that failed (disk full, read-only); the check-in is kept in memory and retried.",
		}),
		CheckinsUnsaved: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "cccd_checkins_unsaved", Help: "Check-ins read but not yet stored, waiting in memory for the disk.",
		}),
	}
	m.Registry.MustRegister(m.CheckinSaveFailures, m.CheckinsUnsaved, m.Reads, m.ReadReasons, m.ReadSeconds, m.APDUsPerRead,
		m.RosterAgeSeconds, m.RosterRecords, m.OutboxDepth, m.CheckinsPastRetention, m.GatewaySeconds, m.Checkins,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// CountDroppedEvents exports how many events slow API subscribers missed
// (checkin.Hub.Dropped) as cccd_events_dropped_total.
func (m *Metrics) CountDroppedEvents(dropped func() uint64) {
	m.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "cccd_events_dropped_total", Help: "Events a slow WebSocket subscriber did not take in time.",
	}, func() float64 { return float64(dropped()) }))
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

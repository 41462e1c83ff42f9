package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/config"
	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/internal/metrics"
)

// seedCheckins stores check-ins aged relative to now: names "Retention
// Person NN"; delivered ones are marked so.
func seedCheckins(t *testing.T, db *cache.DB, now time.Time, ages []time.Duration, delivered []bool) {
	t.Helper()
	for i, age := range ages {
		c := &cache.Checkin{Time: now.Add(-age), SoCCCD: fmt.Sprintf("0790900%05d", i), HoTen: fmt.Sprintf("Retention Person %02d", i), Reader: "sim"}
		if _, err := db.AppendCheckin(c); err != nil {
			t.Fatal(err)
		}
		if delivered[i] {
			if err := db.MarkDelivered(c, c.Time.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
	}
}

const day = 24 * time.Hour

// With an injected now, one retention pass deletes exactly the delivered
// check-ins past checkins.retention, none of the undelivered, and the audit
// records and lookup answers past their own periods.
func TestApplyRetention(t *testing.T) {
	db, err := cache.Open(filepath.Join(t.TempDir(), "data", cacheFileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2031, 3, 1, 9, 0, 0, 0, time.UTC) // injected: never compared with the wall clock
	ages := []time.Duration{120 * day, 91 * day, 89 * day, 120 * day, 400 * day, time.Hour}
	delivered := []bool{true, true, true, false, false, true}
	seedCheckins(t, db, now, ages, delivered)
	db.AppendAudit(cache.AuditRecord{Time: now.Add(-400 * day), Event: "sign-in"})
	db.AppendAudit(cache.AuditRecord{Time: now.Add(-day), Event: "sign-in"})
	db.PutLookup("079090000001", []byte(`{}`), now.Add(-8*day))
	db.PutLookup("079090000002", []byte(`{}`), now.Add(-6*day))

	cfg := config.Default()
	r, err := applyRetention(db, retentionFromConfig(cfg), now)
	if err != nil {
		t.Fatal(err)
	}
	if r.checkins.Deleted != 2 || r.checkins.Undelivered != 2 || r.audit != 1 || r.lookups != 1 {
		t.Errorf("retention pass: %+v", r)
	}
	for i := range ages {
		_, ok, _ := db.Checkin(uint64(i + 1))
		wantGone := delivered[i] && ages[i] > 90*day
		if ok == wantGone {
			t.Errorf("check-in %d (age %v, delivered %v): present %v", i+1, ages[i], delivered[i], ok)
		}
	}
	if _, _, ok, _ := db.GetLookup("079090000002"); !ok {
		t.Error("a lookup answer within roster.freshness was pruned")
	}
	// A second pass has nothing left to delete.
	if r, _ := applyRetention(db, retentionFromConfig(cfg), now); r.checkins.Deleted != 0 || r.checkins.Undelivered != 2 {
		t.Errorf("second pass: %+v", r)
	}
}

// The agent's retention loop flags undelivered check-ins past retention in
// /metrics.
func TestRetentionGauge(t *testing.T) {
	db, err := cache.Open(filepath.Join(t.TempDir(), "data", cacheFileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	seedCheckins(t, db, clock.Now(), []time.Duration{100 * day, 100 * day, 200 * day, day}, []bool{false, true, false, false})
	m := metrics.New()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // one pass, then the loop ends
	runRetention(ctx, db, retentionFromConfig(config.Default()), m, slog.New(slog.NewTextHandler(io.Discard, nil)))
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(rec.Body.String(), "\ncccd_checkins_undelivered_past_retention 2\n") {
		t.Errorf("/metrics lacks cccd_checkins_undelivered_past_retention 2")
	}
	if n, _ := db.PendingCount(); n != 3 {
		t.Errorf("outbox %d, want the 3 undelivered kept", n)
	}
}

// `cccd checkins purge --before DATE` deletes the delivered check-ins before
// DATE, keeps the undelivered, records it in the audit trail and compacts:
// the deleted names are not in the database file afterwards.
func TestCheckinsPurgeCLI(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(data, cacheFileName)
	db, err := cache.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	now := clock.Now()
	seedCheckins(t, db, now, []time.Duration{40 * day, 40 * day, 10 * day}, []bool{true, false, true})
	db.Close()
	before := now.Add(-30 * day).Format(time.RFC3339)
	out, errOut, code := runCLI(t, data, "checkins", "purge", "--before", before)
	if code != 0 || !strings.Contains(out, "deleted 1 delivered") || !strings.Contains(out, "kept 1 older") || !strings.Contains(out, "database compacted") {
		t.Fatalf("purge: exit %d, %q, %q", code, out, errOut)
	}
	raw, _ := os.ReadFile(path)
	if n := bytes.Count(raw, []byte("Retention Person 00")); n != 0 {
		t.Errorf("the purged name is %d times in the database file", n)
	}
	for _, kept := range []string{"Retention Person 01", "Retention Person 02"} {
		if !bytes.Contains(raw, []byte(kept)) {
			t.Errorf("%s is missing from the database", kept)
		}
	}
	if out, _, _ := runCLI(t, data, "audit", "list"); !strings.Contains(out, "checkins-purged") || !strings.Contains(out, "deleted:1") {
		t.Errorf("audit trail: %q", out)
	}
	// The kept undelivered check-in is flagged in the list once past
	// checkins.retention.
	cfg := filepath.Join(t.TempDir(), "config.json")
	os.WriteFile(cfg, []byte(`{"checkins":{"retention":"720h"}}`), 0o600)
	if out, _, code := runCLI(t, data, "--config", cfg, "checkins", "list"); code != 0 || strings.Count(out, "past retention") != 1 {
		t.Errorf("checkins list with a 30-day retention: exit %d\n%s", code, out)
	}
	if out, _, _ := runCLI(t, data, "checkins", "list"); strings.Contains(out, "past retention") {
		t.Errorf("checkins list with the default 90 days flags a 40-day-old check-in:\n%s", out)
	}
	for _, bad := range []string{"", "yesterday", now.Add(48 * time.Hour).Format("2006-01-02")} {
		if _, _, code := runCLI(t, data, "checkins", "purge", "--before", bad); code != exitUsage {
			t.Errorf("--before %q: exit %d, want 2", bad, code)
		}
	}
}

// `cccd db compact` refuses while another process (an agent) holds the
// database, and compacts once it is free.
func TestDBCompactCLI(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(data, cacheFileName)
	db, err := cache.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runCLI(t, data, "db", "compact")
	if code == 0 || !strings.Contains(errOut, "stop the agent") {
		t.Errorf("compact beside an open database: exit %d, %q", code, errOut)
	}
	db.Close()
	out, errOut, code := runCLI(t, data, "db", "compact")
	if code != 0 || !strings.Contains(out, "compacted") {
		t.Errorf("compact: exit %d, %q, %q", code, out, errOut)
	}
}

package sync

import (
	"context"
	"crypto/ed25519"
	"path/filepath"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testkit/rostertest"
)

// TestRunRetriesThenSyncsPeriodically: the daemon loop backs off while the
// server fails, syncs when it is back, and keeps polling at the interval.
func TestRunRetriesThenSyncsPeriodically(t *testing.T) {
	dir := t.TempDir()
	key := rostertest.Key(1)
	recs := rostertest.Records(41, 100, "v1")
	p := publish(t, dir, key, recs, time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC))
	srv := serveDir(t, dir)
	srv.failNext.Store(3)
	db := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
	s, err := New(db, Config{URL: srv.URL, PublicKey: key.Public().(ed25519.PublicKey), WorkDir: workDir(t),
		Logger: quietLogger(), Interval: 30 * time.Millisecond, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for srv.requests.Load() < 8 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	// 3 failed manifest requests, then manifest + snapshot, then polls.
	if n := srv.requests.Load(); n < 8 {
		t.Fatalf("only %d requests in 10 s", n)
	}
	assertRoster(t, db, p.Manifest.Version, sorted(recs))
	if meta, _ := db.RosterMeta(); meta.LastError != "" || meta.LastAttempt.IsZero() {
		t.Errorf("meta after recovery: %+v", meta)
	}
}

// TestSyncInterruptedIsNotAFailure: a sync cut short by the caller's own
// context (the agent shutting down) leaves the roster meta as the last real
// outcome left it, so the status page shows no feed error that never was.
func TestSyncInterruptedIsNotAFailure(t *testing.T) {
	dir := t.TempDir()
	key := rostertest.Key(1)
	publish(t, dir, key, rostertest.Records(41, 10, "v1"), time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC))
	srv := serveDir(t, dir)
	db := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
	s, err := New(db, Config{URL: srv.URL, PublicKey: key.Public().(ed25519.PublicKey), WorkDir: workDir(t), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	before, _ := db.RosterMeta()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Sync(ctx); err == nil {
		t.Fatal("a sync with a cancelled context succeeded")
	}
	if after, _ := db.RosterMeta(); after != before {
		t.Fatalf("meta changed by an interrupted sync:\n before %+v\n after  %+v", before, after)
	}
}

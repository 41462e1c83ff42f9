package sync

import (
	"context"
	"crypto/ed25519"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testkit/rostertest"
)

// A feed server that sends one byte per interval never stalls, but the sync
// as a whole ends at Config.Timeout with a clear error and the roster kept.
func TestSyncOverallDeadline(t *testing.T) {
	dir := t.TempDir()
	key := rostertest.Key(1)
	publish(t, dir, key, rostertest.Records(7, 50, "v1"), time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC))
	manifest, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, b := range manifest { // a trickle: 1 byte every 20 ms
			if _, err := w.Write([]byte{b}); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-time.After(20 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
	}))
	defer srv.Close()
	db := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
	s, err := New(db, Config{URL: srv.URL, PublicKey: key.Public().(ed25519.PublicKey), WorkDir: workDir(t),
		Logger: quietLogger(), Timeout: 400 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = s.Sync(context.Background())
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "roster.sync_timeout (400ms)") {
		t.Fatalf("trickled sync: %v, want ErrTimeout naming roster.sync_timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("sync ended after %v, want about the 400 ms deadline", d)
	}
	m, _ := db.RosterMeta()
	if m.Version != 0 || !strings.Contains(m.LastError, "roster.sync_timeout") {
		t.Errorf("roster meta after the deadline: version %d, last error %q", m.Version, m.LastError)
	}
}

// A sync that waits behind one already running counts its wait against
// the deadline too (POST /api/v1/sync during a scheduled sync).
func TestSyncDeadlineCoversWait(t *testing.T) {
	key := rostertest.Key(1)
	db := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
	s, err := New(db, Config{URL: "http://127.0.0.1:1/", PublicKey: key.Public().(ed25519.PublicKey), WorkDir: workDir(t),
		Logger: quietLogger(), Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s.running <- struct{}{} // a sync is running
	defer func() { <-s.running }()
	if _, err := s.Sync(context.Background()); !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "another sync") {
		t.Fatalf("waiting sync: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Sync(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiting sync: %v", err)
	}
}

// A publication that drops more than MaxShrink of the roster is refused and
// reported (roster kept, last error set) unless forced.
func TestSyncShrinkNeedsForce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	key := rostertest.Key(1)
	pub := key.Public().(ed25519.PublicKey)
	v1 := rostertest.Records(7, 100, "v1")
	publish(t, dir, key, v1, time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC))
	url := serveDir2(t, dir)
	db := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
	work := workDir(t)
	if _, err := newSyncer(t, db, url, pub, work).Sync(ctx); err != nil {
		t.Fatal(err)
	}
	m1, _ := db.RosterMeta()
	p2 := publish(t, dir, key, v1[:49], time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC))
	_, err := newSyncer(t, db, url, pub, work).Sync(ctx)
	if !errors.Is(err, ErrShrink) || !strings.Contains(err.Error(), "49 records") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("shrunk publication: %v, want ErrShrink naming --force", err)
	}
	assertRoster(t, db, m1.Version, sorted(v1))
	if m, _ := db.RosterMeta(); !strings.Contains(m.LastError, "--force") {
		t.Errorf("last error %q does not report the refusal", m.LastError)
	}
	// Force accepts it.
	s, err := New(db, Config{URL: url, PublicKey: pub, WorkDir: work, Logger: quietLogger(), Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sync(ctx); err != nil {
		t.Fatalf("forced sync: %v", err)
	}
	assertRoster(t, db, p2.Manifest.Version, sorted(v1[:49]))
	// A looser max_shrink lets a larger drop through.
	publish(t, dir, key, v1[:25], time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC))
	s, _ = New(db, Config{URL: url, PublicKey: pub, WorkDir: work, Logger: quietLogger(), MaxShrink: 0.6})
	if _, err := s.Sync(ctx); err != nil {
		t.Fatalf("sync within max_shrink 0.6: %v", err)
	}
}

package sync

import (
	"context"
	"crypto/ed25519"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/sync/feed"
)

// publish writes a publication of records into dir at time now.
func publish(t testing.TB, dir string, key ed25519.PrivateKey, records []cache.RosterRecord, now time.Time) *feed.PublishResult {
	t.Helper()
	res, err := feed.Publish(context.Background(), dir, key, append([]cache.RosterRecord(nil), records...), feed.PublishOptions{Now: now})
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	return res
}

// openDB opens (creating) a real bbolt cache file, closed at cleanup.
func openDB(t testing.TB, path string) *cache.DB {
	t.Helper()
	db, err := cache.Open(path)
	if err != nil {
		t.Fatalf("open cache: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newSyncer(t testing.TB, db Store, url string, pub ed25519.PublicKey, work string) *Syncer {
	t.Helper()
	s, err := New(db, Config{URL: url, PublicKey: pub, WorkDir: work, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// assertRoster checks that db holds exactly records at version.
func assertRoster(t testing.TB, db *cache.DB, version uint64, records []cache.RosterRecord) {
	t.Helper()
	meta, err := db.RosterMeta()
	if err != nil {
		t.Fatal(err)
	}
	if meta.Version != version || meta.Records != len(records) {
		t.Fatalf("roster at version %d with %d records, want %d with %d", meta.Version, meta.Records, version, len(records))
	}
	for _, want := range records {
		got, ok, err := db.LookupRoster(want.SoCCCD)
		if err != nil || !ok || got != want {
			t.Fatalf("record %s: ok=%v err=%v, differs=%v", want.SoCCCD[:4], ok, err, got != want)
		}
	}
}

func workDir(t testing.TB) string { return filepath.Join(t.TempDir(), "feed") }

type cacheRecord = cache.RosterRecord

// tempDir is t.TempDir for tests and benchmarks alike.
func tempDir(t testing.TB) string { return t.TempDir() }

func copyFileTB(t testing.TB, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// serveDir2 serves dir over HTTP for tests and benchmarks and returns its URL.
func serveDir2(t testing.TB, dir string) string {
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(srv.Close)
	return srv.URL
}

func cacheMeta(version uint64, source string) cache.RosterMeta {
	return cache.RosterMeta{Version: version, Source: source}
}

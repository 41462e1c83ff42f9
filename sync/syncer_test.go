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
	"sync/atomic"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"

	"github.com/cccd-agent/cccd/internal/testkit/rostertest"
	"github.com/cccd-agent/cccd/sync/feed"
)

// countingServer serves dir and counts requests and body bytes per path.
type countingServer struct {
	*httptest.Server
	requests atomic.Int64
	failNext atomic.Int64 // answer that many requests with 503
}

func serveDir(t *testing.T, dir string) *countingServer {
	cs := &countingServer{}
	fs := http.FileServer(http.Dir(dir))
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.requests.Add(1)
		if cs.failNext.Load() > 0 {
			cs.failNext.Add(-1)
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		fs.ServeHTTP(w, r)
	}))
	t.Cleanup(cs.Close)
	return cs
}

func TestSyncLifecycle(t *testing.T) {
	ctx := context.Background()
	feedDir := t.TempDir()
	key := rostertest.Key(1)
	pub := key.Public().(ed25519.PublicKey)
	t0 := time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC)
	v1 := rostertest.Records(1, 2000, "v1")
	p1 := publish(t, feedDir, key, v1, t0)
	srv := serveDir(t, feedDir)
	db := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
	s := newSyncer(t, db, srv.URL+"/", pub, workDir(t))

	// 1. First sync: the snapshot.
	res, err := s.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != ModeSnapshot || res.To != p1.Manifest.Version || res.Records != 2000 {
		t.Fatalf("first sync: %+v", res)
	}
	assertRoster(t, db, p1.Manifest.Version, v1)

	// 2. Nothing changed: a conditional GET answered 304.
	if res, err = s.Sync(ctx); err != nil || res.Mode != ModeNotModified || res.Bytes != 0 {
		t.Fatalf("second sync: %+v, %v", res, err)
	}

	// 3. A 1% change: only the delta travels.
	v2 := rostertest.Mutate(2, v1, 0.01, "v2")
	p2 := publish(t, feedDir, key, v2, t0.Add(time.Hour))
	if res, err = s.Sync(ctx); err != nil || res.Mode != ModeDelta || res.To != p2.Manifest.Version {
		t.Fatalf("delta sync: %+v, %v", res, err)
	}
	if max := p2.Delta.Size + 4096; res.Bytes > max {
		t.Errorf("delta sync moved %d bytes; delta is %d, snapshot %d", res.Bytes, p2.Delta.Size, p2.Manifest.Snapshot.Size)
	}
	assertRoster(t, db, p2.Manifest.Version, sorted(v2))

	// 4. Two publications behind: the chain of two deltas, applied at once.
	v3 := rostertest.Mutate(3, v2, 0.01, "v3")
	publish(t, feedDir, key, v3, t0.Add(2*time.Hour))
	v4 := rostertest.Mutate(4, v3, 0.01, "v4")
	p4 := publish(t, feedDir, key, v4, t0.Add(3*time.Hour))
	if res, err = s.Sync(ctx); err != nil || res.Mode != ModeDelta || res.Objects != 2 || res.To != p4.Manifest.Version {
		t.Fatalf("chain sync: %+v, %v", res, err)
	}
	assertRoster(t, db, p4.Manifest.Version, sorted(v4))

	// 5. The server is down: the error is recorded and the roster kept.
	srv.failNext.Store(1)
	if _, err = s.Sync(ctx); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("sync against a failing server: %v", err)
	}
	meta, _ := db.RosterMeta()
	if !strings.Contains(meta.LastError, "unavailable") || meta.Version != p4.Manifest.Version {
		t.Errorf("meta after failure: %+v", meta)
	}
	if _, err = s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if meta, _ = db.RosterMeta(); meta.LastError != "" {
		t.Errorf("LastError not cleared after success: %q", meta.LastError)
	}
	if ents, _ := os.ReadDir(s.cfg.WorkDir); len(ents) != 0 {
		t.Errorf("work dir keeps %d files", len(ents))
	}
}

func sorted(recs []cacheRecord) []cacheRecord {
	out := append([]cacheRecord(nil), recs...)
	if err := feed.SortRecords(out); err != nil {
		panic(err)
	}
	return out
}

func TestSyncRejects(t *testing.T) {
	ctx := context.Background()
	key := rostertest.Key(1)
	pub := key.Public().(ed25519.PublicKey)
	t0 := time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC)
	v1 := rostertest.Records(1, 300, "v1")
	v2 := rostertest.Mutate(2, v1, 0.05, "v2")

	tests := []struct {
		name   string
		tamper func(t *testing.T, dir string, p *feed.PublishResult)
		want   error
	}{
		{"manifest edited", func(t *testing.T, dir string, p *feed.PublishResult) {
			editFile(t, filepath.Join(dir, feed.ManifestName), `"records":`, `"records":1`)
		}, feed.ErrBadSignature},
		{"manifest by another publisher", func(t *testing.T, dir string, p *feed.PublishResult) {
			os.Remove(filepath.Join(dir, feed.ManifestName))
			signed, err := feed.Sign(p.Manifest, rostertest.Key(7))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, feed.ManifestName), signed, 0o644)
		}, feed.ErrUnknownKey},
		{"delta object tampered", func(t *testing.T, dir string, p *feed.PublishResult) {
			flipByte(t, filepath.Join(dir, feed.ObjectPath(p.Delta.SHA256)))
		}, feed.ErrHashMismatch},
		{"delta object replaced by another valid object", func(t *testing.T, dir string, p *feed.PublishResult) {
			src := filepath.Join(dir, feed.ObjectPath(p.Manifest.Snapshot.SHA256))
			b, _ := os.ReadFile(src)
			os.WriteFile(filepath.Join(dir, feed.ObjectPath(p.Delta.SHA256)), b, 0o644)
		}, feed.ErrHashMismatch},
		{"rollback to an older signed manifest", func(t *testing.T, dir string, p *feed.PublishResult) {
			// Replay the first publication's manifest (kept by the test).
			old, _ := os.ReadFile(filepath.Join(dir, "manifest.v1"))
			os.WriteFile(filepath.Join(dir, feed.ManifestName), old, 0o644)
		}, feed.ErrRollback},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p1 := publish(t, dir, key, v1, t0)
			copyFile(t, filepath.Join(dir, feed.ManifestName), filepath.Join(dir, "manifest.v1"))
			srv := serveDir(t, dir)
			db := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
			s := newSyncer(t, db, srv.URL, pub, workDir(t))
			if _, err := s.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			p2 := publish(t, dir, key, v2, t0.Add(time.Hour))
			if tc.want == feed.ErrRollback {
				// The client must first have seen v2 for v1 to be a rollback.
				if _, err := s.Sync(ctx); err != nil {
					t.Fatal(err)
				}
			}
			tc.tamper(t, dir, p2)
			// A tampering server changes Last-Modified too; file writes
			// within the publication's second would otherwise look unchanged.
			later := clock.Now().Add(5 * time.Second)
			os.Chtimes(filepath.Join(dir, feed.ManifestName), later, later)
			_, err := s.Sync(ctx)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Sync = %v, want %v", err, tc.want)
			}
			want, wantV := v1, p1.Manifest.Version
			if tc.want == feed.ErrRollback {
				want, wantV = sorted(v2), p2.Manifest.Version
			}
			assertRoster(t, db, wantV, want)
			meta, _ := db.RosterMeta()
			if meta.LastError == "" || meta.LastError != err.Error() {
				t.Errorf("LastError = %q, want the error", meta.LastError)
			}
		})
	}
}

func editFile(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), old, new, 1)
	if s == string(b) {
		t.Fatalf("%q not in %s", old, path)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func flipByte(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x01
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestKeyChangeBypassesValidators: after the admin pins another key, a 304
// must not hide that the feed is not signed by it.
func TestKeyChangeBypassesValidators(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	key := rostertest.Key(1)
	publish(t, dir, key, rostertest.Records(1, 10, "v1"), time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC))
	srv := serveDir(t, dir)
	db := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
	if _, err := newSyncer(t, db, srv.URL, key.Public().(ed25519.PublicKey), workDir(t)).Sync(ctx); err != nil {
		t.Fatal(err)
	}
	other := rostertest.Key(2).Public().(ed25519.PublicKey)
	if _, err := newSyncer(t, db, srv.URL, other, workDir(t)).Sync(ctx); !errors.Is(err, feed.ErrUnknownKey) {
		t.Fatalf("sync with another pinned key: %v, want ErrUnknownKey", err)
	}
}

// TestLocalImportThenFeed: a roster imported locally (its own version
// numbering) is replaced by the feed's snapshot at the next sync, not
// reported as a rollback; an older signed manifest is still refused
// afterwards because the client remembers the newest version it accepted.
func TestLocalImportThenFeed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	key := rostertest.Key(1)
	pub := key.Public().(ed25519.PublicKey)
	t0 := time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC)
	v1 := rostertest.Records(51, 200, "v1")
	publish(t, dir, key, v1, t0)
	copyFile(t, filepath.Join(dir, feed.ManifestName), filepath.Join(dir, "manifest.v1"))
	v2 := rostertest.Mutate(52, v1, 0.05, "v2")
	p2 := publish(t, dir, key, v2, t0.Add(time.Hour))
	srv := serveDir(t, dir)
	db := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
	s := newSyncer(t, db, srv.URL, pub, workDir(t))
	if _, err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	// The admin imports a CSV: the cache numbers it after the feed's version.
	local := rostertest.Records(53, 50, "import")
	err := db.ReplaceRoster(cacheMeta(p2.Manifest.Version+1, "import:roster.csv"), func(yield func(cacheRecord) error) error {
		for _, r := range sorted(local) {
			if err := yield(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Sync(ctx)
	if err != nil || res.Mode != ModeSnapshot {
		t.Fatalf("sync after a local import: %+v, %v", res, err)
	}
	assertRoster(t, db, p2.Manifest.Version, sorted(v2))
	// Serving the older v1 manifest now is a rollback.
	copyFile(t, filepath.Join(dir, "manifest.v1"), filepath.Join(dir, feed.ManifestName))
	later := clock.Now().Add(5 * time.Second)
	os.Chtimes(filepath.Join(dir, feed.ManifestName), later, later)
	if _, err := s.Sync(ctx); !errors.Is(err, feed.ErrRollback) {
		t.Fatalf("older manifest after import: %v, want ErrRollback", err)
	}
}

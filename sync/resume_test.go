package sync

import (
	"context"
	"crypto/ed25519"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testkit/rostertest"
	"github.com/cccd-agent/cccd/sync/feed"
)

// TestResumeInterruptedDownload cuts the snapshot transfer half way and
// checks that the next sync asks only for the missing bytes with a Range
// request, and that a server ignoring Range still yields a correct roster.
func TestResumeInterruptedDownload(t *testing.T) {
	tests := []struct {
		name        string
		honourRange bool
	}{
		{"server honours Range", true},
		{"server ignores Range", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			key := rostertest.Key(1)
			recs := rostertest.Records(5, 3000, "v1")
			p := publish(t, dir, key, recs, time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC))
			objPath := "/" + feed.ObjectPath(p.Manifest.Snapshot.SHA256)
			data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(objPath)))
			if err != nil {
				t.Fatal(err)
			}
			half := len(data) / 2
			var cut = true
			var ranges []string
			var objectBytes int
			files := http.FileServer(http.Dir(dir))
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != objPath {
					files.ServeHTTP(w, r)
					return
				}
				ranges = append(ranges, r.Header.Get("Range"))
				if cut {
					cut = false
					w.Header().Set("Content-Length", strconv.Itoa(len(data)))
					w.Write(data[:half])
					w.(http.Flusher).Flush()
					objectBytes += half
					panic(http.ErrAbortHandler) // drop the connection mid-body
				}
				if !tc.honourRange {
					r.Header.Del("Range")
				}
				rec := httptest.NewRecorder()
				files.ServeHTTP(rec, r)
				objectBytes += rec.Body.Len()
				for k, v := range rec.Header() {
					w.Header()[k] = v
				}
				w.WriteHeader(rec.Code)
				w.Write(rec.Body.Bytes())
			}))
			defer srv.Close()

			db := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
			work := workDir(t)
			s := newSyncer(t, db, srv.URL, key.Public().(ed25519.PublicKey), work)
			if _, err := s.Sync(ctx); !errors.Is(err, ErrUnavailable) {
				t.Fatalf("interrupted sync: %v", err)
			}
			if meta, _ := db.RosterMeta(); meta.Version != 0 {
				t.Fatalf("roster changed by an interrupted sync: %+v", meta)
			}
			fi, err := os.Stat(filepath.Join(work, p.Manifest.Snapshot.SHA256+".part"))
			if err != nil || fi.Size() != int64(half) {
				t.Fatalf("partial file: %v, %v", fi, err)
			}
			res, err := s.Sync(ctx)
			if err != nil || res.Mode != ModeSnapshot {
				t.Fatalf("resumed sync: %+v, %v", res, err)
			}
			assertRoster(t, db, p.Manifest.Version, sorted(recs))
			if len(ranges) != 2 || ranges[0] != "" || ranges[1] != "bytes="+strconv.Itoa(half)+"-" {
				t.Fatalf("Range headers %q", ranges)
			}
			want := len(data) // half + the other half
			if !tc.honourRange {
				want = half + len(data)
			}
			if objectBytes != want {
				t.Errorf("object bytes sent %d, want %d", objectBytes, want)
			}
			if ents, _ := os.ReadDir(work); len(ents) != 0 {
				t.Errorf("work dir keeps %v after success", ents)
			}
		})
	}
}

// TestResumeRejectsCorruptPartial: a partial file whose bytes are wrong
// (disk corruption, a tampering proxy) fails the hash check and is dropped,
// and the following sync downloads the object afresh.
func TestResumeRejectsCorruptPartial(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	key := rostertest.Key(1)
	recs := rostertest.Records(6, 500, "v1")
	p := publish(t, dir, key, recs, time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC))
	srv := serveDir(t, dir)
	db := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
	work := workDir(t)
	os.MkdirAll(work, 0o700)
	os.WriteFile(filepath.Join(work, p.Manifest.Snapshot.SHA256+".part"), []byte("garbage that is not the object"), 0o600)
	s := newSyncer(t, db, srv.URL, key.Public().(ed25519.PublicKey), work)
	if _, err := s.Sync(ctx); !errors.Is(err, feed.ErrHashMismatch) {
		t.Fatalf("sync with corrupt partial: %v", err)
	}
	if _, err := os.Stat(filepath.Join(work, p.Manifest.Snapshot.SHA256+".part")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("corrupt partial kept: %v", err)
	}
	if _, err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	assertRoster(t, db, p.Manifest.Version, sorted(recs))
}

// TestStalledTransferAbortsAndResumes: a server that stops sending mid-body
// (a dead peer) does not hold the sync; the next attempt resumes.
func TestStalledTransferAbortsAndResumes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	key := rostertest.Key(1)
	recs := rostertest.Records(7, 2000, "v1")
	p := publish(t, dir, key, recs, time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC))
	objPath := "/" + feed.ObjectPath(p.Manifest.Snapshot.SHA256)
	data, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(objPath)))
	release := make(chan struct{})
	stall := true
	files := http.FileServer(http.Dir(dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == objPath && stall {
			stall = false
			w.Header().Set("Content-Length", strconv.Itoa(len(data)))
			w.Write(data[:1000])
			w.(http.Flusher).Flush()
			select { // hang like a dead peer
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		files.ServeHTTP(w, r)
	}))
	defer srv.Close()
	defer close(release)
	db := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
	s, err := New(db, Config{URL: srv.URL, PublicKey: key.Public().(ed25519.PublicKey), WorkDir: workDir(t),
		Logger: quietLogger(), StallTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sync(ctx); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "no data for") {
		t.Fatalf("stalled sync: %v", err)
	}
	res, err := s.Sync(ctx)
	// Resumed: the 1000 bytes held are not fetched again (the manifest is smaller).
	if err != nil || res.Mode != ModeSnapshot || res.Bytes >= int64(len(data)) {
		t.Fatalf("resumed sync: %+v, %v", res, err)
	}
	assertRoster(t, db, p.Manifest.Version, sorted(recs))
}

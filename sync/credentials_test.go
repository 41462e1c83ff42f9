package sync

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/internal/testkit/rostertest"
)

// TestFeedCredentialsStayOffDisk: the feed's Authorization comes from the
// configuration (roster.feed_auth_file) and a secret in the URL's query
// works too, but neither reaches the database file.
func TestFeedCredentialsStayOffDisk(t *testing.T) {
	feedDir := t.TempDir()
	key := rostertest.Key(3)
	v1 := rostertest.Records(41, 50, "v1")
	publish(t, feedDir, key, v1, clock.Now().Add(-time.Hour).Truncate(time.Second))
	files := http.FileServer(http.Dir(feedDir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret-feed-pass" || (r.URL.Path == "/manifest.json" && r.URL.Query().Get("token") != "abc123tok") {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	dbPath := filepath.Join(t.TempDir(), "cccd.db")
	db := openDB(t, dbPath)
	url := srv.URL + "/manifest.json?token=abc123tok"
	s, err := New(db, Config{URL: url, PublicKey: key.Public().(ed25519.PublicKey), Authorization: "Bearer s3cret-feed-pass",
		WorkDir: workDir(t), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sync(context.Background()); err != nil {
		t.Fatalf("sync with credentials: %v", err)
	}
	if _, err := s.Sync(context.Background()); err != nil {
		t.Fatalf("second sync (conditional): %v", err)
	}
	db.Close()
	raw, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"s3cret-feed-pass", "abc123tok"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("the database file holds the feed credential %q", secret)
		}
	}
	// Without the Authorization the server refuses.
	db2 := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
	s2, _ := New(db2, Config{URL: url, PublicKey: key.Public().(ed25519.PublicKey), WorkDir: workDir(t), Logger: quietLogger()})
	if _, err := s2.Sync(context.Background()); err == nil {
		t.Error("a sync without the feed's Authorization succeeded")
	}
}

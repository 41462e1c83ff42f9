package sync

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"

	"github.com/klauspost/compress/zstd"

	"github.com/cccd-agent/cccd/internal/testkit/rostertest"
	"github.com/cccd-agent/cccd/sync/feed"
)

// TestRejectedFeedLeaksNothing: a hostile snapshot (records out of order,
// signed by a compromised publisher) is refused, and neither the error, the
// stored LastError nor the log carries a person's data or the feed URL's
// password.
func TestRejectedFeedLeaksNothing(t *testing.T) {
	dir := t.TempDir()
	key := rostertest.Key(1)
	const (
		idA, idB = "001099012399", "001099012345"
		name     = "Trần Thị Bí Mật"
	)
	body := strings.Join([]string{
		`{"format":"cccd-roster-object/1","kind":"snapshot","version":5,"count":2}`,
		`{"soCCCD":"` + idA + `","hoTen":"` + name + `"}`,
		`{"soCCCD":"` + idB + `","hoTen":"` + name + `"}`,
	}, "\n") + "\n"
	enc, _ := zstd.NewWriter(nil)
	obj := enc.EncodeAll([]byte(body), nil)
	sum := sha256.Sum256(obj)
	sha := hex.EncodeToString(sum[:])
	os.MkdirAll(filepath.Join(dir, feed.ObjectsDir), 0o755)
	os.WriteFile(filepath.Join(dir, filepath.FromSlash(feed.ObjectPath(sha))), obj, 0o644)
	signed, err := feed.Sign(&feed.Manifest{Format: feed.ManifestFormat, Version: 5, Published: clock.Now().UTC().Truncate(time.Second),
		Records: 2, Snapshot: feed.Object{SHA256: sha, Size: int64(len(obj))}}, key)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, feed.ManifestName), signed, 0o644)
	srv := serveDir(t, dir)
	u, _ := url.Parse(srv.URL)
	u.User = url.UserPassword("clinic", "hunter2")

	var logs bytes.Buffer
	db := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
	s, err := New(db, Config{URL: u.String(), PublicKey: key.Public().(ed25519.PublicKey), WorkDir: workDir(t),
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Sync(context.Background())
	if !errors.Is(err, feed.ErrMalformed) {
		t.Fatalf("Sync = %v, want ErrMalformed", err)
	}
	meta, _ := db.RosterMeta()
	all := err.Error() + "\n" + meta.LastError + "\n" + logs.String()
	for _, secret := range []string{idA, idB, name, "hunter2"} {
		if strings.Contains(all, secret) {
			t.Errorf("%q leaked:\n%s", secret, all)
		}
	}
	if meta.Version != 0 {
		t.Errorf("roster changed to version %d", meta.Version)
	}
}

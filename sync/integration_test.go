package sync

import (
	"context"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"

	"github.com/cccd-agent/cccd/internal/testkit/rostertest"
	"github.com/cccd-agent/cccd/sync/feed"
)

// TestFeedThroughNginx is issue #6's acceptance run against a real nginx:
// publish, sync into a real bbolt file, look up, publish a delta, sync again
// fetching only the delta, then reject a tampered manifest, a tampered object
// and a rolled-back version while the roster stays readable.
func TestFeedThroughNginx(t *testing.T) {
	ctx := context.Background()
	feedDir := t.TempDir()
	os.Chmod(feedDir, 0o755)
	key := rostertest.Key(1)
	pub := key.Public().(ed25519.PublicKey)
	t0 := clock.Now().Add(-time.Hour).Truncate(time.Second)

	v1 := rostertest.Records(11, 5000, "v1")
	p1 := publish(t, feedDir, key, v1, t0)
	ng := startNginx(t, feedDir)
	db := openDB(t, filepath.Join(t.TempDir(), "data", "cccd.db"))
	s := newSyncer(t, db, ng.URL, pub, workDir(t))

	logged := len(ng.entries(t, 0))
	res, err := s.Sync(ctx)
	if err != nil || res.Mode != ModeSnapshot {
		t.Fatalf("first sync: %+v, %v", res, err)
	}
	assertRoster(t, db, p1.Manifest.Version, sorted(v1))
	got, ok, err := db.LookupRoster(v1[42].SoCCCD)
	if err != nil || !ok || got.MaThe != v1[42].MaThe {
		t.Fatalf("lookup after sync: %v %v", ok, err)
	}
	e := ng.entries(t, logged)
	if len(e) != 2 || e[0].URI != "/manifest.json" || e[1].URI != "/"+feed.ObjectPath(p1.Manifest.Snapshot.SHA256) || e[1].Bytes != p1.Manifest.Snapshot.Size {
		t.Fatalf("first sync requests: %+v", e)
	}
	logged += len(e)

	// Unchanged feed: nginx answers the conditional GET with 304.
	if res, err = s.Sync(ctx); err != nil || res.Mode != ModeNotModified {
		t.Fatalf("unchanged sync: %+v, %v", res, err)
	}
	e = ng.entries(t, logged)
	if len(e) != 1 || e[0].Status != 304 {
		t.Fatalf("unchanged sync requests: %+v", e)
	}
	logged += len(e)

	// A 1% change travels as a delta only.
	v2 := rostertest.Mutate(12, v1, 0.01, "v2")
	p2 := publish(t, feedDir, key, v2, t0.Add(time.Minute))
	res, err = s.Sync(ctx)
	if err != nil || res.Mode != ModeDelta {
		t.Fatalf("delta sync: %+v, %v", res, err)
	}
	assertRoster(t, db, p2.Manifest.Version, sorted(v2))
	e = ng.entries(t, logged)
	var objectBytes int64
	for _, x := range e {
		if strings.HasPrefix(x.URI, "/objects/") {
			objectBytes += x.Bytes
			if x.URI != "/"+feed.ObjectPath(p2.Delta.SHA256) {
				t.Errorf("delta sync fetched %s, not only the delta", x.URI)
			}
		}
	}
	if len(e) != 2 || objectBytes != p2.Delta.Size {
		t.Fatalf("delta sync requests: %+v", e)
	}
	t.Logf("delta sync: %d object bytes (snapshot %d, ratio %.4f)", objectBytes, p2.Manifest.Snapshot.Size,
		float64(objectBytes)/float64(p2.Manifest.Snapshot.Size))
	logged += len(e)
	manifestV2, _ := os.ReadFile(filepath.Join(feedDir, feed.ManifestName))

	// Hostile feeds: each is refused, the v2 roster stays readable, and the
	// error is recorded in the roster meta.
	v3 := rostertest.Mutate(13, v2, 0.01, "v3")
	p3 := publish(t, feedDir, key, v3, t0.Add(2*time.Minute))
	manifestV3, _ := os.ReadFile(filepath.Join(feedDir, feed.ManifestName))
	deltaV3 := filepath.Join(feedDir, filepath.FromSlash(feed.ObjectPath(p3.Delta.SHA256)))
	deltaBytes, _ := os.ReadFile(deltaV3)
	bump := 0
	writeManifest := func(b []byte) {
		os.WriteFile(filepath.Join(feedDir, feed.ManifestName), b, 0o644)
		bump++
		later := clock.Now().Add(time.Duration(bump) * time.Second)
		os.Chtimes(filepath.Join(feedDir, feed.ManifestName), later, later)
	}
	tests := []struct {
		name  string
		setup func()
		want  error
	}{
		{"tampered manifest", func() {
			writeManifest([]byte(strings.Replace(string(manifestV3), `"records":`, `"records":9`, 1)))
		}, feed.ErrBadSignature},
		{"tampered delta object", func() {
			writeManifest(manifestV3)
			bad := append([]byte(nil), deltaBytes...)
			bad[len(bad)-10] ^= 0xff
			os.WriteFile(deltaV3, bad, 0o644)
		}, feed.ErrHashMismatch},
		{"rolled-back version", func() {
			os.WriteFile(deltaV3, deltaBytes, 0o644)
			// Bring the client to v3 first, then serve the older signed v2 manifest.
			writeManifest(manifestV3)
			if res, err := s.Sync(ctx); err != nil || res.To != p3.Manifest.Version {
				t.Fatalf("sync to v3: %+v, %v", res, err)
			}
			writeManifest(manifestV2)
		}, feed.ErrRollback},
	}
	for _, tc := range tests {
		tc.setup()
		_, err := s.Sync(ctx)
		if !errors.Is(err, tc.want) {
			t.Fatalf("%s: Sync = %v, want %v", tc.name, err, tc.want)
		}
		after, _ := db.RosterMeta()
		if after.LastError != err.Error() {
			t.Errorf("%s: LastError %q", tc.name, after.LastError)
		}
		want := sorted(v2)
		wantV := p2.Manifest.Version
		if tc.want == feed.ErrRollback {
			want, wantV = sorted(v3), p3.Manifest.Version
		}
		assertRoster(t, db, wantV, want)
	}
}

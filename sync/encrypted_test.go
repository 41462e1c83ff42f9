package sync

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/internal/testkit/rostertest"
	"github.com/cccd-agent/cccd/sync/feed"
)

func identity(t *testing.T) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestEncryptedFeedThroughNginx: a publication encrypted to two clinics is
// served by a real nginx as plain static files; clinic A syncs it (snapshot,
// then a delta); a client without an identity, or with another clinic's,
// cannot read a single record, and the stored objects hold none in clear.
func TestEncryptedFeedThroughNginx(t *testing.T) {
	ctx := context.Background()
	feedDir := t.TempDir()
	os.Chmod(feedDir, 0o755)
	key := rostertest.Key(2)
	pub := key.Public().(ed25519.PublicKey)
	publisher, clinicA, clinicB, stranger := identity(t), identity(t), identity(t), identity(t)
	t0 := clock.Now().Add(-time.Hour).Truncate(time.Second)
	opt := feed.PublishOptions{Now: t0, Recipients: []age.Recipient{clinicA.Recipient(), clinicB.Recipient()}, Identities: []age.Identity{publisher}}

	v1 := rostertest.Records(21, 2000, "v1")
	p1, err := feed.Publish(ctx, feedDir, key, append(v1[:0:0], v1...), opt)
	if err != nil {
		t.Fatal(err)
	}
	if p1.Manifest.Encryption != feed.EncryptionAge {
		t.Fatalf("manifest encryption %q", p1.Manifest.Encryption)
	}
	ng := startNginx(t, feedDir)

	// What anyone with the URL gets: the objects, but no record in them.
	resp, err := http.Get(ng.URL + feed.ObjectPath(p1.Manifest.Snapshot.SHA256))
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || int64(len(stored)) != p1.Manifest.Snapshot.Size {
		t.Fatalf("nginx served the object: %d, %d bytes", resp.StatusCode, len(stored))
	}
	if _, err := feed.ReadSnapshot(bytes.NewReader(stored), p1.Manifest.Version); err == nil {
		t.Fatal("the stored snapshot decodes without an identity")
	}
	for _, r := range v1[:50] {
		if bytes.Contains(stored, []byte(r.SoCCCD)) || bytes.Contains(stored, []byte(r.HoTen)) {
			t.Fatal("a record is readable in the stored object")
		}
	}

	// Clinic A syncs.
	db := openDB(t, filepath.Join(t.TempDir(), "a", "cccd.db"))
	sA, err := New(db, Config{URL: ng.URL, PublicKey: pub, Identities: []age.Identity{clinicA}, WorkDir: workDir(t), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := sA.Sync(ctx); err != nil || res.Mode != ModeSnapshot {
		t.Fatalf("clinic A's sync: %+v, %v", res, err)
	}
	assertRoster(t, db, p1.Manifest.Version, sorted(v1))

	// A second publication (the publisher reads its previous one with its
	// own identity): clinic A takes the delta.
	v2 := rostertest.Mutate(22, v1, 0.01, "v2")
	opt.Now = t0.Add(time.Minute)
	p2, err := feed.Publish(ctx, feedDir, key, append(v2[:0:0], v2...), opt)
	if err != nil || p2.Delta == nil {
		t.Fatalf("second publication: %v", err)
	}
	if res, err := sA.Sync(ctx); err != nil || res.Mode != ModeDelta {
		t.Fatalf("clinic A's delta sync: %+v, %v", res, err)
	}
	assertRoster(t, db, p2.Manifest.Version, sorted(v2))

	// No identity, or a clinic the feed was not encrypted to: nothing.
	for name, ids := range map[string][]age.Identity{"no identity": nil, "another clinic": {stranger}} {
		db := openDB(t, filepath.Join(t.TempDir(), "x", "cccd.db"))
		s, err := New(db, Config{URL: ng.URL, PublicKey: pub, Identities: ids, WorkDir: workDir(t), Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Sync(ctx); !errors.Is(err, feed.ErrNoIdentity) {
			t.Errorf("%s: sync error %v, want ErrNoIdentity", name, err)
		}
		if meta, _ := db.RosterMeta(); meta.Records != 0 {
			t.Errorf("%s: %d records stored", name, meta.Records)
		}
	}

	// Without its identity the publisher cannot extend its own feed.
	if _, err := feed.Publish(ctx, feedDir, key, v2, feed.PublishOptions{Now: t0.Add(2 * time.Minute)}); !errors.Is(err, feed.ErrNoIdentity) {
		t.Errorf("publishing over an encrypted feed without the identity: %v", err)
	}
}

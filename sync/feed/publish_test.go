package feed

import (
	"context"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testkit/rostertest"
)

func readManifest(t *testing.T, dir string, pub ed25519.PublicKey) *Manifest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Open(data, pub)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPublishSequence(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	key := rostertest.Key(1)
	pub := key.Public().(ed25519.PublicKey)
	t0 := time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC)

	v1 := rostertest.Records(1, 200, "v1")
	r1, err := Publish(ctx, dir, key, append(v1[:0:0], v1...), PublishOptions{Now: t0, KeepDeltas: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r1.Delta != nil || r1.Previous != 0 || r1.Manifest.Version != uint64(t0.Unix()) || r1.Manifest.Records != 200 {
		t.Fatalf("first publication: %+v", r1)
	}

	// Publishing again within the same second still moves forward.
	prev := v1
	for i := 2; i <= 4; i++ {
		next := rostertest.Mutate(uint64(i), prev, 0.05, "v")
		r, err := Publish(ctx, dir, key, append(next[:0:0], next...), PublishOptions{Now: t0, KeepDeltas: 2})
		if err != nil {
			t.Fatal(err)
		}
		if r.Delta == nil || r.Delta.Base != r.Previous || r.Delta.Target != r.Manifest.Version || r.Manifest.Version != r.Previous+1 {
			t.Fatalf("publication %d: %+v delta %+v", i, r.Manifest, r.Delta)
		}
		if r.Delta.Size >= r.Manifest.Snapshot.Size/2 {
			t.Errorf("publication %d: delta %d bytes vs snapshot %d", i, r.Delta.Size, r.Manifest.Snapshot.Size)
		}
		prev = next
	}
	m := readManifest(t, dir, pub)
	if len(m.Deltas) != 2 || m.Deltas[1].Target != m.Version || m.Deltas[0].Target != m.Deltas[1].Base {
		t.Fatalf("manifest deltas %+v", m.Deltas)
	}
	// Objects: current snapshot + 2 deltas, plus the previous manifest's
	// snapshot and its oldest delta; the first snapshots are gone.
	ents, _ := os.ReadDir(filepath.Join(dir, ObjectsDir))
	if len(ents) != 5 {
		t.Errorf("objects dir holds %d files, want 5", len(ents))
	}
	// The current snapshot decodes to the last roster.
	data, _ := os.ReadFile(filepath.Join(dir, ObjectPath(m.Snapshot.SHA256)))
	got, err := ReadSnapshot(bytesReader(data), m.Version)
	if err != nil {
		t.Fatal(err)
	}
	if err := SortRecords(prev); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(prev) {
		t.Fatalf("snapshot has %d records, want %d", len(got), len(prev))
	}
	for i := range got {
		if got[i] != prev[i] {
			t.Fatalf("snapshot record %d differs", i)
		}
	}

	// A different key cannot publish over this directory.
	if _, err := Publish(ctx, dir, rostertest.Key(9), prev, PublishOptions{}); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("publish with another key: %v, want ErrUnknownKey", err)
	}
	// Nor can a broken roster.
	bad := append(prev, prev[0])
	if _, err := Publish(ctx, dir, key, bad, PublishOptions{}); !errors.Is(err, ErrMalformed) {
		t.Errorf("publish with duplicate: %v", err)
	}
	if after := readManifest(t, dir, pub); after.Version != m.Version {
		t.Errorf("failed publish changed the manifest")
	}
}

// TestManifestTimeAlwaysExplicit covers the race behind a CI failure: the
// kernel stamps a new file from a coarse clock that can still read the
// previous second just after time.Now crossed it, so the manifest time must
// be set explicitly whenever a previous manifest exists.
func TestManifestTimeAlwaysExplicit(t *testing.T) {
	dir := t.TempDir()
	if got := manifestTime(dir); !got.IsZero() {
		t.Fatalf("no previous manifest: manifestTime = %v, want zero", got)
	}
	path := filepath.Join(dir, ManifestName)
	if err := os.WriteFile(path, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, age := range []time.Duration{-3 * time.Second, -1 * time.Second, -time.Millisecond, 0, 2 * time.Second} {
		prev := time.Now().Add(age)
		if err := os.Chtimes(path, prev, prev); err != nil {
			t.Fatal(err)
		}
		before := time.Now()
		got := manifestTime(dir)
		if got.IsZero() {
			t.Fatalf("previous manifest %v old: manifestTime left the time to the kernel", -age)
		}
		if got.Unix() <= prev.Unix() {
			t.Errorf("previous manifest at %v: new time %v is not in a later second", prev, got)
		}
		if got.Before(before) {
			t.Errorf("new time %v is before the publication started (%v)", got, before)
		}
	}
}

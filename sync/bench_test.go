package sync

import (
	"context"
	"crypto/ed25519"
	"path/filepath"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/internal/testkit/rostertest"
)

// deltaFixture publishes a roster of n records and a 1% change of it, and
// stores the first publication in a cache file to copy per sync.
type deltaFixture struct {
	url          string
	pub          ed25519.PublicKey
	base         string
	snapshotSize int64
	deltaSize    int64
}

func newDeltaFixture(t testing.TB, n int) *deltaFixture {
	key := rostertest.Key(1)
	t0 := time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC)
	dir := tempDir(t)
	srv := serveDir2(t, dir)
	pub := key.Public().(ed25519.PublicKey)
	v1 := rostertest.Records(31, n, "v1")
	publish(t, dir, key, v1, t0)
	// The clinic holds the first publication, synced from the same feed.
	base := filepath.Join(tempDir(t), "base.db")
	db, err := cache.Open(base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newSyncer(t, db, srv, pub, filepath.Join(tempDir(t), "feed")).Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	p2 := publish(t, dir, key, rostertest.Mutate(32, v1, 0.01, "v2"), t0.Add(time.Hour))
	return &deltaFixture{url: srv, pub: pub, base: base,
		snapshotSize: p2.Manifest.Snapshot.Size, deltaSize: p2.Delta.Size}
}

// syncOnce copies the v1 cache and syncs it to v2, returning the result.
func (f *deltaFixture) syncOnce(t testing.TB) Result {
	path := filepath.Join(tempDir(t), "cccd.db")
	copyFileTB(t, f.base, path)
	db, err := cache.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := newSyncer(t, db, f.url, f.pub, filepath.Join(tempDir(t), "feed")).Sync(context.Background())
	if err != nil || res.Mode != ModeDelta {
		t.Fatalf("sync: %+v, %v", res, err)
	}
	return res
}

// TestOnePercentDeltaUnderTwoPercent: issue #6 requires a 1% roster change
// to move less than 2% of the snapshot's bytes (manifest included).
func TestOnePercentDeltaUnderTwoPercent(t *testing.T) {
	f := newDeltaFixture(t, 20000)
	res := f.syncOnce(t)
	ratio := float64(res.Bytes) / float64(f.snapshotSize)
	t.Logf("1%% change of 20000 records: %d bytes moved, snapshot %d, ratio %.4f", res.Bytes, f.snapshotSize, ratio)
	if ratio >= 0.02 {
		t.Fatalf("delta sync moved %.2f%% of the snapshot's bytes, want < 2%%", 100*ratio)
	}
}

// BenchmarkDeltaSync syncs a 1% change of a 20000-record roster and reports
// the bytes moved and their ratio to a full sync's, measured in the same run.
func BenchmarkDeltaSync(b *testing.B) {
	f := newDeltaFixture(b, 20000)
	fresh := openDB(b, filepath.Join(tempDir(b), "fresh.db"))
	full, err := newSyncer(b, fresh, f.url, f.pub, filepath.Join(tempDir(b), "feed")).Sync(context.Background())
	if err != nil || full.Mode != ModeSnapshot {
		b.Fatalf("full sync: %+v, %v", full, err)
	}
	var last Result
	b.ResetTimer()
	for b.Loop() {
		last = f.syncOnce(b)
	}
	b.ReportMetric(float64(last.Bytes), "bytes/sync")
	b.ReportMetric(float64(full.Bytes), "full-sync-bytes")
	b.ReportMetric(float64(last.Bytes)/float64(full.Bytes), "ratio-to-full")
}

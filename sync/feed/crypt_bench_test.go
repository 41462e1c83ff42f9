package feed

import (
	"os"
	"strconv"
	"testing"

	"filippo.io/age"

	"github.com/cccd-agent/cccd/internal/testkit/rostertest"
)

// BenchmarkSeal is the cost of encrypting a publication to its clinics
// (age, X25519) beside the cost of encoding it: a snapshot of
// CCCD_FEED_BENCH_RECORDS records (default 100,000; the note's figure is
// for 1,000,000) and a delta changing 1% of them, to 50 recipients.
//
//	CCCD_FEED_BENCH_RECORDS=1000000 go test -run XXX -bench BenchmarkSeal -benchtime 3x ./sync/feed/
func BenchmarkSeal(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("CCCD_FEED_BENCH_RECORDS")); err == nil && v > 0 {
		n = v
	}
	v1 := rostertest.Records(31, n, "v1")
	v2 := rostertest.Mutate(32, v1, 0.01, "v2")
	if err := SortRecords(v1); err != nil {
		b.Fatal(err)
	}
	if err := SortRecords(v2); err != nil {
		b.Fatal(err)
	}
	var recipients []age.Recipient
	for range 50 {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			b.Fatal(err)
		}
		recipients = append(recipients, id.Recipient())
	}
	objects := map[string]struct {
		h       Header
		entries []Entry
	}{
		"snapshot": {Header{Kind: KindSnapshot, Version: 2}, SnapshotEntries(v2)},
		"delta":    {Header{Kind: KindDelta, Base: 1, Version: 2}, Diff(v1, v2)},
	}
	for _, name := range []string{"snapshot", "delta"} {
		o := objects[name]
		data, _, err := EncodeObject(o.h, o.entries)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name+"/encode", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, _, err := EncodeObject(o.h, o.entries); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(o.entries)), "entries")
		})
		b.Run(name+"/seal", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			var sealed []byte
			for b.Loop() {
				if sealed, _, err = sealObject(data, recipients); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(sealed)-len(data)), "overhead-bytes")
		})
	}
}

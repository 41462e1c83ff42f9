//go:build load

package cache

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReplaceRosterFileSize (go test -tags load -run TestReplaceRosterFileSize
// -v ./cache/) imports 1,000,000 records (CCCD_CACHE_BENCH_RECORDS
// overrides) into a new file, then replaces them twice with a changed
// roster of the same size, as a feed snapshot does, and reports each step's
// time and the file's size beside the fresh import's; then what compaction
// (the agent at start, or `cccd db compact`) brings it back to. Target: the
// file after compaction at most 1.3× the fresh import.
func TestReplaceRosterFileSize(t *testing.T) {
	n := benchRecords()
	path := filepath.Join(t.TempDir(), "cccd.db")
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	resetPeakRSS()
	if err := db.ReplaceRoster(RosterMeta{Version: 1, Source: "load"}, recordsN(0, n, n)); err != nil {
		t.Fatal(err)
	}
	fresh, freshTime := size(), time.Since(start)
	t.Logf("fresh import of %d records: %v, file %.1f MiB, peak RSS %s", n, freshTime.Round(time.Millisecond), mib(fresh), peakRSS())
	for i, offset := range []int{n / 2, n / 3} {
		// A changed roster: records shifted so that every record's content
		// differs from the one held under its key.
		start = time.Now()
		resetPeakRSS()
		if err := db.ReplaceRoster(RosterMeta{Version: uint64(i + 2), Source: "load"}, shifted(offset, n)); err != nil {
			t.Fatal(err)
		}
		t.Logf("replace %d: %v, file %.1f MiB = %.2f× the fresh import, peak RSS %s", i+1, time.Since(start).Round(time.Millisecond), mib(size()), float64(size())/float64(fresh), peakRSS())
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	res, err := CompactIfNeeded(path, DefaultCompactFree)
	if err != nil {
		t.Fatal(err)
	}
	ratio := float64(size()) / float64(fresh)
	t.Logf("compaction at start: compacted=%v in %v, %.1f MiB free before, file %.1f MiB = %.2f× the fresh import",
		res.Compacted, time.Since(start).Round(time.Millisecond), mib(res.FreeBefore), mib(size()), ratio)
	if ratio > 1.3 {
		t.Errorf("file after replace and compaction is %.2f× a fresh import, target ≤ 1.3", ratio)
	}
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if m, _ := db.RosterMeta(); m.Records != n || m.Version != 3 {
		t.Errorf("roster after compaction: %+v", m)
	}
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// resetPeakRSS starts a new peak-RSS measurement (Linux: writing 5 to
// /proc/self/clear_refs resets VmHWM); elsewhere peakRSS says unknown.
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS is the process's VmHWM since the last reset (Linux).
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// shifted yields n records whose content differs from recordsN(0, n, n)
// under the same keys: record i carries the name and dates of record
// (i+offset) mod n.
func shifted(offset, n int) func(yield func(RosterRecord) error) error {
	return func(yield func(RosterRecord) error) error {
		for i := 0; i < n; i++ {
			r := synthRecordN(i, n)
			o := synthRecordN((i+offset)%n, n)
			r.HoTen, r.NgaySinh, r.DiaChi = o.HoTen, o.NgaySinh, o.DiaChi
			if err := yield(r); err != nil {
				return err
			}
		}
		return nil
	}
}

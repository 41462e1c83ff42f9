package cache

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The retention rule with an injected time: exactly the delivered check-ins
// before the cutoff go, none of the undelivered; after Compact the deleted
// names are not in the file any more (grep -c on the file).
func TestPurgeCheckinsThenCompact(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "cccd.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	now := testTime
	cutoff := now.Add(-90 * 24 * time.Hour)
	type tc struct {
		age       time.Duration
		delivered bool
		gone      bool
	}
	cases := []tc{
		{100 * 24 * time.Hour, true, true},
		{91 * 24 * time.Hour, true, true},
		{100 * 24 * time.Hour, false, false},
		{400 * 24 * time.Hour, false, false},
		{89 * 24 * time.Hour, true, false},
		{time.Hour, true, false},
		{time.Hour, false, false},
	}
	name := func(i int) string { return fmt.Sprintf("Nguyen Retention Xoa%03d", i) }
	for i, c := range cases {
		ck := &Checkin{Time: now.Add(-c.age), SoCCCD: fmt.Sprintf("07909000%04d", i), HoTen: name(i), Reader: "sim"}
		if _, err := db.AppendCheckin(ck); err != nil {
			t.Fatal(err)
		}
		if c.delivered {
			if err := db.MarkDelivered(ck, ck.Time.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Lots of other records, so that the freed pages are worth compacting.
	for i := 0; i < 300; i++ {
		ck := &Checkin{Time: now.Add(-200 * 24 * time.Hour), SoCCCD: "079090009999", HoTen: fmt.Sprintf("Filler Name %05d", i), DiaChi: string(bytes.Repeat([]byte("x"), 500))}
		db.AppendCheckin(ck)
		db.MarkDelivered(ck, ck.Time)
	}
	res, err := db.PurgeCheckins(cutoff)
	if err != nil {
		t.Fatal(err)
	}
	if res.Deleted != 2+300 || res.Undelivered != 2 {
		t.Errorf("purge: %+v, want 302 deleted, 2 undelivered kept", res)
	}
	for i, c := range cases {
		_, ok, err := db.Checkin(uint64(i + 1))
		if err != nil || ok == c.gone {
			t.Errorf("check-in %d (age %v, delivered %v): present %v, err %v", i+1, c.age, c.delivered, ok, err)
		}
	}
	if n, err := db.UndeliveredBefore(cutoff); err != nil || n != 2 {
		t.Errorf("UndeliveredBefore = %d, %v; want 2", n, err)
	}
	if _, err := Compact(path); !errors.Is(err, ErrLocked) {
		t.Errorf("Compact while the database is open: %v, want ErrLocked", err)
	}
	db.Close()
	raw, _ := os.ReadFile(path)
	t.Logf("before compaction: %d bytes, %d copies of a deleted name in free pages", len(raw), bytes.Count(raw, []byte(name(0))))

	cr, err := Compact(path)
	if err != nil || !cr.Compacted {
		t.Fatalf("Compact: %+v, %v", cr, err)
	}
	t.Logf("compaction: %+v", cr)
	raw, _ = os.ReadFile(path)
	for i, c := range cases {
		n := bytes.Count(raw, []byte(name(i)))
		if c.gone && n != 0 {
			t.Errorf("deleted name %d found %d times in the compacted file", i, n)
		}
		if !c.gone && n == 0 {
			t.Errorf("kept name %d missing from the compacted file", i)
		}
	}
	if n := bytes.Count(raw, []byte("Filler Name")); n != 0 {
		t.Errorf("%d deleted filler names in the compacted file", n)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("compacted file mode %v", fi.Mode())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("compaction left %d files", len(entries))
	}
	// The compacted file is a whole cache: records, outbox and sequence.
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, _ := db.PendingCount(); n != 3 {
		t.Errorf("outbox after compaction: %d, want 3", n)
	}
	ck := &Checkin{Time: now, HoTen: "After"}
	if seq, err := db.AppendCheckin(ck); err != nil || seq != uint64(len(cases)+300+1) {
		t.Errorf("next seq after compaction %d, %v", seq, err)
	}
}

func TestCompactIfNeededThreshold(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "cccd.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	res, err := CompactIfNeeded(path, DefaultCompactFree)
	if err != nil || res.Compacted {
		t.Errorf("fresh file: %+v, %v; want left alone", res, err)
	}
}

package cache

import (
	"encoding/binary"
	"path/filepath"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"
	bolt "go.etcd.io/bbolt"
)

// TestBHXHOutbox: a queued check-in is pending for BHXH until its answer
// is recorded, apart from the HIS outbox; a rejected one is queued again,
// an accepted or pending one is not.
func TestBHXHOutbox(t *testing.T) {
	db := openTemp(t)
	now := clock.Now().UTC().Truncate(time.Hour)
	a, b := &Checkin{Time: now, SoCCCD: "079190012345"}, &Checkin{Time: now, SoCCCD: "079190012346"}
	for _, c := range []*Checkin{a, b} {
		if _, err := db.AppendCheckin(c); err != nil {
			t.Fatal(err)
		}
	}
	pending := func() []uint64 {
		t.Helper()
		list, err := db.PendingBHXH(0)
		if err != nil {
			t.Fatal(err)
		}
		var seqs []uint64
		for _, c := range list {
			seqs = append(seqs, c.Seq)
		}
		return seqs
	}
	if p := pending(); len(p) != 0 {
		t.Fatalf("pending before queueing: %v", p)
	}
	var queued bool
	db.UpdateCheckin(b.Seq, func(c *Checkin) error { queued = c.QueueBHXH("Lan", now); return nil })
	if p := pending(); !queued || len(p) != 1 || p[0] != b.Seq {
		t.Fatalf("queued %v, pending %v", queued, p)
	}
	db.UpdateCheckin(b.Seq, func(c *Checkin) error { queued = c.QueueBHXH("Minh", now); return nil })
	if got, _, _ := db.Checkin(b.Seq); queued || got.BHXH.Staff != "Lan" {
		t.Fatalf("a pending check-in was queued again: %v %+v", queued, got.BHXH)
	}
	db.UpdateCheckin(b.Seq, func(c *Checkin) error { c.BHXH.Status, c.BHXH.MaKetQua = BHXHRejected, "205"; return nil })
	if p := pending(); len(p) != 0 {
		t.Fatalf("pending after the answer: %v", p)
	}
	db.UpdateCheckin(b.Seq, func(c *Checkin) error { queued = c.QueueBHXH("Minh", now); return nil })
	if got, _, _ := db.Checkin(b.Seq); !queued || got.BHXH.Staff != "Minh" || got.BHXH.MaKetQua != "" || len(pending()) != 1 {
		t.Fatalf("a rejected check-in was not queued again: %v %+v", queued, got.BHXH)
	}
	db.UpdateCheckin(b.Seq, func(c *Checkin) error { c.BHXH.Status = BHXHAccepted; return nil })
	db.UpdateCheckin(b.Seq, func(c *Checkin) error { queued = c.QueueBHXH("Minh", now); return nil })
	if queued || len(pending()) != 0 {
		t.Fatalf("an accepted check-in was queued again")
	}
	// The HIS outbox is its own: both still wait for the webhook.
	if n, _ := db.PendingCount(); n != 2 {
		t.Fatalf("HIS outbox %d, want 2", n)
	}
}

// TestMigrateToSchema5: a schema-4 file gains the empty BHXH outbox and
// keeps its check-ins.
func TestMigrateToSchema5(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cccd.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	c := &Checkin{SoCCCD: "079190012345"}
	if _, err := db.AppendCheckin(c); err != nil {
		t.Fatal(err)
	}
	db.Close()
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketBHXHOutbox); err != nil {
			return err
		}
		var v [8]byte
		binary.BigEndian.PutUint64(v[:], 4)
		return tx.Bucket(bucketSys).Put(keySchema, v[:])
	})
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if list, err := db.PendingBHXH(0); err != nil || len(list) != 0 {
		t.Fatalf("BHXH outbox after migration: %v, %v", list, err)
	}
	if got, ok, _ := db.Checkin(c.Seq); !ok || got.SoCCCD != c.SoCCCD {
		t.Fatal("check-in lost in the migration")
	}
}

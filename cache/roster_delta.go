package cache

import (
	"fmt"

	"github.com/cccd-agent/cccd/internal/clock"

	bolt "go.etcd.io/bbolt"
)

// ApplyRosterDelta applies one delta in a single transaction: the records of
// deletes (by soCCCD; unknown IDs are ignored) are removed, then upserts are
// inserted or replace the record with the same soCCCD, indexes included.
//
// It fails with ErrVersionConflict, changing nothing, unless baseVersion is
// the current roster version, and with ErrRollback unless meta.Version is
// greater than it. An upsert without a 12-digit soCCCD is ErrInvalid; one
// whose maThe or maSoBHXH is held by a record the delta leaves in place is
// ErrDuplicate. On success meta replaces the stored meta (Records is
// recounted; LastError and LastAttempt are kept). It waits for a running
// ReplaceRoster.
func (db *DB) ApplyRosterDelta(baseVersion uint64, meta RosterMeta, upserts []RosterRecord, deletes []string) error {
	db.rosterMu.Lock()
	defer db.rosterMu.Unlock()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		cur, err := readRosterMeta(tx)
		if err != nil {
			return err
		}
		if baseVersion != cur.Version {
			return fmt.Errorf("delta is based on version %d, the roster is at %d: %w",
				baseVersion, cur.Version, ErrVersionConflict)
		}
		if meta.Version <= cur.Version {
			return fmt.Errorf("delta version %d is not after %d: %w", meta.Version, cur.Version, ErrRollback)
		}
		for i := range upserts {
			if !validID(upserts[i].SoCCCD) {
				return fmt.Errorf("upsert %d: soCCCD must be 12 digits: %w", i, ErrInvalid)
			}
		}
		roster := tx.Bucket(bucketRoster)
		count := cur.Records
		// First take every touched record and its index entries out, so that
		// a card number may move between records within one delta.
		remove := func(id string) error {
			v := roster.Get([]byte(id))
			if v == nil {
				return nil
			}
			old, err := decodeRecord(v)
			if err != nil {
				return err
			}
			if err := unindex(tx, &old); err != nil {
				return err
			}
			count--
			return roster.Delete([]byte(id))
		}
		for _, id := range deletes {
			if err := remove(id); err != nil {
				return fmt.Errorf("delete: %w", err)
			}
		}
		for i := range upserts {
			if err := remove(upserts[i].SoCCCD); err != nil {
				return fmt.Errorf("upsert %d: %w", i, err)
			}
		}
		buf := make([]byte, 0, 256)
		for i := range upserts {
			r := &upserts[i]
			if roster.Get([]byte(r.SoCCCD)) != nil {
				return fmt.Errorf("upsert %d: soCCCD repeated in the delta: %w", i, ErrDuplicate)
			}
			if err := index(tx, r); err != nil {
				return fmt.Errorf("upsert %d: %w", i, err)
			}
			buf = appendRecord(buf[:0], r)
			// bbolt keeps the value slice until commit: give it its own copy.
			if err := roster.Put([]byte(r.SoCCCD), append([]byte(nil), buf...)); err != nil {
				return err
			}
			count++
		}
		meta.Records = count
		meta.LastError, meta.LastAttempt = cur.LastError, cur.LastAttempt
		if meta.Synced.IsZero() {
			meta.Synced = clock.Now()
		}
		meta.Published, meta.Synced = meta.Published.UTC(), meta.Synced.UTC()
		return writeRosterMeta(tx, meta)
	})
	if err != nil {
		return fmt.Errorf("apply roster delta: %w", err)
	}
	return nil
}

package cache

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// PurgeResult says what PurgeCheckins did.
type PurgeResult struct {
	// Deleted counts the delivered check-ins deleted.
	Deleted int
	// Undelivered counts the check-ins older than the cutoff that were kept
	// because the HIS has not accepted them yet (never deleted).
	Undelivered int
}

// PurgeCheckins deletes the check-ins received before cutoff that the HIS
// has accepted (DeliveredAt set); older ones still in the outbox are kept
// and counted. The deleted records leave the file's live data at once;
// their pages are free until reused or the file is compacted (Compact).
func (db *DB) PurgeCheckins(cutoff time.Time) (PurgeResult, error) {
	var res PurgeResult
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b, outbox := tx.Bucket(bucketCheckins), tx.Bucket(bucketOutbox)
		c := b.Cursor()
		var del [][]byte
		for k, v := c.First(); k != nil; k, v = c.Next() {
			// Only the two fields the rule needs are decoded.
			var rec struct {
				Time        time.Time `json:"time"`
				DeliveredAt time.Time `json:"delivered_at"`
			}
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("check-in %d: %w", binary.BigEndian.Uint64(k), ErrCorrupt)
			}
			if !rec.Time.Before(cutoff) {
				continue
			}
			if rec.DeliveredAt.IsZero() || outbox.Get(k) != nil {
				res.Undelivered++
				continue
			}
			del = append(del, k)
		}
		for _, k := range del {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		res.Deleted = len(del)
		return nil
	})
	if err != nil {
		return PurgeResult{}, fmt.Errorf("purge check-ins: %w", err)
	}
	return res, nil
}

// UndeliveredBefore counts the check-ins received before cutoff that are
// still in the outbox (for the gauge of check-ins past retention).
func (db *DB) UndeliveredBefore(cutoff time.Time) (int, error) {
	n := 0
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCheckins)
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			var rec struct {
				Time time.Time `json:"time"`
			}
			v := b.Get(k)
			if v == nil {
				continue
			}
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("check-in %d: %w", binary.BigEndian.Uint64(k), ErrCorrupt)
			}
			if rec.Time.Before(cutoff) {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("count undelivered check-ins: %w", err)
	}
	return n, nil
}

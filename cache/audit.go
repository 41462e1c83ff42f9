package cache

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// AuditRecord is one entry of the audit trail: who (a staff member or a named
// token) did what, where and with which outcome. It never holds a patient's
// data: a check-in is named by its sequence number only, a result by a code.
type AuditRecord struct {
	Seq     uint64    `json:"seq"`               // assigned by AppendAudit, increasing
	Time    time.Time `json:"time"`              // when it happened
	Event   string    `json:"event"`             // e.g. sign-in, sign-in-failed, checkin-viewed
	Staff   string    `json:"staff,omitempty"`   // staff account name
	Token   string    `json:"token,omitempty"`   // name of the API token used
	Reader  string    `json:"reader,omitempty"`  // reader name
	Checkin uint64    `json:"checkin,omitempty"` // check-in sequence number
	Result  string    `json:"result,omitempty"`  // a result or error code, never free text
	Client  string    `json:"client,omitempty"`  // browser origin or "cli"
}

// AppendAudit stores r with the next sequence number. Concurrent callers are
// batched into one transaction.
func (db *DB) AppendAudit(r AuditRecord) error {
	if r.Event == "" || r.Time.IsZero() {
		return fmt.Errorf("append audit: event and time are required: %w", ErrInvalid)
	}
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		rec := r
		rec.Seq = seq
		v, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		return b.Put(seqKey(seq), v)
	})
	if err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	return nil
}

// AuditSince returns the records at or after since, oldest first, at most
// limit (0 = all).
func (db *DB) AuditSince(since time.Time, limit int) ([]AuditRecord, error) {
	out := []AuditRecord{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var r AuditRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("audit record %d: %w", binary.BigEndian.Uint64(k), ErrCorrupt)
			}
			if r.Time.Before(since) {
				continue
			}
			out = append(out, r)
			if limit > 0 && len(out) == limit {
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit trail: %w", err)
	}
	return out, nil
}

// PruneAudit deletes the records older than before (the retention period);
// nothing else ever removes or changes a record. Records are in time order,
// so it stops at the first one to keep.
func (db *DB) PruneAudit(before time.Time) (int, error) {
	n := 0
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		for k, v := c.First(); k != nil; k, v = c.First() {
			var r AuditRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return ErrCorrupt
			}
			if !r.Time.Before(before) {
				return nil
			}
			if err := c.Delete(); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("prune audit: %w", err)
	}
	return n, nil
}

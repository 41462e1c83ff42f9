package cache

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cccd-agent/cccd/internal/redact"
)

// The lookup cache keeps the last raw gateway answer per person, with the
// time it was received, as evidence and as the offline fallback between the
// gateway and the roster. Values are 8 bytes of Unix nanoseconds (big
// endian) followed by the answer.

// PutLookup stores answer for id (an ID number, card number or BHXH number,
// as the caller keys it), replacing any earlier answer.
func (db *DB) PutLookup(id string, answer []byte, at time.Time) error {
	if id == "" {
		return fmt.Errorf("store lookup: empty id: %w", ErrInvalid)
	}
	v := make([]byte, 8, 8+len(answer))
	binary.BigEndian.PutUint64(v, uint64(at.UnixNano()))
	v = append(v, answer...)
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketLookup).Put([]byte(id), v)
	})
	if err != nil {
		return fmt.Errorf("store lookup %s: %w", redact.ID(id), err)
	}
	return nil
}

// GetLookup returns the answer stored for id and when it was received; ok
// is false when there is none. answer is a copy the caller owns.
func (db *DB) GetLookup(id string) (answer []byte, at time.Time, ok bool, err error) {
	err = db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketLookup).Get([]byte(id))
		if v == nil {
			return nil
		}
		if len(v) < 8 {
			return fmt.Errorf("lookup entry: %w", ErrCorrupt)
		}
		at = time.Unix(0, int64(binary.BigEndian.Uint64(v[:8]))).UTC()
		answer = bytes.Clone(v[8:])
		ok = true
		return nil
	})
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("read lookup %s: %w", redact.ID(id), err)
	}
	return answer, at, ok, nil
}

// PruneLookups deletes answers received before cutoff and returns how many
// it deleted, so that the cache keeps personal data no longer than needed.
func (db *DB) PruneLookups(cutoff time.Time) (int, error) {
	n := 0
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketLookup).Cursor()
		for k, v := c.First(); k != nil; {
			if len(v) < 8 || int64(binary.BigEndian.Uint64(v[:8])) < cutoff.UnixNano() {
				// Delete moves the cursor; re-seek to the key after k.
				next := append(bytes.Clone(k), 0)
				if err := c.Delete(); err != nil {
					return err
				}
				n++
				k, v = c.Seek(next)
				continue
			}
			k, v = c.Next()
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune lookups: %w", err)
	}
	return n, nil
}

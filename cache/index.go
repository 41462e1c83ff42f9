package cache

import (
	"bytes"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// The roster has two secondary indexes, each mapping a key to the soCCCD of
// the record holding it: maThe (upper-cased) and maSoBHXH. Empty keys are not
// indexed. Invariant (checked by tests): every index entry points at a record
// that holds that key, and every record's non-empty keys are indexed.

// cardKey is the index form of a card number: ASCII upper case.
func cardKey(maThe string) string { return strings.ToUpper(maThe) }

// indexEntry is one secondary-index key of a record.
type indexEntry struct {
	bucket []byte
	key    string
	field  string // name for error messages
}

// indexEntries lists the non-empty index keys of r.
func indexEntries(r *RosterRecord) []indexEntry {
	out := make([]indexEntry, 0, 2)
	if r.MaThe != "" {
		out = append(out, indexEntry{bucketRosterCard, cardKey(r.MaThe), "maThe"})
	}
	if r.MaSoBHXH != "" {
		out = append(out, indexEntry{bucketRosterBHXH, r.MaSoBHXH, "maSoBHXH"})
	}
	return out
}

// unindex removes the index entries of r that still point at r.
func unindex(tx *bolt.Tx, r *RosterRecord) error {
	for _, e := range indexEntries(r) {
		b := tx.Bucket(e.bucket)
		if bytes.Equal(b.Get([]byte(e.key)), []byte(r.SoCCCD)) {
			if err := b.Delete([]byte(e.key)); err != nil {
				return err
			}
		}
	}
	return nil
}

// index adds the index entries of r; a key already held by another record is
// ErrDuplicate.
func index(tx *bolt.Tx, r *RosterRecord) error {
	for _, e := range indexEntries(r) {
		b := tx.Bucket(e.bucket)
		if cur := b.Get([]byte(e.key)); cur != nil && !bytes.Equal(cur, []byte(r.SoCCCD)) {
			return fmt.Errorf("%s already held by another record: %w", e.field, ErrDuplicate)
		}
		if err := b.Put([]byte(e.key), []byte(r.SoCCCD)); err != nil {
			return err
		}
	}
	return nil
}

// validID reports whether id is a 12-digit ID number, the roster's primary key.
func validID(id string) bool {
	if len(id) != 12 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

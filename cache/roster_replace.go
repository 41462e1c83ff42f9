package cache

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// replaceBatch is the number of records written per staging transaction.
// bbolt keeps a transaction's dirty pages in memory and inserts into one
// in-memory node until commit, so a single transaction of a million random
// keys is both large and quadratic; batches keep memory flat and inserts
// cheap, and each batch is sorted so that its puts land in key order.
const replaceBatch = 10000

// maxDuplicatesReported caps DuplicateError.Dups; Count keeps the total.
const maxDuplicatesReported = 1000

// Duplicate is one record of a ReplaceRoster stream that repeats a key of an
// earlier record: Ordinal is its 0-based position in the stream, Field the
// repeated key's name ("soCCCD", "maThe" or "maSoBHXH").
type Duplicate struct {
	Ordinal int
	Field   string
}

// DuplicateError lists the repeated keys of a ReplaceRoster stream (at most
// maxDuplicatesReported of them; Count is the total). It wraps ErrDuplicate.
type DuplicateError struct {
	Dups  []Duplicate
	Count int
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("%d records repeat the key of an earlier record", e.Count)
}

// Unwrap lets errors.Is(err, ErrDuplicate) match.
func (e *DuplicateError) Unwrap() error { return ErrDuplicate }

// ReplaceRoster replaces the whole roster with the records each yields, and
// its meta with meta (Records is counted, LastError/LastAttempt are kept).
//
// Readers see the old roster until the new one is complete, then the new one:
// the records are written in batches into a staging area and swapped in by
// one bbolt transaction, so a failure or crash at any point leaves the old
// roster intact (Open removes a crashed staging area). Memory stays bounded
// by one batch, whatever the number of records.
//
// each must call yield once per record. yield returns an error for a record
// without a 12-digit soCCCD (ErrInvalid) or for a storage failure; after any
// yield error ReplaceRoster fails even if each goes on and returns nil.
// Records repeating an soCCCD, maThe or maSoBHXH of an earlier record do not
// stop the stream; they are collected and reported together as a
// *DuplicateError, and nothing is replaced. If each returns an error, nothing
// is replaced and that error is returned wrapped.
//
// ReplaceRoster does not compare versions: a local import may go back to
// version 1 of another source. Feed clients check RosterMeta first.
func (db *DB) ReplaceRoster(meta RosterMeta, each func(yield func(RosterRecord) error) error) error {
	if err := db.bolt.Update(resetStaging); err != nil {
		return fmt.Errorf("replace roster: prepare staging: %w", err)
	}
	st := &stager{db: db}
	err := each(st.add)
	if err == nil {
		err = st.err
	}
	if err == nil {
		err = st.flush()
	}
	if err == nil && st.dups.Count > 0 {
		err = &st.dups
	}
	if err == nil {
		err = db.swapStaging(meta, st.count)
	}
	if err != nil {
		// Best effort: a leftover staging area is also removed by Open.
		_ = db.bolt.Update(dropStaging)
		return fmt.Errorf("replace roster: %w", err)
	}
	return nil
}

// resetStaging drops any staging area and creates an empty one.
func resetStaging(tx *bolt.Tx) error {
	if err := dropStaging(tx); err != nil {
		return err
	}
	st, err := tx.CreateBucket(bucketStaging)
	if err != nil {
		return err
	}
	for _, name := range rosterBucketNames {
		if _, err := st.CreateBucket(name); err != nil {
			return err
		}
	}
	return nil
}

func dropStaging(tx *bolt.Tx) error {
	if tx.Bucket(bucketStaging) == nil {
		return nil
	}
	return tx.DeleteBucket(bucketStaging)
}

// swapStaging makes the staged buckets the roster in one transaction.
func (db *DB) swapStaging(meta RosterMeta, count int) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		cur, err := readRosterMeta(tx)
		if err != nil {
			return err
		}
		st := tx.Bucket(bucketStaging)
		for _, name := range rosterBucketNames {
			if err := tx.DeleteBucket(name); err != nil {
				return fmt.Errorf("drop old %s: %w", name, err)
			}
			if err := tx.MoveBucket(name, st, nil); err != nil {
				return fmt.Errorf("install new %s: %w", name, err)
			}
		}
		if err := tx.DeleteBucket(bucketStaging); err != nil {
			return err
		}
		meta.Records = count
		meta.LastError, meta.LastAttempt = cur.LastError, cur.LastAttempt
		if meta.Synced.IsZero() {
			meta.Synced = time.Now()
		}
		meta.Published, meta.Synced = meta.Published.UTC(), meta.Synced.UTC()
		return writeRosterMeta(tx, meta)
	})
}

// stagedPut is one key/value of a batch, with the ordinal of its record.
type stagedPut struct {
	key, val []byte
	ord      int
}

// stager accumulates a batch and writes it into the staging area.
type stager struct {
	db      *DB
	arena   []byte // encoded values and keys of the batch; reused after commit
	recs    []stagedPut
	cards   []stagedPut
	bhxh    []stagedPut
	ordinal int
	count   int
	dups    DuplicateError
	err     error // sticky: the stream has failed
}

// add is the yield function handed to ReplaceRoster's callback.
func (s *stager) add(r RosterRecord) error {
	ord := s.ordinal
	s.ordinal++
	if s.err != nil {
		return s.err
	}
	if !validID(r.SoCCCD) {
		s.err = fmt.Errorf("record %d: soCCCD must be 12 digits: %w", ord, ErrInvalid)
		return s.err
	}
	start := len(s.arena)
	// Slices of the arena stay valid when it grows: the old array is kept
	// alive by them and never written again before the batch commits.
	s.arena = slices.Grow(s.arena, encodedSize(&r)+len(r.MaThe)+len(r.MaSoBHXH))
	s.arena = appendRecord(s.arena, &r)
	id := s.arena[start+2 : start+2+12] // format byte, 1-byte length (12), then soCCCD
	s.recs = append(s.recs, stagedPut{key: id, val: s.arena[start:len(s.arena)], ord: ord})
	if r.MaThe != "" {
		k := len(s.arena)
		s.arena = append(s.arena, r.MaThe...)
		upperASCII(s.arena[k:])
		s.cards = append(s.cards, stagedPut{key: s.arena[k:], val: id, ord: ord})
	}
	if r.MaSoBHXH != "" {
		k := len(s.arena)
		s.arena = append(s.arena, r.MaSoBHXH...)
		s.bhxh = append(s.bhxh, stagedPut{key: s.arena[k:], val: id, ord: ord})
	}
	if len(s.recs) >= replaceBatch {
		if err := s.flush(); err != nil {
			s.err = err
			return err
		}
	}
	return nil
}

// flush writes the batch in one transaction, in key order per bucket, and
// records keys already staged as duplicates instead of overwriting them.
func (s *stager) flush() error {
	if len(s.recs) == 0 {
		return nil
	}
	byKey := func(a, b stagedPut) int {
		if c := bytes.Compare(a.key, b.key); c != 0 {
			return c
		}
		return a.ord - b.ord
	}
	slices.SortFunc(s.recs, byKey)
	slices.SortFunc(s.cards, byKey)
	slices.SortFunc(s.bhxh, byKey)
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		st := tx.Bucket(bucketStaging)
		if st == nil {
			return errors.New("staging area vanished; another roster replace ran at the same time")
		}
		for i, puts := range [][]stagedPut{s.recs, s.cards, s.bhxh} {
			name := rosterBucketNames[i]
			b := st.Bucket(name)
			for j, p := range puts {
				if (j > 0 && bytes.Equal(puts[j-1].key, p.key)) || b.Get(p.key) != nil {
					s.duplicate(p.ord, fieldOfBucket(name))
					continue
				}
				if err := b.Put(p.key, p.val); err != nil {
					return err
				}
				if i == 0 {
					s.count++
				}
			}
		}
		return nil
	})
	s.arena, s.recs, s.cards, s.bhxh = s.arena[:0], s.recs[:0], s.cards[:0], s.bhxh[:0]
	if err != nil {
		return fmt.Errorf("write roster batch: %w", err)
	}
	return nil
}

func (s *stager) duplicate(ord int, field string) {
	s.dups.Count++
	if len(s.dups.Dups) < maxDuplicatesReported {
		s.dups.Dups = append(s.dups.Dups, Duplicate{Ordinal: ord, Field: field})
	}
}

func fieldOfBucket(name []byte) string {
	switch {
	case bytes.Equal(name, bucketRosterCard):
		return "maThe"
	case bytes.Equal(name, bucketRosterBHXH):
		return "maSoBHXH"
	}
	return "soCCCD"
}

func upperASCII(b []byte) {
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
}

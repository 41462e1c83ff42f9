package cache

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/cccd-agent/cccd/internal/clock"

	bolt "go.etcd.io/bbolt"
)

// How ReplaceRoster writes a large roster: bbolt inserts a transaction's puts
// into in-memory nodes and keeps every dirty page until commit, and random
// inserts into a large tree rewrite most of its pages per transaction. So
// records are collected in batches of spillRecords, each batch is sorted per
// bucket and spilled as a run to a temporary file beside the database, and
// the runs are then merged and appended in key order, putsPerTx puts per
// transaction, into a staging bucket filled to 100%. Memory stays at one
// batch; the file is written once, densely.
const (
	spillRecords = 10000
	putsPerTx    = 10000
)

// arenaPerRecord sizes the batch arena: a typical encoded record with its
// two index keys is about 250 bytes.
const arenaPerRecord = 320

// tempPattern names the run files; Open removes leftovers of a crash.
const tempPattern = ".roster-*.tmp"

// maxDuplicatesReported caps DuplicateError.Dups; Count keeps the total.
const maxDuplicatesReported = 1000

// Duplicate is one record of a ReplaceRoster stream that repeats a key of an
// earlier record: Ordinal is its 0-based position in the stream, Field the
// repeated key's name ("soCCCD", "maThe" or "maSoBHXH").
type Duplicate struct {
	Ordinal int
	Field   string
}

// DuplicateError lists the repeated keys of a ReplaceRoster stream, in key
// order (at most maxDuplicatesReported of them; Count is the total). It
// wraps ErrDuplicate.
type DuplicateError struct {
	Dups  []Duplicate
	Count int
}

// Error counts the repeats; Dups says which records they are.
func (e *DuplicateError) Error() string {
	return fmt.Sprintf("%d records repeat the key of an earlier record", e.Count)
}

// Unwrap lets errors.Is(err, ErrDuplicate) match.
func (e *DuplicateError) Unwrap() error { return ErrDuplicate }

func (e *DuplicateError) add(ord int, field string) {
	e.Count++
	if len(e.Dups) < maxDuplicatesReported {
		e.Dups = append(e.Dups, Duplicate{Ordinal: ord, Field: field})
	}
}

// ReplaceRoster replaces the whole roster with the records each yields, and
// its meta with meta (Records is counted, LastError/LastAttempt are kept).
//
// Readers see the old roster until the new one is complete, then the new
// one: the new roster is built in a staging area and swapped in by one bbolt
// transaction, so a failure or crash at any point leaves the old roster
// intact (Open removes a crashed staging area and its temporary files).
// Memory stays bounded by one batch whatever the number of records; the
// records pass through temporary files (mode 0600) in the database's
// directory, removed before ReplaceRoster returns.
//
// each must call yield once per record. yield returns an error for a record
// without a 12-digit soCCCD (ErrInvalid) or for a storage failure; after any
// yield error ReplaceRoster fails even if each goes on and returns nil.
// Records repeating an soCCCD, maThe or maSoBHXH of an earlier record do not
// stop the stream; they are reported together as a *DuplicateError and
// nothing is replaced. If each returns an error, nothing is replaced and
// that error is returned wrapped.
//
// ReplaceRoster does not compare versions: a local import may go back to
// version 1 of another source. Feed clients check RosterMeta first.
// ReplaceRoster and ApplyRosterDelta calls wait for each other; lookups and
// other writes go on meanwhile. each must not call them (it would deadlock).
func (db *DB) ReplaceRoster(meta RosterMeta, each func(yield func(RosterRecord) error) error) error {
	return db.replaceRoster(meta, each, func(dups *DuplicateError) error {
		if dups.Count > 0 {
			return dups
		}
		return nil
	})
}

// replaceRoster is ReplaceRoster with the last word given to check: it runs
// once the new roster is built, with the duplicates found, and the roster
// is swapped in only if it returns nil.
func (db *DB) replaceRoster(meta RosterMeta, each func(yield func(RosterRecord) error) error, check func(*DuplicateError) error) error {
	db.rosterMu.Lock()
	defer db.rosterMu.Unlock()
	st, err := newStager(db)
	if err != nil {
		return fmt.Errorf("replace roster: %w", err)
	}
	defer st.close()
	err = each(st.add)
	if err == nil {
		err = st.err
	}
	if err == nil {
		err = st.build()
	}
	if err == nil {
		err = check(&st.dups)
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

// removeTempFiles deletes run files left by a crashed ReplaceRoster.
func removeTempFiles(dbPath string) {
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(dbPath), tempPattern))
	for _, m := range matches {
		os.Remove(m)
	}
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
		if st == nil {
			return errStagingGone
		}
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
			meta.Synced = clock.Now()
		}
		meta.Published, meta.Synced = meta.Published.UTC(), meta.Synced.UTC()
		return writeRosterMeta(tx, meta)
	})
}

var errStagingGone = errors.New("staging area vanished; another roster replace ran at the same time")

// stager collects a ReplaceRoster stream: it batches records, spills sorted
// runs per bucket and finally merges them into the staging area.
type stager struct {
	db      *DB
	arena   []byte // keys and values of the batch
	batch   [3][]entry
	runs    [3]*runFile
	ordinal int
	count   int
	dups    DuplicateError
	err     error // sticky: the stream has failed
}

func newStager(db *DB) (*stager, error) {
	if err := db.bolt.Update(resetStaging); err != nil {
		return nil, fmt.Errorf("prepare staging: %w", err)
	}
	// Allocate the batch once: growing it by doubling would leave a trail of
	// garbage that the runtime returns to the OS only slowly (peak RSS).
	st := &stager{db: db, arena: make([]byte, 0, spillRecords*arenaPerRecord)}
	for i := range st.batch {
		st.batch[i] = make([]entry, 0, spillRecords)
	}
	for i := range st.runs {
		rf, err := newRunFile(filepath.Dir(db.path))
		if err != nil {
			st.close()
			return nil, err
		}
		st.runs[i] = rf
	}
	return st, nil
}

// close removes the run files.
func (s *stager) close() {
	for _, rf := range s.runs {
		if rf != nil {
			rf.remove()
		}
	}
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
	s.arena = appendRecord(s.arena, &r)
	val := s.arena[start:len(s.arena):len(s.arena)]
	id := val[2:14] // format byte, 1-byte length (12), then soCCCD
	s.batch[0] = append(s.batch[0], entry{key: id, val: val, ord: ord})
	if r.MaThe != "" {
		k := len(s.arena)
		s.arena = append(s.arena, r.MaThe...)
		upperASCII(s.arena[k:])
		s.batch[1] = append(s.batch[1], entry{key: s.arena[k:len(s.arena):len(s.arena)], val: id, ord: ord})
	}
	if r.MaSoBHXH != "" {
		k := len(s.arena)
		s.arena = append(s.arena, r.MaSoBHXH...)
		s.batch[2] = append(s.batch[2], entry{key: s.arena[k:len(s.arena):len(s.arena)], val: id, ord: ord})
	}
	if len(s.batch[0]) >= spillRecords {
		if err := s.spill(); err != nil {
			s.err = err
			return err
		}
	}
	return nil
}

// spill sorts the batch and writes one run per bucket. Slices of the arena
// stay valid when it grows: the old array is kept alive by them and is not
// written again before this spill; afterwards the arena is reused.
func (s *stager) spill() error {
	for i := range s.batch {
		if len(s.batch[i]) == 0 {
			continue
		}
		slices.SortFunc(s.batch[i], compareEntries)
		if err := s.runs[i].writeRun(s.batch[i]); err != nil {
			return err
		}
		s.batch[i] = s.batch[i][:0]
	}
	s.arena = s.arena[:0]
	return nil
}

// build merges the runs of each bucket into the staging area, in key order,
// putsPerTx puts per transaction, recording repeated keys as duplicates.
func (s *stager) build() error {
	if err := s.spill(); err != nil {
		return err
	}
	s.arena, s.batch = nil, [3][]entry{} // the batch is done; keep the heap small while merging
	for i, name := range rosterBucketNames {
		m, err := s.runs[i].merger()
		if err != nil {
			return err
		}
		if err := s.appendMerged(name, fieldOfBucket(name), m, i == 0); err != nil {
			return fmt.Errorf("build %s: %w", name, err)
		}
	}
	return nil
}

func (s *stager) appendMerged(name []byte, field string, m *merger, primary bool) error {
	var prev []byte
	arena := make([]byte, 0, putsPerTx*arenaPerRecord)
	for done := false; !done; {
		err := s.db.bolt.Update(func(tx *bolt.Tx) error {
			st := tx.Bucket(bucketStaging)
			if st == nil {
				return errStagingGone
			}
			b := st.Bucket(name)
			b.FillPercent = 1.0 // keys arrive in order: fill pages completely
			arena = arena[:0]
			for n := 0; n < putsPerTx; {
				e, ok, err := m.next()
				if err != nil {
					return err
				}
				if !ok {
					done = true
					return nil
				}
				if prev != nil && bytes.Equal(prev, e.key) {
					s.dups.add(e.ord, field)
					continue
				}
				// bbolt holds key and value until commit; copy them out of
				// the merger's buffers into this transaction's arena.
				k := len(arena)
				arena = append(arena, e.key...)
				v := len(arena)
				arena = append(arena, e.val...)
				key, val := arena[k:v:v], arena[v:len(arena):len(arena)]
				if err := b.Put(key, val); err != nil {
					return err
				}
				prev = key
				n++
				if primary {
					s.count++
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		prev = bytes.Clone(prev) // the arena is reused by the next transaction
	}
	return nil
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

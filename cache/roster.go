package cache

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cccd-agent/cccd/internal/redact"
)

// RosterMeta describes the roster held in the cache.
type RosterMeta struct {
	Version     uint64    `json:"version"`      // publisher's version; grows with every snapshot or delta
	Published   time.Time `json:"published"`    // when the publisher made this version
	Synced      time.Time `json:"synced"`       // when this cache stored it
	Records     int       `json:"records"`      // number of records (kept by the DB; callers' values are ignored)
	Source      string    `json:"source"`       // where it came from: a feed URL or "import:FILE"
	LastError   string    `json:"last_error"`   // last sync failure, "" after a success
	LastAttempt time.Time `json:"last_attempt"` // last sync attempt, successful or not
}

// AsOf is when the roster's data was current: its publication, or its sync
// when the publisher gave no time (a local import). Zero before any roster.
func (m RosterMeta) AsOf() time.Time {
	if !m.Published.IsZero() {
		return m.Published
	}
	return m.Synced
}

// readRosterMeta returns the stored meta; zero before the first roster.
func readRosterMeta(tx *bolt.Tx) (RosterMeta, error) {
	var m RosterMeta
	v := tx.Bucket(bucketSys).Get(keyRosterMeta)
	if v == nil {
		return m, nil
	}
	if err := json.Unmarshal(v, &m); err != nil {
		return RosterMeta{}, fmt.Errorf("roster meta: %w", ErrCorrupt)
	}
	return m, nil
}

func writeRosterMeta(tx *bolt.Tx, m RosterMeta) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketSys).Put(keyRosterMeta, b)
}

// RosterMeta returns the meta of the current roster; the zero value (Version
// 0) when no roster was ever stored.
func (db *DB) RosterMeta() (RosterMeta, error) {
	var m RosterMeta
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		m, err = readRosterMeta(tx)
		return err
	})
	if err != nil {
		return RosterMeta{}, fmt.Errorf("read roster meta: %w", err)
	}
	return m, nil
}

// SetRosterSyncResult records a sync attempt at attempt and its outcome
// (err nil for success, which clears LastError) without touching the
// records. err's text is stored as is: it must not carry personal data.
func (db *DB) SetRosterSyncResult(attempt time.Time, err error) error {
	uerr := db.bolt.Update(func(tx *bolt.Tx) error {
		m, rerr := readRosterMeta(tx)
		if rerr != nil {
			return rerr
		}
		m.LastAttempt = attempt.UTC()
		m.LastError = ""
		if err != nil {
			m.LastError = err.Error()
		}
		return writeRosterMeta(tx, m)
	})
	if uerr != nil {
		return fmt.Errorf("record roster sync result: %w", uerr)
	}
	return nil
}

// LookupRoster returns the record with the 12-digit ID number id. ok is false
// when there is none.
func (db *DB) LookupRoster(id string) (RosterRecord, bool, error) {
	return db.lookup(nil, id)
}

// LookupRosterByCard returns the record whose BHYT card number is maThe
// (15 characters or 10 digits; letters match case-insensitively).
func (db *DB) LookupRosterByCard(maThe string) (RosterRecord, bool, error) {
	return db.lookup(bucketRosterCard, cardKey(maThe))
}

// LookupRosterBySocialID returns the record with the 10-digit social-insurance
// number maSoBHXH.
func (db *DB) LookupRosterBySocialID(maSoBHXH string) (RosterRecord, bool, error) {
	return db.lookup(bucketRosterBHXH, maSoBHXH)
}

// lookup resolves key through the index bucket (nil: the primary key) and
// decodes the record; the result owns its memory.
func (db *DB) lookup(index []byte, key string) (RosterRecord, bool, error) {
	if key == "" {
		return RosterRecord{}, false, nil
	}
	var (
		rec RosterRecord
		ok  bool
	)
	err := db.bolt.View(func(tx *bolt.Tx) error {
		id := []byte(key)
		if index != nil {
			if id = tx.Bucket(index).Get(id); id == nil {
				return nil
			}
		}
		v := tx.Bucket(bucketRoster).Get(id)
		if v == nil {
			return nil
		}
		var err error
		rec, err = decodeRecord(v)
		ok = err == nil
		return err
	})
	if err != nil {
		return RosterRecord{}, false, fmt.Errorf("roster lookup %s: %w", redact.ID(key), err)
	}
	return rec, ok, nil
}

package cache

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the layout of the main file this code writes. Open
// migrates older files up to it and refuses newer ones.
//
//  1. everything in one file;
//  2. the roster moved to a file of its own (see roster_file.go).
const SchemaVersion = 2

// rosterSchemaVersion is the layout of a roster file.
const rosterSchemaVersion = 1

// Buckets of the main file.
var (
	bucketSys      = []byte("sys")      // schema version, roster file pointer, roster sync result
	bucketMeta     = []byte("meta")     // caller key/values (GetMeta/PutMeta)
	bucketLookup   = []byte("lookup")   // id → answer with time
	bucketCheckins = []byte("checkins") // seq (8 bytes BE) → encoded Checkin
	bucketOutbox   = []byte("outbox")   // seq of undelivered check-ins → empty
	bucketTrust    = []byte("trust")    // SHA-256(der) → encoded TrustEntry
	keySchema      = []byte("schema")
	keyRosterFile  = []byte("roster.file") // name of the current roster file
	keyRosterGen   = []byte("roster.gen")  // generation of the newest roster file
	keyRosterSync  = []byte("roster.sync") // last sync attempt and error (JSON)
)

// Buckets of a roster file; sys holds its schema and RosterMeta.
var (
	bucketRoster      = []byte("roster")      // soCCCD → encoded RosterRecord
	bucketRosterCard  = []byte("roster.card") // maThe → soCCCD
	bucketRosterBHXH  = []byte("roster.bhxh") // maSoBHXH → soCCCD
	keyRosterMeta     = []byte("roster")
	rosterBucketNames = [][]byte{bucketRoster, bucketRosterCard, bucketRosterBHXH}
)

// migrations[i] moves a main file from schema i to i+1 in one transaction.
var migrations = []func(tx *bolt.Tx) error{
	migrateCreate,
	migrateRosterOut,
}

// migrateCreate lays out schema 1 on an empty file.
func migrateCreate(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketSys, bucketMeta, bucketLookup, bucketCheckins, bucketOutbox, bucketTrust} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// migrateRosterOut drops schema 1's in-file roster. The roster is a copy
// of the feed or of an import, so the next sync or import restores it into
// a roster file; check-ins, lookups, trust anchors and meta stay.
func migrateRosterOut(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketRoster, bucketRosterCard, bucketRosterBHXH, []byte("staging")} {
		if tx.Bucket(name) != nil {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
	}
	return tx.Bucket(bucketSys).Delete([]byte("roster"))
}

// schemaOf reads the schema version of a file; 0 for a new, empty file.
func schemaOf(tx *bolt.Tx) (uint64, error) {
	sys := tx.Bucket(bucketSys)
	if sys == nil {
		return 0, nil
	}
	v := sys.Get(keySchema)
	if len(v) != 8 {
		return 0, fmt.Errorf("schema version: %w", ErrCorrupt)
	}
	return binary.BigEndian.Uint64(v), nil
}

func putSchema(tx *bolt.Tx, v uint64) error {
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], v)
	return tx.Bucket(bucketSys).Put(keySchema, buf[:])
}

// checkSchema refuses a file newer than want, read-only, so that a newer
// file is never written to; it returns the file's version.
func checkSchema(b *bolt.DB, want uint64) (uint64, error) {
	var have uint64
	if err := b.View(func(tx *bolt.Tx) error {
		var err error
		have, err = schemaOf(tx)
		return err
	}); err != nil {
		return 0, err
	}
	if have > want {
		return 0, fmt.Errorf("file has schema %d, this cccd knows up to %d: %w; upgrade cccd",
			have, want, ErrSchemaTooNew)
	}
	return have, nil
}

// migrate brings the main file to SchemaVersion in one transaction.
func (db *DB) migrate() error {
	have, err := checkSchema(db.bolt, SchemaVersion)
	if err != nil {
		return err
	}
	if have == SchemaVersion {
		return nil
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		for v := have; v < SchemaVersion; v++ {
			if err := migrations[v](tx); err != nil {
				return fmt.Errorf("migrate schema %d to %d: %w", v, v+1, err)
			}
		}
		return putSchema(tx, SchemaVersion)
	})
}

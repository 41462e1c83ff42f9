package cache

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the layout this code writes. Open migrates older files
// up to it and refuses newer ones. History:
//
//  1. everything in one file;
//  2. the roster in a side file per generation ("<file>.roster-N"), on
//     development machines only, for a few minutes of 2026-11-29;
//  3. everything in one file again (the layout of 1);
//  4. adds the staff accounts ("staff") and the audit trail ("audit");
//  5. adds the BHXH check-in outbox ("bhxh.outbox").
const SchemaVersion = 5

// Top-level buckets. The roster and its two indexes are swapped as a whole by
// ReplaceRoster, which builds their replacements under bucketStaging.
var (
	bucketSys         = []byte("sys")         // schema version, roster meta
	bucketMeta        = []byte("meta")        // caller key/values (GetMeta/PutMeta)
	bucketRoster      = []byte("roster")      // soCCCD → encoded RosterRecord
	bucketRosterCard  = []byte("roster.card") // maThe → soCCCD
	bucketRosterBHXH  = []byte("roster.bhxh") // maSoBHXH → soCCCD
	bucketLookup      = []byte("lookup")      // id → answer with time
	bucketCheckins    = []byte("checkins")    // seq (8 bytes BE) → encoded Checkin
	bucketOutbox      = []byte("outbox")      // seq of undelivered check-ins → empty
	bucketTrust       = []byte("trust")       // SHA-256(der) → encoded TrustEntry
	bucketStaging     = []byte("staging")     // a roster being built; absent when idle
	bucketStaff       = []byte("staff")       // lower-cased staff name → JSON Staff (argon2id hash, never the PIN)
	bucketAudit       = []byte("audit")       // seq (8 bytes BE) → JSON AuditRecord; append-only, pruned by age only
	bucketBHXHOutbox  = []byte("bhxh.outbox") // seq of check-ins whose BHXH check-in is pending → empty
	keySchema         = []byte("schema")
	keyRosterMeta     = []byte("roster")
	rosterBucketNames = [][]byte{bucketRoster, bucketRosterCard, bucketRosterBHXH}
)

// migrations[i] moves a file from schema i to i+1 inside one transaction.
var migrations = []func(tx *bolt.Tx) error{
	migrateCreate,
	func(*bolt.Tx) error { return nil }, // 1→2 only moved the roster out; 2→3 undoes it
	migrateRosterBack,
	migrateStaffAudit,
	migrateBHXHOutbox,
}

// migrateBHXHOutbox adds the bucket of schema 5 (empty: nothing was queued
// for BHXH before it).
func migrateBHXHOutbox(tx *bolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bucketBHXHOutbox); err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketBHXHOutbox, err)
	}
	return nil
}

// migrateStaffAudit adds the buckets of schema 4 (empty: no staff yet).
func migrateStaffAudit(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketStaff, bucketAudit} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// migrateRosterBack turns a schema-2 file back into the one-file layout:
// the roster buckets are recreated empty (the roster is a copy of the feed
// or of an import; the next sync or import restores it) and the side-file
// keys are dropped. Open deletes the side files. A file that was schema 1
// passes through unchanged.
func migrateRosterBack(tx *bolt.Tx) error {
	if err := migrateCreate(tx); err != nil {
		return err
	}
	sys := tx.Bucket(bucketSys)
	for _, k := range []string{"roster.file", "roster.gen", "roster.sync"} {
		if err := sys.Delete([]byte(k)); err != nil {
			return err
		}
	}
	return nil
}

// migrateCreate lays out schema 1 on an empty file.
func migrateCreate(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketSys, bucketMeta, bucketRoster, bucketRosterCard,
		bucketRosterBHXH, bucketLookup, bucketCheckins, bucketOutbox, bucketTrust} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
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

// migrate checks the schema read-only first, so that a newer file is never
// written to, then runs the missing migrations in one transaction.
func (db *DB) migrate() error {
	var have uint64
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		have, err = schemaOf(tx)
		return err
	}); err != nil {
		return err
	}
	if have > SchemaVersion {
		return fmt.Errorf("file has schema %d, this cccd knows up to %d: %w; upgrade cccd",
			have, SchemaVersion, ErrSchemaTooNew)
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		for v := have; v < SchemaVersion; v++ {
			if err := migrations[v](tx); err != nil {
				return fmt.Errorf("migrate schema %d to %d: %w", v, v+1, err)
			}
		}
		var buf [8]byte
		binary.BigEndian.PutUint64(buf[:], SchemaVersion)
		if err := tx.Bucket(bucketSys).Put(keySchema, buf[:]); err != nil {
			return err
		}
		// A crash during ReplaceRoster leaves its staging bucket behind.
		if tx.Bucket(bucketStaging) != nil {
			return tx.DeleteBucket(bucketStaging)
		}
		return nil
	})
}

// Package cache is the daemon's local store: the insurance roster with its
// indexes, the lookup cache of gateway answers, the check-in outbox, trust
// anchors and small meta values, all in one bbolt file.
//
// Concurrency: a *DB is safe for concurrent use by many goroutines. bbolt
// runs one read-write transaction at a time and any number of read-only ones
// beside it, so every method that changes data is serialised and readers see
// a consistent snapshot. Only one process may open the file at a time (an
// exclusive file lock); a second Open fails with ErrLocked.
//
// Personal data: records hold names, dates of birth and ID numbers. Errors
// returned by this package never contain them; ID numbers are masked with
// redact.ID where an error must point at one.
package cache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Sentinel errors that callers branch on. Errors returned by DB methods wrap
// them; test with errors.Is.
var (
	// ErrVersionConflict: a roster delta was based on a version other than
	// the current one; fetch the full snapshot or the missing deltas.
	ErrVersionConflict = errors.New("roster version conflict")
	// ErrRollback: an update would not move the roster version forward.
	ErrRollback = errors.New("roster version does not move forward")
	// ErrNotFound: no such check-in, meta key or record.
	ErrNotFound = errors.New("not found")
	// ErrSchemaTooNew: the file was written by a newer cccd; it is left untouched.
	ErrSchemaTooNew = errors.New("database schema is newer than this cccd")
	// ErrLocked: another process holds the database open.
	ErrLocked = errors.New("database is in use by another process")
	// ErrCorrupt: a stored value cannot be decoded.
	ErrCorrupt = errors.New("stored value is corrupt")
	// ErrInvalid: an argument is malformed (empty key, unknown trust kind, bad ID).
	ErrInvalid = errors.New("invalid argument")
	// ErrDuplicate: a roster stream repeats a key; see DuplicateError.
	ErrDuplicate = errors.New("duplicate roster key")
)

// lockTimeout bounds the wait for the file lock held by another process.
const lockTimeout = 2 * time.Second

// DB is an open cache: the main file and the current roster file.
// Create it with Open and release it with Close.
type DB struct {
	bolt *bolt.DB // main file
	path string
	// rosterMu serialises ReplaceRoster and ApplyRosterDelta: a replace
	// builds a new roster file over many transactions, and a delta applied
	// to the old file meanwhile would be lost by the switch.
	rosterMu sync.Mutex
	// rosterRW guards the roster handle: readers and writers of the
	// current roster file hold it shared, switchRoster exclusively.
	rosterRW   sync.RWMutex
	roster     *bolt.DB
	rosterName string
}

// Open opens or creates the cache at path, and the roster file beside it
// (path + ".roster-N"). A missing parent directory is created with mode
// 0700 and new files with mode 0600; an existing file whose mode grants
// group or other access is narrowed to 0600. The schema is migrated to the
// current version; a file from a newer schema is refused with
// ErrSchemaTooNew and not modified. Leftovers of an interrupted
// ReplaceRoster are removed.
func Open(path string) (*DB, error) {
	if path == "" {
		return nil, fmt.Errorf("open cache: empty path: %w", ErrInvalid)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open cache: create directory: %w", err)
	}
	bdb, err := openBolt(path)
	if err != nil {
		return nil, fmt.Errorf("open cache %s: %w", path, err)
	}
	db := &DB{bolt: bdb, path: path}
	if err := db.migrate(); err != nil {
		bdb.Close()
		return nil, fmt.Errorf("open cache %s: %w", path, err)
	}
	if err := db.attachRoster(); err != nil {
		bdb.Close()
		return nil, fmt.Errorf("open cache %s: %w", path, err)
	}
	removeTempFiles(path)
	return db, nil
}

// Close releases both files. It waits for running transactions to finish.
func (db *DB) Close() error {
	db.rosterRW.Lock()
	defer db.rosterRW.Unlock()
	errRoster := db.roster.Close()
	if err := errors.Join(db.bolt.Close(), errRoster); err != nil {
		return fmt.Errorf("close cache: %w", err)
	}
	return nil
}

// Path returns the file name given to Open.
func (db *DB) Path() string { return db.path }

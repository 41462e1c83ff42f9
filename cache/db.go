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
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
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

// DB is an open cache file. Create it with Open and release it with Close.
type DB struct {
	bolt *bolt.DB
	path string
	// rosterMu serialises ReplaceRoster and ApplyRosterDelta: a replace
	// spans many transactions around one staging area, and a delta applied
	// in between would be lost by the swap.
	rosterMu sync.Mutex
}

// Open opens or creates the cache at path. A missing parent directory is
// created with mode 0700 and a new file with mode 0600; an existing file whose
// mode grants group or other access is narrowed to 0600. The schema is
// migrated to the current version; a file from a newer schema is refused with
// ErrSchemaTooNew and not modified. Leftovers of an interrupted ReplaceRoster
// are removed.
func Open(path string) (*DB, error) {
	if path == "" {
		return nil, fmt.Errorf("open cache: empty path: %w", ErrInvalid)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open cache: create directory: %w", err)
	}
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("open cache %s: %w; stop the other cccd (serve) or use its API", path, ErrLocked)
		}
		return nil, fmt.Errorf("open cache %s: %w", path, err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, 0o600); err != nil {
			bdb.Close()
			return nil, fmt.Errorf("open cache: restrict file mode: %w", err)
		}
	}
	db := &DB{bolt: bdb, path: path}
	if err := db.migrate(); err != nil {
		bdb.Close()
		return nil, fmt.Errorf("open cache %s: %w", path, err)
	}
	removeTempFiles(path)
	removeSideRosterFiles(path)
	removeCompactFiles(path)
	return db, nil
}

// removeSideRosterFiles deletes the roster files of schema 2.
func removeSideRosterFiles(path string) {
	dir, prefix := filepath.Dir(path), filepath.Base(path)+".roster-"
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// Close releases the file. It waits for running transactions to finish.
func (db *DB) Close() error {
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("close cache: %w", err)
	}
	return nil
}

// Path returns the file name given to Open.
func (db *DB) Path() string { return db.path }

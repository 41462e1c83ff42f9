package cache

import (
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Inspection is what `cccd doctor` reports of a database file without
// changing it.
type Inspection struct {
	Schema    uint64     `json:"schema"`
	SizeBytes int64      `json:"size_bytes"`
	PageSize  int        `json:"page_size"`
	FreePages int        `json:"free_pages"` // pages bbolt keeps for reuse: deleted data may linger there until compaction
	Roster    RosterMeta `json:"roster"`
	Checkins  int        `json:"checkins"`
	Pending   int        `json:"pending"` // check-ins not yet delivered
	Trust     int        `json:"trust_entries"`
}

// Inspect opens the file at path read-only, never creating or migrating it,
// and describes it. A file another process holds gives ErrLocked at once
// (after a short wait); a file from a newer cccd gives ErrSchemaTooNew with
// the figures it could read.
func Inspect(path string) (Inspection, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return Inspection{}, fmt.Errorf("inspect cache: %w", err)
	}
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 300 * time.Millisecond})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return Inspection{}, fmt.Errorf("inspect cache %s: %w", path, ErrLocked)
		}
		return Inspection{}, fmt.Errorf("inspect cache %s: %w", path, err)
	}
	defer bdb.Close()
	in := Inspection{SizeBytes: fi.Size(), PageSize: bdb.Info().PageSize}
	err = bdb.View(func(tx *bolt.Tx) error {
		in.FreePages = bdb.Stats().FreePageN
		var err error
		if in.Schema, err = schemaOf(tx); err != nil {
			return err
		}
		if in.Schema != SchemaVersion {
			return nil // the buckets below may not exist in that layout
		}
		if in.Roster, err = readRosterMeta(tx); err != nil {
			return err
		}
		in.Checkins = tx.Bucket(bucketCheckins).Stats().KeyN
		in.Pending = tx.Bucket(bucketOutbox).Stats().KeyN
		in.Trust = tx.Bucket(bucketTrust).Stats().KeyN
		return nil
	})
	if err != nil {
		return in, fmt.Errorf("inspect cache %s: %w", path, err)
	}
	if in.Schema > SchemaVersion {
		return in, fmt.Errorf("inspect cache %s: schema %d: %w", path, in.Schema, ErrSchemaTooNew)
	}
	return in, nil
}

// InspectTrust returns the imported trust material of the file at path,
// opened read-only (ErrLocked while another process holds it).
func InspectTrust(path string) ([]TrustEntry, error) {
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 300 * time.Millisecond})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("inspect cache %s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("inspect cache %s: %w", path, err)
	}
	defer bdb.Close()
	db := &DB{bolt: bdb, path: path}
	return db.ListTrust()
}

package cache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// The roster lives in a bbolt file of its own beside the main file, named
// "<main>.roster-<generation>". ReplaceRoster writes a new generation and
// points the main file at it in one transaction, then closes and deletes
// the old file whole. So a replace never frees the old roster page by page
// (which in bbolt reads every page, faulting the whole old roster into
// memory, and leaves the file twice the roster's size), and a crash leaves
// the pointer on the old complete file or on the new complete file. Open
// deletes roster files the pointer does not name.

// openBolt opens a bbolt file with mode 0600, narrowing a looser mode, and
// maps a held lock to ErrLocked.
func openBolt(path string) (*bolt.DB, error) {
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("%w; stop the other cccd (serve) or use its API", ErrLocked)
		}
		return nil, err
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, 0o600); err != nil {
			b.Close()
			return nil, fmt.Errorf("restrict file mode: %w", err)
		}
	}
	return b, nil
}

// rosterFileName is the base name of roster generation gen.
func rosterFileName(mainPath string, gen uint64) string {
	return filepath.Base(mainPath) + ".roster-" + strconv.FormatUint(gen, 10)
}

// openRosterFile opens or creates a roster file and lays out its buckets.
// A newer roster schema is refused unmodified with ErrSchemaTooNew.
func openRosterFile(path string) (*bolt.DB, error) {
	b, err := openBolt(path)
	if err != nil {
		return nil, fmt.Errorf("open roster file: %w", err)
	}
	have, err := checkSchema(b, rosterSchemaVersion)
	if err == nil && have < rosterSchemaVersion {
		err = b.Update(func(tx *bolt.Tx) error {
			for _, name := range append([][]byte{bucketSys}, rosterBucketNames...) {
				if _, err := tx.CreateBucketIfNotExists(name); err != nil {
					return err
				}
			}
			return putSchema(tx, rosterSchemaVersion)
		})
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("roster file %s: %w", filepath.Base(path), err)
	}
	return b, nil
}

// attachRoster opens the roster file the main file points at, creating
// generation 1 when there is none (or when the file has gone: the roster is
// a copy, the next sync or import restores it), and deletes other roster
// files, the leftovers of an interrupted replace.
func (db *DB) attachRoster() error {
	var name string
	var gen uint64
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		name = string(tx.Bucket(bucketSys).Get(keyRosterFile))
		gen = decodeUint(tx.Bucket(bucketSys).Get(keyRosterGen))
		return nil
	}); err != nil {
		return err
	}
	dir := filepath.Dir(db.path)
	if name != "" {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			name = ""
		}
	}
	if name == "" {
		gen++
		name = rosterFileName(db.path, gen)
		os.Remove(filepath.Join(dir, name))
		if err := db.bolt.Update(func(tx *bolt.Tx) error { return setRosterPointer(tx, name, gen) }); err != nil {
			return err
		}
	}
	rb, err := openRosterFile(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	db.roster, db.rosterName = rb, name
	db.removeOtherRosterFiles()
	return nil
}

func setRosterPointer(tx *bolt.Tx, name string, gen uint64) error {
	if err := tx.Bucket(bucketSys).Put(keyRosterFile, []byte(name)); err != nil {
		return err
	}
	return tx.Bucket(bucketSys).Put(keyRosterGen, encodeUint(gen))
}

// removeOtherRosterFiles deletes every roster generation but the current.
func (db *DB) removeOtherRosterFiles() {
	dir := filepath.Dir(db.path)
	prefix := filepath.Base(db.path) + ".roster-"
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) && e.Name() != db.rosterName {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// newRosterGeneration creates the next, empty roster file. The main file
// does not point at it until switchRoster.
func (db *DB) newRosterGeneration() (uint64, string, *bolt.DB, error) {
	var gen uint64
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		gen = decodeUint(tx.Bucket(bucketSys).Get(keyRosterGen)) + 1
		return nil
	}); err != nil {
		return 0, "", nil, err
	}
	name := rosterFileName(db.path, gen)
	path := filepath.Join(filepath.Dir(db.path), name)
	os.Remove(path) // a crashed attempt at this generation
	rb, err := openRosterFile(path)
	if err != nil {
		return 0, "", nil, err
	}
	return gen, name, rb, nil
}

// discardRosterFile closes and deletes a generation that was not switched to.
func discardRosterFile(rb *bolt.DB) {
	path := rb.Path()
	rb.Close()
	os.Remove(path)
}

// switchRoster points the main file at generation gen (one transaction:
// the commit point of ReplaceRoster), then swaps the open handle once
// readers are out and deletes the old file.
func (db *DB) switchRoster(gen uint64, name string, rb *bolt.DB) error {
	if err := db.bolt.Update(func(tx *bolt.Tx) error { return setRosterPointer(tx, name, gen) }); err != nil {
		return fmt.Errorf("switch to the new roster: %w", err)
	}
	db.rosterRW.Lock()
	old := db.roster
	db.roster, db.rosterName = rb, name
	db.rosterRW.Unlock()
	path := old.Path()
	old.Close()
	os.Remove(path) // if this fails (Windows), Open removes it later
	return nil
}

// viewRoster runs fn in a read transaction of the current roster file.
func (db *DB) viewRoster(fn func(*bolt.Tx) error) error {
	db.rosterRW.RLock()
	defer db.rosterRW.RUnlock()
	return db.roster.View(fn)
}

// updateRoster runs fn in a write transaction of the current roster file.
func (db *DB) updateRoster(fn func(*bolt.Tx) error) error {
	db.rosterRW.RLock()
	defer db.rosterRW.RUnlock()
	return db.roster.Update(fn)
}

func encodeUint(v uint64) []byte { return strconv.AppendUint(nil, v, 10) }

func decodeUint(b []byte) uint64 {
	v, _ := strconv.ParseUint(string(b), 10, 64)
	return v
}

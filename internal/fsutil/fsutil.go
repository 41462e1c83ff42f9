// Package fsutil writes the files the program hands to people and other
// programs (exports, photos, dumps, profiles) so that a crash, a reader or a
// planted symlink never sees or causes a partial or redirected write, and
// checks that secrets and the data directory are kept private.
package fsutil

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
)

// ErrNotPrivate: a data directory or secret file grants access to other
// users, or a secret is not a regular file. The error text says how to fix it.
var ErrNotPrivate = errors.New("not private")

// privacyError is an ErrNotPrivate whose text is the whole message.
type privacyError struct{ msg string }

func (e *privacyError) Error() string        { return e.msg }
func (e *privacyError) Is(target error) bool { return target == ErrNotPrivate }

func notPrivate(format string, a ...any) error {
	return &privacyError{msg: fmt.Sprintf(format, a...)}
}

// AtomicFile is an output being written under a temporary name in its final
// directory. Commit makes it appear under its name in one rename (replacing a
// file or a symlink there, never writing through one); Abort, or a Commit
// that fails, leaves nothing behind.
type AtomicFile struct {
	*os.File
	path string
	perm os.FileMode
	done bool
}

// Create starts an atomic write of path with mode perm (0600 for anything
// that may hold personal data).
func Create(path string, perm os.FileMode) (*AtomicFile, error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*") // 0600 until Commit
	if err != nil {
		return nil, fmt.Errorf("create a temporary file in %s: %w", dir, err)
	}
	return &AtomicFile{File: f, path: path, perm: perm}, nil
}

// Commit fsyncs the data, sets the mode and renames the file into place,
// then fsyncs the directory.
func (a *AtomicFile) Commit() error {
	if a.done {
		return errors.New("fsutil: file already committed or aborted")
	}
	a.done = true
	tmp := a.File.Name()
	err := a.File.Chmod(a.perm)
	if err == nil {
		err = a.File.Sync()
	}
	if cerr := a.File.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, a.path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", a.path, err)
	}
	return SyncDir(filepath.Dir(a.path))
}

// Abort drops the temporary file; after Commit it does nothing, so it can be
// deferred.
func (a *AtomicFile) Abort() {
	if a.done {
		return
	}
	a.done = true
	a.File.Close()
	os.Remove(a.File.Name())
}

// WriteFile writes data to path atomically with mode perm (see Create).
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return WriteWith(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteWith writes path atomically with what fn writes; an error from fn
// leaves the old file (or none) in place.
func WriteWith(path string, perm os.FileMode, fn func(io.Writer) error) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := fn(f); err != nil {
		return err
	}
	return f.Commit()
}

// SyncDir fsyncs a directory so that renames in it survive a crash. Windows
// cannot open a directory for syncing; there the rename is durable enough.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}

// CheckPrivateDir refuses, on Unix, a directory that other users may enter
// or read, naming the command that fixes it. Windows reports no Unix modes;
// there the installer's ACL guards the data directory.
func CheckPrivateDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return notPrivate("the data directory %s is open to other users (mode %04o): run chmod 700 %s", dir, fi.Mode().Perm(), dir)
	}
	return nil
}

// ReadSecret reads a secret file (a password, an Authorization header, a
// token). It must be a regular file (not a symlink, device or FIFO) and, on
// Unix, not open to other users; with groupOK its group may read it (a file
// an admin keeps as root:cccd 0640), else the group may not either. The error
// names the fix. max bounds what is read.
func ReadSecret(path string, max int64, groupOK bool) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, notPrivate("%s is not a regular file (a symlink, directory or device); put the secret itself there", path)
	}
	if runtime.GOOS != "windows" {
		perm := fi.Mode().Perm()
		switch {
		case perm&0o007 != 0 && groupOK:
			return nil, notPrivate("%s is open to other users (mode %04o): run chmod o-rwx %s", path, perm, path)
		case perm&0o077 != 0 && !groupOK:
			return nil, notPrivate("%s is open to other users (mode %04o): run chmod 600 %s", path, perm, path)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes: is it the right file?", path, max)
	}
	return b, nil
}

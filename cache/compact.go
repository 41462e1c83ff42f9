package cache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/cccd-agent/cccd/internal/fsutil"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// compactTxSize bounds one transaction of Compact's copy.
const compactTxSize = 64 << 20

// compactPattern names Compact's new file while it is written; Open removes
// leftovers of a crash.
const compactPattern = ".compact-*.tmp"

// DefaultCompactFree is the share of the file in free pages above which
// CompactIfNeeded compacts (with at least compactMinFree bytes free).
const DefaultCompactFree = 0.2

// compactMinFree keeps a small file from being rewritten for a few pages.
const compactMinFree = 1 << 20

// CompactResult says what Compact did.
type CompactResult struct {
	Compacted  bool  // the file was rewritten
	SizeBefore int64 // bytes
	SizeAfter  int64
	FreeBefore int64 // bytes in free pages before
}

// Compact rewrites the cache file at path without its free pages, so that
// deleted records do not linger in them: the live data is copied into a new
// file in the same directory (mode 0600, the old file's owner where the
// system allows), which is fsynced and renamed over the old one. It needs
// the file to itself: while another process (a running agent) holds it,
// Compact fails with ErrLocked and changes nothing. A crash leaves the old
// file whole (Open removes the leftover).
func Compact(path string) (CompactResult, error) {
	return compact(path, -1)
}

// CompactIfNeeded is Compact when the free pages exceed minFree of the file
// (and 1 MiB); otherwise it only measures.
func CompactIfNeeded(path string, minFree float64) (CompactResult, error) {
	return compact(path, minFree)
}

func compact(path string, minFree float64) (CompactResult, error) {
	var res CompactResult
	fi, err := os.Stat(path)
	if err != nil {
		return res, fmt.Errorf("compact cache: %w", err)
	}
	res.SizeBefore, res.SizeAfter = fi.Size(), fi.Size()
	src, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return res, fmt.Errorf("compact cache %s: %w; stop the agent (cccd serve) first", path, ErrLocked)
		}
		return res, fmt.Errorf("compact cache %s: %w", path, err)
	}
	// The lock is held until the new file is in place (on Unix; see below).
	srcOpen := true
	defer func() {
		if srcOpen {
			src.Close()
		}
	}()
	st := src.Stats()
	res.FreeBefore = int64(st.FreePageN+st.PendingPageN) * int64(src.Info().PageSize)
	if minFree >= 0 && (res.FreeBefore < compactMinFree || float64(res.FreeBefore) <= minFree*float64(res.SizeBefore)) {
		return res, nil
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+compactPattern)
	if err != nil {
		return res, fmt.Errorf("compact cache: %w", err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpName) // no-op after the rename
	dst, err := bolt.Open(tmpName, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		return res, fmt.Errorf("compact cache: %w", err)
	}
	if err := bolt.Compact(dst, src, compactTxSize); err != nil {
		dst.Close()
		return res, fmt.Errorf("compact cache: copy: %w", err)
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		return res, fmt.Errorf("compact cache: fsync: %w", err)
	}
	if err := dst.Close(); err != nil {
		return res, fmt.Errorf("compact cache: %w", err)
	}
	if err := os.Chmod(tmpName, 0o600); err != nil {
		return res, fmt.Errorf("compact cache: %w", err)
	}
	sameOwner(tmpName, fi)
	if runtime.GOOS == "windows" {
		// Windows cannot rename over an open file: let it go first. A
		// process that opens it in between makes the rename fail, and
		// the old file stays whole.
		srcOpen = false
		if err := src.Close(); err != nil {
			return res, fmt.Errorf("compact cache: %w", err)
		}
	}
	if err := os.Rename(tmpName, path); err != nil {
		return res, fmt.Errorf("compact cache: replace the file: %w", err)
	}
	if err := fsutil.SyncDir(dir); err != nil {
		return res, fmt.Errorf("compact cache: %w", err)
	}
	res.Compacted = true
	if fi, err := os.Stat(path); err == nil {
		res.SizeAfter = fi.Size()
	}
	return res, nil
}

// removeCompactFiles deletes what a crashed Compact left.
func removeCompactFiles(path string) {
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), filepath.Base(path)+compactPattern))
	for _, f := range leftovers {
		os.Remove(f)
	}
}

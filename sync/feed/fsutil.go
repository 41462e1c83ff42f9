package feed

import (
	"io"
	"os"
	"time"

	"github.com/cccd-agent/cccd/internal/fsutil"
)

// WriteFileAtomic writes data to path through a temporary file in the same
// directory, fsyncs it and renames it into place, then fsyncs the directory:
// a reader (or a crash) sees the old file or the new one, never a part.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	return fsutil.WriteFile(path, data, perm)
}

// writeFileAtomic is WriteFileAtomic that also sets the file's modification
// time, when mtime is not zero, before it becomes visible.
func writeFileAtomic(path string, data []byte, perm os.FileMode, mtime time.Time) error {
	f, err := fsutil.Create(path, perm)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := io.Writer(f).Write(data); err != nil {
		return err
	}
	if !mtime.IsZero() {
		if err := os.Chtimes(f.Name(), mtime, mtime); err != nil {
			return err
		}
	}
	return f.Commit()
}

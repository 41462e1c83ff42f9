package lds

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/cccd-agent/cccd/internal/fsutil"
)

// The dump directory is the offline form of Files: one file per LDS file,
// named by DirName ("EF_SOD.bin", "DG1.bin", ...), written by `cccd dump`
// and read by `cccd verify DIR`. docs/FORMATS.md documents it.

// maxDirFile bounds a file ReadDir accepts: far above the largest LDS file
// (an ICAO file is addressed with 15-bit offsets plus one extended read), so
// only a wrong directory hits it.
const maxDirFile = 4 << 20

// DirName returns the name file id has in a dump directory.
func DirName(id FileID) string {
	if id.DG() > 0 {
		return id.String() + ".bin"
	}
	return "EF_" + id.String() + ".bin"
}

// WriteDir writes every file of f into dir, creating dir with mode 0700 and
// each file with mode 0600: they hold personal data. Each file is written
// to a temporary name and renamed, so an existing file (or a symlink
// planted in its place) is replaced, never written through.
func WriteDir(dir string, f *Files) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("lds: create the dump directory: %w", err)
	}
	for _, id := range f.IDs() {
		if err := fsutil.WriteFile(filepath.Join(dir, DirName(id)), f.Get(id), 0o600); err != nil {
			return fmt.Errorf("lds: write %s: %w", DirName(id), err)
		}
	}
	return nil
}

// ReadDir reads the files of a dump directory that WriteDir would write;
// other files are ignored. A directory without any of them is an error
// matching os.ErrNotExist.
func ReadDir(dir string) (*Files, error) {
	f := &Files{}
	for id := FileID(1); id <= lastFileID; id++ {
		b, err := readFile(filepath.Join(dir, DirName(id)))
		switch {
		case err == nil:
			f.Set(id, b)
		case !errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("lds: read %s: %w", DirName(id), err)
		}
	}
	if f.Len() == 0 {
		return nil, fmt.Errorf("lds: %s holds no chip files (EF_SOD.bin, DG1.bin, ...): %w", dir, os.ErrNotExist)
	}
	return f, nil
}

func readFile(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, maxDirFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxDirFile {
		return nil, fmt.Errorf("larger than %d bytes, not a chip file", maxDirFile)
	}
	return b, nil
}

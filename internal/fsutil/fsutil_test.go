package fsutil

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestWriteFileReplacesSymlinkNotTarget(t *testing.T) {
	if runtime.GOOS == "windows" {
		return // symlinks need privileges there; the rename logic is the same
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if err := os.Symlink(target, out); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(out, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Errorf("the symlink's target was written: %q", b)
	}
	fi, err := os.Lstat(out)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Errorf("out is %v, want a regular file 0600", fi.Mode())
	}
	if b, _ := os.ReadFile(out); string(b) != "new" {
		t.Errorf("out holds %q", b)
	}
	assertNoTemp(t, dir, 2)
}

func TestWriteWithErrorKeepsOld(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	if err := WriteFile(out, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := WriteWith(out, 0o600, func(w io.Writer) error {
		w.Write([]byte("partial"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if b, _ := os.ReadFile(out); string(b) != "old" {
		t.Errorf("out holds %q after a failed write", b)
	}
	assertNoTemp(t, dir, 1)
}

func assertNoTemp(t *testing.T, dir string, want int) {
	t.Helper()
	es, _ := os.ReadDir(dir)
	if len(es) != want {
		var names []string
		for _, e := range es {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want %d files (no temporary left)", names, want)
	}
}

func TestCheckPrivateDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := CheckPrivateDir(dir); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS == "windows" {
		return
	}
	os.Chmod(dir, 0o755)
	err := CheckPrivateDir(dir)
	if !errors.Is(err, ErrNotPrivate) || !strings.Contains(err.Error(), "chmod 700 "+dir) {
		t.Errorf("err = %v, want ErrNotPrivate naming chmod 700", err)
	}
}

func TestReadSecret(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "secret")
	if err := os.WriteFile(p, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := ReadSecret(p, 100, false)
	if err != nil || string(b) != "s3cret\n" {
		t.Fatalf("ReadSecret = %q, %v", b, err)
	}
	if _, err := ReadSecret(p, 3, false); err == nil {
		t.Error("a secret over the bound was read")
	}
	if runtime.GOOS == "windows" {
		return
	}
	os.Chmod(p, 0o644)
	if _, err := ReadSecret(p, 100, false); !errors.Is(err, ErrNotPrivate) || !strings.Contains(err.Error(), "chmod 600 "+p) {
		t.Errorf("world-readable secret: err = %v", err)
	}
	os.Chmod(p, 0o640)
	if _, err := ReadSecret(p, 100, true); err != nil {
		t.Errorf("group-readable secret with groupOK: %v", err)
	}
	os.Chmod(p, 0o604)
	if _, err := ReadSecret(p, 100, true); !errors.Is(err, ErrNotPrivate) || !strings.Contains(err.Error(), "chmod o-rwx "+p) {
		t.Errorf("other-readable secret with groupOK: %v", err)
	}
	os.Chmod(p, 0o600)
	link := filepath.Join(dir, "link")
	os.Symlink(p, link)
	if _, err := ReadSecret(link, 100, false); !errors.Is(err, ErrNotPrivate) || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("symlinked secret: err = %v", err)
	}
	if _, err := ReadSecret(dir, 100, false); !errors.Is(err, ErrNotPrivate) {
		t.Errorf("directory as secret: err = %v", err)
	}
}

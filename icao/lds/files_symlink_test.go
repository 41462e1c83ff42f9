//go:build !windows

// Creating a symlink needs privileges on Windows, so this test is built for
// the other systems only.

package lds

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWriteDirReplacesSymlink: a symlink planted under a dump name is
// replaced, and the file it points to is left alone.
func TestWriteDirReplacesSymlink(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, "DG1.bin")); err != nil {
		t.Fatal(err)
	}
	f := &Files{}
	f.Set(DG(1), []byte("mrz"))
	if err := WriteDir(dir, f); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("WriteDir wrote through a symlink: victim holds %q", b)
	}
	if info, err := os.Lstat(filepath.Join(dir, "DG1.bin")); err != nil || !info.Mode().IsRegular() {
		t.Errorf("DG1.bin is not a regular file: %v", err)
	}
}

package lds

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"testing"
)

func TestFileIDNames(t *testing.T) {
	for id := FileID(1); id <= lastFileID; id++ {
		back, ok := ParseFileID(id.String())
		if !ok || back != id {
			t.Errorf("%s does not round-trip: %v %v", id, back, ok)
		}
	}
	for _, bad := range []string{"", "DG0", "DG17", "DG01", "EF.COM", "dg1", "FileID(0)"} {
		if _, ok := ParseFileID(bad); ok {
			t.Errorf("ParseFileID(%q) found a file", bad)
		}
	}
	if DG(0) != 0 || DG(17) != 0 || DG(14).DG() != 14 || EFSOD.DG() != 0 || FileID(0).Valid() {
		t.Error("DG numbering wrong")
	}
}

func TestFilesDataGroups(t *testing.T) {
	f := &Files{}
	f.Set(EFCOM, []byte{1})
	f.Set(EFSOD, []byte{2})
	f.Set(EFCardSecurity, []byte{3})
	f.Set(DG(1), []byte{4})
	f.Set(DG(14), []byte{5})
	got := f.DataGroups()
	if len(got) != 2 || got[1][0] != 4 || got[14][0] != 5 {
		t.Fatalf("DataGroups = %v, want DG1 and DG14 only", got)
	}
	if want := []FileID{DG(1), DG(14), EFCOM, EFSOD, EFCardSecurity}; !reflect.DeepEqual(f.IDs(), want) {
		t.Errorf("IDs = %v, want %v", f.IDs(), want)
	}
	if f.String() != "DG1 1, DG14 1, COM 1, SOD 1, CardSecurity 1" {
		t.Errorf("String = %q", f)
	}
	c := f.Clone()
	c.DG(1)[0] = 9
	if f.DG(1)[0] != 4 {
		t.Error("Clone shares bytes")
	}
	f.Set(DG(1), nil)
	if f.Len() != 4 || f.DG(1) != nil || f.CardAccess() != nil {
		t.Errorf("after removing DG1: %s", f)
	}
	var none *Files
	if none.Get(EFSOD) != nil || none.Len() != 0 {
		t.Error("nil Files not empty")
	}
	defer func() {
		if recover() == nil {
			t.Error("Set(0) did not panic")
		}
	}()
	f.Set(0, []byte{1})
}

// TestDirRoundTrip: what WriteDir writes, ReadDir reads back, under the
// documented names and modes; other files in the directory are ignored.
func TestDirRoundTrip(t *testing.T) {
	f := &Files{}
	f.Set(EFSOD, []byte("sod"))
	f.Set(EFCOM, []byte("com"))
	f.Set(DG(13), []byte("dg13"))
	f.Set(EFCardAccess, []byte("ca"))
	dir := filepath.Join(t.TempDir(), "card")
	if err := WriteDir(dir, f); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		if info, _ := e.Info(); runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", e.Name(), info.Mode().Perm())
		}
	}
	if want := []string{"DG13.bin", "EF_COM.bin", "EF_CardAccess.bin", "EF_SOD.bin"}; !reflect.DeepEqual(names, want) {
		t.Errorf("dump holds %v, want %v", names, want)
	}
	if info, _ := os.Stat(dir); runtime.GOOS != "windows" && info.Mode().Perm() != 0o700 {
		t.Errorf("dump directory mode %v, want 0700", info.Mode().Perm())
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	back, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if back.String() != f.String() || !bytes.Equal(back.DG(13), []byte("dg13")) || !bytes.Equal(back.SOD(), []byte("sod")) {
		t.Errorf("read back %s, wrote %s", back, f)
	}
}

func TestReadDirErrors(t *testing.T) {
	if _, err := ReadDir(t.TempDir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("empty directory: %v, want ErrNotExist", err)
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "EF_SOD.bin"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadDir(dir); err == nil || errors.Is(err, os.ErrNotExist) {
		t.Errorf("a directory named EF_SOD.bin: %v, want a read error", err)
	}
	big := t.TempDir()
	if err := os.WriteFile(filepath.Join(big, "DG2.bin"), make([]byte, maxDirFile+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadDir(big); err == nil {
		t.Error("an oversized DG2.bin was accepted")
	}
}

// TestDumpFilesDocumented keeps the dump-directory table of docs/FORMATS.md
// in step with DirName: every name is listed, and nothing else is.
func TestDumpFilesDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "FORMATS.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := bytes.Cut(doc, []byte("<!-- dump-files -->"))
	if !ok {
		t.Fatal("docs/FORMATS.md has no <!-- dump-files --> table")
	}
	table, _, _ = bytes.Cut(table, []byte("\n\n"))
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile("`([A-Za-z_]+[0-9]*\\.bin)`").FindAllSubmatch(table, -1) {
		listed[string(m[1])] = true
	}
	want := map[string]bool{"DG1.bin": true, "DG16.bin": true} // the table writes DG1 … DG16 as a range
	for id := FileID(1); id <= lastFileID; id++ {
		if id.DG() == 0 {
			want[DirName(id)] = true
		}
	}
	if !reflect.DeepEqual(listed, want) {
		t.Errorf("docs/FORMATS.md lists %v, DirName gives %v", listed, want)
	}
}

package lds

import (
	"fmt"
	"strconv"
	"strings"
)

// FileID names an LDS file a reader keeps: a data group (1..16), EF.COM,
// EF.SOD, or one of the master file's EF.CardAccess and EF.CardSecurity.
// The zero FileID names nothing.
type FileID uint8

// The files besides the data groups, numbered after DG16.
const (
	EFCOM FileID = 17 + iota
	EFSOD
	EFCardAccess
	EFCardSecurity
	EFATRInfo // EF.ATR/INFO (2F01): the chip's extended-length announcement

	lastFileID = EFATRInfo
)

// DG returns the FileID of data group n, or 0 when n is not 1..16.
func DG(n int) FileID {
	if n < 1 || n > 16 {
		return 0
	}
	return FileID(n)
}

// DG returns the data-group number of id (1..16), or 0 for the other files.
func (id FileID) DG() int {
	if id >= 1 && id <= 16 {
		return int(id)
	}
	return 0
}

// Valid reports whether id names a file.
func (id FileID) Valid() bool { return id >= 1 && id <= lastFileID }

// String returns the file's name: "DG1".."DG16", "COM", "SOD", "CardAccess",
// "CardSecurity", "ATRInfo" (the names of the simulator's profiles and of traces).
func (id FileID) String() string {
	switch {
	case id.DG() > 0:
		return "DG" + strconv.Itoa(id.DG())
	case id == EFCOM:
		return "COM"
	case id == EFSOD:
		return "SOD"
	case id == EFCardAccess:
		return "CardAccess"
	case id == EFCardSecurity:
		return "CardSecurity"
	case id == EFATRInfo:
		return "ATRInfo"
	}
	return fmt.Sprintf("FileID(%d)", uint8(id))
}

// ParseFileID is the inverse of FileID.String.
func ParseFileID(name string) (FileID, bool) {
	for id := FileID(1); id <= lastFileID; id++ {
		if id.String() == name {
			return id, true
		}
	}
	return 0, false
}

// Files holds the raw bytes of the files read from one chip, as read (with
// any read padding), by FileID. The zero value is an empty set.
type Files struct {
	raw [lastFileID + 1][]byte
}

// Get returns the bytes of file id, or nil when it was not read.
func (f *Files) Get(id FileID) []byte {
	if f == nil || !id.Valid() {
		return nil
	}
	return f.raw[id]
}

// Set stores b as file id; a nil b removes it. It panics on an invalid id,
// a programming error (ids come from the constants, DG or ParseFileID).
func (f *Files) Set(id FileID, b []byte) {
	if !id.Valid() {
		panic("lds: Files.Set with " + id.String())
	}
	f.raw[id] = b
}

// DG returns the bytes of data group n, or nil.
func (f *Files) DG(n int) []byte { return f.Get(DG(n)) }

// COM, SOD, CardAccess and CardSecurity return those files, or nil.
func (f *Files) COM() []byte          { return f.Get(EFCOM) }
func (f *Files) SOD() []byte          { return f.Get(EFSOD) }
func (f *Files) CardAccess() []byte   { return f.Get(EFCardAccess) }
func (f *Files) CardSecurity() []byte { return f.Get(EFCardSecurity) }

// IDs returns the files present, data groups first in ascending order, then
// COM, SOD, CardAccess, CardSecurity.
func (f *Files) IDs() []FileID {
	var ids []FileID
	for id := FileID(1); f != nil && id <= lastFileID; id++ {
		if f.raw[id] != nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// Len is the number of files present.
func (f *Files) Len() int { return len(f.IDs()) }

// DataGroups returns the data groups present by number, the form passive
// authentication takes. The slices are shared, not copied.
func (f *Files) DataGroups() map[int][]byte {
	out := map[int][]byte{}
	for _, id := range f.IDs() {
		if n := id.DG(); n > 0 {
			out[n] = f.raw[id]
		}
	}
	return out
}

// Clone returns a copy whose byte slices are copies too.
func (f *Files) Clone() *Files {
	c := &Files{}
	for _, id := range f.IDs() {
		c.raw[id] = append([]byte(nil), f.raw[id]...)
	}
	return c
}

// String lists the files present and their sizes ("DG1 93, DG13 512, COM
// 24, SOD 1802"), never their content.
func (f *Files) String() string {
	parts := make([]string, 0, lastFileID)
	for _, id := range f.IDs() {
		parts = append(parts, fmt.Sprintf("%s %d", id, len(f.raw[id])))
	}
	return strings.Join(parts, ", ")
}

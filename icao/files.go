package icao

import "fmt"

// AID is the eMRTD LDS1 application identifier (ICAO 9303-10 §3.10).
var AID = []byte{0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01}

// File names an elementary file of the chip: its name in Files and in
// sim.Profile, its file identifier and short file identifier, and whether it
// lives under the master file (outside the eMRTD application). Files and
// SFIs are looked up in the current DF, so an InMF file is read after
// SelectMF and the others after SelectApplication.
type File struct {
	Name string
	FID  uint16
	SFI  byte
	InMF bool
}

// The files of ICAO 9303-10 a reader uses.
var (
	FileCOM          = File{Name: "COM", FID: 0x011E, SFI: 0x1E}
	FileSOD          = File{Name: "SOD", FID: 0x011D, SFI: 0x1D}
	FileCardAccess   = File{Name: "CardAccess", FID: 0x011C, SFI: 0x1C, InMF: true}
	FileCardSecurity = File{Name: "CardSecurity", FID: 0x011D, SFI: 0x1D, InMF: true}
	// FileATRInfo is EF.ATR/INFO (ISO 7816-4 §12.2.2.4): how the chip
	// announces extended length when its ATR does not.
	FileATRInfo = File{Name: "ATRInfo", FID: 0x2F01, SFI: 0x01, InMF: true}
)

// DGFile returns the file of data group n (1..16): FID 01nn, SFI nn.
func DGFile(n int) (File, bool) {
	if n < 1 || n > 16 {
		return File{}, false
	}
	return File{Name: fmt.Sprintf("DG%d", n), FID: 0x0100 + uint16(n), SFI: byte(n)}, true
}

// DG returns the data-group number of f (1..16), or 0 for COM, SOD and the
// MF files.
func (f File) DG() int {
	if n := int(f.FID) - 0x0100; !f.InMF && n >= 1 && n <= 16 && f.Name == fmt.Sprintf("DG%d", n) {
		return n
	}
	return 0
}

// DataGroups returns the data groups among files (keyed by File.Name) by
// number, the form passive authentication takes.
func DataGroups(files map[string][]byte) map[int][]byte {
	out := map[int][]byte{}
	for name, b := range files {
		if f, ok := FileByName(name); ok && f.DG() > 0 {
			out[f.DG()] = b
		}
	}
	return out
}

// FileByName returns the file called name ("COM", "SOD", "DG1".."DG16",
// "CardAccess", "CardSecurity", "ATRInfo").
func FileByName(name string) (File, bool) {
	switch name {
	case FileCOM.Name:
		return FileCOM, true
	case FileSOD.Name:
		return FileSOD, true
	case FileCardAccess.Name:
		return FileCardAccess, true
	case FileCardSecurity.Name:
		return FileCardSecurity, true
	case FileATRInfo.Name:
		return FileATRInfo, true
	}
	var n int
	if _, err := fmt.Sscanf(name, "DG%d", &n); err == nil && fmt.Sprintf("DG%d", n) == name {
		return DGFile(n)
	}
	return File{}, false
}

// dgTags maps the EF.COM tag of each data group (ICAO 9303-10 table 34) to
// its number.
var dgTags = map[byte]int{
	0x61: 1, 0x75: 2, 0x63: 3, 0x76: 4, 0x65: 5, 0x66: 6, 0x67: 7, 0x68: 8,
	0x69: 9, 0x6A: 10, 0x6B: 11, 0x6C: 12, 0x6D: 13, 0x6E: 14, 0x6F: 15, 0x70: 16,
}

// DGTag returns the EF.COM tag of data group n, or 0.
func DGTag(n int) byte {
	for tag, dg := range dgTags {
		if dg == n {
			return tag
		}
	}
	return 0
}

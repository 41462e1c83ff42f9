package icao

import "github.com/cccd-agent/cccd/icao/lds"

// AID is the eMRTD LDS1 application identifier (ICAO 9303-10 §3.10).
var AID = []byte{0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01}

// File names an elementary file of the chip: which LDS file it is, its file
// identifier and short file identifier, and whether it lives under the
// master file (outside the eMRTD application). Files and SFIs are looked up
// in the current DF, so an InMF file is read after SelectMF and the others
// after SelectApplication.
type File struct {
	ID   lds.FileID
	FID  uint16
	SFI  byte
	InMF bool
}

// String is the file's name ("DG1", "SOD", "CardAccess", ...).
func (f File) String() string { return f.ID.String() }

// The files of ICAO 9303-10 a reader uses.
var (
	FileCOM          = File{ID: lds.EFCOM, FID: 0x011E, SFI: 0x1E}
	FileSOD          = File{ID: lds.EFSOD, FID: 0x011D, SFI: 0x1D}
	FileCardAccess   = File{ID: lds.EFCardAccess, FID: 0x011C, SFI: 0x1C, InMF: true}
	FileCardSecurity = File{ID: lds.EFCardSecurity, FID: 0x011D, SFI: 0x1D, InMF: true}
	// FileATRInfo is EF.ATR/INFO (ISO 7816-4 §12.2.2.4): how the chip
	// announces extended length when its ATR does not.
	FileATRInfo = File{ID: lds.EFATRInfo, FID: 0x2F01, SFI: 0x01, InMF: true}
)

// DGFile returns the file of data group n (1..16): FID 01nn, SFI nn.
func DGFile(n int) (File, bool) {
	id := lds.DG(n)
	if id == 0 {
		return File{}, false
	}
	return File{ID: id, FID: 0x0100 + uint16(n), SFI: byte(n)}, true
}

// DG returns the data-group number of f (1..16), or 0 for COM, SOD and the
// MF files.
func (f File) DG() int { return f.ID.DG() }

// FileOf returns the chip file of id.
func FileOf(id lds.FileID) (File, bool) {
	switch id {
	case lds.EFCOM:
		return FileCOM, true
	case lds.EFSOD:
		return FileSOD, true
	case lds.EFCardAccess:
		return FileCardAccess, true
	case lds.EFCardSecurity:
		return FileCardSecurity, true
	case lds.EFATRInfo:
		return FileATRInfo, true
	}
	return DGFile(id.DG())
}

// FileByName returns the file called name ("COM", "SOD", "DG1".."DG16",
// "CardAccess", "CardSecurity", "ATRInfo"), the names of lds.FileID.
func FileByName(name string) (File, bool) {
	id, ok := lds.ParseFileID(name)
	if !ok {
		return File{}, false
	}
	return FileOf(id)
}

package sim

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/internal/fsutil"
	"github.com/cccd-agent/cccd/internal/tlv"
)

// Profile is everything a simulated chip holds: its files, its access keys
// and its private chip keys. It is stored as JSON (byte fields in base64).
//
// A profile made by `cccd sim profile` also writes the test PKI beside it
// (the CSCA certificate that signs the Document Signer of the SOD) so that
// `--trust` can point at it.
type Profile struct {
	// Description says what this profile is for; never personal data in logs.
	Description string `json:"description,omitempty"`
	// MRZ is the full machine-readable zone (TD1: 90 characters, no newlines).
	// The chip derives its BAC and PACE-MRZ keys from it.
	MRZ string `json:"mrz"`
	// CAN is the 6-digit card access number (on a CCCD: the last 6 ID digits).
	CAN string `json:"can"`
	// Files maps an EF name to its full content: "CardAccess", "CardSecurity",
	// "COM", "SOD", "DG1", "DG2", "DG13", "DG14", "DG15", ...
	Files map[string][]byte `json:"files"`
	// PACE makes the chip advertise and accept PACE (EF.CardAccess must hold
	// the PACEInfo). A chip without it answers only BAC.
	PACE bool `json:"pace"`
	// ExtendedLength makes the chip accept extended-length APDUs.
	ExtendedLength bool `json:"extended_length"`
	// ExtendedLengthIn says where a chip with ExtendedLength announces it
	// (ICAO 9303-10 §3.11): AnnounceATR (the default, also for ""), in the
	// card capabilities of the ATR's historical bytes; AnnounceEFATR, in
	// EF.ATR/INFO (DO'7F66', the ATR pointing there); AnnounceBoth; or
	// AnnounceNone, nowhere (a reader must probe). A chip without
	// ExtendedLength says "no" in its ATR whatever this holds.
	ExtendedLengthIn string `json:"extended_length_in,omitempty"`
	// MaxResponse caps response data per APDU (0: 256 short, 65536 extended).
	MaxResponse int `json:"max_response,omitempty"`
	// ChipAuthKey is the Chip Authentication private key (PKCS#8 DER) whose
	// public half is in DG14. ActiveAuthKey is the Active Authentication
	// private key (PKCS#8 DER) whose public half is in DG15.
	ChipAuthKey   []byte `json:"chip_auth_key,omitempty"`
	ActiveAuthKey []byte `json:"active_auth_key,omitempty"`
}

// Where a chip announces extended length (Profile.ExtendedLengthIn).
const (
	AnnounceATR   = "atr"
	AnnounceEFATR = "ef-atr"
	AnnounceBoth  = "both"
	AnnounceNone  = "none"
)

// announces reports whether the chip announces extended length in its ATR
// and in EF.ATR/INFO.
func (p *Profile) announces() (inATR, inEFATR bool) {
	if !p.ExtendedLength {
		return false, false
	}
	switch p.ExtendedLengthIn {
	case AnnounceEFATR:
		return false, true
	case AnnounceBoth:
		return true, true
	case AnnounceNone:
		return false, false
	}
	return true, false
}

// ATRInfo is the EF.ATR/INFO a chip announcing extended length there
// holds: the extended length information DO'7F66' with the most bytes of a
// command APDU and of a response APDU (ISO 7816-4 §12.7.1), the response
// limit from MaxResponse when set.
func (p *Profile) ATRInfo() []byte {
	maxRes := icao.MaxExtendedNe + 2
	if p.MaxResponse > 0 {
		maxRes = p.MaxResponse + 64 // the protected answer's overhead fits
	}
	integer := func(n int) []byte {
		b := []byte{byte(n >> 16), byte(n >> 8), byte(n)}
		for len(b) > 1 && b[0] == 0 && b[1]&0x80 == 0 {
			b = b[1:]
		}
		if b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return tlv.Encode(0x02, b)
	}
	return tlv.Encode(0x7F66, integer(4+3+65535+2), integer(maxRes)) // header, Lc, data, Le
}

// LoadProfile reads a profile file.
func LoadProfile(path string) (*Profile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sim: read profile: %w", err)
	}
	var p Profile
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("sim: profile %s is not valid JSON: %w", path, err)
	}
	if len(p.Files) == 0 {
		return nil, fmt.Errorf("sim: profile %s holds no files", path)
	}
	switch p.ExtendedLengthIn {
	case "", AnnounceATR, AnnounceEFATR, AnnounceBoth, AnnounceNone:
	default:
		return nil, fmt.Errorf("sim: profile %s: extended_length_in must be atr, ef-atr, both or none", path)
	}
	return &p, nil
}

// Save writes the profile as JSON with mode 0600 (it holds private keys).
func (p *Profile) Save(path string) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return fsutil.WriteFile(path, b, 0o600)
}

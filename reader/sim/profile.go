package sim

import (
	"encoding/json"
	"fmt"
	"os"
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
	// ExtendedLength makes the chip accept extended-length APDUs (ATR says so).
	ExtendedLength bool `json:"extended_length"`
	// MaxResponse caps response data per APDU (0: 256 short, 65536 extended).
	MaxResponse int `json:"max_response,omitempty"`
	// ChipAuthKey is the Chip Authentication private key (PKCS#8 DER) whose
	// public half is in DG14. ActiveAuthKey is the Active Authentication
	// private key (PKCS#8 DER) whose public half is in DG15.
	ChipAuthKey   []byte `json:"chip_auth_key,omitempty"`
	ActiveAuthKey []byte `json:"active_auth_key,omitempty"`
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
	return &p, nil
}

// Save writes the profile as JSON with mode 0600 (it holds private keys).
func (p *Profile) Save(path string) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

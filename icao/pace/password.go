package pace

import (
	"crypto/sha1"
	"fmt"
)

// Password is a PACE password: the CAN or the MRZ information. Its String
// method never reveals the secret, so it is safe in logs and errors.
type Password struct {
	ref    byte // 1 MRZ, 2 CAN (ICAO 9303-11 §4.4.4.1, DO'83')
	secret []byte
}

// Password references for MSE:Set AT DO'83'.
const (
	RefMRZ byte = 1
	RefCAN byte = 2
)

// CAN returns the card access number password (on a CCCD: the last 6 digits
// of the ID number). It refuses anything but decimal digits.
func CAN(can string) (Password, error) {
	if can == "" {
		return Password{}, fmt.Errorf("pace: empty CAN; give the card access number (6 digits)")
	}
	for _, r := range can {
		if r < '0' || r > '9' {
			return Password{}, fmt.Errorf("pace: the CAN must be digits only")
		}
	}
	return Password{ref: RefCAN, secret: []byte(can)}, nil
}

// MRZ returns the MRZ password from the MRZ information: document number,
// date of birth and date of expiry, each followed by its check digit (the
// same 24+ characters BAC uses).
func MRZ(mrzInformation string) (Password, error) {
	if len(mrzInformation) < 24 {
		return Password{}, fmt.Errorf("pace: MRZ information too short (%d characters); need document number, birth and expiry dates with check digits", len(mrzInformation))
	}
	return Password{ref: RefMRZ, secret: []byte(mrzInformation)}, nil
}

// Ref returns the password reference sent in MSE:Set AT (1 MRZ, 2 CAN).
func (p Password) Ref() byte { return p.ref }

// Kind returns "CAN" or "MRZ" ("" for the zero Password).
func (p Password) Kind() string {
	switch p.ref {
	case RefCAN:
		return "CAN"
	case RefMRZ:
		return "MRZ"
	}
	return ""
}

// String says only the password kind.
func (p Password) String() string { return "PACE password " + p.Kind() }

// key returns f(π): SHA-1 of the MRZ information, or the CAN itself
// (ICAO 9303-11 §9.7.3).
func (p Password) key() []byte {
	if p.ref == RefMRZ {
		h := sha1.Sum(p.secret)
		return h[:]
	}
	return append([]byte(nil), p.secret...)
}

package mrz

import (
	"fmt"
	"strings"
	"time"
)

// IDNumber returns the 12-digit personal ID of a CCCD MRZ: optional data 1 starts with the full ID, the document number is its
// last 9 digits, and line 1 position 30, when a digit, is the ID's check
// digit. It fails with ErrNotCCCD for any other MRZ.
func (m *MRZ) IDNumber() (string, error) {
	if m.Format != TD1 || len(m.Lines) != 3 {
		return "", fmt.Errorf("%w: not a TD1 MRZ", ErrNotCCCD)
	}
	opt := m.Lines[0][15:30]
	id := opt[:12]
	if !isDigits(id) {
		return "", fmt.Errorf("%w: optional data does not start with a 12-digit ID", ErrNotCCCD)
	}
	if m.DocumentNumber != id[3:] {
		return "", fmt.Errorf("%w: document number is not the last 9 digits of the ID", ErrNotCCCD)
	}
	if cd := opt[14]; cd >= '0' && cd <= '9' {
		if err := verify("ID number", id, cd); err != nil {
			return "", err
		}
	}
	return id, nil
}

// ValidID reports whether s is a syntactically valid 12-digit personal ID.
func ValidID(s string) bool { return len(s) == 12 && isDigits(s) }

// CAN returns the card access number of a CCCD: the last 6 digits of its
// 12-digit ID (the card prints no separate CAN).
func CAN(id12 string) (string, error) {
	if !ValidID(id12) {
		return "", fmt.Errorf("%w: ID must be 12 digits", ErrFormat)
	}
	return id12[6:], nil
}

// KeySeed composes the ICAO 9303-11 "MRZ information" from which BAC and
// PACE-MRZ derive their keys: the document number padded with '<' to at least
// 9 characters and its check digit, then date of birth and date of expiry
// (YYMMDD, or "<<<<<<" when the card has no expiry) each with its check
// digit. The inputs are upper-cased; anything outside 0-9, A-Z and '<' is an
// ErrFormat.
func KeySeed(documentNumber, dob, expiry string) (string, error) {
	doc := strings.ToUpper(documentNumber)
	if len(doc) < 9 {
		doc += strings.Repeat("<", 9-len(doc))
	}
	if len(dob) != 6 || len(expiry) != 6 {
		return "", fmt.Errorf("%w: dates must be YYMMDD", ErrFormat)
	}
	var b strings.Builder
	for _, part := range []struct{ name, v string }{{"document number", doc}, {"date of birth", dob}, {"date of expiry", expiry}} {
		cd, err := CheckDigit(part.v)
		if err != nil {
			return "", fmt.Errorf("%s: %w", part.name, err)
		}
		b.WriteString(part.v)
		b.WriteByte(cd)
	}
	return b.String(), nil
}

// KeySeedForID is KeySeed for a CCCD known by its 12-digit ID: the document
// number is the last 9 ID digits. A zero expiry means the card has no expiry
// ("<<<<<<" in the MRZ).
func KeySeedForID(id12 string, dob, expiry time.Time) (string, error) {
	if !ValidID(id12) {
		return "", fmt.Errorf("%w: ID must be 12 digits", ErrFormat)
	}
	exp := "<<<<<<"
	if !expiry.IsZero() {
		exp = expiry.Format("060102")
	}
	return KeySeed(id12[3:], dob.Format("060102"), exp)
}

// KeySeed returns the MRZ information of this MRZ (see the package-level
// KeySeed).
func (m *MRZ) KeySeed() (string, error) {
	return KeySeed(m.DocumentNumber, m.DateOfBirth, m.DateOfExpiry)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Package mrz parses ICAO 9303 machine-readable zones (TD1 3×30 and TD3 2×44)
// with every check digit, and implements the rules of the Vietnamese chip ID
// card (CCCD / Thẻ căn cước): the MRZ document number is the last 9 digits of
// the 12-digit personal ID, the full ID sits in the optional data, the expiry
// follows the milestone ages of the ID laws, and the card's QR code carries
// the ID and date of birth.
//
// Errors never contain the MRZ, the ID, names or dates: they name the field
// that failed, so they are safe to log.
package mrz

import "errors"

// Sentinel errors callers branch on.
var (
	// ErrFormat: the text is not an MRZ (wrong length, characters or layout)
	// or a field is not what its position requires.
	ErrFormat = errors.New("mrz: malformed MRZ")
	// ErrCheckDigit: a check digit does not match its field; the MRZ was
	// mistyped or mis-scanned.
	ErrCheckDigit = errors.New("mrz: check digit mismatch")
	// ErrNotCCCD: the MRZ is valid but does not follow the CCCD layout
	// (no 12-digit ID matching the document number).
	ErrNotCCCD = errors.New("mrz: not a Vietnamese CCCD MRZ")
	// ErrQR: the text is not the QR code of a CCCD / Thẻ căn cước.
	ErrQR = errors.New("mrz: not a CCCD QR code")
)

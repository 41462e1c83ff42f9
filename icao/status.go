package icao

import (
	"errors"
	"fmt"
)

// SWOK is the status word of a successful command.
const SWOK uint16 = 0x9000

// Sentinel errors callers branch on. A *StatusError unwraps to at most one of
// them; errors from the secure-messaging layer wrap ErrSecureMessaging.
var (
	// ErrNotFound: the file or record does not exist (6A82, 6A83).
	ErrNotFound = errors.New("icao: not found on the chip")
	// ErrAccessDenied: the chip refused access or authentication (6982,
	// 6300, 63Cx); for BAC and PACE this means a wrong CAN or MRZ.
	ErrAccessDenied = errors.New("icao: access refused by the chip")
	// ErrSecurityStatus: the chip rejected the secure-messaging objects
	// (6987, 6988); the SM session is usually lost.
	ErrSecurityStatus = errors.New("icao: secure messaging rejected by the chip")
	// ErrWrongLength: the chip cannot serve that Lc/Le (6700, 6Cxx).
	ErrWrongLength = errors.New("icao: wrong length for the chip")
	// ErrEndOfFile: the read reached or passed the end of the file (6282, 6B00).
	ErrEndOfFile = errors.New("icao: end of file")
)

// StatusError is a status word other than 9000. Its message names the card's
// reason in words; errors.Is matches the sentinel it maps to.
type StatusError struct {
	SW uint16
	// Authenticated: the answer came under secure messaging with the status
	// word in DO'99' and a MAC that verified, so the chip itself said it
	// (not a reader or a man in the middle).
	Authenticated bool
}

// Error says what the card answered, e.g. "card answered 6A82: file not found".
func (e *StatusError) Error() string {
	return fmt.Sprintf("icao: card answered %04X: %s", e.SW, swText(e.SW))
}

// Meaning is the card's reason in words, e.g. "file not found".
func (e *StatusError) Meaning() string { return swText(e.SW) }

// Unwrap returns the sentinel for the status word, or nil.
func (e *StatusError) Unwrap() error {
	sw := e.SW
	switch {
	case sw == 0x6A82 || sw == 0x6A83:
		return ErrNotFound
	case sw == 0x6982 || sw == 0x6300 || sw&0xFFF0 == 0x63C0:
		return ErrAccessDenied
	case sw == 0x6987 || sw == 0x6988:
		return ErrSecurityStatus
	case sw == 0x6700 || sw&0xFF00 == 0x6C00:
		return ErrWrongLength
	case sw == 0x6282 || sw == 0x6B00:
		return ErrEndOfFile
	}
	return nil
}

// Retries returns the remaining tries a 63Cx status reports, or -1.
func (e *StatusError) Retries() int {
	if e.SW&0xFFF0 == 0x63C0 {
		return int(e.SW & 0xF)
	}
	return -1
}

var swTexts = map[uint16]string{
	0x6281: "part of the returned data may be corrupted",
	0x6282: "end of file reached before the requested length",
	0x6300: "authentication failed",
	0x6581: "memory failure",
	0x6700: "wrong length",
	0x6881: "logical channel not supported",
	0x6882: "secure messaging not supported",
	0x6981: "command incompatible with the file structure",
	0x6982: "security status not satisfied",
	0x6983: "authentication method blocked",
	0x6984: "reference data not usable",
	0x6985: "conditions of use not satisfied",
	0x6986: "command not allowed (no current file)",
	0x6987: "expected secure-messaging data objects missing",
	0x6988: "secure-messaging data objects incorrect",
	0x6A80: "incorrect data field",
	0x6A81: "function not supported",
	0x6A82: "file not found",
	0x6A83: "record not found",
	0x6A86: "incorrect parameters P1-P2",
	0x6A87: "Lc inconsistent with P1-P2",
	0x6A88: "referenced data not found",
	0x6B00: "offset outside the file",
	0x6D00: "instruction not supported",
	0x6E00: "class not supported",
	0x6F00: "no precise diagnosis",
}

func swText(sw uint16) string {
	if t, ok := swTexts[sw]; ok {
		return t
	}
	switch sw & 0xFF00 {
	case 0x6100:
		return fmt.Sprintf("%d more response bytes available", sw&0xFF)
	case 0x6C00:
		return fmt.Sprintf("wrong Le, the card can send %d bytes", sw&0xFF)
	}
	if sw&0xFFF0 == 0x63C0 {
		return fmt.Sprintf("verification failed, %d tries left", sw&0xF)
	}
	return "unknown status"
}

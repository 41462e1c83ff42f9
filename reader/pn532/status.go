package pn532

import (
	"errors"
	"fmt"

	"github.com/cccd-agent/cccd/reader"
)

// Errors callers of this package branch on, besides the reader sentinels.
var (
	// ErrRF means the radio exchange with the card failed (CRC, parity,
	// framing, ISO 14443-4 format): usually a bad tap; lift and re-present.
	ErrRF = errors.New("pn532: RF communication with the card failed")
	// ErrSyntax means the PN532 rejected a command frame as malformed.
	ErrSyntax = errors.New("pn532: PN532 rejected the command (syntax error frame)")
	// ErrNotPN532 means something answered on the port, but not a PN532.
	ErrNotPN532 = errors.New("pn532: device on the port is not a PN532")
)

// statusText names the error codes of the status byte (low 6 bits), from the
// PN532 user manual UM0701-02 via libnfc pn53x-internal.h.
var statusText = map[byte]string{
	0x01: "target did not answer (timeout)",
	0x02: "CRC error",
	0x03: "parity error",
	0x04: "erroneous bit count",
	0x05: "framing error",
	0x06: "bit collision",
	0x07: "communication buffer too small",
	0x09: "RF buffer overflow",
	0x0A: "RF field not switched on in time",
	0x0B: "RF protocol error",
	0x0D: "overheating: antenna drivers switched off",
	0x0E: "internal buffer overflow",
	0x10: "invalid parameter",
	0x12: "DEP: unsupported command",
	0x13: "ISO 14443-4 format error (bad length or PCB)",
	0x14: "MIFARE authentication error",
	0x23: "UID check byte wrong",
	0x25: "DEP: invalid device state",
	0x26: "operation not allowed",
	0x27: "command not acceptable in the current context",
	0x29: "target released by the initiator",
	0x2A: "card ID mismatch (card exchanged)",
	0x2B: "card disappeared",
	0x2C: "NFCID3 mismatch",
	0x2D: "over-current",
	0x2E: "NAD missing",
}

// StatusError is a non-zero error code in the status byte of a PN532
// response (InDataExchange, InRelease...). It unwraps to reader.ErrTimeout
// (0x01), reader.ErrCardRemoved (0x29, 0x2A, 0x2B) or ErrRF (radio faults),
// so callers can branch without knowing PN532 codes.
type StatusError struct {
	Code byte // low 6 bits of the status byte
}

// Error names the code in words.
func (e *StatusError) Error() string {
	text, ok := statusText[e.Code]
	if !ok {
		text = "unknown error"
	}
	return fmt.Sprintf("pn532: status 0x%02X: %s", e.Code, text)
}

// Unwrap maps the code onto the sentinel callers branch on.
func (e *StatusError) Unwrap() error {
	switch e.Code {
	case 0x01:
		return reader.ErrTimeout
	case 0x29, 0x2A, 0x2B:
		return reader.ErrCardRemoved
	case 0x02, 0x03, 0x04, 0x05, 0x06, 0x09, 0x0B, 0x13:
		return ErrRF
	}
	return nil
}

// checkStatus turns a status byte into an error (nil for success).
func checkStatus(status byte) error {
	if code := status & 0x3F; code != 0 {
		return &StatusError{Code: code}
	}
	return nil
}

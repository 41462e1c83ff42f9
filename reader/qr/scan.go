package qr

import (
	"fmt"
	"strings"
	"time"

	"github.com/cccd-agent/cccd/icao/mrz"
)

// Scan is one recognised QR code: the key for the next card on Reader.
type Scan struct {
	// Reader is the card reader this scanner is paired with.
	Reader string
	// IDNumber is the 12-digit personal ID.
	IDNumber string
	// CAN is the card access number for PACE: the last 6 ID digits.
	CAN string
	// At is when the scan arrived.
	At time.Time
	// DateOfBirth and IssueDate (zero when not printed) let the caller
	// derive a BAC key when the chip has no PACE.
	DateOfBirth time.Time
	IssueDate   time.Time
}

// parse turns QR text into a Scan. It is the one place that knows the QR
// format: mrz.ParseQR. Its errors carry no content of the text.
func parse(text string, pairedReader string, at time.Time) (Scan, error) {
	q, err := mrz.ParseQR(clean(text))
	if err != nil {
		return Scan{}, fmt.Errorf("qr: scanned code is not a CCCD QR code: %w", mrz.ErrQR)
	}
	return Scan{Reader: pairedReader, IDNumber: q.ID, CAN: q.CAN(), At: at,
		DateOfBirth: q.DateOfBirth, IssueDate: q.IssueDate}, nil
}

// clean removes what scanners add around the payload: control characters
// (STX/ETX framing, a tab suffix) and an AIM symbology identifier such as
// "]Q1" (QR Code) that some models prefix.
func clean(text string) string {
	text = strings.TrimFunc(text, func(r rune) bool { return r < 0x20 || r == 0x7F })
	if len(text) >= 3 && text[0] == ']' && text[1] == 'Q' && text[2] >= '0' && text[2] <= '9' {
		text = text[3:]
	}
	return text
}

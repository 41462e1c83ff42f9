package qr

import (
	"fmt"
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
	// derive a BAC key when the chip has no PACE (cccd-chip.md §6.2).
	DateOfBirth time.Time
	IssueDate   time.Time
}

// parse turns QR text into a Scan. It is the one place that knows the QR
// format: mrz.ParseQR. Its errors carry no content of the text.
func parse(text string, pairedReader string, at time.Time) (Scan, error) {
	q, err := mrz.ParseQR(text)
	if err != nil {
		return Scan{}, fmt.Errorf("qr: scanned code is not a CCCD QR code: %w", mrz.ErrQR)
	}
	return Scan{Reader: pairedReader, IDNumber: q.ID, CAN: q.CAN(), At: at,
		DateOfBirth: q.DateOfBirth, IssueDate: q.IssueDate}, nil
}

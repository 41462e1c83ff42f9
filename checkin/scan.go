package checkin

import (
	"context"

	"github.com/cccd-agent/cccd/internal/errtext"
	"github.com/cccd-agent/cccd/reader/qr"
)

// UseScans pairs QR scanners with their readers: each scan of a card's QR
// code becomes the key for the next card on the reader its scanner is paired
// with, or for the card already waiting there. A scan the agent cannot use
// (reader not connected, a read in progress) is logged without its content
// and dropped; the receptionist scans again or types the CAN. UseScans
// returns when ctx ends or scans is closed.
func (a *Agent) UseScans(ctx context.Context, scans <-chan qr.Scan) {
	for {
		select {
		case <-ctx.Done():
			return
		case s, ok := <-scans:
			if !ok {
				return
			}
			key := Key{Source: "qr", CAN: s.CAN, IDNumber: s.IDNumber, DateOfBirth: s.DateOfBirth, IssueDate: s.IssueDate}
			if err := a.SubmitParsedKey(ctx, s.Reader, key); err != nil {
				a.log.Warn("QR scan not used", "reader", s.Reader, "err", errtext.OneLine(err))
			}
		}
	}
}

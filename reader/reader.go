// Package reader defines what the rest of cccd needs from a card reader,
// whatever its transport (PC/SC, PN532 serial, BLE, the simulator): a way to
// open a session with the card in its field and exchange APDUs with it.
//
// Backends live in sub-packages and return the sentinel errors below (wrapped
// with %w) so callers can branch without knowing the backend.
package reader

import (
	"context"
	"errors"
)

// Sentinel errors every backend maps its own failures onto.
var (
	ErrNoService   = errors.New("reader: smart-card service not running")
	ErrNoReader    = errors.New("reader: no such reader")
	ErrNoCard      = errors.New("reader: no card on the reader")
	ErrCardRemoved = errors.New("reader: card removed")
	ErrReaderBusy  = errors.New("reader: reader in use by another program")
	ErrTimeout     = errors.New("reader: card did not answer in time")
	ErrUnsupported = errors.New("reader: card not supported")
)

// Card is a session with one card. Transmit sends one command APDU and returns
// the response data followed by SW1 SW2. A Card is not safe for concurrent use:
// a card session is strictly one command at a time.
type Card interface {
	Transmit(ctx context.Context, command []byte) ([]byte, error)
	// Close ends the session; the card stays in the field.
	Close() error
}

// Reader is one reader slot that can open a session with the card on it.
type Reader interface {
	// Name is the reader's stable, human-readable identifier.
	Name() string
	// Connect opens an exclusive session with the card in the field.
	Connect(ctx context.Context) (Card, error)
}

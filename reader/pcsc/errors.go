package pcsc

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ebfe/scard"

	"github.com/cccd-agent/cccd/reader"
)

// Error is a PC/SC failure: the operation, the reader it concerned, the
// PC/SC code, the reader sentinel callers branch on and what to do about it.
// errors.Is works with both the reader sentinel (reader.ErrNoCard, ...) and
// the scard code (scard.ErrRemovedCard, ...).
type Error struct {
	Op     string      // "connect", "transmit", "list readers", ...
	Reader string      // reader name, empty for context-wide operations
	Code   scard.Error // the PC/SC return code
	Kind   error       // a reader sentinel, or nil when none fits
	Hint   string      // one instruction for the user
}

func (e *Error) Error() string {
	s := "pcsc: " + e.Op
	if e.Reader != "" {
		s += fmt.Sprintf(" on %q", e.Reader)
	}
	if e.Code != 0 {
		s += ": " + codeText(e.Code)
	} else if e.Kind != nil {
		s += ": " + strings.TrimPrefix(e.Kind.Error(), "reader: ")
	}
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	return s
}

// Unwrap yields the reader sentinel and the PC/SC code.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Code != 0 {
		errs = append(errs, e.Code)
	}
	return errs
}

// codeText names a PC/SC code in words with its hex value (the scard text
// alone is ambiguous across platforms).
func codeText(c scard.Error) string {
	if t, ok := codeNames[c]; ok {
		return fmt.Sprintf("%s (%#08x)", t, uint32(c))
	}
	return fmt.Sprintf("PC/SC error %#08x", uint32(c))
}

var codeNames = map[scard.Error]string{
	scard.ErrCancelled:          "cancelled",
	scard.ErrInvalidHandle:      "invalid handle",
	scard.ErrUnknownReader:      "unknown reader",
	scard.ErrTimeout:            "timed out",
	scard.ErrSharingViolation:   "sharing violation",
	scard.ErrNoSmartcard:        "no card in the reader",
	scard.ErrProtoMismatch:      "protocol mismatch",
	scard.ErrCommError:          "communication with the service failed",
	scard.ErrNotTransacted:      "reader did not complete the exchange",
	scard.ErrReaderUnavailable:  "reader unavailable",
	scard.ErrNoService:          "service not available",
	scard.ErrServiceStopped:     "service stopped",
	scard.ErrNoReadersAvailable: "no readers available",
	scard.ErrUnsupportedCard:    "card not supported",
	scard.ErrUnresponsiveCard:   "card does not respond",
	scard.ErrUnpoweredCard:      "card not powered",
	scard.ErrResetCard:          "card was reset",
	scard.ErrRemovedCard:        "card removed",
	scard.ErrInsufficientBuffer: "buffer too small",
	scard.ErrInvalidParameter:   "invalid parameter",
	scard.ErrInvalidValue:       "invalid value",
	scard.ErrUnexpected:         "unexpected or unsupported",
	scard.ErrSecurityViolation:  "refused by the service",
}

// Hints, one per situation. The service hint is per OS.
const (
	hintNoReader    = "connect a reader, or run `cccd readers` to see the names"
	hintNoCard      = "place the card flat on the reader and keep it there"
	hintRemoved     = "the card left the reader; hold it still on the reader and read again"
	hintBusy        = "another program holds the reader; close it and retry"
	hintUnresponse  = "the card did not answer; lift it and place it again"
	hintReaderFault = "the reader did not complete the exchange; replug it if this repeats"
	hintHung        = "the reader stopped answering; replug it, then read again"
	hintUnsupported = "this card is not an ID card the reader can talk to"
	hintRefused     = "the smart-card service refused this program: restart it, and check its access rules (polkit) if this repeats"
)

// classify maps a PC/SC code onto the reader sentinel and the hint.
func classify(c scard.Error) (hint string, kind error) {
	switch c {
	case scard.ErrNoService, scard.ErrServiceStopped, scard.ErrCommError:
		return serviceHint, reader.ErrNoService
	case scard.ErrSecurityViolation:
		// pcscd refuses clients while it shuts down, when polkit denies
		// access and when it runs out of client threads (200).
		return hintRefused, reader.ErrNoService
	case scard.ErrNoReadersAvailable, scard.ErrReaderUnavailable, scard.ErrUnknownReader:
		return hintNoReader, reader.ErrNoReader
	case scard.ErrNoSmartcard:
		return hintNoCard, reader.ErrNoCard
	case scard.ErrRemovedCard, scard.ErrResetCard:
		return hintRemoved, reader.ErrCardRemoved
	case scard.ErrSharingViolation:
		return hintBusy, reader.ErrReaderBusy
	case scard.ErrUnresponsiveCard, scard.ErrUnpoweredCard, scard.ErrTimeout:
		return hintUnresponse, reader.ErrTimeout
	case scard.ErrNotTransacted:
		return hintReaderFault, reader.ErrTimeout
	case scard.ErrUnsupportedCard, scard.ErrCardUnsupported, scard.ErrProtoMismatch:
		return hintUnsupported, reader.ErrUnsupported
	}
	return "", nil
}

// wrap turns err from an scard call into an *Error; non-scard errors are
// returned as they are.
func wrap(op, readerName string, err error) error {
	if err == nil {
		return nil
	}
	var c scard.Error
	if !errors.As(err, &c) {
		return err
	}
	hint, kind := classify(c)
	return &Error{Op: op, Reader: readerName, Code: c, Kind: kind, Hint: hint}
}

// contextDead reports whether err means the PC/SC context can never work
// again and must be released and re-established: pcscd
// stopped or restarted, or the handle is gone.
func contextDead(err error) bool {
	var c scard.Error
	if !errors.As(err, &c) {
		return false
	}
	switch c {
	case scard.ErrNoService, scard.ErrServiceStopped, scard.ErrCommError, scard.ErrInvalidHandle,
		scard.ErrSecurityViolation:
		return true
	}
	return false
}

package qr

import (
	"errors"
	"unicode/utf8"
)

// Line errors. They never carry the line's content.
var (
	// ErrLineTooLong means a line exceeded the limit and was discarded.
	ErrLineTooLong = errors.New("qr: scanned line too long; discarded")
	// ErrNotUTF8 means a line was not valid UTF-8 (wrong scanner code page?).
	ErrNotUTF8 = errors.New("qr: scanned line is not UTF-8; set the scanner to UTF-8 output")
)

// DefaultMaxLine bounds one scan. A CCCD QR is a few hundred bytes.
const DefaultMaxLine = 2048

// Splitter cuts a byte stream into lines ended by CR, LF or CRLF. Empty
// lines (including the LF of a CRLF) are skipped. Not safe for concurrent
// use.
type Splitter struct {
	// Max is the longest line accepted; 0 means DefaultMaxLine.
	Max int

	buf      []byte
	overflow bool // the current line passed Max: drop it up to its end
}

// Feed splits p and calls emit for each complete line, or with a nil line
// and ErrLineTooLong / ErrNotUTF8 for a rejected one. The line slice is
// only valid during the call.
func (s *Splitter) Feed(p []byte, emit func(line []byte, err error)) {
	for _, b := range p {
		if b == '\r' || b == '\n' {
			s.end(emit)
			continue
		}
		if s.overflow {
			continue
		}
		if len(s.buf) >= s.max() {
			s.overflow = true
			s.buf = s.buf[:0]
			continue
		}
		s.buf = append(s.buf, b)
	}
}

// Flush ends a pending line that has no terminator (scanners configured
// without a suffix): call it after the line has been idle.
func (s *Splitter) Flush(emit func(line []byte, err error)) { s.end(emit) }

// Pending reports whether part of a line is buffered.
func (s *Splitter) Pending() bool { return len(s.buf) > 0 || s.overflow }

func (s *Splitter) end(emit func([]byte, error)) {
	switch {
	case s.overflow:
		emit(nil, ErrLineTooLong)
	case len(s.buf) == 0:
	case !utf8.Valid(s.buf):
		emit(nil, ErrNotUTF8)
	default:
		emit(s.buf, nil)
	}
	clear(s.buf) // the line holds personal data
	s.buf, s.overflow = s.buf[:0], false
}

func (s *Splitter) max() int {
	if s.Max <= 0 {
		return DefaultMaxLine
	}
	return s.Max
}

package pn532

import (
	"errors"
	"fmt"
)

// Frame identifiers (TFI): the host sends D4, the PN532 answers D5.
const (
	TFIHost  byte = 0xD4
	TFIPN532 byte = 0xD5
	// tfiError marks the PN532's application-level error frame.
	tfiError byte = 0x7F
)

// Frame size limits from libnfc pn53x-internal.h. The limits count the data
// bytes after the TFI.
const (
	// MaxNormalData is the most data a normal frame carries (LEN ≤ 255).
	MaxNormalData = 254
	// MaxExtendedData is the most data an extended frame carries.
	MaxExtendedData = 264
)

// Kind says what sort of frame was decoded.
type Kind int

// Frame kinds.
const (
	KindInfo  Kind = iota // information frame: TFI + data
	KindAck               // 00 00 FF 00 FF 00
	KindNack              // 00 00 FF FF 00 00
	KindError             // application error frame 00 00 FF 01 FF 7F 81 00
)

// String names the kind for error messages.
func (k Kind) String() string {
	switch k {
	case KindInfo:
		return "information"
	case KindAck:
		return "ACK"
	case KindNack:
		return "NACK"
	case KindError:
		return "error"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Frame is one decoded PN532 frame. For KindInfo, TFI is D4 or D5 and Data
// holds the command or response code followed by its parameters.
type Frame struct {
	Kind Kind
	TFI  byte
	Data []byte
}

// Fixed frames (libnfc pn53x_ack_frame, pn53x_nack_frame, pn53x_error_frame).
var (
	ackFrame   = []byte{0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00}
	nackFrame  = []byte{0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00}
	errorFrame = []byte{0x00, 0x00, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00}
)

// AckFrame returns the 6-byte ACK frame. Sent by the host it aborts the
// command the PN532 is processing.
func AckFrame() []byte { return append([]byte(nil), ackFrame...) }

// NackFrame returns the 6-byte NACK frame: "send your last frame again".
func NackFrame() []byte { return append([]byte(nil), nackFrame...) }

// ErrorFrame returns the PN532's application-level error frame (syntax error).
func ErrorFrame() []byte { return append([]byte(nil), errorFrame...) }

// ErrTooLong is returned when a frame's data exceeds MaxExtendedData.
var ErrTooLong = errors.New("pn532: frame data too long")

// EncodeFrame builds an information frame with the given TFI around data
// (command code first). It uses a normal frame up to MaxNormalData bytes and
// an extended frame up to MaxExtendedData.
func EncodeFrame(tfi byte, data []byte) ([]byte, error) {
	n := len(data) + 1 // LEN counts the TFI
	if len(data) > MaxExtendedData {
		return nil, fmt.Errorf("%w: %d bytes, at most %d fit in one frame", ErrTooLong, len(data), MaxExtendedData)
	}
	out := make([]byte, 0, len(data)+11)
	out = append(out, 0x00, 0x00, 0xFF)
	if len(data) <= MaxNormalData {
		out = append(out, byte(n), byte(0x100-n))
	} else {
		hi, lo := byte(n>>8), byte(n)
		out = append(out, 0xFF, 0xFF, hi, lo, -(hi + lo))
	}
	sum := tfi
	out = append(out, tfi)
	for _, b := range data {
		sum += b
	}
	out = append(out, data...)
	return append(out, -sum, 0x00), nil
}

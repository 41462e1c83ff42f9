package ble

import (
	"bytes"
	"errors"
	"fmt"
)

// Outer framing of the BLE communication profile (manual p.19):
//
//	05 | LEN (2 bytes, MSB first) | payload | check | 0A
//
// check = XOR of the two LEN bytes and every payload byte. Frames longer
// than the GATT payload (20 bytes at the default MTU) are split into
// consecutive writes / notifications.
const (
	frameStart byte = 0x05
	frameEnd   byte = 0x0A
	// MaxPayload bounds a frame's payload: a 16-bit LEN.
	MaxPayload = 0xFFFF
	// DefaultChunk is the GATT write size at the default ATT MTU of 23.
	DefaultChunk = 20
)

// Decoding errors.
var (
	// ErrIncomplete means the buffer ends inside a frame: feed more bytes.
	ErrIncomplete = errors.New("ble: incomplete frame")
	// ErrFrame means bytes starting with 05 do not form a valid frame.
	ErrFrame = errors.New("ble: malformed frame")
	// ErrChecksum means a frame or message checksum is wrong.
	ErrChecksum = errors.New("ble: checksum mismatch")
)

// EncodeFrame wraps payload in the outer frame.
func EncodeFrame(payload []byte) ([]byte, error) {
	if len(payload) > MaxPayload {
		return nil, fmt.Errorf("%w: payload of %d bytes exceeds %d", ErrFrame, len(payload), MaxPayload)
	}
	out := make([]byte, 0, len(payload)+5)
	out = append(out, frameStart, byte(len(payload)>>8), byte(len(payload)))
	out = append(out, payload...)
	return append(out, xor(out[1:]), frameEnd), nil
}

// DecodeFrame decodes the first frame in buf, skipping garbage before its
// 05 start byte. It returns the payload (a copy), how many bytes of buf the
// caller must drop, and nil, ErrIncomplete (drop n, feed more) or
// ErrFrame/ErrChecksum (drop n, call again to resynchronise).
func DecodeFrame(buf []byte) (payload []byte, n int, err error) {
	i := bytes.IndexByte(buf, frameStart)
	if i < 0 {
		return nil, len(buf), ErrIncomplete
	}
	if len(buf) < i+3 {
		return nil, i, ErrIncomplete
	}
	l := int(buf[i+1])<<8 | int(buf[i+2])
	end := i + 3 + l // index of the check byte
	if len(buf) < end+2 {
		return nil, i, ErrIncomplete
	}
	if buf[end+1] != frameEnd {
		return nil, i + 1, fmt.Errorf("%w: no 0A terminator after %d payload bytes", ErrFrame, l)
	}
	if xor(buf[i+1:end]) != buf[end] {
		return nil, i + 1, fmt.Errorf("%w: frame check byte", ErrChecksum)
	}
	return append([]byte(nil), buf[i+3:end]...), end + 2, nil
}

func xor(b []byte) byte {
	var x byte
	for _, c := range b {
		x ^= c
	}
	return x
}

// Assembler rebuilds frames from notification chunks. Not safe for
// concurrent use.
type Assembler struct{ buf []byte }

// maxAssembled bounds buffered bytes: one maximal frame.
const maxAssembled = MaxPayload + 5

// Feed appends a notification.
func (a *Assembler) Feed(p []byte) {
	a.buf = append(a.buf, p...)
	if len(a.buf) > maxAssembled {
		a.buf = append(a.buf[:0], a.buf[len(a.buf)-maxAssembled:]...)
	}
}

// Next returns the next complete frame's payload, ErrIncomplete, or a
// decoding error for a damaged frame (already skipped).
func (a *Assembler) Next() ([]byte, error) {
	p, n, err := DecodeFrame(a.buf)
	a.buf = append(a.buf[:0], a.buf[n:]...)
	return p, err
}

// Reset drops everything buffered.
func (a *Assembler) Reset() { a.buf = a.buf[:0] }

// Buffered reports how many bytes wait for the rest of a frame.
func (a *Assembler) Buffered() int { return len(a.buf) }

// Split cuts a frame into GATT writes of at most size bytes.
func Split(frame []byte, size int) [][]byte {
	if size <= 0 {
		size = DefaultChunk
	}
	var out [][]byte
	for len(frame) > 0 {
		n := min(size, len(frame))
		out = append(out, frame[:n])
		frame = frame[n:]
	}
	return out
}

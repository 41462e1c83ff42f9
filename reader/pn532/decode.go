package pn532

import (
	"bytes"
	"errors"
	"fmt"
)

// Decoding errors. DecodeFrame and Decoder wrap them with details.
var (
	// ErrIncomplete means the buffer ends inside a frame: feed more bytes.
	ErrIncomplete = errors.New("pn532: incomplete frame")
	// ErrChecksum means a frame's length (LCS) or data (DCS) checksum is wrong.
	ErrChecksum = errors.New("pn532: frame checksum mismatch")
	// ErrFrame means bytes after a start code do not form a valid frame.
	ErrFrame = errors.New("pn532: malformed frame")
)

var startCode = []byte{0x00, 0xFF}

// DecodeFrame decodes the first frame in buf, skipping any garbage before its
// start code (00 FF; the 00 preamble is optional). It returns the frame, the
// number of bytes of buf the caller must drop, and an error:
//
//   - nil: f is valid; drop n bytes (the frame and its postamble if present).
//   - ErrIncomplete: no complete frame yet; drop n garbage bytes and feed more.
//   - ErrChecksum or ErrFrame: a corrupt frame; drop n bytes and call again to
//     resynchronise on the bytes that follow.
//
// n is always between 0 and len(buf). DecodeFrame never panics and does not
// retain buf; f.Data is a copy.
func DecodeFrame(buf []byte) (f Frame, n int, err error) {
	i := bytes.Index(buf, startCode)
	if i < 0 {
		// Keep a trailing 00: it may be the first half of a start code.
		if len(buf) > 0 && buf[len(buf)-1] == 0x00 {
			return Frame{}, len(buf) - 1, ErrIncomplete
		}
		return Frame{}, len(buf), ErrIncomplete
	}
	p := i + 2 // first byte after the start code
	if len(buf) < p+2 {
		return Frame{}, i, ErrIncomplete
	}
	b0, b1 := buf[p], buf[p+1]
	switch {
	case b0 == 0x00 && b1 == 0xFF:
		return Frame{Kind: KindAck}, postamble(buf, p+2), nil
	case b0 == 0xFF && b1 == 0x00:
		return Frame{Kind: KindNack}, postamble(buf, p+2), nil
	}
	var length, body int // LEN (TFI + data) and index of the TFI
	if b0 == 0xFF && b1 == 0xFF {
		if len(buf) < p+5 {
			return Frame{}, i, ErrIncomplete
		}
		hi, lo, lcs := buf[p+2], buf[p+3], buf[p+4]
		if hi+lo+lcs != 0 {
			return Frame{}, i + 1, fmt.Errorf("%w: extended length checksum", ErrChecksum)
		}
		length, body = int(hi)<<8|int(lo), p+5
		if length == 0 || length > MaxExtendedData+1 {
			return Frame{}, i + 1, fmt.Errorf("%w: extended length %d", ErrFrame, length)
		}
	} else {
		if b0+b1 != 0 {
			return Frame{}, i + 1, fmt.Errorf("%w: length checksum", ErrChecksum)
		}
		length, body = int(b0), p+2
		if length == 0 {
			return Frame{}, i + 1, fmt.Errorf("%w: zero length", ErrFrame)
		}
	}
	end := body + length // index of the DCS
	if len(buf) <= end {
		return Frame{}, i, ErrIncomplete
	}
	var sum byte
	for _, b := range buf[body : end+1] {
		sum += b
	}
	if sum != 0 {
		// LEN was checked by LCS, so the frame's extent is known: skip it whole.
		return Frame{}, end + 1, fmt.Errorf("%w: data checksum", ErrChecksum)
	}
	tfi := buf[body]
	if length == 1 && tfi == tfiError {
		return Frame{Kind: KindError, TFI: tfi}, postamble(buf, end+1), nil
	}
	data := append([]byte(nil), buf[body+1:end]...)
	return Frame{Kind: KindInfo, TFI: tfi, Data: data}, postamble(buf, end+1), nil
}

// postamble returns the end of a frame at index end, including its 00
// postamble when it has already arrived.
func postamble(buf []byte, end int) int {
	if end < len(buf) && buf[end] == 0x00 {
		return end + 1
	}
	return end
}

// Decoder turns a byte stream into frames. Feed it what the port returns and
// call Next until it reports ErrIncomplete. Not safe for concurrent use.
type Decoder struct {
	buf []byte
}

// maxBuffered bounds the decoder's buffer: more than two extended frames of
// unconsumed bytes can only be garbage.
const maxBuffered = 4 * (MaxExtendedData + 11)

// Feed appends received bytes.
func (d *Decoder) Feed(p []byte) {
	d.buf = append(d.buf, p...)
	if len(d.buf) > maxBuffered {
		d.buf = append(d.buf[:0], d.buf[len(d.buf)-maxBuffered:]...)
	}
}

// Next returns the next frame, ErrIncomplete when more bytes are needed, or
// ErrChecksum/ErrFrame for a corrupt frame (already skipped: call Next again).
func (d *Decoder) Next() (Frame, error) {
	f, n, err := DecodeFrame(d.buf)
	d.buf = append(d.buf[:0], d.buf[n:]...)
	return f, err
}

// Reset drops everything buffered.
func (d *Decoder) Reset() { d.buf = d.buf[:0] }

// Buffered reports how many bytes wait in the decoder.
func (d *Decoder) Buffered() int { return len(d.buf) }

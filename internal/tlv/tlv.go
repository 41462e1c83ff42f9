// Package tlv decodes and encodes BER-TLV as used by ISO 7816-4 and ICAO 9303:
// multi-byte tags, definite short and long-form lengths, strict bounds.
//
// Every decoder here works on a byte slice it does not copy: the values it
// returns alias the input. Indefinite lengths are refused; CMS code that must
// accept BER normalises them first.
package tlv

import (
	"errors"
	"fmt"
)

// Errors returned by the decoders. They never carry the input bytes, so they
// are safe to log even when the input holds personal data.
var (
	ErrTruncated  = errors.New("tlv: truncated")
	ErrBadTag     = errors.New("tlv: malformed tag")
	ErrBadLength  = errors.New("tlv: malformed length")
	ErrIndefinite = errors.New("tlv: indefinite length not allowed")
	ErrNotFound   = errors.New("tlv: tag not found")
)

// maxLength bounds a declared length; nothing in an eMRTD is near 16 MiB and
// the bound keeps int arithmetic safe on 32-bit builds.
const maxLength = 1 << 24

// TLV is one decoded element. Value and Raw alias the input.
type TLV struct {
	Tag   uint32 // the tag bytes big-endian, e.g. 0x5F1F or 0x7F49
	Value []byte // the content octets
	Raw   []byte // tag, length and value exactly as encoded
}

// Constructed reports whether the tag's constructed bit (b6 of its first byte) is set.
func (t TLV) Constructed() bool { return tagFirstByte(t.Tag)&0x20 != 0 }

// Children decodes the value of a constructed element as a sequence of TLVs.
func (t TLV) Children() ([]TLV, error) { return ParseAll(t.Value) }

func tagFirstByte(tag uint32) byte {
	for tag > 0xFF {
		tag >>= 8
	}
	return byte(tag)
}

// ReadTag decodes a tag at the start of b and returns it with its encoded size.
func ReadTag(b []byte) (tag uint32, n int, err error) {
	if len(b) == 0 {
		return 0, 0, ErrTruncated
	}
	tag = uint32(b[0])
	n = 1
	if b[0]&0x1F != 0x1F {
		return tag, n, nil
	}
	for {
		if n >= len(b) {
			return 0, 0, ErrTruncated
		}
		if n >= 4 { // tags longer than 4 bytes do not occur in ISO 7816 / ICAO data
			return 0, 0, ErrBadTag
		}
		c := b[n]
		tag = tag<<8 | uint32(c)
		n++
		if c&0x80 == 0 {
			return tag, n, nil
		}
	}
}

// ReadLength decodes a definite length at the start of b and returns it with
// its encoded size. It does not check that the value fits in b.
func ReadLength(b []byte) (length, n int, err error) {
	if len(b) == 0 {
		return 0, 0, ErrTruncated
	}
	first := b[0]
	if first < 0x80 {
		return int(first), 1, nil
	}
	if first == 0x80 {
		return 0, 0, ErrIndefinite
	}
	count := int(first & 0x7F)
	if count > 3 {
		return 0, 0, ErrBadLength
	}
	if len(b) < 1+count {
		return 0, 0, ErrTruncated
	}
	for _, c := range b[1 : 1+count] {
		length = length<<8 | int(c)
	}
	if length > maxLength {
		return 0, 0, ErrBadLength
	}
	return length, 1 + count, nil
}

// Header decodes the tag and length at the start of b without requiring the
// value to be present: the file reader uses it to learn a file's size from its
// first few bytes. total is header size plus declared value length.
func Header(b []byte) (tag uint32, headerLen, total int, err error) {
	tag, tn, err := ReadTag(b)
	if err != nil {
		return 0, 0, 0, err
	}
	length, ln, err := ReadLength(b[tn:])
	if err != nil {
		return 0, 0, 0, err
	}
	return tag, tn + ln, tn + ln + length, nil
}

// Parse decodes the first element of b and returns it with the bytes after it.
func Parse(b []byte) (TLV, []byte, error) {
	tag, hl, total, err := Header(b)
	if err != nil {
		return TLV{}, nil, err
	}
	if total > len(b) {
		return TLV{}, nil, fmt.Errorf("%w: tag %X declares %d bytes, %d present", ErrTruncated, tag, total-hl, len(b)-hl)
	}
	return TLV{Tag: tag, Value: b[hl:total:total], Raw: b[:total:total]}, b[total:], nil
}

// ParseAll decodes b as a sequence of elements that must use every byte.
func ParseAll(b []byte) ([]TLV, error) {
	var out []TLV
	for len(b) > 0 {
		t, rest, err := Parse(b)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		b = rest
	}
	return out, nil
}

// Find returns the first element with the given tag at the top level of b.
func Find(b []byte, tag uint32) (TLV, error) {
	for len(b) > 0 {
		t, rest, err := Parse(b)
		if err != nil {
			return TLV{}, err
		}
		if t.Tag == tag {
			return t, nil
		}
		b = rest
	}
	return TLV{}, fmt.Errorf("%w: %X", ErrNotFound, tag)
}

// Unwrap decodes b as exactly one element with the given tag and returns its value.
func Unwrap(b []byte, tag uint32) ([]byte, error) {
	t, rest, err := Parse(b)
	if err != nil {
		return nil, err
	}
	if t.Tag != tag {
		return nil, fmt.Errorf("tlv: expected tag %X, found %X", tag, t.Tag)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("tlv: %d trailing bytes after tag %X", len(rest), tag)
	}
	return t.Value, nil
}

// AppendTag appends the encoding of tag to dst.
func AppendTag(dst []byte, tag uint32) []byte {
	switch {
	case tag > 0xFFFFFF:
		return append(dst, byte(tag>>24), byte(tag>>16), byte(tag>>8), byte(tag))
	case tag > 0xFFFF:
		return append(dst, byte(tag>>16), byte(tag>>8), byte(tag))
	case tag > 0xFF:
		return append(dst, byte(tag>>8), byte(tag))
	default:
		return append(dst, byte(tag))
	}
}

// AppendLength appends the minimal definite encoding of n to dst.
func AppendLength(dst []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(dst, byte(n))
	case n <= 0xFF:
		return append(dst, 0x81, byte(n))
	case n <= 0xFFFF:
		return append(dst, 0x82, byte(n>>8), byte(n))
	default:
		return append(dst, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
}

// Encode returns tag, length and value as one element. Values may be
// concatenated already-encoded children.
func Encode(tag uint32, value ...[]byte) []byte {
	n := 0
	for _, v := range value {
		n += len(v)
	}
	out := AppendTag(make([]byte, 0, n+8), tag)
	out = AppendLength(out, n)
	for _, v := range value {
		out = append(out, v...)
	}
	return out
}

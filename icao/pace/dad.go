package pace

import (
	"errors"
	"fmt"

	"github.com/cccd-agent/cccd/internal/tlv"
)

// ErrBadResponse means a GENERAL AUTHENTICATE answer is not well-formed
// dynamic authentication data (7C { 8x ... }) or lacks the expected object.
var ErrBadResponse = errors.New("pace: malformed GENERAL AUTHENTICATE response")

// ParseDynamicAuthData decodes 7C { tag value ... } as the chip sends it in
// GENERAL AUTHENTICATE responses: one 7C element, nothing after it, only
// primitive context-specific children (80–8F), no tag twice.
func ParseDynamicAuthData(b []byte) (map[uint32][]byte, error) {
	inner, err := tlv.Unwrap(b, 0x7C)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadResponse, err)
	}
	kids, err := tlv.ParseAll(inner)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadResponse, err)
	}
	out := make(map[uint32][]byte, len(kids))
	for _, k := range kids {
		if k.Tag < 0x80 || k.Tag > 0x8F {
			return nil, fmt.Errorf("%w: unexpected tag %X", ErrBadResponse, k.Tag)
		}
		if _, dup := out[k.Tag]; dup {
			return nil, fmt.Errorf("%w: tag %X twice", ErrBadResponse, k.Tag)
		}
		out[k.Tag] = k.Value
	}
	return out, nil
}

// dynamicAuthData encodes 7C { tag value } for a command (an empty value
// gives 7C 00, the first step).
func dynamicAuthData(tag uint32, value []byte) []byte {
	if tag == 0 {
		return tlv.Encode(0x7C)
	}
	return tlv.Encode(0x7C, tlv.Encode(tag, value))
}

// expect returns the value of tag in a response, which must be present.
func expect(resp []byte, tag uint32) ([]byte, map[uint32][]byte, error) {
	m, err := ParseDynamicAuthData(resp)
	if err != nil {
		return nil, nil, err
	}
	v, ok := m[tag]
	if !ok {
		return nil, nil, fmt.Errorf("%w: no data object %X", ErrBadResponse, tag)
	}
	return v, m, nil
}

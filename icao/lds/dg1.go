package lds

import (
	"fmt"

	"github.com/cccd-agent/cccd/icao/mrz"
	"github.com/cccd-agent/cccd/internal/tlv"
)

// TagDG1 is the application tag of DG1; TagMRZ the data element holding the MRZ.
const (
	TagDG1 = 0x61
	TagMRZ = 0x5F1F
)

// ParseDG1 decodes DG1 (61 → 5F1F MRZ) and parses the MRZ (TD1 or TD3) with
// every check digit. Errors wrap ErrMalformed and, for MRZ problems, the
// mrz package's sentinel; they never contain the MRZ.
func ParseDG1(b []byte) (*mrz.MRZ, error) {
	outer, _, err := tlv.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%w: DG1: %v", ErrMalformed, err)
	}
	if outer.Tag != TagDG1 {
		return nil, fmt.Errorf("%w: DG1 starts with tag %X, want 61", ErrMalformed, outer.Tag)
	}
	el, err := tlv.Find(outer.Value, TagMRZ)
	if err != nil {
		return nil, fmt.Errorf("%w: DG1 has no MRZ element (5F1F)", ErrMalformed)
	}
	m, err := mrz.Parse(string(el.Value))
	if err != nil {
		return nil, fmt.Errorf("%w: DG1: %w", ErrMalformed, err)
	}
	return m, nil
}

// EncodeDG1 wraps an MRZ (90 or 88 characters, no line breaks) as DG1.
func EncodeDG1(mrzText string) []byte {
	return tlv.Encode(TagDG1, tlv.Encode(TagMRZ, []byte(mrzText)))
}

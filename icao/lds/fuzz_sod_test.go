package lds

import (
	"errors"
	"testing"

	"github.com/cccd-agent/cccd/internal/testenv"
)

// FuzzSOD feeds EF.SOD through SODContent, EncapsulatedContent and
// ParseLDSSecurityObject: any input must give a result or a sentinel error.
func FuzzSOD(f *testing.F) {
	for _, tc := range sodCases {
		f.Add(testenv.ReadShared(f, tc.path))
	}
	f.Add([]byte{0x77, 0x80, 0x30, 0x80, 0x00, 0x00, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := ParseSOD(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error without sentinel: %v", err)
			}
			return
		}
		if len(o.DataGroupHashes) < 2 || o.Hash.Size() == 0 {
			t.Fatalf("accepted object is incomplete: %+v", o)
		}
		// The eContent alone must parse the same way.
		if _, err := ParseLDSSecurityObject(b); err == nil && len(b) > 0 && b[0] == 0x77 {
			t.Fatalf("a whole EF.SOD parsed as an LDSSecurityObject")
		}
	})
}

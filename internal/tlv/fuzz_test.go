package tlv

import (
	"bytes"
	"testing"
)

// FuzzParseAll checks that any input either fails cleanly or decodes into
// elements whose raw encodings concatenate back to the input.
func FuzzParseAll(f *testing.F) {
	for _, seed := range [][]byte{
		{0x61, 0x02, 0xAA, 0xBB},
		{0x5F, 0x1F, 0x01, 0x41},
		{0x77, 0x82, 0x00, 0x02, 0x30, 0x00},
		{0x30, 0x80, 0x00, 0x00},
		{0x04, 0x83, 0xFF, 0xFF, 0xFF},
		Encode(0x6D, Encode(0x02, []byte{1}), Encode(0x5F8101, []byte("x"))),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		elems, err := ParseAll(b)
		if err != nil {
			return
		}
		var joined []byte
		for _, e := range elems {
			joined = append(joined, e.Raw...)
			if e.Constructed() {
				_, _ = e.Children()
			}
		}
		if !bytes.Equal(joined, b) {
			t.Fatalf("raw elements do not reassemble the input")
		}
	})
}

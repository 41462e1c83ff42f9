package lds

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

func TestToDER(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"already DER", "300302010a", "300302010a"},
		{"indefinite sequence", "3080020105" + "0000", "3003020105"},
		{"nested indefinite", "3080" + "a080" + "020101" + "0000" + "0000", "3005a003020101"},
		{"long-form length made minimal", "30820003020101", "3003020101"},
		{"constructed octet string joined", "2480" + "0402aabb" + "0401cc" + "0000", "0403aabbcc"},
		{"definite constructed octet string", "2406" + "0401aa" + "0401bb", "0402aabb"},
		{"multi-byte tag, long-form length", "7f61810403020100", "7f610403020100"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in, _ := hex.DecodeString(tc.in)
			want, _ := hex.DecodeString(tc.want)
			got, err := toDER(in)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("toDER(%s) = %X, %v; want %s", tc.in, got, err, tc.want)
			}
		})
	}
	errs := []struct{ name, in string }{
		{"empty", ""},
		{"indefinite primitive", "0280"},
		{"missing end-of-contents", "3080020101"},
		{"trailing bytes", "3000" + "00"},
		{"value runs past the end", "3005020101"},
		{"octet string with a non-string segment", "2403020101"},
		{"no length", "30"},
		{"too deep", string(bytes.Repeat([]byte("3080"), 40))},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			in, _ := hex.DecodeString(tc.in)
			if _, err := toDER(in); !errors.Is(err, ErrMalformed) {
				t.Errorf("err = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestJP2Boxes(t *testing.T) {
	box := func(typ string, content []byte) []byte {
		n := 8 + len(content)
		return append(append([]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}, typ...), content...)
	}
	ihdr := box("ihdr", []byte{0, 0, 0x02, 0x13, 0, 0, 0x01, 0x9D, 0, 3, 7, 7, 0, 0})
	sig := box("jP  ", []byte{0x0D, 0x0A, 0x87, 0x0A})
	ftyp := box("ftyp", []byte("jp2 \x00\x00\x00\x00jp2 "))
	codestream := append([]byte{0, 0, 0, 0}, "jp2c"...) // size 0: to the end
	codestream = append(codestream, 0xFF, 0x4F, 0xFF, 0x51)
	xl := append([]byte{0, 0, 0, 1}, "jp2h"...) // 64-bit box size
	xl = append(xl, 0, 0, 0, 0, 0, 0, 0, byte(16+len(ihdr)))
	xl = append(xl, ihdr...)
	cases := []struct {
		name string
		file []byte
		ok   bool
	}{
		{"plain", bytes.Join([][]byte{sig, ftyp, box("jp2h", ihdr), codestream}, nil), true},
		{"64-bit header box", bytes.Join([][]byte{sig, ftyp, xl, codestream}, nil), true},
		{"no codestream", bytes.Join([][]byte{sig, ftyp, box("jp2h", ihdr)}, nil), false},
		{"no header", bytes.Join([][]byte{sig, ftyp, codestream}, nil), false},
		{"short ihdr", bytes.Join([][]byte{sig, box("jp2h", box("ihdr", []byte{0, 0, 1})), codestream}, nil), false},
		{"box longer than file", bytes.Join([][]byte{sig, {0, 0, 0x10, 0, 'j', 'p', '2', 'h'}}, nil), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img, err := inspectImage(tc.file)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && (img.Format != "jp2" || img.Width != 413 || img.Height != 531) {
				t.Errorf("got %s %dx%d", img.Format, img.Width, img.Height)
			}
			if !tc.ok && !errors.Is(err, ErrMalformed) {
				t.Errorf("error without ErrMalformed: %v", err)
			}
		})
	}
}

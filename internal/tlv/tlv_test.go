package tlv

import (
	"bytes"
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		tag     uint32
		value   []byte
		rest    int
		wantErr error
	}{
		{"short", []byte{0x61, 0x02, 0xAA, 0xBB, 0x01}, 0x61, []byte{0xAA, 0xBB}, 1, nil},
		{"two-byte tag", []byte{0x5F, 0x1F, 0x01, 0x41}, 0x5F1F, []byte{0x41}, 0, nil},
		{"three-byte tag", []byte{0x5F, 0x81, 0x01, 0x00}, 0x5F8101, []byte{}, 0, nil},
		{"long length 81", append([]byte{0x04, 0x81, 0x80}, make([]byte, 0x80)...), 0x04, make([]byte, 0x80), 0, nil},
		{"long length 82", append([]byte{0x77, 0x82, 0x01, 0x00}, make([]byte, 0x100)...), 0x77, make([]byte, 0x100), 0, nil},
		{"truncated value", []byte{0x04, 0x03, 0x01}, 0, nil, 0, ErrTruncated},
		{"truncated length", []byte{0x04, 0x82, 0x01}, 0, nil, 0, ErrTruncated},
		{"truncated tag", []byte{0x5F}, 0, nil, 0, ErrTruncated},
		{"indefinite", []byte{0x30, 0x80, 0x00, 0x00}, 0, nil, 0, ErrIndefinite},
		{"length too wide", []byte{0x04, 0x85, 1, 1, 1, 1, 1}, 0, nil, 0, ErrBadLength},
		{"tag too long", []byte{0x1F, 0x81, 0x81, 0x81, 0x01, 0x00}, 0, nil, 0, ErrBadTag},
		{"empty", nil, 0, nil, 0, ErrTruncated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, rest, err := Parse(tc.in)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Tag != tc.tag || !bytes.Equal(got.Value, tc.value) || len(rest) != tc.rest {
				t.Fatalf("got tag %X value % X rest %d", got.Tag, got.Value, len(rest))
			}
			if !bytes.Equal(got.Raw, tc.in[:len(tc.in)-tc.rest]) {
				t.Fatalf("raw = % X", got.Raw)
			}
		})
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000} {
		for _, tag := range []uint32{0x04, 0x5F1F, 0x7F61, 0x5F8101} {
			v := bytes.Repeat([]byte{0x5A}, n)
			enc := Encode(tag, v[:n/2], v[n/2:])
			got, rest, err := Parse(enc)
			if err != nil || len(rest) != 0 || got.Tag != tag || !bytes.Equal(got.Value, v) {
				t.Fatalf("tag %X len %d: err %v tag %X", tag, n, err, got.Tag)
			}
		}
	}
}

func TestHeaderWithoutValue(t *testing.T) {
	tag, hl, total, err := Header([]byte{0x75, 0x82, 0x4E, 0x20})
	if err != nil || tag != 0x75 || hl != 4 || total != 4+0x4E20 {
		t.Fatalf("Header = %X %d %d %v", tag, hl, total, err)
	}
}

func TestFindAndUnwrap(t *testing.T) {
	b := append(Encode(0x80, []byte{1}), Encode(0x5F1F, []byte{2, 3})...)
	got, err := Find(b, 0x5F1F)
	if err != nil || !bytes.Equal(got.Value, []byte{2, 3}) {
		t.Fatalf("Find = %v %v", got, err)
	}
	if _, err := Find(b, 0x99); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Find missing: %v", err)
	}
	if _, err := Unwrap(b, 0x80); err == nil {
		t.Fatal("Unwrap accepted trailing bytes")
	}
	v, err := Unwrap(Encode(0x61, b), 0x61)
	if err != nil || !bytes.Equal(v, b) {
		t.Fatalf("Unwrap = % X %v", v, err)
	}
	kids, err := (TLV{Tag: 0x61, Value: b}).Children()
	if err != nil || len(kids) != 2 || kids[1].Tag != 0x5F1F {
		t.Fatalf("Children = %v %v", kids, err)
	}
}

func TestConstructed(t *testing.T) {
	if !(TLV{Tag: 0x7F49}).Constructed() || (TLV{Tag: 0x5F1F}).Constructed() || !(TLV{Tag: 0x30}).Constructed() {
		t.Fatal("constructed bit misread")
	}
}

package ble

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Documented messages (ACR1255U-J1 manual p.21, p.27–28).
func TestMessageDocumented(t *testing.T) {
	tests := []struct {
		name   string
		msg    Message
		encode string // our encoding (checksum over all other bytes)
		also   string // another documented form that must decode to msg
	}{
		{"enable auto polling (V1.07 checksum CF; V1.01 shows A1, the data-only XOR)",
			Message{Type: MsgEscape, Data: unhex(t, "E0 00 00 40 01")},
			"6B 00 05 00 00 00 CF E0 00 00 40 01", "6B 00 05 00 00 00 A1 E0 00 00 40 01"},
		{"power-on response with ATR (manual shows data-only XOR 3B)",
			Message{Type: RspDataBlock, Data: unhex(t, "3B 83 80 01 41 07 00 44")},
			"80 00 08 00 00 00 B3 3B 83 80 01 41 07 00 44", "80 00 08 00 00 00 3B 3B 83 80 01 41 07 00 44"},
		{"authentication step 1",
			AuthStart(),
			"6B 00 05 00 00 00 CB E0 00 00 45 00", ""},
		{"power on, no data",
			Message{Type: MsgPowerOn, Seq: 1},
			"62 00 00 00 01 00 63", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.msg.Encode()
			if want := unhex(t, tc.encode); !bytes.Equal(got, want) {
				t.Fatalf("Encode = % X, want % X", got, want)
			}
			for _, form := range []string{tc.encode, tc.also} {
				if form == "" {
					continue
				}
				m, err := DecodeMessage(unhex(t, form))
				if err != nil {
					t.Fatalf("DecodeMessage(%s): %v", form, err)
				}
				if m.Type != tc.msg.Type || m.Seq != tc.msg.Seq || !bytes.Equal(m.Data, tc.msg.Data) {
					t.Fatalf("DecodeMessage(%s) = %+v", form, m)
				}
			}
		})
	}
}

func TestDecodeMessageErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		err  error
	}{
		{"short header", "6B 00 05 00", ErrFrame},
		{"length beyond data", "6B 00 09 00 00 00 CF E0 00 00 40 01", ErrFrame},
		{"bad checksum", "6B 00 05 00 00 00 11 E0 00 00 40 01", ErrChecksum},
	}
	for _, tc := range tests {
		if _, err := DecodeMessage(unhex(t, tc.in)); !errors.Is(err, tc.err) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.err)
		}
	}
}

func TestFrame(t *testing.T) {
	// Authentication step 1 as it goes on the air (one 17-byte write).
	step1, err := EncodeFrame(AuthStart().Encode())
	if err != nil {
		t.Fatal(err)
	}
	if want := unhex(t, "05 00 0C 6B 00 05 00 00 00 CB E0 00 00 45 00 0C 0A"); !bytes.Equal(step1, want) {
		t.Fatalf("step 1 frame = % X, want % X", step1, want)
	}
	tests := []struct {
		name string
		in   []byte
		want []byte
		n    int
		err  error
	}{
		{"step 1", step1, AuthStart().Encode(), len(step1), nil},
		{"garbage first", append([]byte{0xAA, 0xBB}, step1...), AuthStart().Encode(), len(step1) + 2, nil},
		{"truncated", step1[:10], nil, 0, ErrIncomplete},
		{"no start byte", []byte{0x11, 0x22}, nil, 2, ErrIncomplete},
		{"bad check", append(append([]byte(nil), step1[:15]...), 0x0D, 0x0A), nil, 1, ErrChecksum},
		{"bad terminator", append(append([]byte(nil), step1[:16]...), 0x0B), nil, 1, ErrFrame},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, n, err := DecodeFrame(tc.in)
			if !errors.Is(err, tc.err) || n != tc.n || !bytes.Equal(p, tc.want) {
				t.Fatalf("DecodeFrame = % X, %d, %v; want % X, %d, %v", p, n, err, tc.want, tc.n, tc.err)
			}
		})
	}
}

// A long frame split into 20-byte notifications reassembles whatever
// arrives in between.
func TestAssembler(t *testing.T) {
	long, _ := EncodeFrame(Message{Type: RspDataBlock, Data: bytes.Repeat([]byte{0x05, 0x0A}, 200)}.Encode())
	short, _ := EncodeFrame(Message{Type: MsgCardNotify, Param: 2}.Encode())
	stream := bytes.Join([][]byte{{0x0A, 0x11}, long, short}, nil)
	var a Assembler
	var got []int
	for _, c := range Split(stream, DefaultChunk) {
		if len(c) > DefaultChunk {
			t.Fatalf("chunk of %d bytes", len(c))
		}
		a.Feed(c)
		for {
			p, err := a.Next()
			if errors.Is(err, ErrIncomplete) {
				break
			}
			if err != nil {
				got = append(got, -1)
				continue
			}
			got = append(got, len(p))
		}
	}
	if want := []int{7 + 400, 7}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("frames %v, want %v", got, want)
	}
}

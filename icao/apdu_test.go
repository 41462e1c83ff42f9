package icao

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
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func TestCommandBytesRoundTrip(t *testing.T) {
	big := bytes.Repeat([]byte{0xAB}, 300)
	tests := []struct {
		name string
		cmd  Command
		want string
		ext  bool
	}{
		{"case1", Command{0x00, 0xA4, 0x00, 0x0C, nil, 0}, "00A4000C", false},
		{"case2S", Command{0x00, 0xB0, 0x00, 0x00, nil, 4}, "00B0000004", false},
		{"case2S Ne=256", Command{0x00, 0xB0, 0x00, 0x00, nil, 256}, "00B0000000", false},
		{"case3S", Command{0x00, 0xA4, 0x02, 0x0C, []byte{0x01, 0x1E}, 0}, "00A4020C02011E", false},
		{"case4S", Command{0x00, 0x82, 0x00, 0x00, []byte{1, 2}, 0x28}, "00820000020102 28", false},
		{"case2E", Command{0x00, 0xB0, 0x00, 0x00, nil, 0x1000}, "00B0000000 1000", true},
		{"case2E Ne=65536", Command{0x00, 0xB0, 0x00, 0x00, nil, 65536}, "00B0000000 0000", true},
		{"case4E by Ne", Command{0x0C, 0xB0, 0x00, 0x00, []byte{0x97, 0x01, 0x00}, 65536}, "0CB00000 000003 970100 0000", true},
		{"case3E by Lc", Command{0x00, 0xD6, 0x00, 0x00, big, 0}, "00D60000 00012C" + strings.Repeat("AB", 300), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cmd.Bytes()
			if want := unhex(t, tt.want); !bytes.Equal(got, want) {
				t.Fatalf("Bytes = %X, want %X", got, want)
			}
			back, ext, err := parseCommand(got)
			if err != nil {
				t.Fatalf("ParseCommand: %v", err)
			}
			if ext != tt.ext || IsExtendedAPDU(got) != tt.ext {
				t.Errorf("extended = %v/%v, want %v", ext, IsExtendedAPDU(got), tt.ext)
			}
			if back.CLA != tt.cmd.CLA || back.INS != tt.cmd.INS || back.P1 != tt.cmd.P1 || back.P2 != tt.cmd.P2 ||
				!bytes.Equal(back.Data, tt.cmd.Data) || back.Ne != tt.cmd.Ne {
				t.Errorf("round trip = %+v, want %+v", back, tt.cmd)
			}
		})
	}
}

func TestCommandInvalid(t *testing.T) {
	for _, c := range []Command{{Ne: -1}, {Ne: 65537}, {Data: make([]byte, 65536)}} {
		if c.Bytes() != nil || !errors.Is(c.Validate(), ErrMalformedAPDU) {
			t.Errorf("%d data bytes, Ne %d: want ErrMalformedAPDU and nil bytes", len(c.Data), c.Ne)
		}
	}
}

func TestParseCommandMalformed(t *testing.T) {
	for _, h := range []string{"", "00A400", "00A4020C0301", "00A4020C0101AAAA", "00B00000 0000", "00B0000000 0000 00",
		"00B00000 000002 AA", "00B00000 000000 11"} {
		if _, err := ParseCommand(unhex(t, h)); !errors.Is(err, ErrMalformedAPDU) {
			t.Errorf("ParseCommand(%s) err = %v, want ErrMalformedAPDU", h, err)
		}
	}
}

func TestParseResponse(t *testing.T) {
	tests := []struct {
		in     string
		data   string
		sw     uint16
		wantOK bool
	}{
		{"9000", "", 0x9000, true},
		{"4608F919887022129000", "4608F91988702212", 0x9000, true},
		{"6A82", "", 0x6A82, true},
		{"00", "", 0, false},
		{"1234", "", 0, false},
		{"6000", "", 0, false},
	}
	for _, tt := range tests {
		r, err := ParseResponse(unhex(t, tt.in))
		if (err == nil) != tt.wantOK {
			t.Errorf("ParseResponse(%s) err = %v", tt.in, err)
			continue
		}
		if err == nil && (r.SW != tt.sw || !bytes.Equal(r.Data, unhex(t, tt.data)) || r.OK() != (tt.sw == 0x9000)) {
			t.Errorf("ParseResponse(%s) = %X %04X", tt.in, r.Data, r.SW)
		}
	}
}

func TestStatusErrorSentinels(t *testing.T) {
	tests := []struct {
		sw   uint16
		want error
		text string
	}{
		{0x6A82, ErrNotFound, "file not found"},
		{0x6A83, ErrNotFound, "record not found"},
		{0x6982, ErrAccessDenied, "security status not satisfied"},
		{0x6300, ErrAccessDenied, "authentication failed"},
		{0x63C2, ErrAccessDenied, "2 tries left"},
		{0x6988, ErrSecurityStatus, "secure-messaging data objects incorrect"},
		{0x6987, ErrSecurityStatus, "missing"},
		{0x6700, ErrWrongLength, "wrong length"},
		{0x6CDF, ErrWrongLength, "223 bytes"},
		{0x6282, ErrEndOfFile, "end of file"},
		{0x6B00, ErrEndOfFile, "offset outside"},
		{0x6D00, nil, "instruction not supported"},
	}
	all := []error{ErrNotFound, ErrAccessDenied, ErrSecurityStatus, ErrWrongLength, ErrEndOfFile}
	for _, tt := range tests {
		var err error = &StatusError{SW: tt.sw}
		for _, s := range all {
			if errors.Is(err, s) != (s == tt.want) {
				t.Errorf("%04X: errors.Is(%v) = %v", tt.sw, s, !(s == tt.want))
			}
		}
		if !strings.Contains(err.Error(), tt.text) || !strings.Contains(err.Error(), strings.ToUpper(hex.EncodeToString([]byte{byte(tt.sw >> 8), byte(tt.sw)}))) {
			t.Errorf("%04X: message %q lacks %q", tt.sw, err, tt.text)
		}
	}
	if r := (&StatusError{SW: 0x63C3}).Retries(); r != 3 {
		t.Errorf("Retries = %d", r)
	}
}

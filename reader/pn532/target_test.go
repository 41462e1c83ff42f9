package pn532

import (
	"bytes"
	"errors"
	"testing"

	"github.com/cccd-agent/cccd/reader"
)

func TestParseTargetA(t *testing.T) {
	tests := []struct {
		name string
		in   string
		nil  bool
		err  bool
		want Target
		iso4 bool
	}{
		// ACR122L manual trace, after D5 4B.
		{name: "ACR122L trace", in: "01 01 00 08 28 04 85 82 2F A0 07 77 F7 80 02 47 65",
			want: Target{Tg: 1, SensRes: 0x0008, SelRes: 0x28, NFCID: []byte{0x85, 0x82, 0x2F, 0xA0},
				ATS: []byte{0x07, 0x77, 0xF7, 0x80, 0x02, 0x47, 0x65}}, iso4: true},
		{name: "no target", in: "00", nil: true},
		{name: "MIFARE classic, no ATS", in: "01 01 00 04 08 04 DE AD BE EF",
			want: Target{Tg: 1, SensRes: 0x0004, SelRes: 0x08, NFCID: []byte{0xDE, 0xAD, 0xBE, 0xEF}}},
		{name: "empty", in: "", err: true},
		{name: "truncated header", in: "01 01 00 04", err: true},
		{name: "NFCID longer than data", in: "01 01 00 04 20 07 01 02", err: true},
		{name: "ATS TL past end", in: "01 01 00 04 20 01 08 09 78", err: true},
		{name: "ATS TL zero", in: "01 01 00 04 20 01 08 00", err: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTargetA(unhex(t, tc.in))
			switch {
			case tc.err:
				if !errors.Is(err, errTarget) {
					t.Fatalf("err = %v, want errTarget", err)
				}
				return
			case err != nil:
				t.Fatal(err)
			case tc.nil:
				if got != nil {
					t.Fatalf("got %+v, want nil", got)
				}
				return
			}
			if got.Tg != tc.want.Tg || got.SensRes != tc.want.SensRes || got.SelRes != tc.want.SelRes ||
				!bytes.Equal(got.NFCID, tc.want.NFCID) || !bytes.Equal(got.ATS, tc.want.ATS) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			if got.ISO14443_4() != tc.iso4 {
				t.Fatalf("ISO14443_4 = %v", got.ISO14443_4())
			}
			if re := AppendTargetA(nil, got); !bytes.Equal(re, unhex(t, tc.in)) {
				t.Fatalf("AppendTargetA = % X, want %s", re, tc.in)
			}
		})
	}
}

func TestStatusError(t *testing.T) {
	tests := []struct {
		status byte
		is     error
		text   string
	}{
		{0x01, reader.ErrTimeout, "target did not answer"},
		{0x41, reader.ErrTimeout, "target did not answer"}, // MI bit ignored
		{0x02, ErrRF, "CRC error"},
		{0x13, ErrRF, "ISO 14443-4 format error"},
		{0x2B, reader.ErrCardRemoved, "card disappeared"},
		{0x29, reader.ErrCardRemoved, "target released"},
		{0x27, nil, "command not acceptable"},
		{0x3F, nil, "unknown error"},
	}
	for _, tc := range tests {
		err := checkStatus(tc.status)
		var se *StatusError
		if !errors.As(err, &se) {
			t.Fatalf("status %02X: err = %v, want StatusError", tc.status, err)
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Fatalf("status %02X: %v is not %v", tc.status, err, tc.is)
		}
		if !bytes.Contains([]byte(err.Error()), []byte(tc.text)) {
			t.Fatalf("status %02X: message %q lacks %q", tc.status, err, tc.text)
		}
	}
	for _, ok := range []byte{0x00, 0x40, 0x80} {
		if err := checkStatus(ok); err != nil {
			t.Fatalf("status %02X: %v", ok, err)
		}
	}
}

func TestMaxRate(t *testing.T) {
	tests := []struct {
		name  string
		ats   []byte
		limit int
		code  byte
		ok    bool
	}{
		{"no ATS", nil, 424, br106, false},
		{"no TA(1)", []byte{0x05, 0x68, 0x70, 0x02, 0x00}, 424, br106, false},
		{"TA 80: 106 only", []byte{0x05, 0x78, 0x80, 0x70, 0x02}, 424, br106, false},
		{"TA B3: up to 424", []byte{0x05, 0x78, 0xB3, 0x70, 0x02}, 424, br424, true},
		{"TA B3 capped at 212", []byte{0x05, 0x78, 0xB3, 0x70, 0x02}, 212, br212, true},
		{"TA B3 capped at 106", []byte{0x05, 0x78, 0xB3, 0x70, 0x02}, 106, br106, false},
		{"TA 91: 212 both ways", []byte{0x05, 0x78, 0x91, 0x70, 0x02}, 424, br212, true},
		{"TA A1: 424 one way only, 212 the other", []byte{0x05, 0x78, 0xA1, 0x70, 0x02}, 424, br106, false},
		{"TA F7 (ACR122L trace card)", []byte{0x07, 0x77, 0xF7, 0x80, 0x02, 0x47, 0x65}, 424, br424, true},
		{"truncated ATS", []byte{0x02, 0x78}, 424, br106, false},
	}
	for _, tc := range tests {
		tg := &Target{ATS: tc.ats}
		code, ok := tg.MaxRate(tc.limit)
		if code != tc.code || ok != tc.ok {
			t.Errorf("%s: MaxRate = %d, %v; want %d, %v", tc.name, code, ok, tc.code, tc.ok)
		}
	}
}

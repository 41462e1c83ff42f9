package checkin

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzParseKey feeds anything a keyboard-wedge scanner could type: the key
// is either recognised or refused with ErrBadKey, and the error never echoes
// the text.
func FuzzParseKey(f *testing.F) {
	for _, seed := range []string{
		"012345", "079190012345", " 012345 ",
		"079190012345|123456789|Nguyễn Thị Thu Hà|17051990|Nữ|Số 15, Phường 5|12042021",
		"IDVNM1900123457079190012345<<7\n9005178F3005176VNM<<<<<<<<<<<8\nNGUYEN<<THI<THU<HA<<<<<<<<<<<<",
		"||||||", "0791900123456", "\x00\xff",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		k, err := ParseKey(text)
		if err != nil {
			if !errors.Is(err, ErrBadKey) {
				t.Fatalf("error %v is not ErrBadKey", err)
			}
			if trimmed := strings.TrimSpace(text); len(trimmed) > 6 && strings.Contains(err.Error(), trimmed) {
				t.Fatalf("error echoes the key")
			}
			return
		}
		if k.CAN != "" && (len(k.CAN) != 6 || !allDigits(k.CAN)) {
			t.Fatalf("CAN %q is not 6 digits", k.CAN)
		}
		if k.IDNumber != "" && (len(k.IDNumber) != 12 || !allDigits(k.IDNumber)) {
			t.Fatalf("ID %q is not 12 digits", k.IDNumber)
		}
		_ = k.MRZSeeds(time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC))
	})
}

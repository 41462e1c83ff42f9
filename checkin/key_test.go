package checkin

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/icao/mrz"
)

func TestParseKey(t *testing.T) {
	const id = "079123456789"
	tests := []struct {
		name, text string
		source     string
		can, id    string
	}{
		{"CAN", "456789", "can", "456789", ""},
		{"CAN with spaces", "  456789 ", "can", "456789", ""},
		{"ID", id, "id", "456789", id},
		{"QR 2021", id + "|123456789|Nguyễn Thị Minh Khai|01021990|Nữ|12 Lê Lợi, Quận 1, TP. Hồ Chí Minh|15082021", "qr", "456789", id},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParseKey(tc.text)
			if err != nil {
				t.Fatal(err)
			}
			if k.Source != tc.source || k.CAN != tc.can || k.IDNumber != tc.id {
				t.Fatalf("got %+v", k)
			}
		})
	}
	for _, bad := range []string{"", "12345", "1234567", "abc", "079123456789|x|y", strings.Repeat("<", 90)} {
		_, err := ParseKey(bad)
		if !errors.Is(err, ErrBadKey) {
			t.Errorf("ParseKey(%q) err = %v, want ErrBadKey", bad, err)
		}
		if err != nil && len(bad) > 6 && strings.Contains(err.Error(), bad) {
			t.Errorf("error echoes the key: %v", err)
		}
	}
}

func TestMRZSeedsFromIDAndDOB(t *testing.T) {
	dob := time.Date(1990, 2, 1, 0, 0, 0, 0, time.UTC)
	now := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	k := Key{IDNumber: "079123456789", DateOfBirth: dob}
	seeds := k.MRZSeeds(now)
	if len(seeds) == 0 {
		t.Fatal("no candidate seeds")
	}
	want, _ := mrz.KeySeedForID("079123456789", dob, time.Date(2030, 2, 1, 0, 0, 0, 0, time.UTC))
	if seeds[0] != want {
		t.Fatalf("first candidate %q, want the age-40 expiry %q", seeds[0], want)
	}
	exp := mrz.Expiry{Date: time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)}
	k.Expiry = &exp
	if got := k.MRZSeeds(now); len(got) != 1 || got[0][len(got[0])-7:len(got[0])-1] != "350101" {
		t.Fatalf("explicit expiry seeds %v", got)
	}
	if (Key{CAN: "456789"}).MRZSeeds(now) != nil {
		t.Fatal("a CAN alone gives no MRZ seeds")
	}
}

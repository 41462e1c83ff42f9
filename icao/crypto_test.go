package icao

import (
	"bytes"
	"errors"
	"testing"
)

func TestPadUnpad(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "8000000000000000"},
		{"011E", "011E800000000000"},
		{"0102030405060708", "01020304050607088000000000000000"},
		{"01020304050607", "0102030405060780"},
	}
	for _, tt := range tests {
		got := Pad(unhex(t, tt.in), 8)
		if !bytes.Equal(got, unhex(t, tt.want)) {
			t.Errorf("Pad(%s) = %X", tt.in, got)
		}
		back, err := Unpad(got)
		if err != nil || !bytes.Equal(back, unhex(t, tt.in)) {
			t.Errorf("Unpad(%X) = %X, %v", got, back, err)
		}
	}
	for _, bad := range []string{"", "0000", "01020304", "8001"} {
		if _, err := Unpad(unhex(t, bad)); !errors.Is(err, ErrBadPadding) {
			t.Errorf("Unpad(%s) err = %v", bad, err)
		}
	}
}

// RFC 4493 §4 / NIST SP 800-38B D.1 (AES-128) and D.3 (AES-256).
func TestAESCMACVectors(t *testing.T) {
	k128 := "2B7E151628AED2A6ABF7158809CF4F3C"
	k256 := "603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4"
	msg := "6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E5130C81C46A35CE411E5FBC1191A0A52EFF69F2445DF4F9B17AD2B417BE66C3710"
	tests := []struct {
		key  string
		n    int
		want string
	}{
		{k128, 0, "BB1D6929E95937287FA37D129B756746"},
		{k128, 16, "070A16B46B4D4144F79BDD9DD04A287C"},
		{k128, 40, "DFA66747DE9AE63030CA32611497C827"},
		{k128, 64, "51F0BEBF7E3B9D92FC49741779363CFE"},
		{k256, 0, "028962F61B7BF89EFC6B551F4667D983"},
		{k256, 64, "E1992190549F6ED5696A2C056C315410"},
	}
	for _, tt := range tests {
		got, err := AESCMAC(unhex(t, tt.key), unhex(t, msg)[:tt.n])
		if err != nil || !bytes.Equal(got, unhex(t, tt.want)) {
			t.Errorf("CMAC(key %d bytes, msg %d bytes) = %X, %v; want %s", len(tt.key)/2, tt.n, got, err, tt.want)
		}
	}
	if _, err := AESCMAC(make([]byte, 15), nil); !errors.Is(err, ErrBadKey) {
		t.Errorf("15-byte key err = %v", err)
	}
}

func TestRetailMACInputChecks(t *testing.T) {
	if _, err := RetailMAC(make([]byte, 8), make([]byte, 8)); !errors.Is(err, ErrBadKey) {
		t.Errorf("short key err = %v", err)
	}
	if _, err := RetailMAC(make([]byte, 16), make([]byte, 7)); !errors.Is(err, ErrBadPadding) {
		t.Errorf("unpadded err = %v", err)
	}
}

func TestAdjustParity(t *testing.T) {
	k := unhex(t, "AB94FCEDF2664EDFB9B291F85D7F77F2")
	AdjustParity(k)
	if want := unhex(t, "AB94FDECF2674FDFB9B391F85D7F76F2"); !bytes.Equal(k, want) {
		t.Errorf("AdjustParity = %X, want %X", k, want)
	}
}

func TestKDFUnknownCipher(t *testing.T) {
	if KDF([]byte{1}, 1, Cipher(99)) != nil {
		t.Error("KDF with an unknown cipher returned a key")
	}
	for _, c := range []Cipher{Cipher3DES, CipherAES128, CipherAES192, CipherAES256} {
		if n := len(KDF([]byte{1}, 1, c)); n != c.KeySize() {
			t.Errorf("%s: key of %d bytes", c, n)
		}
	}
}

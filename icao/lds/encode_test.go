package lds

import (
	"bytes"
	"crypto"
	"errors"
	"reflect"
	"testing"

	"github.com/cccd-agent/cccd/internal/testenv"
)

func TestEncodeDG2RoundTrip(t *testing.T) {
	cases := []struct {
		name, file, format string
	}{
		{"jpeg", "dg/gmrtd-iso19794/ISO19794_Test1_Face.jpg", "jpeg"},
		{"jp2", "dg/gmrtd-iso39794/ICAO_39794_5_AP_Face.jpg", "jp2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			face := testenv.ReadShared(t, tc.file)
			dg2, err := EncodeDG2(face)
			if err != nil {
				t.Fatal(err)
			}
			img, err := ParseDG2(dg2)
			if err != nil {
				t.Fatal(err)
			}
			if img.Format != tc.format || !bytes.Equal(img.Data, face) || !img.SizeMatchesRecord() || img.RecordWidth == 0 {
				t.Errorf("round trip: %s %dx%d (record %dx%d)", img.Format, img.Width, img.Height, img.RecordWidth, img.RecordHeight)
			}
		})
	}
	if _, err := EncodeDG2([]byte("GIF89a")); !errors.Is(err, ErrUnsupported) {
		t.Errorf("GIF accepted: %v", err)
	}
}

func TestLDSSecurityObjectRoundTrip(t *testing.T) {
	dgs := map[int][]byte{1: []byte("dg1"), 2: []byte("dg2"), 13: []byte("dg13")}
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		o, err := NewLDSSecurityObject(h, dgs)
		if err != nil {
			t.Fatal(err)
		}
		for _, vi := range []*LDSVersionInfo{nil, {LDSVersion: "0108", UnicodeVersion: "040000"}} {
			o.VersionInfo = vi
			if vi != nil {
				o.Version = 1
			}
			der, err := o.Encode()
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParseLDSSecurityObject(der)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, o) {
				t.Errorf("%v: got %+v, want %+v", h, back, o)
			}
			if back.DataGroups()[2] != 13 {
				t.Errorf("data groups %v", back.DataGroups())
			}
		}
	}
	if _, err := NewLDSSecurityObject(crypto.MD5, dgs); !errors.Is(err, ErrUnsupported) {
		t.Errorf("MD5 accepted: %v", err)
	}
	if _, err := NewLDSSecurityObject(crypto.SHA256, map[int][]byte{0: nil, 1: nil}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("DG0 accepted: %v", err)
	}
}

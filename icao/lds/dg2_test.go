package lds

import (
	"bytes"
	"errors"
	"testing"

	"github.com/cccd-agent/cccd/internal/testenv"
)

func TestParseDG2(t *testing.T) {
	cases := []struct {
		name, file, jpg string
		format          string
		w, h            int // the image's own size (0: not checked)
		rw, rh          int // the size its record states
	}{
		{"39794 all fields", "dg/gmrtd-dg2-39794/ICAO_39794_5_AP_DG2_AllFields.dat", "dg/gmrtd-dg2-39794/ICAO_39794_5_AP_DG2_Face.jpg", "jp2", 413, 531, 572, 731},
		{"39794 mandatory fields", "dg/gmrtd-dg2-39794/ICAO_39794_5_AP_DG2_MandFields.dat", "dg/gmrtd-dg2-39794/ICAO_39794_5_AP_DG2_Face.jpg", "jp2", 413, 531, 0, 0},
		{"19794 uk", "pa/gmrtd-uk-expired/DG2.bin", "", "jpeg", 0, 0, 0, 0},
		{"19794 bsi2008 jp2", "pa/jmrtd-bsi2008/DG2.bin", "", "jp2", 413, 531, 337, 449},
		{"19794 loes2006 jp2", "pa/jmrtd-loes2006/DG2.bin", "", "jp2", 0, 0, 449, 598},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img, err := ParseDG2(testenv.ReadShared(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if img.Format != tc.format {
				t.Errorf("format = %s, want %s", img.Format, tc.format)
			}
			if tc.w != 0 && (img.Width != tc.w || img.Height != tc.h) {
				t.Errorf("size = %dx%d, want %dx%d", img.Width, img.Height, tc.w, tc.h)
			}
			if img.Width == 0 || img.Height == 0 {
				t.Errorf("size = %dx%d", img.Width, img.Height)
			}
			if tc.rw != 0 && (img.RecordWidth != tc.rw || img.RecordHeight != tc.rh) {
				t.Errorf("record size = %dx%d, want %dx%d", img.RecordWidth, img.RecordHeight, tc.rw, tc.rh)
			}
			if img.SizeMatchesRecord() != (tc.rw == 0 || tc.w == 0 || (tc.rw == tc.w && tc.rh == tc.h)) {
				t.Errorf("SizeMatchesRecord = %v", img.SizeMatchesRecord())
			}
			if tc.jpg != "" && !bytes.Equal(img.Data, testenv.ReadShared(t, tc.jpg)) {
				t.Errorf("image bytes differ from %s", tc.jpg)
			}
		})
	}
}

func TestParseFaceBlock(t *testing.T) {
	cases := []struct {
		name, file, jpg string
		format          string
		w, h            int
	}{
		{"19794", "dg/gmrtd-iso19794/ISO19794_Test1_Data.bin", "dg/gmrtd-iso19794/ISO19794_Test1_Face.jpg", "jpeg", 148, 70},
		{"39794 all", "dg/gmrtd-iso39794/ICAO_39794_5_AP_AllFields.dat", "dg/gmrtd-iso39794/ICAO_39794_5_AP_Face.jpg", "jp2", 413, 531},
		{"39794 mandatory", "dg/gmrtd-iso39794/ICAO_39794_5_AP_MandFields.dat", "dg/gmrtd-iso39794/ICAO_39794_5_AP_Face.jpg", "jp2", 413, 531},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img, err := ParseFaceBlock(testenv.ReadShared(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if img.Format != tc.format || img.Width != tc.w || img.Height != tc.h {
				t.Errorf("got %s %dx%d, want %s %dx%d", img.Format, img.Width, img.Height, tc.format, tc.w, tc.h)
			}
			if !bytes.Equal(img.Data, testenv.ReadShared(t, tc.jpg)) {
				t.Errorf("image bytes differ from %s", tc.jpg)
			}
		})
	}
}

func TestParseFaceBlockInvalid(t *testing.T) {
	good19794 := testenv.ReadShared(t, "dg/gmrtd-iso19794/ISO19794_Test1_Data.bin")
	cases := []struct {
		name string
		in   []byte
	}{
		{"19794 invalid image", testenv.ReadShared(t, "dg/gmrtd-iso19794/ISO19794_Test2_Data_InvalidImage.bin")},
		{"39794 invalid image", testenv.ReadShared(t, "dg/gmrtd-iso39794/ICAO_39794_5_AP_MandFields_InvalidImage.dat")},
		{"19794 truncated", good19794[:200]},
		{"19794 header only", good19794[:40]},
		{"empty", nil},
		{"garbage", []byte("not a biometric block")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img, err := ParseFaceBlock(tc.in)
			if err == nil {
				t.Fatalf("accepted: %s %dx%d", img.Format, img.Width, img.Height)
			}
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupported) {
				t.Errorf("error without sentinel: %v", err)
			}
		})
	}
}

func TestParseDG2Errors(t *testing.T) {
	good := testenv.ReadShared(t, "dg/gmrtd-dg2-39794/ICAO_39794_5_AP_DG2_MandFields.dat")
	noBDB := []byte{0x75, 0x0A, 0x7F, 0x61, 0x07, 0x02, 0x01, 0x01, 0x7F, 0x60, 0x00}
	for name, in := range map[string][]byte{
		"truncated": good[:len(good)/2],
		"wrong tag": append([]byte{0x76}, good[1:]...),
		"no bdb":    noBDB,
		"empty":     nil,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseDG2(in); !errors.Is(err, ErrMalformed) {
				t.Errorf("err = %v, want ErrMalformed", err)
			}
		})
	}
}

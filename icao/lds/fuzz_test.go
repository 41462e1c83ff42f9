package lds

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/internal/tlv"
)

// checkErr fails the fuzz run when an error lacks the package sentinels.
func checkErr(t *testing.T, err error) {
	t.Helper()
	if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupported) {
		t.Fatalf("error without sentinel: %v", err)
	}
}

func seed(f *testing.F, files ...string) {
	for _, p := range files {
		f.Add(testenv.ReadShared(f, p))
	}
}

func FuzzCOM(f *testing.F) {
	seed(f, "pa/jmrtd-bsi2008/EF_COM.bin", "pa/jmrtd-loes2006/EF_COM.bin")
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCOM(b)
		checkErr(t, err)
		if err == nil {
			for _, n := range c.DataGroups {
				if n < 1 || n > 16 {
					t.Fatalf("data group %d", n)
				}
			}
		}
	})
}

func FuzzDG1(f *testing.F) {
	seed(f, "pa/jmrtd-bsi2008/DG1.bin", "pa/pymrtd-tr03105-5/DG1.bin")
	f.Add(EncodeDG1("IDVNM0990123459001099012345<<09902152M3902150VNM<<<<<<<<<<<8NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseDG1(b)
		checkErr(t, err)
		if err == nil && m.DocumentNumber == "" {
			t.Fatal("accepted DG1 without document number")
		}
	})
}

func FuzzDG2(f *testing.F) {
	seed(f, "dg/gmrtd-dg2-39794/ICAO_39794_5_AP_DG2_MandFields.dat", "dg/gmrtd-dg2-39794/ICAO_39794_5_AP_DG2_AllFields.dat",
		"pa/jmrtd-loes2006/DG2.bin")
	// A 19794-5 record inside a DG2 frame, from the gmrtd sample.
	rec := testenv.ReadShared(f, "dg/gmrtd-iso19794/ISO19794_Test1_Data.bin")
	f.Add(append(append([]byte{0x75, 0x82, byte((len(rec) + 15) >> 8), byte(len(rec) + 15), 0x7F, 0x61, 0x82, byte((len(rec) + 10) >> 8), byte(len(rec) + 10),
		0x02, 0x01, 0x01, 0x7F, 0x60, 0x82, byte((len(rec) + 4) >> 8), byte(len(rec) + 4), 0x5F, 0x2E, 0x82}, byte(len(rec)>>8), byte(len(rec))), rec...))
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := ParseDG2(b)
		checkErr(t, err)
		if err == nil && (img.Width <= 0 || img.Height <= 0 || len(img.Data) == 0) {
			t.Fatalf("accepted image without size or data: %s %dx%d", img.Format, img.Width, img.Height)
		}
	})
}

func FuzzDG13(f *testing.F) {
	seed(f, "dg/DG13_synthetic.bin")
	f.Add(dg13(field(3, printables("00/00/1950")), field(13, tlv.Encode(0x30, utf8s("Cha"), utf8s("Mẹ")))))
	f.Add(dg13(field(3, printables("00/02/1950")), field(13, tlv.Encode(0x30), tlv.Encode(0x30, utf8s("Mẹ"))), field(14, tlv.Encode(0x30))))
	f.Add(dg13(field(8, utf8s("Xã X")), field(11, printables("01/07/2024")), field(13, utf8s("Cha"), []byte{0x05, 0x00})))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseDG13(b)
		checkErr(t, err)
		if err == nil {
			if _, err := EncodeDG13(p); err != nil && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("re-encoding failed: %v", err)
			}
		}
	})
}

func FuzzDG14(f *testing.F) {
	seed(f, "pa/jmrtd-bsi2008/DG14.bin", "pa/pymrtd-tr03105-5/DG14.bin", "pa/pymrtd-etsi-tr103200-eacaa/DG14.bin")
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := ParseDG14(b)
		checkErr(t, err)
		_, err = ParseCardSecurity(b)
		checkErr(t, err)
	})
}

func FuzzDG15(f *testing.F) {
	seed(f, "pa/jmrtd-loes2006/DG15.bin", "pa/jmrtd-bsi2008/DG15.bin", "pa/pymrtd-tr03105-5/DG15.bin")
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDG15(b)
		checkErr(t, err)
		if err == nil && len(d.Algorithm) == 0 {
			t.Fatal("accepted key without algorithm")
		}
	})
}

func FuzzCardAccess(f *testing.F) {
	b, _ := hex.DecodeString(cccdCardAccess)
	f.Add(b)
	seed(f, "pa/gmrtd-sods/DE_EF_CardSecurity.bin")
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := ParseCardAccess(b)
		checkErr(t, err)
	})
}

package lds

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/cccd-agent/cccd/icao/mrz"
	"github.com/cccd-agent/cccd/internal/testenv"
)

func TestParseCOM(t *testing.T) {
	cases := []struct {
		file     string
		lds, uni string
		dgs      []int
	}{
		{"pa/jmrtd-bsi2008/EF_COM.bin", "0107", "040000", []int{1, 2, 3, 14}},
		{"pa/jmrtd-loes2006/EF_COM.bin", "0107", "040000", []int{1, 2, 15}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			c, err := ParseCOM(testenv.ReadShared(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if c.LDSVersion != tc.lds || c.UnicodeVersion != tc.uni || !reflect.DeepEqual(c.DataGroups, tc.dgs) {
				t.Errorf("got %+v", c)
			}
		})
	}
	// The CCCD's list round-trips through the encoder.
	cccd := []int{1, 2, 3, 13, 14, 15}
	b, err := EncodeCOM("0107", "040000", cccd)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 26 {
		t.Errorf("CCCD EF.COM is %d bytes, want 26 (what khoa288 reads)", len(b))
	}
	c, err := ParseCOM(b)
	if err != nil || !reflect.DeepEqual(c.DataGroups, cccd) {
		t.Errorf("round trip: %+v %v", c, err)
	}
	if _, err := EncodeCOM("0107", "040000", []int{17}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("DG17 encoded: %v", err)
	}
	for name, in := range map[string][]byte{
		"empty":     nil,
		"wrong tag": {0x61, 0x00},
		"no list":   {0x60, 0x06, 0x5F, 0x01, 0x02, '0', '1', 0x00},
		"truncated": {0x60, 0x10, 0x5C},
	} {
		if _, err := ParseCOM(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// TestParseCOMUnknownTag: a tag that names no data group is kept aside, the
// data groups around it still count.
func TestParseCOMUnknownTag(t *testing.T) {
	c, err := ParseCOM([]byte{0x60, 0x05, 0x5C, 0x03, 0x61, 0x99, 0x6D})
	if err != nil || !reflect.DeepEqual(c.DataGroups, []int{1, 13}) || !bytes.Equal(c.UnknownTags, []byte{0x99}) {
		t.Fatalf("ParseCOM = %+v, %v", c, err)
	}
}

func TestDGTags(t *testing.T) {
	for n := 1; n <= 16; n++ {
		if DGNumber(DGTag(n)) != n {
			t.Errorf("DG%d round trip failed", n)
		}
	}
	if DGTag(0) != 0 || DGTag(17) != 0 || DGNumber(0x60) != 0 {
		t.Errorf("out-of-range tags accepted")
	}
	if DGTag(13) != TagDG13 || DGTag(2) != TagDG2 || DGTag(14) != TagDG14 || DGTag(15) != TagDG15 || DGTag(1) != TagDG1 {
		t.Errorf("tag constants disagree with DGTag")
	}
}

func TestParseDG1(t *testing.T) {
	cases := []struct {
		file   string
		format mrz.Format
	}{
		{"pa/gmrtd-uk-expired/DG1.bin", mrz.TD3},
		{"pa/jmrtd-bsi2008/DG1.bin", mrz.TD3},
		{"pa/jmrtd-loes2006/DG1.bin", mrz.TD3},
		{"pa/pymrtd-tr03105-5/DG1.bin", mrz.TD3},
		{"pa/pymrtd-etsi-tr103200-eacaa/DG1.bin", mrz.TD3},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			m, err := ParseDG1(testenv.ReadShared(t, tc.file))
			if err != nil {
				t.Fatal(err) // the message carries no MRZ content
			}
			if m.Format != tc.format || m.DocumentNumber == "" {
				t.Errorf("format %v, document number present %v", m.Format, m.DocumentNumber != "")
			}
		})
	}
	cccd := "IDVNM0990123459001099012345<<09902152M3902150VNM<<<<<<<<<<<8NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<"
	dg1 := EncodeDG1(cccd)
	if len(dg1) != 95 {
		t.Errorf("CCCD DG1 is %d bytes, want 95", len(dg1))
	}
	m, err := ParseDG1(dg1)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := m.IDNumber(); err != nil || id != "001099012345" {
		t.Errorf("IDNumber = %q, %v", id, err)
	}
	bad := EncodeDG1(cccd[:44] + "9" + cccd[45:]) // expiry check digit wrong
	_, err = ParseDG1(bad)
	if !errors.Is(err, ErrMalformed) || !errors.Is(err, mrz.ErrCheckDigit) {
		t.Errorf("bad check digit: %v", err)
	}
	assertNoPersonalData(t, err.Error())
	for name, in := range map[string][]byte{"empty": nil, "wrong tag": {0x62, 0x00}, "no mrz": {0x61, 0x02, 0x5F, 0x1E}} {
		if _, err := ParseDG1(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestInspectImageCodestream(t *testing.T) {
	siz := func(x, y, xo, yo uint32) []byte {
		b := []byte{0xFF, 0x4F, 0xFF, 0x51, 0x00, 0x29, 0x00, 0x00}
		for _, v := range []uint32{x, y, xo, yo} {
			b = append(b, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
		}
		return append(b, make([]byte, 20)...)
	}
	img, err := inspectImage(siz(420, 540, 10, 20))
	if err != nil || img.Format != "jp2" || img.Width != 410 || img.Height != 520 {
		t.Errorf("codestream: %+v %v", img, err)
	}
	for name, in := range map[string][]byte{
		"offset beyond size": siz(10, 10, 20, 0),
		"huge":               siz(1<<20, 10, 0, 0),
		"truncated":          siz(10, 10, 0, 0)[:12],
	} {
		if _, err := inspectImage(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

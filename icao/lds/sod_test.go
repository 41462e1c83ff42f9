package lds

import (
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/internal/testkit/pkitest"
	"github.com/cccd-agent/cccd/internal/tlv"
)

// sodCases are every EF.SOD in the shared test data with the data groups,
// hash and version the testdata README records for it.
var sodCases = []struct {
	path    string
	hash    crypto.Hash
	version int
	dgs     []int
}{
	{"pa/gmrtd-uk-expired/EF_SOD.bin", crypto.SHA256, 0, []int{1, 2}},
	{"pa/gmrtd-sods/AT_EF_SOD.bin", crypto.SHA256, 0, []int{1, 2, 3, 11, 12, 14}},
	{"pa/gmrtd-sods/DE_EF_SOD.bin", crypto.SHA384, 1, []int{1, 2, 3, 14}},
	{"pa/gmrtd-sods/FI_EF_SOD.bin", crypto.SHA512, 1, []int{1, 2, 3, 7, 14}},
	{"pa/gmrtd-sods/FR_EF_SOD.bin", crypto.SHA256, 0, []int{1, 2, 3, 11, 12, 13, 14}},
	{"pa/gmrtd-sods/ID_EF_SOD.bin", crypto.SHA256, 0, []int{1, 2, 3, 14, 15}},
	{"pa/gmrtd-sods/MY_EF_SOD.bin", crypto.SHA256, 0, []int{1, 2, 3, 11, 12, 14}},
	{"pa/gmrtd-sods/NZ_EF_SOD.bin", crypto.SHA256, 0, []int{1, 2, 12, 13, 14, 15}},
	{"pa/gmrtd-sods/PH_EF_SOD.bin", crypto.SHA256, 0, []int{1, 2, 7, 11, 12, 15}},
	{"pa/gmrtd-sods/RU_EF_SOD.bin", crypto.SHA1, 0, []int{1, 2, 3, 13, 14}},
	{"pa/gmrtd-sods/SG_EF_SOD.bin", crypto.SHA256, 1, []int{1, 2, 3, 4, 13, 14}},
	{"pa/gmrtd-sods/UK_EF_SOD.bin", crypto.SHA256, 1, []int{1, 2, 14}},
	{"pa/gmrtd-sods/US_EF_SOD.bin", crypto.SHA256, 0, []int{1, 2, 11, 12}},
	{"pa/jmrtd-bsi2008/EF_SOD.bin", crypto.SHA1, 0, []int{1, 2, 3, 14}},
	{"pa/jmrtd-loes2006/EF_SOD.bin", crypto.SHA256, 0, []int{1, 2, 15}},
	{"pa/pymrtd-tr03105-5/EF_SOD.bin", crypto.SHA256, 0, []int{1, 2, 3, 4, 14}},
	{"pa/pymrtd-etsi-tr103200-eacaa/EF_SOD.bin", crypto.SHA256, 0, []int{1, 2, 3, 4, 14, 15}},
}

func TestParseSODTestdata(t *testing.T) {
	for _, tc := range sodCases {
		t.Run(tc.path, func(t *testing.T) {
			o, err := ParseSOD(testenv.ReadShared(t, tc.path))
			if err != nil {
				t.Fatalf("ParseSOD: %v", err)
			}
			if o.Hash != tc.hash || o.HashName != tc.hash.String() {
				t.Errorf("hash = %v (%s), want %v", o.Hash, o.HashName, tc.hash)
			}
			if o.Version != tc.version {
				t.Errorf("version = %d, want %d", o.Version, tc.version)
			}
			if (o.Version == 1) != (o.VersionInfo != nil) {
				t.Errorf("version %d with VersionInfo %+v", o.Version, o.VersionInfo)
			}
			if got := o.DataGroups(); !reflect.DeepEqual(got, tc.dgs) {
				t.Errorf("data groups = %v, want %v", got, tc.dgs)
			}
		})
	}
}

// TestSODHashesMatchDataGroups checks the parsed hash lists against the DG
// files of the complete sets, including the DGs the README says are unsigned.
func TestSODHashesMatchDataGroups(t *testing.T) {
	cases := []struct {
		dir      string
		signed   []int
		unsigned []int
	}{
		{"pa/gmrtd-uk-expired", []int{1, 2}, nil},
		{"pa/jmrtd-bsi2008", []int{1, 2, 3, 14}, []int{4, 15}},
		{"pa/jmrtd-loes2006", []int{1, 2, 15}, nil},
		{"pa/pymrtd-tr03105-5", []int{1, 14}, []int{15}},
		{"pa/pymrtd-etsi-tr103200-eacaa", []int{1, 14, 15}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.dir, func(t *testing.T) {
			o, err := ParseSOD(testenv.ReadShared(t, tc.dir+"/EF_SOD.bin"))
			if err != nil {
				t.Fatal(err)
			}
			sum := func(b []byte) []byte {
				if o.Hash == crypto.SHA1 {
					s := sha1.Sum(b)
					return s[:]
				}
				s := sha256.Sum256(b)
				return s[:]
			}
			for _, n := range tc.signed {
				want, ok := o.HashOf(n)
				if !ok {
					t.Fatalf("DG%d not in SOD", n)
				}
				got := sum(testenv.ReadShared(t, tc.dir+"/DG"+itoa(n)+".bin"))
				if !reflect.DeepEqual(got, want) {
					t.Errorf("DG%d hash mismatch", n)
				}
			}
			for _, n := range tc.unsigned {
				if _, ok := o.HashOf(n); ok {
					t.Errorf("DG%d listed, README says it is not signed", n)
				}
			}
		})
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return string(rune('0'+n/10)) + string(rune('0'+n%10))
}

func TestSODContent(t *testing.T) {
	sod := testenv.ReadShared(t, "pa/gmrtd-uk-expired/EF_SOD.bin")
	ci, err := SODContent(sod)
	if err != nil {
		t.Fatal(err)
	}
	if len(ci) != len(sod)-4 || ci[0] != 0x30 {
		t.Errorf("content is %d bytes starting %X, want %d starting 30", len(ci), ci[0], len(sod)-4)
	}
	ctype, _, err := EncapsulatedContent(ci)
	if err != nil || !ctype.Equal(OIDLDSSecurityObject) {
		t.Errorf("eContentType %v, err %v", ctype, err)
	}
}

func TestParseSODErrors(t *testing.T) {
	good := testenv.ReadShared(t, "pa/gmrtd-uk-expired/EF_SOD.bin")
	truncated := good[:len(good)-100]
	wrongTag := append([]byte{0x76}, good[1:]...)
	flipped := append([]byte(nil), good...)
	flipped[4] = 0x31 // ContentInfo SEQUENCE becomes a SET
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"truncated", truncated, ErrMalformed},
		{"wrong tag", wrongTag, ErrMalformed},
		{"not a sequence", flipped, ErrMalformed},
		{"only wrapper", []byte{0x77, 0x00}, ErrMalformed},
		{"indefinite without EOC", []byte{0x77, 0x04, 0x30, 0x80, 0x02, 0x01}, ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSOD(tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestParseLDSSecurityObjectErrors(t *testing.T) {
	h := make([]byte, 32)
	entry := func(n byte, hash []byte) []byte {
		return append([]byte{0x30, byte(5 + len(hash)), 0x02, 0x01, n, 0x04, byte(len(hash))}, hash...)
	}
	alg := []byte{0x30, 0x0B, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01}
	build := func(version byte, entries ...[]byte) []byte {
		var list []byte
		for _, e := range entries {
			list = append(list, e...)
		}
		body := append([]byte{0x02, 0x01, version}, alg...)
		body = append(body, 0x30, byte(len(list)))
		body = append(body, list...)
		return append([]byte{0x30, 0x81, byte(len(body))}, body...)
	}
	good := build(0, entry(1, h), entry(2, h))
	if o, err := ParseLDSSecurityObject(good); err != nil || len(o.DataGroupHashes) != 2 {
		t.Fatalf("good object: %v", err)
	}
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"duplicate DG", build(0, entry(1, h), entry(1, h)), ErrMalformed},
		{"DG 0", build(0, entry(0, h), entry(2, h)), ErrMalformed},
		{"DG 17", build(0, entry(17, h), entry(2, h)), ErrMalformed},
		{"short hash", build(0, entry(1, h[:20]), entry(2, h)), ErrMalformed},
		{"version 2", build(2, entry(1, h), entry(2, h)), ErrMalformed},
		{"one DG", build(0, entry(1, h)), ErrMalformed},
		{"unknown hash", func() []byte { b := append([]byte(nil), good...); b[16] = 0x09; return b }(), ErrUnsupported},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseLDSSecurityObject(tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// ParseSOD accepts the legacy eContentTypes that passive authentication
// accepts (one CMS parser, one answer) and refuses any other.
func TestParseSODLegacyContentTypes(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	ds := pkitest.Issue(pkitest.Template{Subject: pkitest.Name{C: "VN", CN: "DS"}, NotBefore: t0, NotAfter: t0.AddDate(5, 0, 0)},
		pkitest.ECKey("P-256", false), nil)
	lso := pkitest.SOD{DGs: map[int][]byte{1: {1}, 2: {2}}, Signer: ds}.LDSSecurityObject()
	for _, tc := range []struct {
		oid asn1.ObjectIdentifier
		ok  bool
	}{
		{asn1.ObjectIdentifier{2, 23, 136, 1, 1, 1}, true},
		{asn1.ObjectIdentifier{1, 3, 27, 1, 1, 1}, true},
		{asn1.ObjectIdentifier{1, 2, 528, 1, 1006, 1, 20, 1}, true},
		{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}, true},
		{asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 3, 2, 1}, false},
	} {
		sod := tlv.Encode(TagSOD, pkitest.SignCMS(tc.oid, lso, ds, pkitest.Scheme{}, time.Time{}))
		o, err := ParseSOD(sod)
		if tc.ok && (err != nil || len(o.DataGroupHashes) != 2) {
			t.Errorf("%s: %v", tc.oid, err)
		}
		if !tc.ok && !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", tc.oid, err)
		}
	}
}

package lds

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/internal/tlv"
	"golang.org/x/text/unicode/norm"
)

// syntheticPersonal is DG13_synthetic.bin as the testdata README decodes it.
var syntheticPersonal = Personal{
	IDNumber:      "001099012345",
	FullName:      "Nguyễn Văn A",
	DateOfBirth:   "1999-02-15",
	Sex:           "Nam",
	Nationality:   "Việt Nam",
	Ethnicity:     "Kinh",
	Religion:      "Không",
	PlaceOfOrigin: "Xã X, Huyện Y, Tỉnh Z",
	// Issued 2021-07-01, before the Identity Law 2023 card: "Quê quán".
	PlaceOfOriginLabel: "Quê quán",
	PlaceOfResidence:   "Số 1, Phố P, Phường Q, Quận R, Hà Nội",
	IdentifyingMarks:   "Nốt ruồi C:1cm dưới mép trái",
	DateOfIssue:        "2021-07-01",
	DateOfExpiry:       "2039-02-15",
	FatherName:         "Nguyễn Văn B",
	MotherName:         "Trần Thị C",
	OldIDNumber:        "123456789",
	Other:              map[int]string{16: "0123456789ABCDEF"},
}

func TestParseDG13Synthetic(t *testing.T) {
	raw := testenv.ReadShared(t, "dg/DG13_synthetic.bin")
	p, err := ParseDG13(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*p, syntheticPersonal) {
		t.Errorf("got  %+v\nwant %+v", *p, syntheticPersonal)
	}
	if !norm.NFC.IsNormalString(p.FullName) || !strings.Contains(p.FullName, "ễ") {
		t.Errorf("diacritics lost: %q", p.FullName)
	}
	// The encoder reproduces the card layout byte for byte.
	enc, err := EncodeDG13(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc, raw) {
		t.Errorf("EncodeDG13 differs from the sample:\n got %X\nwant %X", enc, raw)
	}
}

func TestPersonalJSONNames(t *testing.T) {
	b, err := json.Marshal(syntheticPersonal)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want := []string{"id_number", "full_name", "date_of_birth", "sex", "nationality", "ethnicity", "religion",
		"place_of_origin", "place_of_origin_label", "place_of_residence", "identifying_marks", "date_of_issue", "date_of_expiry",
		"father_name", "mother_name", "spouse_name", "old_id_number"}
	if len(m) != len(want) {
		t.Errorf("JSON has %d keys, want %d: %v", len(m), len(want), m)
	}
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
}

// dg13 builds a DG13 from field elements (each a full 30 {...} SEQUENCE).
func dg13(fields ...[]byte) []byte {
	return tlv.Encode(TagDG13, tlv.Encode(0x30, []byte{0x02, 0x01, 0x01}, oidDG13, tlv.Encode(0x31, fields...)))
}

func field(n byte, values ...[]byte) []byte {
	return tlv.Encode(0x30, append([][]byte{{0x02, 0x01, n}}, values...)...)
}

func utf8s(s string) []byte      { return tlv.Encode(0x0C, []byte(s)) }
func printables(s string) []byte { return tlv.Encode(0x13, []byte(s)) }

func TestParseDG13Cases(t *testing.T) {
	longAddr := strings.Repeat("Thôn Đông, ", 20) // > 128 bytes: 30 81 LL / 0C 81 LL
	cases := []struct {
		name string
		in   []byte
		want Personal
	}{
		{"fields out of order, some missing (2024 card)",
			dg13(field(3, printables("01/01/2000")), field(1, printables("079123456789")), field(2, utf8s("Lê Thị Hoa"))),
			Personal{IDNumber: "079123456789", FullName: "Lê Thị Hoa", DateOfBirth: "2000-01-01"}},
		{"ddmmyyyy dates and long-form lengths",
			dg13(field(3, printables("15021999")), field(9, utf8s(longAddr)), field(12, utf8s("15022039"))),
			Personal{DateOfBirth: "1999-02-15", PlaceOfResidence: strings.TrimSpace(longAddr), DateOfExpiry: "2039-02-15"}},
		{"partial birth dates and no-expiry text",
			dg13(field(3, printables("00/00/1950")), field(11, printables("00/03/2021")), field(12, utf8s("Không thời hạn"))),
			Personal{DateOfBirth: "1950", DateOfIssue: "2021-03", DateOfExpiry: "Không thời hạn"}},
		{"impossible date kept as written",
			dg13(field(3, printables("31/02/2000"))),
			Personal{DateOfBirth: "31/02/2000"}},
		{"parents in one SEQUENCE (other projects' variant)",
			dg13(field(13, tlv.Encode(0x30, utf8s("Cha"), utf8s("Mẹ")))),
			Personal{FatherName: "Cha", MotherName: "Mẹ"}},
		{"spouse present",
			dg13(field(14, tlv.Encode(0x30, utf8s("Phạm Văn D")))),
			Personal{SpouseName: "Phạm Văn D"}},
		{"decomposed text is NFC'd",
			dg13(field(2, utf8s(norm.NFD.String("Nguyễn Thị Minh Khai")))),
			Personal{FullName: "Nguyễn Thị Minh Khai"}},
		{"empty fields",
			dg13(field(10), field(14), field(1, printables("079123456789"))),
			Personal{IDNumber: "079123456789"}},
		// Issue 15: an unknown father is an empty SEQUENCE {}; the mother
		// stays in her slot (DG13 field 13 holds one SEQUENCE per parent).
		{"father unknown: empty first slot",
			dg13(field(13, tlv.Encode(0x30), tlv.Encode(0x30, utf8s("Trần Thị C")))),
			Personal{MotherName: "Trần Thị C"}},
		{"father unknown: empty string in the first slot",
			dg13(field(13, tlv.Encode(0x30, utf8s("")), tlv.Encode(0x30, utf8s("Trần Thị C")))),
			Personal{MotherName: "Trần Thị C"}},
		{"mother unknown",
			dg13(field(13, tlv.Encode(0x30, utf8s("Nguyễn Văn B")), tlv.Encode(0x30))),
			Personal{FatherName: "Nguyễn Văn B"}},
		{"one SEQUENCE, father empty",
			dg13(field(13, tlv.Encode(0x30, utf8s(""), utf8s("Mẹ")))),
			Personal{MotherName: "Mẹ"}},
		{"spouse slot empty, later slot ignored",
			dg13(field(14, tlv.Encode(0x30), tlv.Encode(0x30, utf8s("x")))),
			Personal{}},
		// Field 8's printed label follows the issue date: the Identity Law
		// 2023 card (issued from 2024-07-01) prints "Nơi đăng ký khai sinh".
		{"label before 2024-07-01",
			dg13(field(8, utf8s("Xã X")), field(11, printables("30/06/2024"))),
			Personal{PlaceOfOrigin: "Xã X", PlaceOfOriginLabel: "Quê quán", DateOfIssue: "2024-06-30"}},
		{"label from 2024-07-01",
			dg13(field(8, utf8s("Xã X")), field(11, printables("01/07/2024"))),
			Personal{PlaceOfOrigin: "Xã X", PlaceOfOriginLabel: "Nơi đăng ký khai sinh", DateOfIssue: "2024-07-01"}},
		{"label without an issue date",
			dg13(field(8, utf8s("Xã X"))),
			Personal{PlaceOfOrigin: "Xã X", PlaceOfOriginLabel: "Quê quán"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParseDG13(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*p, tc.want) {
				t.Errorf("got  %+v\nwant %+v", *p, tc.want)
			}
		})
	}
}

func TestParseDG13Errors(t *testing.T) {
	good := testenv.ReadShared(t, "dg/DG13_synthetic.bin")
	cases := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"truncated", good[:200]},
		{"wrong tag", append([]byte{0x6C}, good[1:]...)},
		{"no fields", dg13()},
		{"duplicate field", dg13(field(1, printables("1")), field(1, printables("2")))},
		{"field number 0", dg13(field(0, printables("1")))},
		{"negative field number", dg13(tlv.Encode(0x30, []byte{0x02, 0x01, 0xFF}, printables("x")))},
		{"invalid UTF-8", dg13(field(2, tlv.Encode(0x0C, []byte{0xC3, 0x28})))},
		{"not a sequence inside", tlv.Encode(TagDG13, []byte{0x02, 0x01, 0x01})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseDG13(tc.in)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
			assertNoPersonalData(t, err.Error())
		})
	}
}

// assertNoPersonalData fails if msg contains any value of the synthetic person.
func assertNoPersonalData(t *testing.T, msg string) {
	t.Helper()
	p := syntheticPersonal
	for _, v := range []string{p.IDNumber, p.FullName, "Nguyễn", "1999", "15/02", p.PlaceOfResidence, p.FatherName, p.OldIDNumber, "099012345"} {
		if strings.Contains(msg, v) {
			t.Errorf("error %q leaks %q", msg, v)
		}
	}
}

func TestOriginLabel(t *testing.T) {
	for in, want := range map[string]string{
		"2024-07-01": LabelPlaceOfBirthRecord, "2025-01-15": LabelPlaceOfBirthRecord, "2024-07": LabelPlaceOfBirthRecord,
		"2025": LabelPlaceOfBirthRecord, "2024-06-30": LabelPlaceOfOrigin, "2024-06": LabelPlaceOfOrigin,
		"2024": LabelPlaceOfOrigin, "2021-07-01": LabelPlaceOfOrigin, "": LabelPlaceOfOrigin, "Không rõ": LabelPlaceOfOrigin,
	} {
		if got := OriginLabel(in); got != want {
			t.Errorf("OriginLabel(%q) = %q, want %q", in, got, want)
		}
	}
}

package lds

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cccd-agent/cccd/internal/tlv"
	"golang.org/x/text/unicode/norm"
)

// TagDG13 is the application tag of DG13.
const TagDG13 = 0x6D

// DG13 field numbers on the Vietnamese card.
const (
	dg13ID = 1 + iota
	dg13FullName
	dg13DateOfBirth
	dg13Sex
	dg13Nationality
	dg13Ethnicity
	dg13Religion
	dg13PlaceOfOrigin
	dg13PlaceOfResidence
	dg13IdentifyingMarks
	dg13DateOfIssue
	dg13DateOfExpiry
	dg13Parents
	dg13Spouse
	dg13OldID
)

// Personal is the Vietnamese personal data of DG13, with the JSON names of
// the read result's `personal` object (docs/FORMATS.md, stable). Text is
// NFC-normalised UTF-8; dates are ISO 8601 (yyyy-mm-dd, or yyyy-mm / yyyy
// when the card gives only part of the date, as for people whose birth day
// is unknown); a date field holding words (e.g. "Không thời hạn") keeps them.
// Absent and empty fields are "".
type Personal struct {
	IDNumber      string `json:"id_number"`
	FullName      string `json:"full_name"`
	DateOfBirth   string `json:"date_of_birth"`
	Sex           string `json:"sex"`
	Nationality   string `json:"nationality"`
	Ethnicity     string `json:"ethnicity"`
	Religion      string `json:"religion"`
	PlaceOfOrigin string `json:"place_of_origin"`
	// PlaceOfOriginLabel is how the card prints field 8: "Quê quán" on
	// cards issued before 2024-07-01, "Nơi đăng ký khai sinh" on the Identity
	// Law 2023 card issued from then on (by date_of_issue; "Quê quán" when
	// the issue date is unknown; "" when field 8 is empty).
	PlaceOfOriginLabel string `json:"place_of_origin_label"`
	PlaceOfResidence   string `json:"place_of_residence"`
	IdentifyingMarks   string `json:"identifying_marks"`
	DateOfIssue        string `json:"date_of_issue"`
	DateOfExpiry       string `json:"date_of_expiry"`
	FatherName         string `json:"father_name"`
	MotherName         string `json:"mother_name"`
	SpouseName         string `json:"spouse_name"`
	OldIDNumber        string `json:"old_id_number"`
	// Other holds fields with numbers this package does not name (16 is an
	// undocumented 16-character code), each as its strings joined by "\n".
	Other map[int]string `json:"-"`
}

// maxDG13Field bounds field numbers: real cards use 1..16; anything far
// beyond is not a DG13.
const maxDG13Field = 64

// ParseDG13 decodes the Vietnamese DG13 (6D → SEQUENCE { INTEGER version,
// OID, SET OF SEQUENCE { INTEGER n, value... } }) by field number, never by
// position: fields may be missing, empty or in any order. Field 13 holds the
// parents by slot, each in its own SEQUENCE (father first): an empty
// SEQUENCE {} for an unknown father keeps the mother in the second slot.
// The single-SEQUENCE variant (both names in one SEQUENCE) is read by
// position within it. Field 14 (spouse) is read the same way.
func ParseDG13(b []byte) (*Personal, error) {
	outer, _, err := tlv.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%w: DG13: %v", ErrMalformed, err)
	}
	if outer.Tag != TagDG13 {
		return nil, fmt.Errorf("%w: DG13 starts with tag %X, want 6D", ErrMalformed, outer.Tag)
	}
	seq, _, err := tlv.Parse(outer.Value)
	if err != nil || seq.Tag != 0x30 {
		return nil, fmt.Errorf("%w: DG13 content is not a SEQUENCE", ErrMalformed)
	}
	children, err := seq.Children()
	if err != nil {
		return nil, fmt.Errorf("%w: DG13: %v", ErrMalformed, err)
	}
	// Fields normally sit in the SET; accept them directly in the SEQUENCE too.
	var fields []tlv.TLV
	for _, c := range children {
		switch c.Tag {
		case 0x31:
			inner, err := c.Children()
			if err != nil {
				return nil, fmt.Errorf("%w: DG13 field set: %v", ErrMalformed, err)
			}
			fields = append(fields, inner...)
		case 0x30:
			fields = append(fields, c)
		}
	}
	values, slots := map[int][]string{}, map[int][]string{}
	for _, f := range fields {
		if f.Tag != 0x30 {
			continue
		}
		n, strs, slot, err := dg13Field(f.Value)
		if err != nil {
			return nil, err
		}
		if _, dup := values[n]; dup {
			return nil, fmt.Errorf("%w: DG13 field %d appears twice", ErrMalformed, n)
		}
		values[n], slots[n] = strs, slot
	}
	if len(values) == 0 {
		return nil, fmt.Errorf("%w: DG13 holds no fields", ErrMalformed)
	}
	return personalFrom(values, slots), nil
}

// IdentityLaw2023 is the day the Identity Law 2023 card (Thẻ căn cước) began
// to be issued; its field 8 is printed "Nơi đăng ký khai sinh".
const IdentityLaw2023 = "2024-07-01"

// Labels for DG13 field 8.
const (
	LabelPlaceOfOrigin      = "Quê quán"
	LabelPlaceOfBirthRecord = "Nơi đăng ký khai sinh"
)

// OriginLabel is the printed label of field 8 for a card issued on
// dateOfIssue (ISO 8601, possibly partial; "" or words when unknown).
func OriginLabel(dateOfIssue string) string {
	if len(dateOfIssue) >= 4 && allDigits(dateOfIssue[:4]) && dateOfIssue >= IdentityLaw2023 && len(dateOfIssue) == len(IdentityLaw2023) {
		return LabelPlaceOfBirthRecord
	}
	if len(dateOfIssue) == 4 && allDigits(dateOfIssue) && dateOfIssue >= "2025" {
		return LabelPlaceOfBirthRecord
	}
	if len(dateOfIssue) == 7 && allDigits(dateOfIssue[:4]) && dateOfIssue >= IdentityLaw2023[:7] {
		return LabelPlaceOfBirthRecord
	}
	return LabelPlaceOfOrigin
}

// dg13Field decodes SEQUENCE { INTEGER n, value... } into n, every string
// under the value elements in order, and the slots: one per value element
// (its first string, "" for an empty SEQUENCE or a non-string), or, when
// the only element is a SEQUENCE of several strings, one per string in it.
func dg13Field(b []byte) (int, []string, []string, error) {
	num, rest, err := tlv.Parse(b)
	if err != nil || num.Tag != 0x02 || len(num.Value) == 0 || len(num.Value) > 2 || num.Value[0]&0x80 != 0 {
		return 0, nil, nil, fmt.Errorf("%w: DG13 field without a field number", ErrMalformed)
	}
	n := 0
	for _, c := range num.Value {
		n = n<<8 | int(c)
	}
	if n < 1 || n > maxDG13Field {
		return 0, nil, nil, fmt.Errorf("%w: DG13 field number %d out of range", ErrMalformed, n)
	}
	var out, slots []string
	if err := collectStrings(rest, 0, &out); err != nil {
		return 0, nil, nil, fmt.Errorf("DG13 field %d: %w", n, err)
	}
	var elements int
	for b := rest; len(b) > 0; elements++ {
		el, next, err := tlv.Parse(b)
		if err != nil {
			return 0, nil, nil, fmt.Errorf("%w: DG13 field %d: %v", ErrMalformed, n, err)
		}
		b = next
		var inner []string
		if el.Constructed() {
			if err := collectStrings(el.Value, 1, &inner); err != nil {
				return 0, nil, nil, fmt.Errorf("DG13 field %d: %w", n, err)
			}
		} else if isStringTag(el.Tag) {
			inner = []string{norm.NFC.String(strings.TrimSpace(string(el.Value)))}
		}
		if elements == 0 && len(next) == 0 && el.Constructed() && len(inner) > 1 {
			// One SEQUENCE holding every name: its strings are the slots.
			return n, out, inner, nil
		}
		slot := ""
		if len(inner) > 0 {
			slot = inner[0]
		}
		slots = append(slots, slot)
	}
	return n, out, slots, nil
}

// isStringTag: UTF8String, PrintableString, IA5String, VisibleString.
func isStringTag(tag uint32) bool { return tag == 0x0C || tag == 0x13 || tag == 0x16 || tag == 0x1A }

// collectStrings appends every string element under b (depth-first),
// NFC-normalised. Non-string primitives are skipped.
func collectStrings(b []byte, depth int, out *[]string) error {
	if depth > 4 {
		return fmt.Errorf("%w: nested too deep", ErrMalformed)
	}
	for len(b) > 0 {
		el, rest, err := tlv.Parse(b)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		b = rest
		switch {
		case el.Constructed():
			if err := collectStrings(el.Value, depth+1, out); err != nil {
				return err
			}
		case isStringTag(el.Tag):
			if !utf8.Valid(el.Value) {
				return fmt.Errorf("%w: text is not UTF-8", ErrMalformed)
			}
			*out = append(*out, norm.NFC.String(strings.TrimSpace(string(el.Value))))
		}
	}
	return nil
}

func personalFrom(v, slots map[int][]string) *Personal {
	first := func(n int) string {
		if s := v[n]; len(s) > 0 {
			return s[0]
		}
		return ""
	}
	slot := func(n, i int) string {
		if s := slots[n]; len(s) > i {
			return s[i]
		}
		return ""
	}
	p := &Personal{
		IDNumber:         first(dg13ID),
		FullName:         first(dg13FullName),
		DateOfBirth:      isoDate(first(dg13DateOfBirth)),
		Sex:              first(dg13Sex),
		Nationality:      first(dg13Nationality),
		Ethnicity:        first(dg13Ethnicity),
		Religion:         first(dg13Religion),
		PlaceOfOrigin:    first(dg13PlaceOfOrigin),
		PlaceOfResidence: first(dg13PlaceOfResidence),
		IdentifyingMarks: first(dg13IdentifyingMarks),
		DateOfIssue:      isoDate(first(dg13DateOfIssue)),
		DateOfExpiry:     isoDate(first(dg13DateOfExpiry)),
		FatherName:       slot(dg13Parents, 0),
		MotherName:       slot(dg13Parents, 1),
		SpouseName:       slot(dg13Spouse, 0),
		OldIDNumber:      first(dg13OldID),
	}
	if p.PlaceOfOrigin != "" {
		p.PlaceOfOriginLabel = OriginLabel(p.DateOfIssue)
	}
	for n, s := range v {
		if n > dg13OldID {
			if p.Other == nil {
				p.Other = map[int]string{}
			}
			p.Other[n] = strings.Join(s, "\n")
		}
	}
	return p
}

// isoDate turns dd/mm/yyyy, dd-mm-yyyy, ddmmyyyy and yyyy into ISO 8601.
// A day or month of 00 (unknown on some cards) shortens the result to
// yyyy-mm or yyyy. Anything else, including impossible dates such as
// 31/02/2000, is returned unchanged.
func isoDate(s string) string {
	var d, m, y string
	switch {
	case len(s) == 10 && (s[2] == '/' || s[2] == '-' || s[2] == '.') && s[5] == s[2]:
		d, m, y = s[0:2], s[3:5], s[6:10]
	case len(s) == 8 && allDigits(s):
		d, m, y = s[0:2], s[2:4], s[4:8]
	case len(s) == 4 && allDigits(s):
		return s
	default:
		return s
	}
	if !allDigits(d + m + y) {
		return s
	}
	dd, mm := atoi2(d), atoi2(m)
	switch {
	case mm == 0 && dd == 0:
		return y
	case dd == 0 && mm <= 12:
		return y + "-" + m
	case mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31:
		yy := atoi2(y[0:2])*100 + atoi2(y[2:4])
		if t := time.Date(yy, time.Month(mm), dd, 0, 0, 0, 0, time.UTC); t.Day() == dd {
			return y + "-" + m + "-" + d
		}
	}
	return s
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }

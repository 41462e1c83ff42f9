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
	IDNumber         string `json:"id_number"`
	FullName         string `json:"full_name"`
	DateOfBirth      string `json:"date_of_birth"`
	Sex              string `json:"sex"`
	Nationality      string `json:"nationality"`
	Ethnicity        string `json:"ethnicity"`
	Religion         string `json:"religion"`
	PlaceOfOrigin    string `json:"place_of_origin"`
	PlaceOfResidence string `json:"place_of_residence"`
	IdentifyingMarks string `json:"identifying_marks"`
	DateOfIssue      string `json:"date_of_issue"`
	DateOfExpiry     string `json:"date_of_expiry"`
	FatherName       string `json:"father_name"`
	MotherName       string `json:"mother_name"`
	SpouseName       string `json:"spouse_name"`
	OldIDNumber      string `json:"old_id_number"`
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
// parents, each in its own SEQUENCE (father first); every string under it is
// taken in order, so the single-SEQUENCE variant works too.
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
	values := map[int][]string{}
	for _, f := range fields {
		if f.Tag != 0x30 {
			continue
		}
		n, strs, err := dg13Field(f.Value)
		if err != nil {
			return nil, err
		}
		if _, dup := values[n]; dup {
			return nil, fmt.Errorf("%w: DG13 field %d appears twice", ErrMalformed, n)
		}
		values[n] = strs
	}
	if len(values) == 0 {
		return nil, fmt.Errorf("%w: DG13 holds no fields", ErrMalformed)
	}
	return personalFrom(values), nil
}

// dg13Field decodes SEQUENCE { INTEGER n, value... } into n and every string
// under the value elements, in order.
func dg13Field(b []byte) (int, []string, error) {
	num, rest, err := tlv.Parse(b)
	if err != nil || num.Tag != 0x02 || len(num.Value) == 0 || len(num.Value) > 2 || num.Value[0]&0x80 != 0 {
		return 0, nil, fmt.Errorf("%w: DG13 field without a field number", ErrMalformed)
	}
	n := 0
	for _, c := range num.Value {
		n = n<<8 | int(c)
	}
	if n < 1 || n > maxDG13Field {
		return 0, nil, fmt.Errorf("%w: DG13 field number %d out of range", ErrMalformed, n)
	}
	var out []string
	if err := collectStrings(rest, 0, &out); err != nil {
		return 0, nil, fmt.Errorf("DG13 field %d: %w", n, err)
	}
	return n, out, nil
}

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
		case el.Tag == 0x0C || el.Tag == 0x13 || el.Tag == 0x16 || el.Tag == 0x1A:
			// UTF8String, PrintableString, IA5String, VisibleString.
			if !utf8.Valid(el.Value) {
				return fmt.Errorf("%w: text is not UTF-8", ErrMalformed)
			}
			*out = append(*out, norm.NFC.String(strings.TrimSpace(string(el.Value))))
		}
	}
	return nil
}

func personalFrom(v map[int][]string) *Personal {
	first := func(n int) string {
		if s := v[n]; len(s) > 0 {
			return s[0]
		}
		return ""
	}
	nth := func(n, i int) string {
		if s := v[n]; len(s) > i {
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
		FatherName:       nth(dg13Parents, 0),
		MotherName:       nth(dg13Parents, 1),
		SpouseName:       first(dg13Spouse),
		OldIDNumber:      first(dg13OldID),
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

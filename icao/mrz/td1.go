package mrz

import (
	"fmt"
	"strings"
)

// ParseTD1 parses a 3×30 MRZ (90 characters; line breaks and spaces are
// ignored) and checks the document number, birth, expiry and composite check
// digits, following the long-document-number rule of ICAO 9303-5 §4.2.2:
// when the document number check digit is '<', the number continues in the
// optional data up to the first filler, whose last character is the check
// digit of the whole number.
func ParseTD1(s string) (*MRZ, error) {
	lines, err := splitLines(normalise(s), 3, 30)
	if err != nil {
		return nil, err
	}
	l1, l2, l3 := lines[0], lines[1], lines[2]
	m := &MRZ{
		Format:       TD1,
		DocumentCode: trimFill(l1[0:2]),
		Issuer:       trimFill(l1[2:5]),
		DateOfBirth:  l2[0:6],
		DateOfExpiry: l2[8:14],
		Nationality:  trimFill(l2[15:18]),
		Lines:        lines,
	}
	if m.DocumentCode == "" || (l1[0] != 'I' && l1[0] != 'A' && l1[0] != 'C') {
		return nil, fmt.Errorf("%w: TD1 document code must start with I, A or C", ErrFormat)
	}
	docField, docCD, opt1 := l1[5:14], l1[14], l1[15:30]
	if docCD == '<' {
		// Long document number: overflow digits then its check digit in opt1.
		end := strings.IndexByte(opt1, '<')
		if end < 2 {
			return nil, fmt.Errorf("%w: document number overflow missing", ErrFormat)
		}
		full := docField + opt1[:end-1]
		if err := verify("document number", full, opt1[end-1]); err != nil {
			return nil, err
		}
		m.DocumentNumber = full
		m.OptionalData1 = trimFill(opt1[end:])
	} else {
		if err := verify("document number", docField, docCD); err != nil {
			return nil, err
		}
		m.DocumentNumber = trimFill(docField)
		m.OptionalData1 = trimFill(opt1)
	}
	if m.DocumentNumber == "" {
		return nil, fmt.Errorf("%w: empty document number", ErrFormat)
	}
	if err := checkDate("date of birth", m.DateOfBirth); err != nil {
		return nil, err
	}
	if err := verify("date of birth", m.DateOfBirth, l2[6]); err != nil {
		return nil, err
	}
	if m.Sex, err = parseSex(l2[7]); err != nil {
		return nil, err
	}
	if err := checkDate("date of expiry", m.DateOfExpiry); err != nil {
		return nil, err
	}
	if err := verify("date of expiry", m.DateOfExpiry, l2[14]); err != nil {
		return nil, err
	}
	m.OptionalData2 = trimFill(l2[18:29])
	composite := l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]
	if err := verify("composite", composite, l2[29]); err != nil {
		return nil, err
	}
	m.Surname, m.GivenNames = parseName(l3)
	return m, nil
}

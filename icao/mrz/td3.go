package mrz

import "fmt"

// ParseTD3 parses a 2×44 passport MRZ (88 characters; line breaks and spaces
// are ignored) and checks the document number, birth, expiry, personal
// number and composite check digits. A personal-number check digit of '<'
// is accepted when the personal number is blank (ICAO 9303-4 §4.2.2).
func ParseTD3(s string) (*MRZ, error) {
	lines, err := splitLines(normalise(s), 2, 44)
	if err != nil {
		return nil, err
	}
	l1, l2 := lines[0], lines[1]
	if l1[0] != 'P' {
		return nil, fmt.Errorf("%w: TD3 document code must start with P", ErrFormat)
	}
	m := &MRZ{
		Format:         TD3,
		DocumentCode:   trimFill(l1[0:2]),
		Issuer:         trimFill(l1[2:5]),
		DocumentNumber: trimFill(l2[0:9]),
		Nationality:    trimFill(l2[10:13]),
		DateOfBirth:    l2[13:19],
		DateOfExpiry:   l2[21:27],
		OptionalData1:  trimFill(l2[28:42]),
		Lines:          lines,
	}
	if m.DocumentNumber == "" {
		return nil, fmt.Errorf("%w: empty document number", ErrFormat)
	}
	if err := verify("document number", l2[0:9], l2[9]); err != nil {
		return nil, err
	}
	if err := checkDate("date of birth", m.DateOfBirth); err != nil {
		return nil, err
	}
	if err := verify("date of birth", m.DateOfBirth, l2[19]); err != nil {
		return nil, err
	}
	if m.Sex, err = parseSex(l2[20]); err != nil {
		return nil, err
	}
	if err := checkDate("date of expiry", m.DateOfExpiry); err != nil {
		return nil, err
	}
	if err := verify("date of expiry", m.DateOfExpiry, l2[27]); err != nil {
		return nil, err
	}
	if !(l2[42] == '<' && m.OptionalData1 == "") {
		if err := verify("personal number", l2[28:42], l2[42]); err != nil {
			return nil, err
		}
	}
	composite := l2[0:10] + l2[13:20] + l2[21:43]
	if err := verify("composite", composite, l2[43]); err != nil {
		return nil, err
	}
	m.Surname, m.GivenNames = parseName(l1[5:44])
	return m, nil
}

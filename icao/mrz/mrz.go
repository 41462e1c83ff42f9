package mrz

import (
	"fmt"
	"strings"
	"time"
)

// Format says which ICAO 9303 layout an MRZ uses.
type Format int

// Supported layouts.
const (
	TD1 Format = 1 // ID cards: 3 lines of 30 characters (the CCCD)
	TD3 Format = 3 // passports: 2 lines of 44 characters
)

// String returns "TD1" or "TD3".
func (f Format) String() string {
	switch f {
	case TD1:
		return "TD1"
	case TD3:
		return "TD3"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// MRZ is a parsed machine-readable zone whose check digits all matched.
// Text fields have their trailing fillers removed; inner fillers of names
// become spaces.
type MRZ struct {
	Format Format
	// DocumentCode is the first two characters without fillers: "ID", "I", "P"...
	DocumentCode string
	// Issuer is the issuing state or organisation, e.g. "VNM".
	Issuer string
	// DocumentNumber is the full document number, including the TD1
	// long-number overflow taken from the optional data.
	DocumentNumber string
	// DateOfBirth and DateOfExpiry are YYMMDD as printed; either may hold
	// fillers ("<<<<<<") when unknown or, for expiry, when the card has none.
	DateOfBirth  string
	DateOfExpiry string
	// Sex is "M", "F" or "X" (unspecified, '<' in the MRZ).
	Sex         string
	Nationality string
	// OptionalData1 and OptionalData2 are the optional data fields as
	// printed, trailing fillers removed (TD3 has only OptionalData1: the
	// personal number). For a TD1 long document number, OptionalData1 is the
	// part after the overflow.
	OptionalData1 string
	OptionalData2 string
	Surname       string
	GivenNames    string
	// Lines are the MRZ lines as parsed.
	Lines []string
}

// Parse accepts a TD1 or TD3 MRZ with or without line breaks (spaces, CR
// and LF are removed) and checks every check digit.
func Parse(s string) (*MRZ, error) {
	clean := normalise(s)
	switch len(clean) {
	case 90:
		return ParseTD1(clean)
	case 88:
		return ParseTD3(clean)
	}
	return nil, fmt.Errorf("%w: %d characters, want 90 (TD1) or 88 (TD3)", ErrFormat, len(clean))
}

// normalise drops line breaks and spaces and upper-cases, so that pasted or
// OCR'd text with a line per row parses.
func normalise(s string) string {
	return strings.ToUpper(strings.Map(func(r rune) rune {
		switch r {
		case '\n', '\r', ' ', '\t':
			return -1
		}
		return r
	}, s))
}

// splitLines checks the charset and cuts clean into n lines of width.
func splitLines(clean string, n, width int) ([]string, error) {
	if len(clean) != n*width {
		return nil, fmt.Errorf("%w: %d characters, want %d", ErrFormat, len(clean), n*width)
	}
	for i := 0; i < len(clean); i++ {
		if _, ok := charValue(clean[i]); !ok {
			return nil, fmt.Errorf("%w: character outside 0-9, A-Z, '<' at position %d", ErrFormat, i+1)
		}
	}
	lines := make([]string, n)
	for i := range lines {
		lines[i] = clean[i*width : (i+1)*width]
	}
	return lines, nil
}

// trimFill removes trailing fillers.
func trimFill(s string) string { return strings.TrimRight(s, "<") }

// parseName splits the name field at "<<" into surname and given names.
func parseName(field string) (surname, given string) {
	field = trimFill(field)
	surname, given, _ = strings.Cut(field, "<<")
	clean := func(s string) string {
		return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '<' }), " ")
	}
	return clean(surname), clean(given)
}

func parseSex(c byte) (string, error) {
	switch c {
	case 'M', 'F':
		return string(c), nil
	case '<', 'X':
		return "X", nil
	}
	return "", fmt.Errorf("%w: sex", ErrFormat)
}

// checkDate accepts YYMMDD with a plausible month and day, or all fillers.
func checkDate(name, s string) error {
	if s == "<<<<<<" {
		return nil
	}
	if _, err := time.Parse("060102", s); err != nil {
		return fmt.Errorf("%w: %s is not a YYMMDD date", ErrFormat, name)
	}
	return nil
}

// BirthDate returns the date of birth; the century is the latest one that
// does not put the birth after now. ok is false when the field is blank.
func (m *MRZ) BirthDate(now time.Time) (t time.Time, ok bool) {
	t, ok = yymmdd(m.DateOfBirth, 2000)
	for i := 0; ok && i < 2 && t.After(now); i++ {
		t = t.AddDate(-100, 0, 0)
	}
	return t, ok
}

// ExpiryDate returns the date of expiry (20YY). ok is false when the field
// is blank, which on a CCCD means "no expiry" (cards issued from age 58).
func (m *MRZ) ExpiryDate() (t time.Time, ok bool) { return yymmdd(m.DateOfExpiry, 2000) }

func yymmdd(s string, century int) (time.Time, bool) {
	t, err := time.Parse("060102", s)
	if err != nil {
		return time.Time{}, false
	}
	return time.Date(century+t.Year()%100, t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true
}

// String returns the MRZ lines joined by newlines.
func (m *MRZ) String() string { return strings.Join(m.Lines, "\n") }

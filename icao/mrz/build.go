package mrz

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// CCCDFields are what a CCCD MRZ encodes.
type CCCDFields struct {
	ID          string    // the 12-digit personal ID
	DateOfBirth time.Time // printed as YYMMDD
	Sex         string    // "M", "F" or "X"
	Expiry      Expiry    // printed as YYMMDD, or fillers for no expiry
	// FullName is the Vietnamese name, family name first, with or without
	// diacritics ("Nguyễn Thị Minh Khai"); it is transliterated to A-Z.
	FullName string
}

// BuildCCCD writes the 90-character TD1 MRZ of a CCCD in the layout of
// real cards: document number = last 9 ID digits, the full ID and its
// check digit in optional data 1, nationality VNM, the name as
// SURNAME<<GIVEN<NAMES truncated to 30 characters.
func BuildCCCD(f CCCDFields) (string, error) {
	if !ValidID(f.ID) {
		return "", fmt.Errorf("%w: ID must be 12 digits", ErrFormat)
	}
	sex := f.Sex
	switch sex {
	case "M", "F":
	case "X", "":
		sex = "<"
	default:
		return "", fmt.Errorf("%w: sex must be M, F or X", ErrFormat)
	}
	doc := f.ID[3:]
	docCD, _ := CheckDigit(doc)
	idCD, _ := CheckDigit(f.ID)
	l1 := "IDVNM" + doc + string(docCD) + f.ID + "<<" + string(idCD)

	dob := f.DateOfBirth.Format("060102")
	exp := f.Expiry.MRZ()
	dobCD, _ := CheckDigit(dob)
	expCD, _ := CheckDigit(exp)
	l2 := dob + string(dobCD) + sex + exp + string(expCD) + "VNM" + strings.Repeat("<", 11)
	compCD, _ := CheckDigit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
	l2 += string(compCD)

	words := strings.Fields(Transliterate(f.FullName))
	if len(words) == 0 {
		return "", fmt.Errorf("%w: empty name", ErrFormat)
	}
	l3 := words[0] + "<<" + strings.Join(words[1:], "<")
	l3 = pad(l3, 30)
	return l1 + l2 + l3, nil
}

// pad fills s with '<' to width, truncating longer names (ICAO 9303-3 §4.6
// truncation would drop characters from given names first; a CCCD name
// rarely reaches 30 characters).
func pad(s string, width int) string {
	if len(s) >= width {
		return s[:width]
	}
	return s + strings.Repeat("<", width-len(s))
}

// Transliterate maps a Vietnamese name to the MRZ alphabet: diacritics are
// removed (ICAO 9303-3 §6), Đ becomes D, letters are upper-cased, and any
// other character except spaces becomes a space.
func Transliterate(name string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(name) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue // combining diacritic
		case r == 'Đ' || r == 'đ':
			b.WriteByte('D')
		case r >= 'a' && r <= 'z':
			b.WriteRune(unicode.ToUpper(r))
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		default:
			b.WriteByte(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

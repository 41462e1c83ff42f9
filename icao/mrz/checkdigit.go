package mrz

import "fmt"

// charValue is the ICAO 9303-3 §4.9 value of an MRZ character: digits are
// themselves, A..Z are 10..35, the filler '<' is 0. ok is false for any
// other character.
func charValue(c byte) (v int, ok bool) {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0'), true
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10, true
	case c == '<':
		return 0, true
	}
	return 0, false
}

// CheckDigit computes the ICAO 9303 check digit (weights 7, 3, 1 repeating,
// sum modulo 10) of s and returns it as an ASCII digit. s may hold only
// 0-9, A-Z and '<'.
func CheckDigit(s string) (byte, error) {
	weights := [3]int{7, 3, 1}
	sum := 0
	for i := 0; i < len(s); i++ {
		v, ok := charValue(s[i])
		if !ok {
			return 0, fmt.Errorf("%w: character outside 0-9, A-Z, '<' at position %d", ErrFormat, i+1)
		}
		sum += v * weights[i%3]
	}
	return byte('0' + sum%10), nil
}

// verify checks that cd is the check digit of field; name says which field
// failed, never its value.
func verify(name, field string, cd byte) error {
	want, err := CheckDigit(field)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if cd != want {
		return fmt.Errorf("%w: %s", ErrCheckDigit, name)
	}
	return nil
}

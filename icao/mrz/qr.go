package mrz

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// QR is the content of the QR code printed on a CCCD (2021, Thông tư
// 06/2021/TT-BCA) or a Thẻ căn cước (2024, Thông tư 16/2024/TT-BCA). It
// carries no expiry date and proves nothing: use it only as key material.
type QR struct {
	ID          string    // the 12-digit personal ID
	OldID       string    // the old 9-digit CMND (or 12-digit number), "" if none
	FullName    string    // NFC-normalised, with diacritics
	DateOfBirth time.Time // UTC midnight; zero when the QR gives only MMyyyy or yyyy
	// BirthDate is the date of birth as ISO 8601: yyyy-mm-dd, or yyyy-mm /
	// yyyy for people whose birth day or month is unknown (the QR then
	// prints MMyyyy or yyyy).
	BirthDate string
	Sex       string    // as printed: "Nam" or "Nữ"
	Address   string    // place of residence
	IssueDate time.Time // UTC midnight; zero if the field is empty
	// Extra holds any fields after the seven known ones, as printed.
	Extra []string
}

// CAN returns the card access number for PACE: the last 6 ID digits.
func (q *QR) CAN() string { return q.ID[6:] }

// ParseQR parses the pipe-separated QR text:
//
//	2021: ID|old ID|full name|DOB ddmmyyyy|sex|residence|issue date ddmmyyyy
//
// The date of birth may also be MMyyyy or yyyy when the day or month is
// unknown (elderly people's cards); HIS parsers in production accept the 4-,
// 6- and 8-character forms.
//
// The 2024 card's exact layout is not public; readers
// report the same seven leading fields. A variant that omits the old-ID
// field from second place (ID|name|DOB|sex|residence|issue date|old ID...)
// is also recognised by its third field being a date. Dates may also be
// written dd/mm/yyyy. Fields beyond the seventh go to Extra.
func ParseQR(text string) (*QR, error) {
	text = strings.TrimSpace(strings.TrimPrefix(text, "\uFEFF"))
	f := strings.Split(text, "|")
	if len(f) < 7 {
		return nil, fmt.Errorf("%w: %d fields, want at least 7", ErrQR, len(f))
	}
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	q := &QR{ID: f[0]}
	if !ValidID(q.ID) {
		return nil, fmt.Errorf("%w: first field is not a 12-digit ID", ErrQR)
	}
	var name, dob, sex, addr, issued string
	switch {
	case f[1] == "" || isDigits(f[1]):
		q.OldID, name, dob, sex, addr, issued = f[1], f[2], f[3], f[4], f[5], f[6]
	case looksLikeDate(f[2]) || looksLikePartialDate(f[2]):
		name, dob, sex, addr, issued, q.OldID = f[1], f[2], f[3], f[4], f[5], f[6]
		if q.OldID != "" && !isDigits(q.OldID) {
			return nil, fmt.Errorf("%w: old ID is not numeric", ErrQR)
		}
	default:
		return nil, fmt.Errorf("%w: second field is neither an old ID nor a name followed by a date", ErrQR)
	}
	if q.OldID != "" && len(q.OldID) != 9 && len(q.OldID) != 12 {
		return nil, fmt.Errorf("%w: old ID must have 9 or 12 digits", ErrQR)
	}
	var err error
	if q.DateOfBirth, err = parseQRDate(dob); err == nil {
		q.BirthDate = q.DateOfBirth.Format(time.DateOnly)
	} else if q.BirthDate, err = parsePartialQRDate(dob); err != nil {
		return nil, fmt.Errorf("%w: date of birth is not ddmmyyyy, MMyyyy or yyyy", ErrQR)
	}
	if issued != "" {
		if q.IssueDate, err = parseQRDate(issued); err != nil {
			return nil, fmt.Errorf("%w: issue date is not ddmmyyyy", ErrQR)
		}
	}
	if name == "" {
		return nil, fmt.Errorf("%w: empty name", ErrQR)
	}
	q.FullName = norm.NFC.String(name)
	q.Sex = norm.NFC.String(sex)
	q.Address = norm.NFC.String(addr)
	if len(f) > 7 {
		q.Extra = append([]string(nil), f[7:]...)
	}
	return q, nil
}

func looksLikeDate(s string) bool { _, err := parseQRDate(s); return err == nil }

func looksLikePartialDate(s string) bool { _, err := parsePartialQRDate(s); return err == nil }

// parsePartialQRDate accepts MMyyyy and yyyy (day, or day and month,
// unknown) and returns yyyy-mm or yyyy. Years before 1800 are refused.
func parsePartialQRDate(s string) (string, error) {
	if !isDigits(s) {
		return "", ErrQR
	}
	switch len(s) {
	case 4:
		if s < "1800" {
			return "", ErrQR
		}
		return s, nil
	case 6:
		m, y := s[0:2], s[2:6]
		if m < "01" || m > "12" || y < "1800" {
			return "", ErrQR
		}
		return y + "-" + m, nil
	}
	return "", ErrQR
}

// parseQRDate accepts ddmmyyyy and dd/mm/yyyy (also with '-').
func parseQRDate(s string) (time.Time, error) {
	if len(s) == 10 && (s[2] == '/' || s[2] == '-') && s[5] == s[2] {
		s = s[0:2] + s[3:5] + s[6:10]
	}
	if len(s) != 8 || !isDigits(s) {
		return time.Time{}, ErrQR
	}
	return time.Parse("02012006", s)
}

// Package redact masks personal data before it reaches a log line, a metric,
// an error string or a trace. Every package that handles a person's data
// formats it through here.
package redact

import "strings"

// ID masks a 12-digit ID number (or any identifier) keeping the first four and
// the last two characters: "001099012345" → "0010******45". Short values are
// masked whole so that nothing identifying survives.
func ID(s string) string {
	if len(s) < 8 {
		return strings.Repeat("*", len(s))
	}
	return s[:4] + strings.Repeat("*", len(s)-6) + s[len(s)-2:]
}

// Last4 masks an ID number for logs, keeping only its last four characters:
// "001099012345" → "********2345". The leading digits (province, sex and
// century of birth) are the ones that narrow a person down. Values shorter
// than 8 are masked whole.
func Last4(s string) string {
	if len(s) < 8 {
		return strings.Repeat("*", len(s))
	}
	return strings.Repeat("*", len(s)-4) + s[len(s)-4:]
}

// Bytes returns a placeholder that says only how long a secret or personal
// value was, for traces: "<13 bytes>".
func Bytes(b []byte) string {
	return "<" + itoa(len(b)) + " bytes>"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return string(buf[i:])
}

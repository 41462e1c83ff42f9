// Package errtext turns errors into the text people see: one line, so no
// stack trace or multi-line dump reaches a receptionist's terminal, an API
// answer or a status page.
package errtext

import "strings"

// OneLine is err's message up to its first line break, trimmed; "" for nil.
func OneLine(err error) string {
	if err == nil {
		return ""
	}
	return Line(err.Error())
}

// Line is s up to its first line break, trimmed.
func Line(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(s)
}

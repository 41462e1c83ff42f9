package qr

import (
	"errors"
	"strings"
	"testing"
)

type got struct {
	lines []string
	errs  []error
}

func (g *got) emit(line []byte, err error) {
	if err != nil {
		g.errs = append(g.errs, err)
		return
	}
	g.lines = append(g.lines, string(line))
}

func TestSplitter(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		max   int
		lines []string
		errs  []error
		flush bool
	}{
		{name: "CR", in: "a|b\rc|d\r", lines: []string{"a|b", "c|d"}},
		{name: "LF", in: "a|b\nc|d\n", lines: []string{"a|b", "c|d"}},
		{name: "CRLF", in: "a|b\r\nc|d\r\n", lines: []string{"a|b", "c|d"}},
		{name: "blank lines skipped", in: "\r\n\r\nx\n\n", lines: []string{"x"}},
		{name: "UTF-8 kept", in: "Nguyễn Văn A\r", lines: []string{"Nguyễn Văn A"}},
		{name: "no terminator waits", in: "partial", lines: nil},
		{name: "no terminator, flushed", in: "partial", lines: []string{"partial"}, flush: true},
		{name: "too long then fine", in: "0123456789\nok\n", max: 5, lines: []string{"ok"}, errs: []error{ErrLineTooLong}},
		{name: "exactly max", in: "01234\n", max: 5, lines: []string{"01234"}},
		{name: "Latin-1 rejected", in: "Nguy\xeang\n", errs: []error{ErrNotUTF8}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, step := range []int{1, 2, 5, len(tc.in) + 1} {
				var g got
				s := Splitter{Max: tc.max}
				for i := 0; i < len(tc.in); i += step {
					s.Feed([]byte(tc.in[i:min(i+step, len(tc.in))]), g.emit)
				}
				if tc.flush {
					s.Flush(g.emit)
				}
				if strings.Join(g.lines, "¦") != strings.Join(tc.lines, "¦") {
					t.Fatalf("step %d: lines %q, want %q", step, g.lines, tc.lines)
				}
				if len(g.errs) != len(tc.errs) {
					t.Fatalf("step %d: errors %v, want %v", step, g.errs, tc.errs)
				}
				for i := range g.errs {
					if !errors.Is(g.errs[i], tc.errs[i]) {
						t.Fatalf("step %d: error %v, want %v", step, g.errs[i], tc.errs[i])
					}
				}
			}
		})
	}
}

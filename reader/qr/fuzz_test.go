package qr

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

// FuzzLineReader splits arbitrary bytes in arbitrary chunks: every emitted
// line is non-empty, within the limit, UTF-8 and free of CR/LF, and the
// result does not depend on the chunking. Each accepted line also goes
// through the QR parser, which must not panic.
func FuzzLineReader(f *testing.F) {
	_, perr := parse("x", "r", zeroTime)
	parseErrText := perr.Error()
	f.Add([]byte("001099012345||Nguyễn Văn A|15021999|Nam|Số 1, Phố P, Phường Q, Quận R, Hà Nội|01072021\r\n"), uint8(3))
	f.Add([]byte("a\rb\nc\r\n\r\n"), uint8(1))
	f.Add([]byte("\xff\xfe\n"+string(bytes.Repeat([]byte{'x'}, 80))+"\n"), uint8(7))
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		split := func(step int) []string {
			var out []string
			s := Splitter{Max: 64}
			emit := func(line []byte, err error) {
				if err != nil {
					out = append(out, "!"+err.Error())
					return
				}
				if len(line) == 0 || len(line) > 64 || !utf8.Valid(line) || bytes.ContainsAny(line, "\r\n") {
					t.Fatalf("bad line %q", line)
				}
				// The error text must not depend on the input at all.
				if _, err := parse(string(line), "r", zeroTime); err != nil && err.Error() != parseErrText {
					t.Fatalf("parse error %q varies with the input", err)
				}
				out = append(out, string(line))
			}
			for i := 0; i < len(in); i += step {
				s.Feed(in[i:min(i+step, len(in))], emit)
			}
			s.Flush(emit)
			return out
		}
		whole := split(len(in) + 1)
		chunked := split(int(step)%16 + 1)
		if len(whole) != len(chunked) {
			t.Fatalf("chunking changed the result: %d vs %d lines", len(whole), len(chunked))
		}
		for i := range whole {
			if whole[i] != chunked[i] {
				t.Fatalf("line %d differs with chunking", i)
			}
		}
	})
}

package verify

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestReasonTablesInStep keeps the three lists of reason tokens in step:
// the Reason* constants, the table in their doc comment, and the table in
// docs/API.md that HIS developers read; and checks that the "fatal" column
// says what IsFatal does.
func TestReasonTablesInStep(t *testing.T) {
	src, err := os.ReadFile("result.go")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../docs/API.md")
	if err != nil {
		t.Fatal(err)
	}
	var consts []string
	for _, m := range regexp.MustCompile(`(?m)^\tReason\w+\s*=\s*"([^"]+)"`).FindAllSubmatch(src, -1) {
		consts = append(consts, string(m[1]))
	}
	type row struct{ token, fatal string }
	table := func(re string, text []byte) []row {
		var out []row
		for _, m := range regexp.MustCompile(re).FindAllSubmatch(text, -1) {
			tok, _, _ := strings.Cut(string(m[1]), ":") // "dg-hash-mismatch:DGn"
			out = append(out, row{tok, strings.ReplaceAll(string(m[2]), `\*`, "*")})
		}
		return out
	}
	comment := table(`(?m)^//\t([a-z][a-zA-Z0-9:-]+)\s{2,}(yes|no\*?)\s{2,}`, src)
	// Only the first table of the section: the tokens the read adds outside
	// this package follow in a table of their own (checkin keeps that one).
	api := table("(?m)^\\| `([a-z][a-zA-Z0-9:-]+)` \\| (yes|no\\\\?\\*?) \\|", firstTable(t, doc, "## Verification reasons"))
	if len(consts) < 25 {
		t.Fatalf("found only %d Reason constants; has result.go changed shape?", len(consts))
	}
	for name, rows := range map[string][]row{"result.go doc comment": comment, "docs/API.md": api} {
		var toks []string
		for _, r := range rows {
			toks = append(toks, r.token)
			if want := map[bool]string{true: "yes", false: "no"}[IsFatal(r.token)]; !strings.HasPrefix(r.fatal, want) ||
				(want == "yes" && r.fatal != "yes") {
				t.Errorf("%s: %s marked fatal %q, IsFatal says %v", name, r.token, r.fatal, IsFatal(r.token))
			}
		}
		if !slices.Equal(toks, consts) {
			t.Errorf("%s lists %v,\nconstants are %v", name, toks, consts)
		}
	}
}

// firstTable returns the lines of the first Markdown table after heading.
func firstTable(t *testing.T, doc []byte, heading string) []byte {
	t.Helper()
	_, after, ok := strings.Cut(string(doc), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("docs/API.md has no %q", heading)
	}
	var rows []string
	for _, line := range strings.Split(after, "\n") {
		if strings.HasPrefix(line, "|") {
			rows = append(rows, line)
		} else if len(rows) > 0 {
			break
		}
	}
	return []byte(strings.Join(rows, "\n"))
}

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
	api := table("(?m)^\\| `([a-z][a-zA-Z0-9:-]+)` \\| (yes|no\\\\?\\*?) \\|", doc)
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

package checkin

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestEligibilityReasonsDocumented keeps the table under "Eligibility
// reasons" in docs/API.md in step with the reason tokens Lookup sets.
func TestEligibilityReasonsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/API.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "\n## Eligibility reasons\n")
	if !ok {
		t.Fatal(`docs/API.md has no "## Eligibility reasons"`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var toks []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z][a-z-]+)` \\|").FindAllStringSubmatch(section, -1) {
		toks = append(toks, m[1])
	}
	if !slices.Equal(toks, EligibilityReasons) {
		t.Errorf("docs/API.md lists eligibility reasons %v, Lookup sets %v", toks, EligibilityReasons)
	}
}

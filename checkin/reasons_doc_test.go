package checkin

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/reader/sim"
	"github.com/cccd-agent/cccd/verify"
)

// TestReadReasonsDocumented keeps the table of tokens the read adds (the
// second table under "Verification reasons" in docs/API.md; verify's test
// keeps the first) in step with the tokens Assemble emits.
func TestReadReasonsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/API.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "\n## Verification reasons\n")
	if !ok {
		t.Fatal(`docs/API.md has no "## Verification reasons"`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	tables := regexp.MustCompile(`(?m)(?:^\|.*\n)+`).FindAllString(section, -1)
	if len(tables) < 2 {
		t.Fatalf("found %d tables under Verification reasons, want verify's and the read's", len(tables))
	}
	var toks []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z][a-zA-Z0-9-]+)(?::DGn)?` \\| (yes|no) \\|").FindAllStringSubmatch(tables[1], -1) {
		toks = append(toks, m[1])
		if m[2] != "no" || verify.IsFatal(m[1]) {
			t.Errorf("%s: the table says fatal %q; a read token must not be fatal (the status is passive authentication's)", m[1], m[2])
		}
	}
	if want := []string{ReasonDGUnparsed}; !slices.Equal(toks, want) {
		t.Errorf("docs/API.md lists read tokens %v, Assemble emits %v", toks, want)
	}
}

// TestAssembleUnparsedDG: a data group that does not parse is named in the
// reasons and its part of the result is left out.
func TestAssembleUnparsedDG(t *testing.T) {
	r := demoReader(t, nil)
	card, err := r.Connect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer card.Close()
	key, _ := ParseKey(sim.DemoCAN)
	c, err := CaptureCard(t.Context(), card, key, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	good := Assemble(c, r.Name(), ReadOptions{})
	c.Files.Set(lds.DG(13), []byte{0x6D, 0x03, 0x30, 0x01, 0xFF}) // damaged after the read: the hash fails too
	bad := Assemble(c, r.Name(), ReadOptions{})
	if bad.Personal != nil || !contains(bad.Verification.Reasons, ReasonDGUnparsed+":DG13") {
		t.Fatalf("damaged DG13: personal %v, reasons %v", bad.Personal != nil, bad.Verification.Reasons)
	}
	if good.Personal == nil || contains(good.Verification.Reasons, ReasonDGUnparsed+":DG13") {
		t.Fatalf("intact DG13: personal %v, reasons %v", good.Personal != nil, good.Verification.Reasons)
	}
}

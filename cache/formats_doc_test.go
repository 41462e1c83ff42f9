package cache

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/internal/testenv"
)

// TestRosterFormatInStep: the roster table of docs/FORMATS.md names exactly
// the CSV columns the importer takes, and the JSON fields of a feed record.
func TestRosterFormatInStep(t *testing.T) {
	doc, ok := testenv.DocTables(t, "../docs/FORMATS.md")["cache.RosterRecord"]
	if !ok {
		t.Fatal("docs/FORMATS.md has no table for cache.RosterRecord")
	}
	testenv.SameFields(t, "roster CSV header", doc, rosterColumns)
	testenv.SameFields(t, "roster record JSON", doc, testenv.JSONFields(reflect.TypeFor[RosterRecord]()))
	for _, c := range requiredColumns {
		if !slices.Contains(rosterColumns, c) {
			t.Errorf("required column %s is not a roster column", c)
		}
	}
	// The prose above the table names the required columns.
	quoted := make([]string, len(requiredColumns))
	for i, c := range requiredColumns {
		quoted[i] = "`" + c + "`"
	}
	n := len(quoted) - 1
	want := strings.Join(quoted[:n], ", ") + " and " + quoted[n] + " are required"
	if b, err := os.ReadFile("../docs/FORMATS.md"); err != nil || !strings.Contains(strings.Join(strings.Fields(string(b)), " "), want) {
		t.Errorf("docs/FORMATS.md does not say %q (%v)", want, err)
	}
}

package checkin

import (
	"reflect"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/verify"
)

// TestFormatsInStep compares the field tables of docs/FORMATS.md with the
// JSON the read result, the result event and the eligibility answer encode
// to: every field documented, every documented field emitted. (cache and
// cmd/cccd check the roster columns and the exit codes, icao/lds the dump
// files.)
func TestFormatsInStep(t *testing.T) {
	types := map[string]reflect.Type{
		"checkin.ReadResult":      reflect.TypeFor[ReadResult](),
		"checkin.Document":        reflect.TypeFor[Document](),
		"lds.Personal":            reflect.TypeFor[lds.Personal](),
		"checkin.Photo":           reflect.TypeFor[Photo](),
		"checkin.Timing":          reflect.TypeFor[Timing](),
		"checkin.ResultEvent":     reflect.TypeFor[ResultEvent](),
		"checkin.Eligibility":     reflect.TypeFor[Eligibility](),
		"checkin.EligibilityCard": reflect.TypeFor[EligibilityCard](),
		"verify.Result":           reflect.TypeFor[verify.Result](),
		"verify.PassiveInfo":      reflect.TypeFor[verify.PassiveInfo](),
		"verify.ChipInfo":         reflect.TypeFor[verify.ChipInfo](),
	}
	tables := testenv.DocTables(t, "../docs/FORMATS.md")
	for name, typ := range types {
		doc, ok := tables[name]
		if !ok {
			t.Errorf("docs/FORMATS.md has no table for %s", name)
			continue
		}
		testenv.SameFields(t, name, doc, testenv.JSONFields(typ))
	}
	for name := range tables {
		if _, ok := types[name]; !ok && !strings.HasPrefix(name, "cache.") && name != "exit-codes" && name != "dump-files" {
			t.Errorf("docs/FORMATS.md has a table for %s that no test checks", name)
		}
	}
}

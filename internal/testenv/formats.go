package testenv

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// DocTables reads the tables of a Markdown file that follow a marker line
// `<!-- fields: NAME -->` (or any `<!-- NAME -->`) and returns, per NAME,
// the backquoted names of each row's first column. A cell may name several
// fields: "`surname`, `given_names`". Tests use it to keep docs/FORMATS.md
// in step with the code.
func DocTables(t testing.TB, path string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	marker := regexp.MustCompile(`^<!-- (?:fields: )?([\w.-]+) -->$`)
	name := regexp.MustCompile("`([^`]+)`")
	out := map[string][]string{}
	cur, rows := "", 0
	for _, line := range strings.Split(string(b), "\n") {
		if m := marker.FindStringSubmatch(line); m != nil {
			cur, rows = m[1], 0
			if _, dup := out[cur]; dup {
				t.Fatalf("%s: table %q appears twice", path, cur)
			}
			out[cur] = nil
			continue
		}
		if cur == "" {
			continue
		}
		if !strings.HasPrefix(line, "|") {
			if rows > 0 {
				cur = "" // the table ended
			}
			continue
		}
		rows++
		if rows <= 2 { // header and separator
			continue
		}
		first := strings.Split(line, "|")[1]
		for _, m := range name.FindAllStringSubmatch(first, -1) {
			out[cur] = append(out[cur], m[1])
		}
		if !name.MatchString(first) { // a bare first column: take the text
			out[cur] = append(out[cur], strings.TrimSpace(first))
		}
	}
	return out
}

// JSONFields returns the JSON names encoding/json gives typ's fields (a
// struct or a pointer to one), sorted; fields tagged "-" are left out.
func JSONFields(typ reflect.Type) []string {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	var out []string
	for f := range typ.Fields() {
		if !f.IsExported() {
			continue
		}
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch tag {
		case "-":
			continue
		case "":
			tag = f.Name
		}
		out = append(out, tag)
	}
	slices.Sort(out)
	return out
}

// SameFields reports, as test errors, the names in doc that are not in code
// and the names in code that are not in doc.
func SameFields(t testing.TB, what string, doc, code []string) {
	t.Helper()
	for _, d := range doc {
		if !slices.Contains(code, d) {
			t.Errorf("%s: docs/FORMATS.md lists %q, the code does not emit it", what, d)
		}
	}
	for _, c := range code {
		if !slices.Contains(doc, c) {
			t.Errorf("%s: the code emits %q, docs/FORMATS.md does not list it", what, c)
		}
	}
}

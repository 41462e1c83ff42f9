package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"testing"

	"github.com/cccd-agent/cccd/internal/testenv"
)

// TestExitCodesDocumented: the exit-code table of docs/FORMATS.md lists
// exactly the exit* constants of exitcode.go.
func TestExitCodesDocumented(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "exitcode.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var code []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			v := s.(*ast.ValueSpec)
			for i, n := range v.Names {
				lit, ok := v.Values[i].(*ast.BasicLit)
				if len(n.Name) > 4 && n.Name[:4] == "exit" && ok {
					code = append(code, lit.Value)
				}
			}
		}
	}
	if len(code) < 7 {
		t.Fatalf("found %d exit constants in exitcode.go; has it changed shape?", len(code))
	}
	doc := testenv.DocTables(t, "../../docs/FORMATS.md")["exit-codes"]
	for _, d := range doc {
		if _, err := strconv.Atoi(d); err != nil {
			t.Errorf("exit-code table row %q is not a number", d)
		}
	}
	slices.Sort(code)
	testenv.SameFields(t, "exit codes", doc, code)
}

package logging

import (
	"fmt"
	"strings"
	"testing"
)

func TestRecentKeepsTheLastLines(t *testing.T) {
	r := NewRecent(3)
	for i := range 5 {
		fmt.Fprintf(r, "line %d\n", i)
	}
	r.Write([]byte("half"))
	if got := string(r.Lines()); got != "line 2\nline 3\nline 4\n" {
		t.Fatalf("kept %q", got)
	}
	r.Write([]byte(" done\n"))
	if got := string(r.Lines()); !strings.HasSuffix(got, "line 4\nhalf done\n") || strings.Count(got, "\n") != 3 {
		t.Fatalf("kept %q", got)
	}
	if got := string(NewRecent(2).Lines()); got != "" {
		t.Fatalf("an empty buffer gives %q", got)
	}
}

package logging

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestScrubMasksIDShapedNumbers(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, slog.LevelDebug, true)
	log.Info("read 079123456789 done", "id", "001099012345", "err", errors.New("card 123456789 refused"), "apdus", 42)
	log.With("who", "079123456789").WithGroup("g").Warn("x", "k", "0791234567")
	out := buf.String()
	for _, leak := range []string{"079123456789", "001099012345", "123456789 ", "0791234567"} {
		if strings.Contains(out, leak) {
			t.Fatalf("log leaks %q: %s", leak, out)
		}
	}
	if !strings.Contains(out, "0791******89") || !strings.Contains(out, `"apdus":42`) {
		t.Fatalf("log lost its non-personal content: %s", out)
	}
}

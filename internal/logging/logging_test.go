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
	if !strings.Contains(out, "********6789") || !strings.Contains(out, `"apdus":42`) {
		t.Fatalf("log lost its non-personal content: %s", out)
	}
}

// Logs show at most the last four digits of an ID, also of one an error
// masked with redact.ID.
func TestScrubLastFour(t *testing.T) {
	for in, want := range map[string]string{
		"id 001099012345 read":            "id ********2345 read",
		"lookup 0010******45: not found":  "lookup **********45: not found",
		"card 7901234567":                 "card ******4567",
		"seq 12345678, 42 APDUs, 2026-12": "seq 12345678, 42 APDUs, 2026-12",
	} {
		if got := Scrub(in); got != want {
			t.Errorf("Scrub(%q) = %q, want %q", in, got, want)
		}
	}
}

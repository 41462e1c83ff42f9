//go:build cccd_timetravel

package clock

import (
	"os"
	"testing"
)

// TestTimeTravelReadsTheEnvironment: the time-travel build's shift is the one
// CCCD_CLOCK_SHIFT names, so `make test-timetravel` moves what it says.
func TestTimeTravelReadsTheEnvironment(t *testing.T) {
	want, err := ParseShift(os.Getenv(ShiftEnv))
	if err != nil || Shift() != want || BuildTags != "cccd_timetravel" {
		t.Fatalf("shift %v, want %v (%v); tags %q", Shift(), want, err, BuildTags)
	}
}

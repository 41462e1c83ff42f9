//go:build !cccd_timetravel

package clock

import "testing"

// TestReleaseIgnoresTheShift: without the time-travel tag the environment
// cannot move the clock, whatever it says.
func TestReleaseIgnoresTheShift(t *testing.T) {
	if Shift() != 0 || BuildTags != "" {
		t.Fatalf("release build: shift %v, tags %q", Shift(), BuildTags)
	}
	t.Setenv(ShiftEnv, "400d")
	if Shift() != 0 {
		t.Fatal("the release build read " + ShiftEnv)
	}
}

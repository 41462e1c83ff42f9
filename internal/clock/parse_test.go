package clock

import (
	"testing"
	"time"
)

func TestParseShift(t *testing.T) {
	day := 24 * time.Hour
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, true},
		{"400d", 400 * day, true},
		{" 3653d ", 3653 * day, true},
		{"-30d", -30 * day, true},
		{"9600h", 9600 * time.Hour, true},
		{"90m", 90 * time.Minute, true},
		{"d", 0, false},
		{"1.5d", 0, false},
		{"400", 0, false},
		{"tomorrow", 0, false},
	} {
		got, err := ParseShift(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseShift(%q) = %v, %v; want %v, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// TestNowFollowsTheShift: Now is the wall clock plus this build's shift —
// zero in a release build, CCCD_CLOCK_SHIFT under the time-travel build.
func TestNowFollowsTheShift(t *testing.T) {
	before := time.Now()
	now := Now()
	after := time.Now()
	if now.Before(before.Add(Shift())) || now.After(after.Add(Shift())) {
		t.Fatalf("Now %v outside [%v, %v] + shift %v", now, before, after, Shift())
	}
	if d := Since(now); d < 0 || d > time.Minute {
		t.Fatalf("Since(Now()) = %v", d)
	}
}

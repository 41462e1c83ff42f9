//go:build cccd_timetravel

package clock

import (
	"fmt"
	"os"
	"time"
)

// BuildTags is what a test passes to `go build -tags` so that the binaries it
// builds read the clock the same way it does.
const BuildTags = "cccd_timetravel"

var shift = mustParseShift(os.Getenv(ShiftEnv))

func mustParseShift(s string) time.Duration {
	d, err := ParseShift(s)
	if err != nil {
		// A mistyped shift would silently test today: stop instead.
		fmt.Fprintf(os.Stderr, "clock: %s=%q: %v\n", ShiftEnv, s, err)
		os.Exit(2)
	}
	return d
}

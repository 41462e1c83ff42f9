//go:build !cccd_timetravel

package clock

// A release build never shifts its clock, whatever the environment says.
const shift = 0

// BuildTags is what a test passes to `go build -tags` so that the binaries it
// builds read the clock the same way it does.
const BuildTags = ""

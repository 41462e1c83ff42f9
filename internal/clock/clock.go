// Package clock is the program's one source of calendar time.
//
// Everything that compares a date with "now" — card and certificate expiry,
// roster age, re-check windows, retention — asks Now, never time.Now, so the
// whole program can be moved in time as one: tests inject their own clock
// through the Now fields of the configs, and the time-travel build (the
// cccd_timetravel build tag, see shift_timetravel.go) shifts this clock for a
// test process and every binary it starts. Durations and deadlines (timeouts,
// elapsed time) may keep using time.Now/time.Since: a constant shift does not
// change them.
package clock

import "time"

// ShiftEnv names the environment variable the time-travel build reads: a Go
// duration ("9600h") or a number of days ("400d"). It is inherited by the
// processes a test starts, so a child sees the same shifted clock. A release
// build ignores it.
const ShiftEnv = "CCCD_CLOCK_SHIFT"

// Now is the current time, shifted when the time-travel build asks for it.
func Now() time.Time {
	if shift == 0 {
		return time.Now()
	}
	return time.Now().Add(shift)
}

// Since is Now().Sub(t).
func Since(t time.Time) time.Duration { return Now().Sub(t) }

// Shift is the offset this process adds to the wall clock: always 0 in a
// release build.
func Shift() time.Duration { return shift }

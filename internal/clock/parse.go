package clock

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseShift reads a clock shift: "" (none), a number of days ("400d",
// "3653d") or a Go duration ("9600h", "-30m").
func ParseShift(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil {
			return 0, fmt.Errorf("not a number of days: %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("not a duration: %q", s)
	}
	return d, nil
}

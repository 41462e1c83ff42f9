package pn532

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/cccd-agent/cccd/icao"
	"go.bug.st/serial/enumerator"
)

func TestCandidates(t *testing.T) {
	ports := []*enumerator.PortDetails{
		{Name: "/dev/ttyUSB0", IsUSB: true, VID: "1a86", PID: "7523"},
		{Name: "/dev/ttyUSB1", IsUSB: true, VID: "10C4", PID: "EA60"}, // case-insensitive
		{Name: "/dev/ttyUSB2", IsUSB: true, VID: "0403", PID: "6001"},
		{Name: "/dev/ttyUSB3", IsUSB: true, VID: "067b", PID: "2303"},
		{Name: "/dev/ttyACM0", IsUSB: true, VID: "2341", PID: "0043"}, // an Arduino
		{Name: "/dev/ttyS0", IsUSB: false},
		nil,
	}
	got, err := Candidates(func() ([]*enumerator.PortDetails, error) { return ports, nil })
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/dev/ttyUSB0", "/dev/ttyUSB1", "/dev/ttyUSB2", "/dev/ttyUSB3"}
	if !slices.Equal(got, want) {
		t.Fatalf("Candidates = %v, want %v", got, want)
	}
	boom := errors.New("sysfs unreadable")
	if _, err := Candidates(func() ([]*enumerator.PortDetails, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("lister error: %v", err)
	}
	// Discover skips candidates that do not open.
	found, err := Discover(context.Background(), Config{}, func() ([]*enumerator.PortDetails, error) {
		return []*enumerator.PortDetails{{Name: "/nonexistent/ttyUSB9", IsUSB: true, VID: "1a86", PID: "7523"}}, nil
	})
	if err != nil || len(found) != 0 {
		t.Fatalf("Discover = %v, %v; want none", found, err)
	}
}

func TestParseName(t *testing.T) {
	tests := []struct {
		in   string
		path string
		ok   bool
	}{
		{"pn532:/dev/ttyUSB0", "/dev/ttyUSB0", true},
		{"pn532:COM3", "COM3", true},
		{"pn532:", "", false},
		{"pcsc:ACS ACR1252", "", false},
	}
	for _, tc := range tests {
		if p, ok := ParseName(tc.in); p != tc.path || ok != tc.ok {
			t.Errorf("ParseName(%q) = %q, %v", tc.in, p, ok)
		}
	}
}

// TestPseudoATRAnnouncesExtendedLength: the card capabilities in the ATS's
// historical bytes survive into the pseudo-ATR the ICAO layer parses.
func TestPseudoATRAnnouncesExtendedLength(t *testing.T) {
	// TL, T0 (TA, TB, TC present, FSCI 8), TA, TB, TC, then 80 73 00 00 40.
	ats := []byte{0x0C, 0x78, 0x77, 0x81, 0x02, 0x80, 0x73, 0x00, 0x00, 0x40}
	hist, err := icao.HistoricalBytes(PseudoATR(ats))
	if err != nil {
		t.Fatal(err)
	}
	info, err := icao.ParseHistoricalBytes(hist)
	if err != nil || !info.Said || !info.Extended {
		t.Errorf("pseudo-ATR %X says %+v, %v", PseudoATR(ats), info, err)
	}
}

package pn532

import (
	"context"
	"fmt"
	"strings"

	"go.bug.st/serial/enumerator"
)

// USBID is a USB vendor and product ID pair in lowercase hex, as sysfs
// reports them ("1a86", "7523").
type USBID struct{ VID, PID string }

// Bridges lists the USB-UART bridges PN532 boards commonly sit behind
// (Debian usb.ids). They are generic chips, so a match is only a candidate:
// Discover probes it for a PN532 before trusting it.
var Bridges = []USBID{
	{"1a86", "7523"}, // QinHeng CH340
	{"10c4", "ea60"}, // Silicon Labs CP210x
	{"0403", "6001"}, // FTDI FT232
	{"067b", "2303"}, // Prolific PL2303
}

// PortLister lists serial ports with their USB details;
// enumerator.GetDetailedPortsList by default.
type PortLister func() ([]*enumerator.PortDetails, error)

// Candidates returns the serial ports whose USB VID:PID is one of Bridges.
func Candidates(list PortLister) ([]string, error) {
	if list == nil {
		list = func() ([]*enumerator.PortDetails, error) { return enumerator.GetDetailedPortsList() }
	}
	ports, err := list()
	if err != nil {
		return nil, fmt.Errorf("pn532: listing serial ports: %w", err)
	}
	var out []string
	for _, p := range ports {
		if p == nil || !p.IsUSB {
			continue
		}
		for _, b := range Bridges {
			if strings.EqualFold(p.VID, b.VID) && strings.EqualFold(p.PID, b.PID) {
				out = append(out, p.Name)
				break
			}
		}
	}
	return out, nil
}

// Discover probes every candidate port (see Candidates) and returns the
// paths where a PN532 answered GetFirmwareVersion with IC 0x32. base gives
// the timeouts and baud rate; its Path is ignored. Ports that fail the
// probe are skipped silently: they belong to other devices.
func Discover(ctx context.Context, base Config, list PortLister) ([]string, error) {
	paths, err := Candidates(list)
	if err != nil {
		return nil, err
	}
	var found []string
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return found, err
		}
		cfg := base
		cfg.Path = p
		if Probe(ctx, cfg) == nil {
			found = append(found, p)
		}
	}
	return found, nil
}

// Probe opens cfg.Path, wakes the device and checks that it is a PN532,
// then closes the port.
func Probe(ctx context.Context, cfg Config) error {
	r, err := New(cfg)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = r.Firmware(ctx)
	return err
}

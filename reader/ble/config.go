package ble

import (
	"errors"
	"fmt"
	"time"
)

// Config selects and configures a BLE reader (the daemon's config file).
type Config struct {
	// Enabled turns the BLE backend on; it is off by default because the
	// go-ble backend takes the Bluetooth adapter away from bluetoothd.
	Enabled bool
	// Address is the reader's Bluetooth address, e.g. "F0:F1:F2:F3:F4:F5".
	Address string
	// MasterKey is the 16-byte Customer Master Key; nil means
	// DefaultMasterKey.
	MasterKey []byte
}

// ErrDisabled is returned by New when Config.Enabled is false.
var ErrDisabled = errors.New("ble: BLE readers are disabled in the configuration")

// NamePrefix starts every BLE reader name: "ble:F0:F1:F2:F3:F4:F5".
const NamePrefix = "ble:"

// DefaultTimeout bounds each request/response round trip over the radio.
const DefaultTimeout = 5 * time.Second

func (c Config) check() (Config, error) {
	if !c.Enabled {
		return c, ErrDisabled
	}
	if c.Address == "" {
		return c, errors.New("ble: no reader address configured; set the reader's Bluetooth address")
	}
	if c.MasterKey == nil {
		c.MasterKey = DefaultMasterKey
	}
	if len(c.MasterKey) != 16 {
		return c, fmt.Errorf("ble: master key must be 16 bytes, got %d; leave it empty for the factory key", len(c.MasterKey))
	}
	return c, nil
}

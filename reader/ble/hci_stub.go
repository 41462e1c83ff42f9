//go:build !linux

package ble

// OpenHCI would open a Bluetooth adapter; only Linux has a backend for it.
func OpenHCI(id int) (DialFunc, func() error, error) { return nil, nil, ErrNoRadio }

//go:build !linux

package ble

import "errors"

// ErrNoRadio is returned by OpenHCI in builds without a radio backend.
var ErrNoRadio = errors.New("ble: this build has no Bluetooth radio backend; BLE readers work on Linux only")

// OpenHCI would open a Bluetooth adapter; this build has no backend for it.
func OpenHCI(id int) (DialFunc, func() error, error) { return nil, nil, ErrNoRadio }

//go:build !(linux && goble_hci)

package ble

import "errors"

// ErrNoRadio is returned by OpenHCI in builds without a radio backend.
var ErrNoRadio = errors.New("ble: this build has no Bluetooth radio backend; rebuild on Linux with -tags goble_hci")

// OpenHCI would open a Bluetooth adapter; this build has no backend for it.
func OpenHCI(id int) (DialFunc, func() error, error) { return nil, nil, ErrNoRadio }

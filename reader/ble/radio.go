package ble

import "errors"

// ErrNoRadio means no Bluetooth adapter could be opened: none present, no
// permission (CAP_NET_ADMIN), or a system without a radio backend.
var ErrNoRadio = errors.New("ble: no Bluetooth adapter available")

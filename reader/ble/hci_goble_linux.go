//go:build linux

package ble

import (
	"fmt"

	goble "github.com/go-ble/ble"
	"github.com/go-ble/ble/linux"
)

// OpenHCI opens Bluetooth adapter hci<id> through go-ble's raw HCI user
// channel and returns a DialFunc for New and a function that releases the
// adapter.
func OpenHCI(id int) (DialFunc, func() error, error) {
	dev, err := linux.NewDevice(goble.OptDeviceID(id))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: opening hci%d (needs CAP_NET_ADMIN and bluetoothd off that adapter): %v", ErrNoRadio, id, err)
	}
	return GoBLEDialer(dev), dev.Stop, nil
}

// Package ble reads cards through Bluetooth LE readers of the ACS
// ACR1255U-J1 class: the "Smart Card" GATT service, the 05 LEN … chk 0A
// outer framing split into 20-byte GATT writes, CCID-like messages, the
// AES-128 mutual authentication with the customer master key and the
// AES-CBC session that protects every message after it (ACR1255U-J1 Reference Manual V1.01/V1.07; obniz parts/Ble/acr1255).
//
// The radio sits behind GATTLink, a two-method interface (write a chunk,
// receive notifications), so the codec and the protocol are tested with an
// in-memory fake and the radio library can be swapped: goble_linux.go adapts
// github.com/go-ble/ble; a tinygo.org/x/bluetooth adapter would be a second
// small file. Nothing here has run against real hardware (see README.md).
package ble

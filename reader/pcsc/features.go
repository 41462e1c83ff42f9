package pcsc

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// PC/SC Part 10 (pcsc-lite reader.h): the reader lists its features in
// answer to CM_IOCTL_GET_FEATURE_REQUEST, one TLV each (tag, length 4,
// control code big-endian). FEATURE_GET_TLV_PROPERTIES answers a TLV list
// of properties with little-endian values; dwMaxAPDUDataSize says how much
// APDU data the reader passes (0: short APDUs only).
const (
	ioctlGetFeatureRequest = 3400
	featureGetTLVProps     = 0x12
	propMaxAPDUDataSize    = 10
)

// errFeatures reports a malformed Part 10 answer from a reader.
var errFeatures = errors.New("pcsc: malformed reader feature list")

// parseFeatures decodes a GET_FEATURE_REQUEST answer into feature tag →
// control code.
func parseFeatures(b []byte) (map[byte]uint32, error) {
	out := map[byte]uint32{}
	for len(b) > 0 {
		if len(b) < 2 || b[1] != 4 || len(b) < 6 {
			return nil, fmt.Errorf("%w: feature entry % X", errFeatures, b[:min(len(b), 6)])
		}
		out[b[0]] = binary.BigEndian.Uint32(b[2:6])
		b = b[6:]
	}
	return out, nil
}

// parseProperties decodes a GET_TLV_PROPERTIES answer into tag → value.
// Values are little-endian integers of 1, 2 or 4 bytes; longer ones (the
// firmware ID string) are skipped.
func parseProperties(b []byte) (map[byte]uint32, error) {
	out := map[byte]uint32{}
	for len(b) > 0 {
		if len(b) < 2 || len(b) < 2+int(b[1]) {
			return nil, fmt.Errorf("%w: property entry % X", errFeatures, b[:min(len(b), 2)])
		}
		tag, v := b[0], b[2:2+int(b[1])]
		switch len(v) {
		case 1:
			out[tag] = uint32(v[0])
		case 2:
			out[tag] = uint32(binary.LittleEndian.Uint16(v))
		case 4:
			out[tag] = binary.LittleEndian.Uint32(v)
		}
		b = b[2+len(v):]
	}
	return out, nil
}

// controller is the part of *scard.Card the feature probe uses.
type controller interface {
	Control(ioctl uint32, in []byte) ([]byte, error)
}

// probeExtendedLength asks the reader, through PC/SC Part 10, whether it
// passes extended-length APDUs. ctl maps a code to the OS's ioctl. known is
// false for readers that do not publish dwMaxAPDUDataSize (vpcd, most
// contactless front ends on Windows' inbox driver): the ICAO layer then asks
// the card (ATR, EF.ATR/INFO, a probe read).
func probeExtendedLength(card controller, ctl func(uint16) uint32) (ext, known bool) {
	raw, err := card.Control(ctl(ioctlGetFeatureRequest), nil)
	if err != nil {
		return false, false
	}
	feats, err := parseFeatures(raw)
	if err != nil {
		return false, false
	}
	code, ok := feats[featureGetTLVProps]
	if !ok {
		return false, false
	}
	raw, err = card.Control(code, nil)
	if err != nil {
		return false, false
	}
	props, err := parseProperties(raw)
	if err != nil {
		return false, false
	}
	size, ok := props[propMaxAPDUDataSize]
	if !ok {
		return false, false
	}
	// More than 255 data bytes needs extended Lc/Le; 0 means short only.
	return size > 255, true
}

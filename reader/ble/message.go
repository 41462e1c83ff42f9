package ble

import (
	"fmt"
)

// Message types (manual p.19–20): the CCID-like datablock carried in a frame.
const (
	MsgPowerOn    byte = 0x62 // PICC power on → 80 with the ATR
	MsgPowerOff   byte = 0x63 // → 81
	MsgSlotStatus byte = 0x65 // → 81
	MsgAPDU       byte = 0x6F // exchange APDU → 80 with R-APDU
	MsgEscape     byte = 0x6B // escape (E0 … commands) → 83
	RspDataBlock  byte = 0x80
	RspSlotStatus byte = 0x81
	RspEscape     byte = 0x83
	MsgCardNotify byte = 0x50 // reader-initiated: card status changed
	MsgHWError    byte = 0x51 // reader-initiated: hardware error
)

// headerLen is the message header: type, length (2), slot, seq, param, checksum.
const headerLen = 7

// Message is one datablock: MsgType | Length(2, MSB) | Slot | Seq | Param |
// Checksum | Data.
type Message struct {
	Type  byte
	Slot  byte
	Seq   byte
	Param byte
	Data  []byte
}

// Encode returns the plaintext datablock. The checksum is the XOR of every
// other byte, as manual V1.07 and obniz compute it (manual V1.01's examples
// XOR only the data; DecodeMessage accepts both).
func (m Message) Encode() []byte {
	return m.encode(0)
}

// encode appends FF padding up to a multiple of block (0: none) before the
// checksum is computed, as obniz does for encrypted messages.
func (m Message) encode(block int) []byte {
	b := make([]byte, headerLen, headerLen+len(m.Data)+16)
	b[0], b[1], b[2], b[3], b[4], b[5] = m.Type, byte(len(m.Data)>>8), byte(len(m.Data)), m.Slot, m.Seq, m.Param
	b = append(b, m.Data...)
	if block > 0 {
		for len(b)%block != 0 {
			b = append(b, 0xFF)
		}
	}
	b[6] = xor(b[:6]) ^ xor(b[7:])
	return b
}

// DecodeMessage parses a datablock. b may carry padding after the declared
// data (decrypted messages). The checksum must match one of the rules seen
// in ACS documents: XOR of all other bytes (with or without the padding),
// or XOR of the data only.
func DecodeMessage(b []byte) (Message, error) {
	if len(b) < headerLen {
		return Message{}, fmt.Errorf("%w: message of %d bytes, header needs %d", ErrFrame, len(b), headerLen)
	}
	n := int(b[1])<<8 | int(b[2])
	if len(b) < headerLen+n {
		return Message{}, fmt.Errorf("%w: message declares %d data bytes, has %d", ErrFrame, n, len(b)-headerLen)
	}
	data := b[headerLen : headerLen+n]
	head := xor(b[:6])
	sum := b[6]
	if sum != head^xor(data) && sum != head^xor(b[headerLen:]) && sum != xor(data) {
		return Message{}, fmt.Errorf("%w: message type 0x%02X", ErrChecksum, b[0])
	}
	return Message{Type: b[0], Slot: b[3], Seq: b[4], Param: b[5], Data: append([]byte(nil), data...)}, nil
}

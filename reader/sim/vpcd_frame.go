package sim

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// vpcd wire protocol (vsmartcard vpcd.c): every message in either direction
// is a 2-byte big-endian length followed by that many bytes. A 1-byte message
// from vpcd is a control code; anything longer is a command APDU.
const (
	// VPCDPowerOff asks the card to power down; no reply.
	VPCDPowerOff byte = 0x00
	// VPCDPowerOn asks the card to power up; no reply.
	VPCDPowerOn byte = 0x01
	// VPCDReset asks for a warm reset; no reply.
	VPCDReset byte = 0x02
	// VPCDGetATR asks for the ATR; the reply is the ATR as one message.
	// vpcd also uses it to poll for card presence, at any time.
	VPCDGetATR byte = 0x04
)

// VPCDMaxMessage is the largest payload the 2-byte length can carry.
const VPCDMaxMessage = 0xFFFF

// ErrVPCDFrame reports a message that breaks the vpcd wire protocol.
var ErrVPCDFrame = errors.New("sim: malformed vpcd message")

// VPCDMessage is one decoded message from vpcd: a control code or an APDU.
type VPCDMessage struct {
	// Control is true for a 1-byte control message; Code then holds it.
	Control bool
	Code    byte
	// APDU holds the command APDU when Control is false.
	APDU []byte
}

// ReadVPCDFrame reads one length-prefixed payload from r. buf is reused when
// it is large enough. It returns io.EOF only when r ends cleanly between
// frames, and io.ErrUnexpectedEOF when it ends inside one.
func ReadVPCDFrame(r io.Reader, buf []byte) ([]byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(hdr[:]))
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf, nil
}

// AppendVPCDFrame appends payload with its length prefix to dst. Payloads
// longer than VPCDMaxMessage cannot be framed and return ErrVPCDFrame.
func AppendVPCDFrame(dst, payload []byte) ([]byte, error) {
	if len(payload) > VPCDMaxMessage {
		return dst, fmt.Errorf("%w: %d-byte payload exceeds %d", ErrVPCDFrame, len(payload), VPCDMaxMessage)
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(payload)))
	return append(dst, payload...), nil
}

// DecodeVPCDMessage classifies one payload read from vpcd. An empty payload
// and an unknown 1-byte code are protocol errors; the APDU aliases payload.
func DecodeVPCDMessage(payload []byte) (VPCDMessage, error) {
	switch len(payload) {
	case 0:
		return VPCDMessage{}, fmt.Errorf("%w: empty message", ErrVPCDFrame)
	case 1:
		switch c := payload[0]; c {
		case VPCDPowerOff, VPCDPowerOn, VPCDReset, VPCDGetATR:
			return VPCDMessage{Control: true, Code: c}, nil
		default:
			return VPCDMessage{}, fmt.Errorf("%w: unknown control code %#02x", ErrVPCDFrame, c)
		}
	default:
		return VPCDMessage{APDU: payload}, nil
	}
}

package pn532

import (
	"errors"
	"fmt"
)

// Command codes (UM0701-02 §7; libnfc pn53x-internal.h). A response code is
// always the command code + 1.
const (
	CmdDiagnose            byte = 0x00
	CmdGetFirmwareVersion  byte = 0x02
	CmdSetParameters       byte = 0x12
	CmdSAMConfiguration    byte = 0x14
	CmdRFConfiguration     byte = 0x32
	CmdInDataExchange      byte = 0x40
	CmdInDeselect          byte = 0x44
	CmdInListPassiveTarget byte = 0x4A
	CmdInRelease           byte = 0x52
)

// Bits of the InDataExchange target byte and status byte.
const (
	// FlagMI is "more information": set by the host on the Tg byte when more
	// command data follows, and by the PN532 on the status byte when more
	// response data follows.
	FlagMI byte = 0x40
	// FlagNAD on the status byte says a NAD byte is present.
	FlagNAD byte = 0x80
)

// SEL_RES bit saying the card is ISO/IEC 14443-4 compliant.
const selResISO14443_4 byte = 0x20

// Target is one ISO 14443 type A card listed by InListPassiveTarget.
// NFCID is random on each activation for an eMRTD: never use it as identity.
type Target struct {
	Tg      byte   // logical target number used by InDataExchange
	SensRes uint16 // ATQA
	SelRes  byte   // SAK
	NFCID   []byte // UID
	ATS     []byte // answer to select, TL first; empty if the card sent none
}

// ISO14443_4 reports whether the card speaks ISO 14443-4 (T=CL).
func (t *Target) ISO14443_4() bool { return t.SelRes&selResISO14443_4 != 0 }

// errTarget is wrapped by parse errors of InListPassiveTarget responses.
var errTarget = errors.New("pn532: malformed InListPassiveTarget response")

// ParseTargetA parses the body of an InListPassiveTarget response for
// 106 kbps type A (after the D5 4B code): NbTg, then per target Tg,
// SENS_RES(2), SEL_RES, NFCIDLength, NFCID, and the ATS (TL first) when the
// card is ISO 14443-4. It returns the first target, or nil when NbTg is 0.
func ParseTargetA(b []byte) (*Target, error) {
	if len(b) < 1 {
		return nil, fmt.Errorf("%w: empty", errTarget)
	}
	if b[0] == 0 {
		return nil, nil
	}
	if len(b) < 6 {
		return nil, fmt.Errorf("%w: %d bytes, need at least 6", errTarget, len(b))
	}
	t := &Target{Tg: b[1], SensRes: uint16(b[2])<<8 | uint16(b[3]), SelRes: b[4]}
	idLen := int(b[5])
	rest := b[6:]
	if len(rest) < idLen {
		return nil, fmt.Errorf("%w: NFCID length %d, only %d bytes left", errTarget, idLen, len(rest))
	}
	t.NFCID = append([]byte(nil), rest[:idLen]...)
	rest = rest[idLen:]
	if t.ISO14443_4() && len(rest) > 0 {
		tl := int(rest[0])
		if tl == 0 || tl > len(rest) {
			return nil, fmt.Errorf("%w: ATS length %d, only %d bytes left", errTarget, tl, len(rest))
		}
		t.ATS = append([]byte(nil), rest[:tl]...)
	}
	return t, nil
}

// AppendTargetA encodes t as the body of an InListPassiveTarget response
// with one target (the inverse of ParseTargetA; used by the emulator).
func AppendTargetA(dst []byte, t *Target) []byte {
	dst = append(dst, 1, t.Tg, byte(t.SensRes>>8), byte(t.SensRes), t.SelRes, byte(len(t.NFCID)))
	dst = append(dst, t.NFCID...)
	return append(dst, t.ATS...)
}

// Firmware is the answer to GetFirmwareVersion.
type Firmware struct {
	IC       byte // 0x32 for a PN532
	Version  byte
	Revision byte
	Support  byte // bit 0 ISO 14443A, bit 1 ISO 14443B, bit 2 ISO 18092
}

// String formats the firmware as the libnfc tools do.
func (f Firmware) String() string {
	return fmt.Sprintf("PN5%02x v%d.%d (support 0x%02X)", f.IC, f.Version, f.Revision, f.Support)
}

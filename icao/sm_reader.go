package icao

import (
	"crypto/subtle"
	"fmt"

	"github.com/cccd-agent/cccd/internal/tlv"
)

// Wrap protects a plain command (ICAO 9303-11 §9.8.4): CLA gets the SM bits
// 0C, data goes encrypted into DO'87' (padding indicator 01) or, for an odd
// INS, into DO'85'; Le into DO'97'; the MAC over SSC, the padded header and
// those objects into DO'8E'. The SSC is incremented first. The outer Le asks
// for 256 bytes, or 65536 (extended) when the protected answer to cmd.Ne
// would not fit a short response.
func (sm *SecureMessaging) Wrap(cmd Command) (Command, error) {
	if cmd.CLA&0x0C == 0x0C {
		return Command{}, fmt.Errorf("%w: command %02X%02X is already protected", ErrSMFormat, cmd.CLA, cmd.INS)
	}
	if err := cmd.Validate(); err != nil {
		return Command{}, err
	}
	sm.incSSC()
	hdr := []byte{cmd.CLA | 0x0C, cmd.INS, cmd.P1, cmd.P2}
	var dos []byte
	if len(cmd.Data) > 0 {
		ct := sm.encrypt(cmd.Data)
		if cmd.INS&1 == 1 {
			dos = append(tlv.AppendLength(tlv.AppendTag(dos, 0x85), len(ct)), ct...)
		} else {
			dos = append(tlv.AppendLength(tlv.AppendTag(dos, 0x87), 1+len(ct)), 0x01)
			dos = append(dos, ct...)
		}
	}
	if cmd.Ne > 0 {
		le := leBytes(cmd.Ne)
		dos = append(append(dos, 0x97, byte(len(le))), le...)
	}
	cc := sm.mac(Pad(hdr, sm.alg.BlockSize()), dos)
	dos = append(append(dos, 0x8E, 0x08), cc...)

	out := Command{CLA: hdr[0], INS: cmd.INS, P1: cmd.P1, P2: cmd.P2, Data: dos, Ne: MaxShortNe}
	if cmd.Ne > 0 && sm.ProtectedResponseLen(cmd.Ne) > MaxShortNe+2 {
		out.Ne = MaxExtendedNe
	}
	if err := out.Validate(); err != nil {
		sm.rewind()
		return Command{}, err
	}
	return out, nil
}

// Unwrap checks and decrypts a protected response APDU (data ‖ SW1 SW2) and
// returns the plaintext data and the status word.
//
// A response with DO'8E' advances the SSC and must verify (ErrBadMAC
// otherwise); its DO'99', when present, must match the outer status word.
// DO'99' may be absent. A response without DO'8E' leaves the SSC alone (see
// the SSC rule on SecureMessaging); it is accepted only with a status other
// than 9000, and any data it carries is discarded because nothing
// authenticates it.
func (sm *SecureMessaging) Unwrap(resp []byte) ([]byte, uint16, error) {
	data, sw, _, err := sm.unwrap(resp)
	return data, sw, err
}

// unwrap is Unwrap that also reports whether the chip's verified MAC covers
// the status word (DO'99' under DO'8E').
func (sm *SecureMessaging) unwrap(resp []byte) (data []byte, sw uint16, statusMACed bool, err error) {
	data, sw, err = sm.unwrapDOs(resp, &statusMACed)
	return data, sw, statusMACed && err == nil, err
}

func (sm *SecureMessaging) unwrapDOs(resp []byte, statusMACed *bool) ([]byte, uint16, error) {
	r, err := ParseResponse(resp)
	if err != nil {
		return nil, 0, err
	}
	do87, do99, do8e, err := splitDOs(r.Data, 0x99, "response")
	if err != nil {
		return nil, r.SW, err
	}
	if do8e == nil {
		if r.SW == SWOK {
			return nil, r.SW, fmt.Errorf("%w: response 9000 carries no MAC", ErrSMFormat)
		}
		return nil, r.SW, nil
	}
	*statusMACed = do99 != nil
	sm.incSSC()
	var macIn []byte
	if do87 != nil {
		macIn = append(macIn, do87.Raw...)
	}
	if do99 != nil {
		macIn = append(macIn, do99.Raw...)
	}
	if len(do8e.Value) != 8 || subtle.ConstantTimeCompare(sm.mac(macIn), do8e.Value) != 1 {
		return nil, r.SW, fmt.Errorf("%w: response to a protected command", ErrBadMAC)
	}
	if do99 != nil {
		if len(do99.Value) != 2 || uint16(do99.Value[0])<<8|uint16(do99.Value[1]) != r.SW {
			return nil, r.SW, fmt.Errorf("%w: DO'99' does not match status %04X", ErrSMFormat, r.SW)
		}
	}
	if do87 == nil {
		return nil, r.SW, nil
	}
	ct := do87.Value
	if do87.Tag == 0x87 {
		if len(ct) == 0 || ct[0] != 0x01 {
			return nil, r.SW, fmt.Errorf("%w: DO'87' padding indicator is not 01", ErrSMFormat)
		}
		ct = ct[1:]
	}
	data, err := sm.decrypt(ct)
	if err != nil {
		return nil, r.SW, err
	}
	return data, r.SW, nil
}

// splitDOs sorts the data objects of a protected command or response (what
// names it in errors): DO'87' or DO'85' (cryptogram), the object with tag
// second (DO'97' Le in a command, DO'99' status in a response) and DO'8E'
// (MAC). Each may be absent; any other object, or one repeated, is
// ErrSMFormat.
func splitDOs(data []byte, second uint32, what string) (crypto, other, mac *tlv.TLV, err error) {
	dos, err := tlv.ParseAll(data)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%w: %s: %w", ErrSMFormat, what, err)
	}
	for i := range dos {
		d := &dos[i]
		var slot **tlv.TLV
		switch d.Tag {
		case 0x85, 0x87:
			slot = &crypto
		case second:
			slot = &other
		case 0x8E:
			slot = &mac
		default:
			return nil, nil, nil, fmt.Errorf("%w: unexpected object %X in %s", ErrSMFormat, d.Tag, what)
		}
		if *slot != nil {
			return nil, nil, nil, fmt.Errorf("%w: object %X repeated in %s", ErrSMFormat, d.Tag, what)
		}
		*slot = d
	}
	return crypto, other, mac, nil
}

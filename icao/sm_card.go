package icao

import (
	"crypto/subtle"
	"fmt"

	"github.com/cccd-agent/cccd/internal/tlv"
)

// UnwrapCommand is the chip side of Wrap: it checks a protected command's
// MAC (advancing the SSC) and returns the plain command, with CLA's SM bits
// cleared, data decrypted from DO'87' or DO'85' and Ne from DO'97'.
// A command without DO'8E' fails with ErrSMFormat before the SSC moves; a
// wrong MAC fails with ErrBadMAC after it moved, as a chip counts every MAC
// it checks.
func (sm *SecureMessaging) UnwrapCommand(cmd Command) (Command, error) {
	if cmd.CLA&0x0C != 0x0C {
		return Command{}, fmt.Errorf("%w: command is not protected", ErrSMFormat)
	}
	do87, do97, do8e, err := splitDOs(cmd.Data, 0x97, "command")
	if err != nil {
		return Command{}, err
	}
	if do8e == nil {
		return Command{}, fmt.Errorf("%w: command carries no DO'8E'", ErrSMFormat)
	}
	sm.incSSC()
	hdr := []byte{cmd.CLA, cmd.INS, cmd.P1, cmd.P2}
	var macIn []byte
	if do87 != nil {
		macIn = append(macIn, do87.Raw...)
	}
	if do97 != nil {
		macIn = append(macIn, do97.Raw...)
	}
	if len(do8e.Value) != 8 || subtle.ConstantTimeCompare(sm.mac(Pad(hdr, sm.alg.BlockSize()), macIn), do8e.Value) != 1 {
		return Command{}, fmt.Errorf("%w: command %02X%02X", ErrBadMAC, cmd.CLA, cmd.INS)
	}
	plain := Command{CLA: cmd.CLA &^ 0x0C, INS: cmd.INS, P1: cmd.P1, P2: cmd.P2}
	if do97 != nil {
		if plain.Ne, err = leValue(do97.Value); err != nil {
			return Command{}, err
		}
	}
	if do87 != nil {
		ct := do87.Value
		if do87.Tag == 0x87 {
			if len(ct) == 0 || ct[0] != 0x01 {
				return Command{}, fmt.Errorf("%w: DO'87' padding indicator is not 01", ErrSMFormat)
			}
			ct = ct[1:]
		}
		if plain.Data, err = sm.decrypt(ct); err != nil {
			return Command{}, err
		}
	}
	return plain, nil
}

// WrapResponse is the chip side of Unwrap: it advances the SSC and returns
// the protected response DO'87' (if data) ‖ DO'99' ‖ DO'8E' ‖ SW. A chip
// that answers an error with a bare status word does not call it (and so
// does not advance its SSC).
func (sm *SecureMessaging) WrapResponse(data []byte, sw uint16) []byte {
	sm.incSSC()
	var dos []byte
	if len(data) > 0 {
		ct := sm.encrypt(data)
		dos = append(tlv.AppendLength(tlv.AppendTag(dos, 0x87), 1+len(ct)), 0x01)
		dos = append(dos, ct...)
	}
	dos = append(dos, 0x99, 0x02, byte(sw>>8), byte(sw))
	cc := sm.mac(dos)
	dos = append(append(dos, 0x8E, 0x08), cc...)
	return append(dos, byte(sw>>8), byte(sw))
}

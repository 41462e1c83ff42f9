package pn532

import (
	"context"
	"fmt"
)

// CmdInPSL changes the RF bit rate of an activated target.
const CmdInPSL byte = 0x4E

// Bit-rate codes of InPSL (BRit, BRti). The PN532 does 106/212/424 kbps for
// type A (libnfc pn532_iso14443a_supported_baud_rates).
const (
	br106 byte = 0
	br212 byte = 1
	br424 byte = 2
)

// MaxRate returns the fastest of 424 and 212 kbps that the card's ATS allows
// in both directions, as an InPSL code, and false when the card only does
// 106 kbps (no TA(1), or no common higher rate). TA(1) bits (ISO/IEC
// 14443-4 §5.2.4): 0x40/0x20/0x10 = card→reader ÷8/÷4/÷2, 0x04/0x02/0x01 =
// reader→card ÷8/÷4/÷2.
func (t *Target) MaxRate(limitKbps int) (code byte, ok bool) {
	if len(t.ATS) < 3 || t.ATS[1]&0x10 == 0 {
		return br106, false
	}
	ta := t.ATS[2]
	switch {
	case limitKbps >= 424 && ta&0x20 != 0 && ta&0x02 != 0:
		return br424, true
	case limitKbps >= 212 && ta&0x10 != 0 && ta&0x01 != 0:
		return br212, true
	}
	return br106, false
}

// rateKbps names an InPSL code.
func rateKbps(code byte) int { return 106 << code }

// inPSL switches target tg to the bit rate code in both directions.
func (l *link) inPSL(ctx context.Context, tg, code byte) error {
	b, err := l.exchange(ctx, CmdInPSL, []byte{tg, code, code})
	if err != nil {
		return err
	}
	if len(b) < 1 {
		return fmt.Errorf("%w: InPSL returned no status", ErrFrame)
	}
	return checkStatus(b[0])
}

package sim

import (
	"crypto/subtle"

	"github.com/cccd-agent/cccd/icao"
)

func init() {
	handle(0x84, (*Card).getChallenge)
	handle(0x82, (*Card).mutualAuthenticate)
}

// getChallenge is GET CHALLENGE: 8 random bytes, kept for the next MUTUAL
// AUTHENTICATE (and for handlers that need a chip challenge).
func (c *Card) getChallenge(cmd icao.Command) reply {
	if cmd.P1 != 0 || cmd.P2 != 0 {
		return status(0x6A86)
	}
	if cmd.Ne != 8 && cmd.Ne != icao.MaxShortNe && cmd.Ne != icao.MaxExtendedNe {
		return status(0x6700)
	}
	c.challenge = c.random(8)
	return okData(c.challenge)
}

// mutualAuthenticate is the chip side of BAC (ICAO 9303-11 §4.3.4): check
// M.IFD, decrypt S, check RND.IC, answer E.IC ‖ M.IC and start 3DES secure
// messaging with the derived session keys. Wrong keys give 6300. The
// challenge is used up either way.
func (c *Card) mutualAuthenticate(cmd icao.Command) reply {
	if cmd.P1 != 0 || cmd.P2 != 0 {
		return status(0x6A86)
	}
	rndIC := c.challenge
	c.challenge = nil
	if rndIC == nil {
		return status(0x6985)
	}
	if len(cmd.Data) != 40 {
		return status(0x6700)
	}
	s, ok := icao.BACOpen(c.bacEnc, c.bacMac, cmd.Data)
	if !ok || subtle.ConstantTimeCompare(s[8:16], rndIC) != 1 {
		return status(0x6300)
	}
	rndIFD, kIFD := s[:8], s[16:32]
	kIC := c.random(16)
	resp, err := icao.BACMutualAuthData(c.bacEnc, c.bacMac, rndIC, rndIFD, kIC)
	if err != nil {
		return status(0x6F00)
	}
	sm, err := icao.BACSession(kIFD, kIC, rndIC, rndIFD)
	if err != nil {
		return status(0x6F00)
	}
	c.sm = sm
	return okData(resp)
}

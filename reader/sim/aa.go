package sim

// The card side of Active Authentication (ICAO 9303-11 §6.1): INTERNAL
// AUTHENTICATE signs the terminal's 8-byte challenge with
// Profile.ActiveAuthKey — ISO/IEC 9796-2 scheme 1 with SHA-1 for RSA, plain
// ECDSA with the hash DG14's ActiveAuthenticationInfo names (by key size
// when absent).

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/activeauth"
	"github.com/cccd-agent/cccd/icao/curves"
	"github.com/cccd-agent/cccd/icao/lds"
)

func init() { handle(0x88, (*Card).internalAuthenticate) }

func (c *Card) internalAuthenticate(cmd icao.Command) reply {
	if !c.protected() {
		return status(0x6982) // only after access control
	}
	if cmd.P1 != 0 || cmd.P2 != 0 {
		return status(swWrongP1P2)
	}
	if len(cmd.Data) != activeauth.ChallengeLen {
		return status(0x6700)
	}
	if len(c.profile().ActiveAuthKey) == 0 {
		return status(0x6D00) // no AA on this chip
	}
	k, err := curves.ParsePKCS8(c.profile().ActiveAuthKey)
	if err != nil {
		return status(swRefNotFound)
	}
	var sig []byte
	switch key := k.(type) {
	case *rsa.PrivateKey:
		sig, err = activeauth.SignISO9796(cardRand{c}, key, crypto.SHA1, cmd.Data)
	case *ecdsa.PrivateKey:
		sig, err = activeauth.SignECDSAPlain(cardRand{c}, key, c.aaHash(key), cmd.Data)
	default:
		return status(swRefNotFound)
	}
	if err != nil {
		return status(0x6F00)
	}
	return okData(sig)
}

// aaHash returns the hash DG14's ActiveAuthenticationInfo names, or the
// one matching the key size.
func (c *Card) aaHash(key *ecdsa.PrivateKey) crypto.Hash {
	if dg14, ok := c.fileData("DG14"); ok {
		if si, err := lds.ParseDG14(dg14); err == nil && len(si.ActiveAuth) > 0 {
			if h, err := activeauth.HashForSignatureAlgorithm(si.ActiveAuth[0].SignatureAlgorithm); err == nil {
				return h
			}
		}
	}
	return activeauth.HashForKeySize(key.Curve.Params().N.BitLen())
}

package sim

// The card side of Chip Authentication v1 (ICAO 9303-11 §6.2): MSE:Set KAT
// (3DES) or MSE:Set AT + GENERAL AUTHENTICATE (AES) with the terminal's
// ephemeral key, then secure messaging restarted with keys derived from the
// agreement with Profile.ChipAuthKey. A clone profile has its own key while
// DG14 still holds the original's public key, so its keys differ from the
// terminal's and the first command under them fails.

import (
	"crypto/ecdsa"
	"encoding/asn1"
	"math/big"

	"github.com/cccd-agent/cccd/icao/lds"

	"github.com/cccd-agent/cccd/pki/ecc"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/curves"
	"github.com/cccd-agent/cccd/internal/tlv"
)

const caVar = "ca"

// caPending is an MSE:Set AT for CA waiting for its GENERAL AUTHENTICATE.
type caPending struct {
	cipher icao.Cipher
	ecdh   bool
}

// chipAuthKey parses Profile.ChipAuthKey: *ecdsa.PrivateKey or
// *curves.DHPrivateKey.
func (c *Card) chipAuthKey() (any, error) {
	return curves.ParsePKCS8(c.profile().ChipAuthKey)
}

// caAgree computes the CA shared secret with the terminal's ephemeral key.
func (c *Card) caAgree(eph []byte) ([]byte, bool, bool) {
	k, err := c.chipAuthKey()
	if err != nil {
		return nil, false, false
	}
	switch key := k.(type) {
	case *ecdsa.PrivateKey:
		x, y, err := ecc.Unmarshal(key.Curve, eph)
		if err != nil {
			return nil, true, false
		}
		sx, sy := key.Curve.ScalarMult(x, y, key.D.Bytes())
		if sx.Sign() == 0 && sy.Sign() == 0 {
			return nil, true, false
		}
		return sx.FillBytes(make([]byte, ecc.ByteLen(key.Curve))), true, true
	case *curves.DHPrivateKey:
		y := new(big.Int).SetBytes(eph)
		if !key.Group.ValidElement(y) {
			return nil, false, false
		}
		return new(big.Int).Exp(y, key.X, key.Group.P).FillBytes(make([]byte, (key.Group.P.BitLen()+7)/8)), false, true
	}
	return nil, false, false
}

// caSetKAT is CA with 3DES: DO'91' carries the ephemeral key; the answer
// goes out under the old keys and 3DES SM with the new keys follows.
func (c *Card) caSetKAT(cmd icao.Command) reply {
	if !c.protected() || len(c.profile().ChipAuthKey) == 0 {
		return status(swCondNotSatisfied)
	}
	eph, err := tlv.Find(cmd.Data, 0x91)
	if err != nil {
		return status(swWrongData)
	}
	secret, _, ok := c.caAgree(eph.Value)
	if !ok {
		return status(swWrongData)
	}
	if err := c.startSM(icao.Cipher3DES, icao.KDF(secret, icao.KDFEnc, icao.Cipher3DES), icao.KDF(secret, icao.KDFMac, icao.Cipher3DES), make([]byte, 8)); err != nil {
		return status(swWrongData)
	}
	return status(icao.SWOK)
}

// caSetAT is the AES variant's first step: DO'80' names the CA protocol.
func (c *Card) caSetAT(cmd icao.Command) reply {
	delete(c.vars, caVar)
	if !c.protected() || len(c.profile().ChipAuthKey) == 0 {
		return status(swCondNotSatisfied)
	}
	o, err := tlv.Find(cmd.Data, 0x80)
	if err != nil {
		return status(swWrongData)
	}
	oid, ok := parseOIDContent(o.Value)
	if !ok || len(oid) != len(lds.OIDCA)+2 || !asn1.ObjectIdentifier(oid[:len(lds.OIDCA)]).Equal(lds.OIDCA) {
		return status(swWrongData)
	}
	ka, ci := oid[len(lds.OIDCA)], icao.Cipher(oid[len(lds.OIDCA)+1])
	if (ka != 1 && ka != 2) || ci < icao.CipherAES128 || ci > icao.CipherAES256 {
		return status(swWrongData)
	}
	c.vars[caVar] = &caPending{cipher: ci, ecdh: ka == 2}
	return status(icao.SWOK)
}

// caGeneralAuthenticate takes 7C { 80 ephemeral key }, answers 7C 00 under
// the old keys and switches to the new AES keys.
func (c *Card) caGeneralAuthenticate(cmd icao.Command) reply {
	pend, _ := c.vars[caVar].(*caPending)
	delete(c.vars, caVar)
	if pend == nil {
		return status(swCondNotSatisfied)
	}
	inner, err := tlv.Unwrap(cmd.Data, 0x7C)
	if err != nil {
		return status(swWrongData)
	}
	eph, err := tlv.Find(inner, 0x80)
	if err != nil {
		return status(swWrongData)
	}
	secret, ecdh, ok := c.caAgree(eph.Value)
	if !ok || ecdh != pend.ecdh {
		return status(swWrongData)
	}
	if err := c.startSM(pend.cipher, icao.KDF(secret, icao.KDFEnc, pend.cipher), icao.KDF(secret, icao.KDFMac, pend.cipher), make([]byte, 16)); err != nil {
		return status(swWrongData)
	}
	return okData(tlv.Encode(0x7C))
}

// parseOIDContent decodes OID content octets (DO'80' carries no 06 header).
func parseOIDContent(b []byte) (asn1.ObjectIdentifier, bool) {
	if len(b) == 0 || len(b) > 127 {
		return nil, false
	}
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(append([]byte{0x06, byte(len(b))}, b...), &oid); err != nil {
		return nil, false
	}
	return oid, true
}

// asn1Marshal encodes v as DER.
func asn1Marshal(v any) ([]byte, error) { return asn1.Marshal(v) }

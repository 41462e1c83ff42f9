package sim

// The card side of PACE (ICAO 9303-11 §4.4): MSE:Set AT selects a PACEInfo
// advertised in the profile's EF.CardAccess and a password (CAN or MRZ),
// then four GENERAL AUTHENTICATE steps. GM (ECDH and DH), IM and CAM are
// supported for every parameter ID pace supports. INS 22 and 86 are shared
// with Chip Authentication (ca.go); this file dispatches both.

import (
	"bytes"
	"crypto/ecdsa"
	"math/big"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/curves"
	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/icao/pace"
	"github.com/cccd-agent/cccd/internal/tlv"
)

func init() {
	handle(0x22, (*Card).manageSecurityEnvironment)
	handle(0x86, (*Card).generalAuthenticate)
}

// Status words the PACE and CA card sides answer with.
const (
	swWrongData        = 0x6A80 // malformed or unacceptable data objects
	swRefNotFound      = 0x6A88 // password or key not available
	swWrongP1P2        = 0x6A86
	swCondNotSatisfied = 0x6985 // step out of order
	swAuthFailed       = 0x6300 // token did not verify: wrong password
)

const paceVar = "pace"

// paceState is one PACE run on the card, kept in c.vars between steps.
type paceState struct {
	pr       pace.Protocol
	std      curves.Standard
	pw       pace.Password
	step     int
	nonce    []byte
	g        pace.Group // static, then mapped
	skMap    []byte
	ksEnc    []byte
	ksMAC    []byte
	pkIC     []byte
	pkIFD    []byte
	pkMapIFD []byte
}

// cardRand adapts c.random to io.Reader for key generation.
type cardRand struct{ c *Card }

func (r cardRand) Read(p []byte) (int, error) { return copy(p, r.c.random(len(p))), nil }

// manageSecurityEnvironment answers MSE: C1A4 Set AT for PACE, 41A4 Set AT
// for Chip Authentication with AES, 41A6 Set KAT for CA with 3DES.
func (c *Card) manageSecurityEnvironment(cmd icao.Command) reply {
	switch uint16(cmd.P1)<<8 | uint16(cmd.P2) {
	case 0xC1A4:
		return c.paceSetAT(cmd)
	case 0x41A4:
		return c.caSetAT(cmd)
	case 0x41A6:
		return c.caSetKAT(cmd)
	}
	return status(swWrongP1P2)
}

// generalAuthenticate routes to the CA step when CA is pending, else PACE.
func (c *Card) generalAuthenticate(cmd icao.Command) reply {
	if _, ok := c.vars[caVar]; ok && c.protected() {
		return c.caGeneralAuthenticate(cmd)
	}
	st, ok := c.vars[paceVar].(*paceState)
	if !ok {
		return status(swCondNotSatisfied)
	}
	r := c.paceStep(st, cmd)
	if r.sw != icao.SWOK {
		delete(c.vars, paceVar) // a failed step ends the run; start again with MSE
	}
	return r
}

// paceInfos returns the PACEInfos the profile's EF.CardAccess advertises.
func (c *Card) paceInfos() []lds.PACEInfo {
	if !c.profile().PACE {
		return nil
	}
	ca, ok := c.fileData("CardAccess")
	if !ok {
		return nil
	}
	si, err := lds.ParseCardAccess(ca)
	if err != nil {
		return nil
	}
	return si.PACE
}

func (c *Card) paceSetAT(cmd icao.Command) reply {
	delete(c.vars, paceVar)
	objs, err := tlv.ParseAll(cmd.Data)
	if err != nil {
		return status(swWrongData)
	}
	var oidBytes []byte
	ref, paramID := byte(0), -1
	for _, o := range objs {
		switch o.Tag {
		case 0x80:
			oidBytes = o.Value
		case 0x83:
			if len(o.Value) == 1 {
				ref = o.Value[0]
			}
		case 0x84:
			if len(o.Value) == 1 {
				paramID = int(o.Value[0])
			}
		}
	}
	var info *lds.PACEInfo
	for _, pi := range c.paceInfos() {
		der, err := asn1Marshal(pi.Protocol)
		if err != nil || !bytes.Equal(der[2:], oidBytes) {
			continue
		}
		if paramID == -1 || paramID == pi.ParameterID {
			info = &pi
			break
		}
	}
	if info == nil {
		return status(swWrongData)
	}
	pr, err := pace.ParseProtocol(info.Protocol)
	if err != nil {
		return status(swWrongData)
	}
	std, err := curves.ByPACEParameterID(info.ParameterID)
	if err != nil {
		return status(swWrongData)
	}
	g, err := pace.NewGroup(std)
	if err != nil {
		return status(swWrongData)
	}
	var pw pace.Password
	switch ref {
	case pace.RefCAN:
		pw, err = pace.CAN(c.profile().CAN)
	case pace.RefMRZ:
		var info string
		if info, err = mrzInformation(c.profile().MRZ); err == nil {
			pw, err = pace.MRZ(info)
		}
	default:
		return status(swRefNotFound)
	}
	if err != nil {
		return status(swRefNotFound)
	}
	c.vars[paceVar] = &paceState{pr: pr, std: std, pw: pw, g: g}
	return status(icao.SWOK)
}

// paceStep answers GENERAL AUTHENTICATE step st.step+1.
func (c *Card) paceStep(st *paceState, cmd icao.Command) reply {
	in, err := pace.ParseDynamicAuthData(cmd.Data)
	if err != nil {
		return status(swWrongData)
	}
	st.step++
	switch st.step {
	case 1: // encrypted nonce
		if len(in) != 0 {
			return status(swWrongData)
		}
		// One block, except IM with AES-192/256, whose PRF needs a 256-bit s.
		n := st.pr.Cipher.BlockSize()
		if st.pr.Mapping == pace.IntegratedMapping && st.pr.Cipher.KeySize() > 16 {
			n = 32
		}
		st.nonce = c.random(n)
		z, err := pace.EncryptNonce(st.pr.Cipher, pace.PasswordKey(st.pr.Cipher, st.pw), st.nonce)
		if err != nil {
			return status(swWrongData)
		}
		return okData(tlv.Encode(0x7C, tlv.Encode(0x80, z)))
	case 2: // mapping
		v, ok := in[0x81]
		if !ok {
			return status(swWrongData)
		}
		if st.pr.Mapping == pace.IntegratedMapping {
			m, err := pace.MapIntegrated(st.pr.Cipher, st.g, st.nonce, v)
			if err != nil {
				return status(swWrongData)
			}
			st.g = m
			return okData(tlv.Encode(0x7C))
		}
		sk, pk, err := st.g.NewKey(cardRand{c})
		if err != nil {
			return status(swWrongData)
		}
		h, err := st.g.Agree(sk, v)
		if err != nil || bytes.Equal(v, pk) {
			return status(swWrongData)
		}
		m, err := st.g.MapGeneric(st.nonce, h)
		if err != nil {
			return status(swWrongData)
		}
		st.g, st.skMap, st.pkMapIFD = m, sk, v
		return okData(tlv.Encode(0x7C, tlv.Encode(0x82, pk)))
	case 3: // key agreement
		v, ok := in[0x83]
		if !ok {
			return status(swWrongData)
		}
		sk, pk, err := st.g.NewKey(cardRand{c})
		if err != nil {
			return status(swWrongData)
		}
		shared, err := st.g.Agree(sk, v)
		if err != nil || bytes.Equal(v, pk) {
			return status(swWrongData)
		}
		st.ksEnc, st.ksMAC = pace.SessionKeys(st.pr.Cipher, st.g.SharedSecret(shared))
		st.pkIC, st.pkIFD = pk, v
		return okData(tlv.Encode(0x7C, tlv.Encode(0x84, pk)))
	case 4: // mutual authentication
		v, ok := in[0x85]
		if !ok {
			return status(swWrongData)
		}
		want, err := pace.Token(st.pr.Cipher, st.ksMAC, st.pr.OID, st.g.PublicTag(), st.pkIC)
		if err != nil || !bytes.Equal(v, want) {
			return status(swAuthFailed)
		}
		tIC, err := pace.Token(st.pr.Cipher, st.ksMAC, st.pr.OID, st.g.PublicTag(), st.pkIFD)
		if err != nil {
			return status(swWrongData)
		}
		out := tlv.Encode(0x86, tIC)
		if st.pr.Mapping == pace.ChipAuthenticationMapping {
			a, ok := c.camData(st)
			if !ok {
				return status(swRefNotFound)
			}
			out = append(out, tlv.Encode(0x8A, a)...)
		}
		if err := c.startSM(st.pr.Cipher, st.ksEnc, st.ksMAC, make([]byte, st.pr.Cipher.BlockSize())); err != nil {
			return status(swWrongData)
		}
		delete(c.vars, paceVar)
		return okData(tlv.Encode(0x7C, out))
	}
	return status(swCondNotSatisfied)
}

// camData computes A_IC = E(KS_enc, SK_IC⁻¹ · SK_map,IC mod n) with the
// chip's static CA key (it must be on the PACE curve).
func (c *Card) camData(st *paceState) ([]byte, bool) {
	k, err := c.chipAuthKey()
	if err != nil {
		return nil, false
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok || st.std.EC == nil || ek.Curve != st.std.EC.Curve {
		return nil, false
	}
	n := st.std.EC.N
	ca := new(big.Int).ModInverse(ek.D, n)
	ca.Mul(ca, new(big.Int).SetBytes(st.skMap))
	ca.Mod(ca, n)
	a, err := pace.EncryptCAM(st.pr.Cipher, st.ksEnc, ca.FillBytes(make([]byte, (n.BitLen()+7)/8)))
	return a, err == nil
}

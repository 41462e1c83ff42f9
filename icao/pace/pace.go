// Package pace runs Password Authenticated Connection Establishment (ICAO
// 9303-11 §4.4) as the terminal: MSE:Set AT, then four GENERAL AUTHENTICATE
// steps (encrypted nonce, mapping, key agreement, mutual authentication),
// then secure messaging restarted with the new keys and SSC zero.
//
// It supports the CAN and MRZ passwords; generic mapping with ECDH on every
// standardized curve (parameter IDs 8–18) and with DH (0–2); integrated
// mapping (ECDH on curves with p ≡ 3 mod 4, and DH; AES only); and chip
// authentication mapping (CAM), whose chip data the caller verifies against
// EF.CardSecurity with Result.VerifyCAM. The CCCD uses ECDH-GM, AES-128,
// brainpoolP256r1 (CCCDInfo).
package pace

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/cccd-agent/cccd/pki/ecc"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/curves"
)

// Options tune Establish. The zero value is right for real use.
type Options struct {
	// Rand is the source of ephemeral keys and nonces (crypto/rand if nil).
	Rand io.Reader
}

// Result describes an established PACE session.
type Result struct {
	// Protocol is the protocol that ran.
	Protocol Protocol
	// Parameters are the standardized domain parameters used.
	Parameters curves.Standard
	// CAM holds the chip authentication data of a PACE-CAM run (nil for GM
	// and IM). PACE-CAM only proves the chip genuine after VerifyCAM.
	CAM *CAMData
}

// CAMData is what PACE-CAM gives the terminal to check the chip's static key.
type CAMData struct {
	// ChipAuthData is CA_IC, decrypted: SK_IC⁻¹ · SK_map,IC mod n.
	ChipAuthData []byte
	// MapPublicIC is the chip's mapping public key PK_map,IC.
	MapPublicIC []byte
	domain      *ecc.Domain
}

// ErrRefusedKeyOrMapping means the chip answered the last GENERAL
// AUTHENTICATE (the terminal's token) with 6300 or 63Cx. A wrong password
// gives that, but so does a chip whose own mapping or key agreement went
// wrong: the status word cannot tell the two apart. It comes with
// icao.ErrAccessDenied.
var ErrRefusedKeyOrMapping = errors.New("pace: refused at mutual authentication")

// ErrChipLacksProtocol means the chip refused, with "incorrect data" or
// "not supported", the PACE protocol its own EF.CardAccess advertised
// (e.g. an emulator listing PACE-CAM it cannot run): the chip's fault, not
// a wrong key and not a protocol cccd lacks.
var ErrChipLacksProtocol = errors.New("pace: the chip does not support the protocol")

// chipLacks reports the refusals of a protocol at MSE:Set AT or at the
// first GENERAL AUTHENTICATE.
func chipLacks(err error) bool {
	var se *icao.StatusError
	if !errors.As(err, &se) {
		return false
	}
	switch se.SW {
	case 0x6A80, 0x6A81, 0x6A86, 0x6D00:
		return true
	}
	return false
}

// lacking says what the chip does not support, e.g. "the card does not
// support PACE-CAM (ECDH-CAM-AES-CBC-CMAC-128, parameter ID 13)".
func lacking(pr Protocol, id int) string {
	return fmt.Sprintf("the card does not support PACE-%s (%s, parameter ID %d)", pr.Mapping, pr, id)
}

func swNum(err error) uint16 {
	var se *icao.StatusError
	if errors.As(err, &se) {
		return se.SW
	}
	return 0
}

// swOf names the status word inside err ("6300"), or "a refusal".
func swOf(err error) string {
	var se *icao.StatusError
	if errors.As(err, &se) {
		return fmt.Sprintf("%04X", se.SW)
	}
	return "a refusal"
}

// ErrCAMFailed means the PACE-CAM chip authentication data does not match
// the static key from EF.CardSecurity: the chip is not the one the data
// was signed for.
var ErrCAMFailed = errors.New("pace: chip authentication mapping does not verify")

// VerifyCAM checks PK_map,IC = CA_IC · PK_IC for the chip's static
// Chip Authentication public key (an uncompressed point from the
// ChipAuthenticationPublicKeyInfo of EF.CardSecurity). The result counts
// only when EF.CardSecurity itself passed passive authentication.
func (c *CAMData) VerifyCAM(staticPublic []byte) error {
	if c == nil || c.domain == nil {
		return fmt.Errorf("%w: no CAM data", ErrCAMFailed)
	}
	px, py, err := ecc.Unmarshal(c.domain.Curve, staticPublic)
	if err != nil {
		return fmt.Errorf("%w: static key: %w", ErrCAMFailed, err)
	}
	k := new(big.Int).SetBytes(c.ChipAuthData)
	if k.Sign() == 0 || k.Cmp(c.domain.N) >= 0 {
		return fmt.Errorf("%w: CA_IC out of range", ErrCAMFailed)
	}
	x, y := c.domain.Curve.ScalarMult(px, py, c.ChipAuthData)
	if !bytes.Equal(ecc.Marshal(c.domain.Curve, x, y), c.MapPublicIC) {
		return ErrCAMFailed
	}
	return nil
}

// Establish runs PACE with pw on s using the PACEInfo the chip advertised
// and, on success, installs the new secure messaging on s. The master file
// must be selected (EF.CardAccess read), with no secure messaging active.
//
// A refused password — the chip answers 6300/63Cx, or its token does not
// verify — matches icao.ErrAccessDenied; the caller should ask for the CAN
// again. A 6300/63Cx at the last step also matches ErrRefusedKeyOrMapping:
// the chip may have failed the mapping itself. Unsupported parameters match ErrUnsupportedProtocol or
// curves.ErrUnknownParameters. Errors never carry the password.
func Establish(ctx context.Context, s *icao.Session, pw Password, info Info, opts Options) (*Result, error) {
	t := terminal{rand: opts.Rand}
	if t.rand == nil {
		t.rand = rand.Reader
	}
	t.newKey = func(g Group) ([]byte, []byte, error) { return g.NewKey(t.rand) }
	return t.run(ctx, s, pw, info)
}

// terminal is one PACE run; newKey is replaceable so tests can replay the
// ICAO worked example.
type terminal struct {
	rand   io.Reader
	newKey func(Group) (priv, pub []byte, err error)
	nonceT func(n int) ([]byte, error)
}

func (t *terminal) run(ctx context.Context, s *icao.Session, pw Password, info Info) (*Result, error) {
	if pw.Ref() == 0 {
		return nil, fmt.Errorf("pace: no password given")
	}
	pr, err := ParseProtocol(info.Protocol)
	if err != nil {
		return nil, err
	}
	std, err := curves.ByPACEParameterID(info.ParameterID)
	if err != nil {
		return nil, fmt.Errorf("pace: %w", err)
	}
	if pr.ECDH != (std.EC != nil) {
		return nil, fmt.Errorf("%w: %s with parameter ID %d (%s)", ErrUnsupportedProtocol, pr, info.ParameterID, std.Name())
	}
	g, err := NewGroup(std)
	if err != nil {
		return nil, err
	}
	s.SetSecureMessaging(nil) // PACE itself runs in plain
	res := &Result{Protocol: pr, Parameters: std}

	// MSE:Set AT with DO'80' protocol, DO'83' password, DO'84' parameter ID
	// (some chips answer 6A87 without DO'84').
	if _, err := s.Transmit(ctx, icao.Command{INS: 0x22, P1: 0xC1, P2: 0xA4, Data: mseSetAT(pr.OID, pw.Ref(), info.ParameterID)}); err != nil {
		if chipLacks(err) {
			return nil, fmt.Errorf("%w: %s (%04X to MSE:Set AT): %w", ErrChipLacksProtocol, lacking(pr, info.ParameterID), swNum(err), err)
		}
		return nil, fmt.Errorf("pace: MSE:Set AT for %s: %w", pr, err)
	}

	// Step 1: the encrypted nonce.
	resp, err := generalAuthenticate(ctx, s, true, 0, nil, icao.MaxShortNe)
	if err != nil {
		if chipLacks(err) {
			return nil, fmt.Errorf("%w: %s (%04X to the first GENERAL AUTHENTICATE): %w", ErrChipLacksProtocol, lacking(pr, info.ParameterID), swNum(err), err)
		}
		return nil, fmt.Errorf("pace: step 1 (nonce): %w", err)
	}
	z, _, err := expect(resp, 0x80)
	if err != nil {
		return nil, fmt.Errorf("pace: step 1 (nonce): %w", err)
	}
	nonce, err := DecryptNonce(pr.Cipher, PasswordKey(pr.Cipher, pw), z)
	if err != nil {
		return nil, fmt.Errorf("pace: step 1: %w: %w", ErrBadResponse, err)
	}

	// Step 2: mapping.
	mapped, camMapPub, err := t.mapNonce(ctx, s, pr, g, nonce)
	if err != nil {
		return nil, err
	}

	// Step 3: key agreement on the mapped generator.
	sk, pk, err := t.newKey(mapped)
	if err != nil {
		return nil, fmt.Errorf("pace: ephemeral key: %w", err)
	}
	resp, err = generalAuthenticate(ctx, s, true, 0x83, pk, answerLen(mapped))
	if err != nil {
		return nil, fmt.Errorf("pace: step 3 (key agreement): %w", err)
	}
	pkIC, _, err := expect(resp, 0x84)
	if err != nil {
		return nil, fmt.Errorf("pace: step 3 (key agreement): %w", err)
	}
	if bytes.Equal(pkIC, pk) {
		return nil, fmt.Errorf("pace: step 3: %w: chip echoed our key", ErrBadPublicKey)
	}
	shared, err := mapped.Agree(sk, pkIC)
	if err != nil {
		return nil, fmt.Errorf("pace: step 3: %w", err)
	}
	ksEnc, ksMAC := SessionKeys(pr.Cipher, mapped.SharedSecret(shared))

	// Step 4: mutual authentication with the tokens.
	tIFD, err := Token(pr.Cipher, ksMAC, pr.OID, mapped.PublicTag(), pkIC)
	if err != nil {
		return nil, err
	}
	resp, err = generalAuthenticate(ctx, s, false, 0x85, tIFD, icao.MaxShortNe)
	if err != nil {
		if errors.Is(err, icao.ErrAccessDenied) {
			return nil, fmt.Errorf("%w: the chip refused the %s or failed the mapping (%s at the last GENERAL AUTHENTICATE); check the %s and try again: %w",
				ErrRefusedKeyOrMapping, pw.Kind(), swOf(err), pw.Kind(), err)
		}
		return nil, fmt.Errorf("pace: step 4 (mutual authentication): %w", err)
	}
	tIC, all, err := expect(resp, 0x86)
	if err != nil {
		return nil, fmt.Errorf("pace: step 4 (mutual authentication): %w", err)
	}
	want, err := Token(pr.Cipher, ksMAC, pr.OID, mapped.PublicTag(), pk)
	if err != nil {
		return nil, err
	}
	if !tokenEqual(tIC, want) {
		return nil, fmt.Errorf("pace: the chip's token does not verify (wrong %s, or not the chip we talked to): %w", pw.Kind(), icao.ErrAccessDenied)
	}
	if pr.Mapping == ChipAuthenticationMapping {
		enc, ok := all[0x8A]
		if !ok {
			return nil, fmt.Errorf("pace: step 4: %w: PACE-CAM answer without chip authentication data", ErrBadResponse)
		}
		ca, err := decryptCAM(pr.Cipher, ksEnc, enc)
		if err != nil {
			return nil, fmt.Errorf("pace: step 4: %w", err)
		}
		res.CAM = &CAMData{ChipAuthData: ca, MapPublicIC: camMapPub, domain: std.EC}
	}

	sm, err := icao.NewSecureMessaging(pr.Cipher, ksEnc, ksMAC, make([]byte, pr.Cipher.BlockSize()))
	if err != nil {
		return nil, fmt.Errorf("pace: %w", err)
	}
	s.SetSecureMessaging(sm)
	return res, nil
}

// mapNonce runs step 2 and returns the group with the mapped generator (and,
// for CAM, the chip's mapping public key).
func (t *terminal) mapNonce(ctx context.Context, s *icao.Session, pr Protocol, g Group, nonce []byte) (Group, []byte, error) {
	if pr.Mapping == IntegratedMapping {
		var tn []byte
		var err error
		if t.nonceT != nil {
			tn, err = t.nonceT(pr.Cipher.KeySize())
		} else {
			tn = make([]byte, pr.Cipher.KeySize())
			_, err = io.ReadFull(t.rand, tn)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("pace: nonce t: %w", err)
		}
		resp, err := generalAuthenticate(ctx, s, true, 0x81, tn, icao.MaxShortNe)
		if err != nil {
			return nil, nil, fmt.Errorf("pace: step 2 (integrated mapping): %w", err)
		}
		if _, err := ParseDynamicAuthData(resp); err != nil {
			return nil, nil, fmt.Errorf("pace: step 2 (integrated mapping): %w", err)
		}
		m, err := MapIntegrated(pr.Cipher, g, nonce, tn)
		if err != nil {
			return nil, nil, fmt.Errorf("pace: step 2: %w", err)
		}
		return m, nil, nil
	}
	skMap, pkMap, err := t.newKey(g)
	if err != nil {
		return nil, nil, fmt.Errorf("pace: mapping key: %w", err)
	}
	resp, err := generalAuthenticate(ctx, s, true, 0x81, pkMap, answerLen(g))
	if err != nil {
		return nil, nil, fmt.Errorf("pace: step 2 (mapping): %w", err)
	}
	pkMapIC, _, err := expect(resp, 0x82)
	if err != nil {
		return nil, nil, fmt.Errorf("pace: step 2 (mapping): %w", err)
	}
	if bytes.Equal(pkMapIC, pkMap) {
		return nil, nil, fmt.Errorf("pace: step 2: %w: chip echoed our key", ErrBadPublicKey)
	}
	h, err := g.Agree(skMap, pkMapIC)
	if err != nil {
		return nil, nil, fmt.Errorf("pace: step 2: %w", err)
	}
	m, err := g.MapGeneric(nonce, h)
	if err != nil {
		return nil, nil, fmt.Errorf("pace: step 2: %w", err)
	}
	return m, pkMapIC, nil
}

// mseSetAT builds the MSE:Set AT data: 80 OID, 83 password ref, 84 param ID.
func mseSetAT(oid asn1.ObjectIdentifier, ref byte, paramID int) []byte {
	der, _ := asn1.Marshal(oid) // a parsed protocol OID always encodes
	out := append([]byte{0x80}, der[1:]...)
	out = append(out, 0x83, 0x01, ref)
	return append(out, 0x84, 0x01, byte(paramID))
}

// generalAuthenticate sends one GENERAL AUTHENTICATE step; chained steps
// set CLA bit 0x10 (all but the last). ne is what the answer may need.
func generalAuthenticate(ctx context.Context, s *icao.Session, chained bool, tag uint32, value []byte, ne int) ([]byte, error) {
	cla := byte(0)
	if chained {
		cla = 0x10
	}
	return s.Transmit(ctx, icao.Command{CLA: cla, INS: 0x86, Data: dynamicAuthData(tag, value), Ne: ne})
}

// answerLen is the Ne for GENERAL AUTHENTICATE in group g: a short Le
// unless a public key in 7C { 8x } would not fit (DH 2048 needs extended).
func answerLen(g Group) int {
	elem := (g.Prime().BitLen() + 7) / 8
	if g.PublicTag() == 0x86 {
		elem = 1 + 2*elem
	}
	if elem+8 > icao.MaxShortNe {
		return icao.MaxExtendedNe
	}
	return icao.MaxShortNe
}

// camIV returns E(KS_enc, −1), the IV of the PACE-CAM encrypted chip data.
func camIV(c icao.Cipher, ksEnc []byte) ([]byte, error) {
	b, err := icao.NewBlock(c, ksEnc)
	if err != nil {
		return nil, err
	}
	iv := bytes.Repeat([]byte{0xFF}, b.BlockSize())
	b.Encrypt(iv, iv)
	return iv, nil
}

package sim

// Chip keys for simulated profiles: the Chip Authentication key and DG14,
// the Active Authentication key and DG15, and EF.CardAccess with the PACE
// parameters, as on a real CCCD. Profile generation calls AddChipKeys
// before it computes the SOD (so DG14 and DG15 are hashed into it);
// CloneChipKeys makes a clone for tests: same files, new chip keys.

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sort"

	"github.com/cccd-agent/cccd/pki/ecc"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/activeauth"
	"github.com/cccd-agent/cccd/icao/curves"
	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/icao/pace"
	"github.com/cccd-agent/cccd/internal/tlv"
)

// ChipKeyOptions choose the chip's protocols and keys. The zero value is
// the CCCD: PACE ECDH-GM AES-128 on brainpoolP256r1 (parameter ID 13),
// CA ECDH AES-128 on brainpoolP256r1, AA with ECDSA brainpoolP256r1/SHA-256.
type ChipKeyOptions struct {
	// NoPACE makes a chip that offers only BAC (no EF.CardAccess).
	NoPACE bool
	// PACEMapping is GM (default), IM or CAM.
	PACEMapping pace.Mapping
	// PACEDomain names the standardized domain parameters by their
	// curves name: "brainpoolP256r1" (default, ID 13), "P-256",
	// "MODP-1024-160" (ID 0) ...
	PACEDomain string
	// PACECipher is the PACE cipher (default AES-128).
	PACECipher icao.Cipher
	// CADomain names the CA key's domain like PACEDomain (default
	// brainpoolP256r1; a MODP group gives DH Chip Authentication).
	CADomain string
	// CACipher is the CA cipher (default AES-128; 3DES uses MSE:Set KAT).
	CACipher icao.Cipher
	// AARSABits makes an RSA AA key of that size instead of ECDSA.
	AARSABits int
	// Rand is the key source (crypto/rand if nil).
	Rand io.Reader
}

func (o ChipKeyOptions) withDefaults() ChipKeyOptions {
	if o.PACEMapping == 0 {
		o.PACEMapping = pace.GenericMapping
	}
	if o.PACEDomain == "" {
		o.PACEDomain = "brainpoolP256r1"
	}
	if o.PACECipher == 0 {
		o.PACECipher = icao.CipherAES128
	}
	if o.CADomain == "" {
		o.CADomain = "brainpoolP256r1"
	}
	if o.CACipher == 0 {
		o.CACipher = icao.CipherAES128
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	return o
}

// AddChipKeys generates the chip's CA and AA keys and writes DG14, DG15 and
// (unless NoPACE) EF.CardAccess into p, setting p.PACE. DG14 holds every
// SecurityInfo of EF.CardAccess besides its own (ICAO 9303-11 §9.2). A PACE-CAM chip uses
// its CA key for CAM, so CAM needs CADomain = PACEDomain. EF.CardSecurity,
// which a verifier needs to bind CAM, must be signed: GenerateProfile writes
// it (AddChipKeys alone does not).
func AddChipKeys(p *Profile, opts ChipKeyOptions) error {
	o := opts.withDefaults()
	if p.Files == nil {
		p.Files = map[string][]byte{}
	}
	caKey, caPub, err := newCAKey(o.CADomain, o.Rand)
	if err != nil {
		return err
	}
	aaKey, aaPub, aaHash, err := newAAKey(o)
	if err != nil {
		return err
	}
	if p.ChipAuthKey, err = curves.MarshalPKCS8(caKey); err != nil {
		return fmt.Errorf("sim: CA key: %w", err)
	}
	if p.ActiveAuthKey, err = curves.MarshalPKCS8(aaKey); err != nil {
		return fmt.Errorf("sim: AA key: %w", err)
	}
	caSPKI, err := curves.MarshalPKIXPublicKey(caPub)
	if err != nil {
		return fmt.Errorf("sim: CA public key: %w", err)
	}
	aaSPKI, err := curves.MarshalPKIXPublicKey(aaPub)
	if err != nil {
		return fmt.Errorf("sim: AA public key: %w", err)
	}
	_, isDH := caPub.(*curves.DHPublicKey)
	pkOID := lds.OIDPKECDH
	if isDH {
		pkOID = lds.OIDPKDH
	}
	caOID := caProtocolOID(!isDH, o.CACipher)
	dg14 := []asn1.RawValue{
		rawSeq(caOID, 1),
		rawSeq(pkOID, asn1.RawValue{FullBytes: caSPKI}),
	}
	if aaHash != 0 {
		sig, _ := activeauth.SignatureAlgorithmOID(aaHash)
		dg14 = append(dg14, rawSeq(lds.OIDAA, 1, sig))
	}
	p.Files["DG15"] = tlv.Encode(0x6F, aaSPKI)
	p.PACE = !o.NoPACE
	if o.NoPACE {
		p.Files["DG14"] = tlv.Encode(0x6E, derSet(dg14))
		delete(p.Files, "CardAccess")
		return nil
	}
	std, err := domainByName(o.PACEDomain)
	if err != nil {
		return err
	}
	paceOID := pace.ProtocolOID(o.PACEMapping, std.EC != nil, o.PACECipher)
	if _, err := pace.ParseProtocol(paceOID); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	cardAccess := []asn1.RawValue{
		rawSeq(lds.OIDTA, 1),
		rawSeq(caOID, 1),
		rawSeq(paceOID, 2, std.ID),
	}
	p.Files["CardAccess"] = derSet(cardAccess)
	// ICAO 9303-11 §9.2: DG14, which the SOD signs, holds every
	// SecurityInfo of EF.CardAccess, so that a reader can bind the
	// unsigned PACE parameters to the issuer.
	for _, info := range cardAccess {
		if !containsRaw(dg14, info) {
			dg14 = append(dg14, info)
		}
	}
	p.Files["DG14"] = tlv.Encode(0x6E, derSet(dg14))
	return nil
}

// containsRaw reports whether set holds an element with info's encoding.
func containsRaw(set []asn1.RawValue, info asn1.RawValue) bool {
	for _, v := range set {
		if bytes.Equal(v.FullBytes, info.FullBytes) {
			return true
		}
	}
	return false
}

// CloneChipKeys returns a copy of p with the same files — DG14 and DG15
// still naming p's public keys — but new private chip keys of the same
// kind: what a cloned chip looks like. Passive authentication still passes
// on it; CA and AA must fail.
func CloneChipKeys(p *Profile, rnd io.Reader) (*Profile, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	q := *p
	q.Files = make(map[string][]byte, len(p.Files))
	for k, v := range p.Files {
		q.Files[k] = append([]byte(nil), v...)
	}
	re := func(der []byte) ([]byte, error) {
		if len(der) == 0 {
			return nil, nil
		}
		k, err := curves.ParsePKCS8(der)
		if err != nil {
			return nil, err
		}
		var nk any
		switch key := k.(type) {
		case *ecdsa.PrivateKey:
			nk, err = ecdsa.GenerateKey(key.Curve, rnd)
		case *rsa.PrivateKey:
			nk, err = rsa.GenerateKey(rnd, key.N.BitLen())
		case *curves.DHPrivateKey:
			nk, err = newDHKey(key.Group, rnd)
		default:
			return nil, fmt.Errorf("sim: chip key of type %T", k)
		}
		if err != nil {
			return nil, err
		}
		return curves.MarshalPKCS8(nk)
	}
	var err error
	if q.ChipAuthKey, err = re(p.ChipAuthKey); err != nil {
		return nil, fmt.Errorf("sim: clone CA key: %w", err)
	}
	if q.ActiveAuthKey, err = re(p.ActiveAuthKey); err != nil {
		return nil, fmt.Errorf("sim: clone AA key: %w", err)
	}
	return &q, nil
}

// domainByName finds standardized domain parameters by name.
func domainByName(name string) (curves.Standard, error) {
	for id := 0; id <= 18; id++ {
		if s, err := curves.ByPACEParameterID(id); err == nil && s.Name() == name {
			return s, nil
		}
	}
	return curves.Standard{}, fmt.Errorf("sim: unknown domain parameters %q", name)
}

func newCAKey(domain string, rnd io.Reader) (priv, pub any, err error) {
	std, err := domainByName(domain)
	if err != nil {
		return nil, nil, err
	}
	if std.DH != nil {
		k, err := newDHKey(std.DH, rnd)
		if err != nil {
			return nil, nil, err
		}
		return k, &curves.DHPublicKey{Group: k.Group, Y: k.Y}, nil
	}
	k, err := ecdsa.GenerateKey(std.EC.Curve, rnd)
	if err != nil {
		return nil, nil, fmt.Errorf("sim: CA key: %w", err)
	}
	return k, &k.PublicKey, nil
}

func newDHKey(g *curves.DHGroup, rnd io.Reader) (*curves.DHPrivateKey, error) {
	x, err := ecc.RandomScalar(rnd, g.Q)
	if err != nil {
		return nil, err
	}
	xi := new(big.Int).SetBytes(x)
	return &curves.DHPrivateKey{Group: g, X: xi, Y: new(big.Int).Exp(g.G, xi, g.P)}, nil
}

func newAAKey(o ChipKeyOptions) (priv, pub any, h crypto.Hash, err error) {
	if o.AARSABits > 0 {
		k, err := rsa.GenerateKey(o.Rand, o.AARSABits)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("sim: AA key: %w", err)
		}
		return k, &k.PublicKey, 0, nil
	}
	std, _ := curves.ByPACEParameterID(13)
	k, err := ecdsa.GenerateKey(std.EC.Curve, o.Rand)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("sim: AA key: %w", err)
	}
	return k, &k.PublicKey, crypto.SHA256, nil
}

func caProtocolOID(ecdh bool, c icao.Cipher) asn1.ObjectIdentifier {
	ka := 1
	if ecdh {
		ka = 2
	}
	return append(append(asn1.ObjectIdentifier(nil), lds.OIDCA...), ka, int(c))
}

// rawSeq encodes SEQUENCE { oid, values... } for a SecurityInfo.
func rawSeq(oid asn1.ObjectIdentifier, values ...any) asn1.RawValue {
	parts := []any{oid}
	parts = append(parts, values...)
	var body []byte
	for _, v := range parts {
		b, err := asn1.Marshal(v)
		if err != nil {
			panic(errors.New("sim: SecurityInfo value does not encode")) // programming error: fixed types
		}
		body = append(body, b...)
	}
	return asn1.RawValue{FullBytes: tlv.Encode(0x30, body)}
}

// derSet encodes a DER SET OF with its elements sorted.
func derSet(items []asn1.RawValue) []byte {
	enc := make([][]byte, len(items))
	for i, it := range items {
		enc[i] = it.FullBytes
	}
	sort.Slice(enc, func(i, j int) bool { return bytes.Compare(enc[i], enc[j]) < 0 })
	return tlv.Encode(0x31, enc...)
}

package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	encasn1 "encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"github.com/cccd-agent/cccd/pki/oids"

	"github.com/cccd-agent/cccd/pki/ecc"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Key errors callers branch on.
var (
	// ErrUnsupportedKey: the key algorithm is not RSA or ECDSA over a prime field.
	ErrUnsupportedKey = errors.New("unsupported public key algorithm")
	// ErrUnsupportedCurve: the curve (named or explicit) has no implementation here.
	ErrUnsupportedCurve = errors.New("unsupported elliptic curve")
)

// ParsePublicKey decodes a DER SubjectPublicKeyInfo into *rsa.PublicKey or
// *ecdsa.PublicKey. It accepts what eMRTD PKIs use and crypto/x509 refuses:
// RSA under rsaEncryption or id-RSASSA-PSS, RSA without NULL parameters, EC
// keys on NIST and Brainpool r1 curves given by OID or by explicit parameters
// (matched on the whole domain p, a, b, G, n, h), and compressed points.
func ParsePublicKey(spki []byte) (crypto.PublicKey, error) {
	in := cryptobyte.String(spki)
	var seq, bits cryptobyte.String
	if !in.ReadASN1(&seq, asn1.SEQUENCE) || !in.Empty() {
		return nil, fmt.Errorf("%w: SubjectPublicKeyInfo", ErrMalformed)
	}
	alg, err := readAlgorithm(&seq, "public key")
	if err != nil {
		return nil, err
	}
	if !seq.ReadASN1(&bits, asn1.BIT_STRING) || len(bits) < 1 || bits[0] != 0 {
		return nil, fmt.Errorf("%w: public key BIT STRING", ErrMalformed)
	}
	key := bits[1:]
	switch {
	case alg.Algorithm.Equal(oids.RSAEncryption), alg.Algorithm.Equal(oids.RSASSAPSS):
		k, err := parseRSAKey(key)
		if err != nil {
			return nil, err // an untyped nil: never a nil *rsa.PublicKey in the interface
		}
		return k, nil
	case alg.Algorithm.Equal(oids.ECPublicKey):
		c, err := parseECParams(alg.Parameters)
		if err != nil {
			return nil, err
		}
		k, err := parseECPoint(c, key)
		if err != nil {
			return nil, err
		}
		return k, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrUnsupportedKey, alg.Algorithm)
}

const maxRSABits = 8192

func parseRSAKey(b []byte) (*rsa.PublicKey, error) {
	in := cryptobyte.String(b)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, asn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: RSAPublicKey", ErrMalformed)
	}
	n, ok1 := readInteger(&seq)
	e, ok2 := readInteger(&seq)
	if !ok1 || !ok2 || n.Sign() <= 0 || e.Sign() <= 0 || !e.IsInt64() || e.Int64() > 1<<31-1 || e.Int64() < 3 {
		return nil, fmt.Errorf("%w: RSA modulus or exponent", ErrMalformed)
	}
	// eMRTD keys are 1024–4096 bits; larger ones would only make hostile
	// input expensive to check.
	if n.BitLen() > maxRSABits {
		return nil, fmt.Errorf("%w: RSA modulus of %d bits", ErrUnsupportedKey, n.BitLen())
	}
	return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
}

// parseECParams resolves ECParameters: a named-curve OID or an explicit
// SpecifiedECDomain. implicitlyCA (NULL) is refused: the domain would come
// from the issuer, which eMRTD PKIs do not use.
func parseECParams(params []byte) (*ecc.Domain, error) {
	in := cryptobyte.String(params)
	if in.PeekASN1Tag(asn1.OBJECT_IDENTIFIER) {
		var oid encasn1.ObjectIdentifier
		if !in.ReadASN1ObjectIdentifier(&oid) {
			return nil, fmt.Errorf("%w: named curve", ErrMalformed)
		}
		d, ok := ecc.DomainByOID(oid)
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrUnsupportedCurve, oid)
		}
		return d, nil
	}
	e, err := parseSpecifiedDomain(in)
	if err != nil {
		return nil, err
	}
	// The base point is decoded only with a known (prime) field, so hostile
	// parameters never reach ModSqrt; ecc.MatchExplicit then compares the
	// whole domain.
	for _, d := range ecc.Domains() {
		if d.P.Cmp(e.p) != 0 {
			continue
		}
		gx, gy, err := d.DecodePoint(e.base)
		if err != nil {
			continue
		}
		if _, name, ok := ecc.MatchExplicit(e.p, e.a, e.b, gx, gy, e.n, e.h); ok && name == d.Name {
			return d, nil
		}
	}
	return nil, fmt.Errorf("%w: explicit parameters (%d-bit prime) match no known curve", ErrUnsupportedCurve, e.p.BitLen())
}

// explicitDomain is a SpecifiedECDomain as read; h is nil when the optional
// cofactor is absent.
type explicitDomain struct {
	p, a, b, n, h *big.Int
	base          []byte // encoded generator
}

// parseSpecifiedDomain decodes SEC 1 SpecifiedECDomain over a prime field.
func parseSpecifiedDomain(in cryptobyte.String) (*explicitDomain, error) {
	var seq, field, curve, a, b, base cryptobyte.String
	var fieldType encasn1.ObjectIdentifier
	d := &explicitDomain{}
	bad := fmt.Errorf("%w: explicit EC parameters", ErrMalformed)
	if !in.ReadASN1(&seq, asn1.SEQUENCE) {
		return nil, bad
	}
	if _, ok := ReadSmallInt(&seq); !ok {
		return nil, bad
	}
	if !seq.ReadASN1(&field, asn1.SEQUENCE) || !field.ReadASN1ObjectIdentifier(&fieldType) {
		return nil, bad
	}
	if !fieldType.Equal(oids.PrimeField) {
		return nil, fmt.Errorf("%w: characteristic-two field", ErrUnsupportedCurve)
	}
	var ok bool
	if d.p, ok = readInteger(&field); !ok || d.p.Sign() <= 0 || d.p.BitLen() > 1024 {
		return nil, bad
	}
	if !seq.ReadASN1(&curve, asn1.SEQUENCE) || !curve.ReadASN1(&a, asn1.OCTET_STRING) ||
		!curve.ReadASN1(&b, asn1.OCTET_STRING) || !seq.ReadASN1(&base, asn1.OCTET_STRING) {
		return nil, bad
	}
	d.a, d.b, d.base = new(big.Int).SetBytes(a), new(big.Int).SetBytes(b), base
	if d.n, ok = readInteger(&seq); !ok {
		return nil, bad
	}
	if !seq.Empty() {
		h, ok := readInteger(&seq)
		if !ok || !h.IsInt64() {
			return nil, bad
		}
		d.h = h
	}
	return d, nil
}

// parseECPoint decodes the key point and checks it lies on the curve.
func parseECPoint(d *ecc.Domain, b []byte) (*ecdsa.PublicKey, error) {
	x, y, err := d.DecodePoint(b)
	if err != nil {
		return nil, fmt.Errorf("%w: EC point encoding", ErrMalformed)
	}
	if !d.Curve.IsOnCurve(x, y) {
		return nil, fmt.Errorf("%w: EC point not on %s", ErrMalformed, d.Name)
	}
	return &ecdsa.PublicKey{Curve: d.Curve, X: x, Y: y}, nil
}

// keyDescription names a key for display: "RSA-2048", "ECDSA brainpoolP512r1".
func keyDescription(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA-%d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + curveName(k.Curve)
	}
	return "unknown"
}

func curveName(c elliptic.Curve) string {
	if n := ecc.Name(c); n != "" {
		return n
	}
	return c.Params().Name
}

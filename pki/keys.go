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
	case alg.Algorithm.Equal(OIDRSAEncryption), alg.Algorithm.Equal(OIDRSASSAPSS):
		k, err := parseRSAKey(key)
		if err != nil {
			return nil, err // an untyped nil: never a nil *rsa.PublicKey in the interface
		}
		return k, nil
	case alg.Algorithm.Equal(OIDECPublicKey):
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
func parseECParams(params []byte) (*curveInfo, error) {
	in := cryptobyte.String(params)
	if in.PeekASN1Tag(asn1.OBJECT_IDENTIFIER) {
		var oid encasn1.ObjectIdentifier
		if !in.ReadASN1ObjectIdentifier(&oid) {
			return nil, fmt.Errorf("%w: named curve", ErrMalformed)
		}
		c := curveByOID(oid)
		if c == nil {
			return nil, fmt.Errorf("%w: %s", ErrUnsupportedCurve, oid)
		}
		return c, nil
	}
	d, base, err := parseSpecifiedDomain(in)
	if err != nil {
		return nil, err
	}
	// Match p, a, b, n, h first; the base point is decoded with the matched
	// (known-prime) field only, so hostile parameters never reach ModSqrt.
	for _, c := range knownCurves {
		if !c.sameDomain(d) {
			continue
		}
		gx, gy, err := decodePoint(c, base)
		if err == nil && gx.Cmp(c.gx) == 0 && gy.Cmp(c.gy) == 0 {
			return c, nil
		}
	}
	return nil, fmt.Errorf("%w: explicit parameters (%d-bit prime) match no known curve", ErrUnsupportedCurve, d.p.BitLen())
}

// parseSpecifiedDomain decodes SEC 1 SpecifiedECDomain over a prime field.
// The base point is returned encoded.
func parseSpecifiedDomain(in cryptobyte.String) (*curveInfo, []byte, error) {
	var seq, field, curve, a, b, base cryptobyte.String
	var fieldType encasn1.ObjectIdentifier
	d := &curveInfo{}
	bad := fmt.Errorf("%w: explicit EC parameters", ErrMalformed)
	if !in.ReadASN1(&seq, asn1.SEQUENCE) {
		return nil, nil, bad
	}
	if _, ok := ReadSmallInt(&seq); !ok {
		return nil, nil, bad
	}
	if !seq.ReadASN1(&field, asn1.SEQUENCE) || !field.ReadASN1ObjectIdentifier(&fieldType) {
		return nil, nil, bad
	}
	if !fieldType.Equal(OIDPrimeField) {
		return nil, nil, fmt.Errorf("%w: characteristic-two field", ErrUnsupportedCurve)
	}
	var ok bool
	if d.p, ok = readInteger(&field); !ok || d.p.Sign() <= 0 || d.p.BitLen() > 1024 {
		return nil, nil, bad
	}
	if !seq.ReadASN1(&curve, asn1.SEQUENCE) || !curve.ReadASN1(&a, asn1.OCTET_STRING) ||
		!curve.ReadASN1(&b, asn1.OCTET_STRING) || !seq.ReadASN1(&base, asn1.OCTET_STRING) {
		return nil, nil, bad
	}
	d.a, d.b = new(big.Int).SetBytes(a), new(big.Int).SetBytes(b)
	if d.n, ok = readInteger(&seq); !ok {
		return nil, nil, bad
	}
	if !seq.Empty() {
		h, ok := readInteger(&seq)
		if !ok || !h.IsInt64() {
			return nil, nil, bad
		}
		d.h = h.Int64()
	}
	return d, base, nil
}

// parseECPoint decodes the key point and checks it lies on the curve.
func parseECPoint(c *curveInfo, b []byte) (*ecdsa.PublicKey, error) {
	if c.curve == nil {
		return nil, fmt.Errorf("%w: %s has no implementation yet", ErrUnsupportedCurve, c.name)
	}
	x, y, err := decodePoint(c, b)
	if err != nil {
		return nil, err
	}
	if !c.curve.IsOnCurve(x, y) {
		return nil, fmt.Errorf("%w: EC point not on %s", ErrMalformed, c.name)
	}
	return &ecdsa.PublicKey{Curve: c.curve, X: x, Y: y}, nil
}

// decodePoint decodes an uncompressed (04) or compressed (02/03) point
// using the domain's p, a and b; d must be a known curve (p prime).
func decodePoint(d *curveInfo, b []byte) (x, y *big.Int, err error) {
	size := (d.p.BitLen() + 7) / 8
	bad := fmt.Errorf("%w: EC point encoding", ErrMalformed)
	switch {
	case len(b) == 1+2*size && b[0] == 4:
		x = new(big.Int).SetBytes(b[1 : 1+size])
		y = new(big.Int).SetBytes(b[1+size:])
	case len(b) == 1+size && (b[0] == 2 || b[0] == 3):
		x = new(big.Int).SetBytes(b[1:])
		// y² = x³ + a·x + b (mod p)
		rhs := new(big.Int).Exp(x, big.NewInt(3), d.p)
		rhs.Add(rhs, new(big.Int).Mul(d.a, x))
		rhs.Add(rhs, d.b)
		rhs.Mod(rhs, d.p)
		y = new(big.Int).ModSqrt(rhs, d.p)
		if y == nil {
			return nil, nil, bad
		}
		if y.Bit(0) != uint(b[0]&1) {
			y.Sub(d.p, y)
		}
	default:
		return nil, nil, bad
	}
	if x.Cmp(d.p) >= 0 || y.Cmp(d.p) >= 0 {
		return nil, nil, bad
	}
	return x, y, nil
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
	for _, k := range knownCurves {
		if k.curve == c {
			return k.name
		}
	}
	return c.Params().Name
}

package curves

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"github.com/cccd-agent/cccd/pki/oids"

	"github.com/cccd-agent/cccd/pki"
	"github.com/cccd-agent/cccd/pki/ecc"
)

// Key encodings for curves crypto/x509 does not know (brainpool, P-192) and
// for X9.42 Diffie-Hellman keys (Chip Authentication with DH): PKCS#8
// private keys and SubjectPublicKeyInfo public keys with a namedCurve OID or
// DH domain parameters.

// ErrUnsupportedKey is returned for a key encoding this package cannot read.
var ErrUnsupportedKey = errors.New("curves: unsupported key")

// OIDDHPublicNumber is X9.42 dhpublicnumber, the DH SPKI algorithm.
var OIDDHPublicNumber = oids.DHPublicNumber

// DHPrivateKey is a Diffie-Hellman private key X in Group (public Y = G^X).
type DHPrivateKey struct {
	Group *DHGroup
	X, Y  *big.Int
}

// DHPublicKey is a Diffie-Hellman public value Y in Group.
type DHPublicKey struct {
	Group *DHGroup
	Y     *big.Int
}

type pkcs8 struct {
	Version    int
	Algo       pkix.AlgorithmIdentifier
	PrivateKey []byte
}

type ecPrivateKey struct {
	Version    int
	PrivateKey []byte
	Params     asn1.ObjectIdentifier `asn1:"optional,explicit,tag:0"`
	PublicKey  asn1.BitString        `asn1:"optional,explicit,tag:1"`
}

type dhDomain struct {
	P, G, Q *big.Int
}

type spki struct {
	Algo      pkix.AlgorithmIdentifier
	PublicKey asn1.BitString
}

// MarshalPKCS8 encodes an ECDSA key on any curve of this package (named
// curve OID), an RSA key, or a *DHPrivateKey as PKCS#8 DER.
func MarshalPKCS8(key any) ([]byte, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return x509.MarshalPKCS8PrivateKey(k)
	case *ecdsa.PrivateKey:
		oid, ok := ecc.OID(k.Curve)
		if !ok {
			return nil, fmt.Errorf("%w: curve %s", ErrUnsupportedKey, k.Curve.Params().Name)
		}
		n := (k.Curve.Params().N.BitLen() + 7) / 8
		inner, err := asn1.Marshal(ecPrivateKey{Version: 1, PrivateKey: k.D.FillBytes(make([]byte, n)),
			PublicKey: asn1.BitString{Bytes: ecc.Marshal(k.Curve, k.X, k.Y), BitLength: 8 * len(ecc.Marshal(k.Curve, k.X, k.Y))}})
		if err != nil {
			return nil, err
		}
		params, _ := asn1.Marshal(oid)
		return asn1.Marshal(pkcs8{Algo: pkix.AlgorithmIdentifier{Algorithm: oids.ECPublicKey, Parameters: asn1.RawValue{FullBytes: params}}, PrivateKey: inner})
	case *DHPrivateKey:
		params, err := asn1.Marshal(dhDomain{P: k.Group.P, G: k.Group.G, Q: k.Group.Q})
		if err != nil {
			return nil, err
		}
		inner, err := asn1.Marshal(k.X)
		if err != nil {
			return nil, err
		}
		return asn1.Marshal(pkcs8{Algo: pkix.AlgorithmIdentifier{Algorithm: OIDDHPublicNumber, Parameters: asn1.RawValue{FullBytes: params}}, PrivateKey: inner})
	}
	return nil, fmt.Errorf("%w: %T", ErrUnsupportedKey, key)
}

// ParsePKCS8 decodes what MarshalPKCS8 writes: *ecdsa.PrivateKey (any
// curve of this package), *rsa.PrivateKey or *DHPrivateKey.
func ParsePKCS8(der []byte) (any, error) {
	var p pkcs8
	if rest, err := asn1.Unmarshal(der, &p); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("%w: not PKCS#8", ErrUnsupportedKey)
	}
	switch {
	case p.Algo.Algorithm.Equal(oids.ECPublicKey):
		var oid asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(p.Algo.Parameters.FullBytes, &oid); err != nil {
			return nil, fmt.Errorf("%w: EC key without a named curve", ErrUnsupportedKey)
		}
		d, ok := ecc.DomainByOID(oid)
		if !ok {
			return nil, fmt.Errorf("%w: curve %v", ErrUnsupportedKey, oid)
		}
		var ek ecPrivateKey
		if _, err := asn1.Unmarshal(p.PrivateKey, &ek); err != nil {
			return nil, fmt.Errorf("%w: EC private key: %v", ErrUnsupportedKey, err)
		}
		k := new(big.Int).SetBytes(ek.PrivateKey)
		if k.Sign() == 0 || k.Cmp(d.N) >= 0 {
			return nil, fmt.Errorf("%w: EC private scalar out of range", ErrUnsupportedKey)
		}
		x, y := d.Curve.ScalarBaseMult(k.FillBytes(make([]byte, (d.N.BitLen()+7)/8)))
		return &ecdsa.PrivateKey{PublicKey: ecdsa.PublicKey{Curve: d.Curve, X: x, Y: y}, D: k}, nil
	case p.Algo.Algorithm.Equal(OIDDHPublicNumber):
		var dom dhDomain
		if _, err := asn1.Unmarshal(p.Algo.Parameters.FullBytes, &dom); err != nil {
			return nil, fmt.Errorf("%w: DH parameters: %v", ErrUnsupportedKey, err)
		}
		g, ok := MatchDH(dom.P, dom.G, dom.Q)
		if !ok {
			return nil, fmt.Errorf("%w: non-standard DH group", ErrUnsupportedKey)
		}
		var x *big.Int
		if _, err := asn1.Unmarshal(p.PrivateKey, &x); err != nil || x.Sign() <= 0 || x.Cmp(g.Q) >= 0 {
			return nil, fmt.Errorf("%w: DH private value", ErrUnsupportedKey)
		}
		return &DHPrivateKey{Group: g, X: x, Y: new(big.Int).Exp(g.G, x, g.P)}, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedKey, err)
	}
	return k, nil
}

// MarshalPKIXPublicKey encodes an *ecdsa.PublicKey (named curve), an
// *rsa.PublicKey or a *DHPublicKey as a SubjectPublicKeyInfo.
func MarshalPKIXPublicKey(pub any) ([]byte, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return x509.MarshalPKIXPublicKey(k)
	case *ecdsa.PublicKey:
		oid, ok := ecc.OID(k.Curve)
		if !ok {
			return nil, fmt.Errorf("%w: curve %s", ErrUnsupportedKey, k.Curve.Params().Name)
		}
		params, _ := asn1.Marshal(oid)
		pt := ecc.Marshal(k.Curve, k.X, k.Y)
		return asn1.Marshal(spki{Algo: pkix.AlgorithmIdentifier{Algorithm: oids.ECPublicKey, Parameters: asn1.RawValue{FullBytes: params}},
			PublicKey: asn1.BitString{Bytes: pt, BitLength: 8 * len(pt)}})
	case *DHPublicKey:
		params, err := asn1.Marshal(dhDomain{P: k.Group.P, G: k.Group.G, Q: k.Group.Q})
		if err != nil {
			return nil, err
		}
		y, err := asn1.Marshal(k.Y)
		if err != nil {
			return nil, err
		}
		return asn1.Marshal(spki{Algo: pkix.AlgorithmIdentifier{Algorithm: OIDDHPublicNumber, Parameters: asn1.RawValue{FullBytes: params}},
			PublicKey: asn1.BitString{Bytes: y, BitLength: 8 * len(y)}})
	}
	return nil, fmt.Errorf("%w: %T", ErrUnsupportedKey, pub)
}

// ParsePKIXPublicKey decodes an X9.42 DH key in a standard group, or hands
// any other SubjectPublicKeyInfo to pki.ParsePublicKey (RSA, EC with named or
// explicit parameters matched on the whole domain), the one SPKI parser.
func ParsePKIXPublicKey(der []byte) (any, error) {
	var s spki
	if rest, err := asn1.Unmarshal(der, &s); err == nil && len(rest) == 0 && s.Algo.Algorithm.Equal(OIDDHPublicNumber) {
		var dom dhDomain
		if _, err := asn1.Unmarshal(s.Algo.Parameters.FullBytes, &dom); err != nil {
			return nil, fmt.Errorf("%w: DH parameters: %v", ErrUnsupportedKey, err)
		}
		g, ok := MatchDH(dom.P, dom.G, dom.Q)
		if !ok {
			return nil, fmt.Errorf("%w: non-standard DH group", ErrUnsupportedKey)
		}
		var y *big.Int
		if _, err := asn1.Unmarshal(s.PublicKey.RightAlign(), &y); err != nil || !g.ValidElement(y) {
			return nil, fmt.Errorf("%w: DH public value", ErrUnsupportedKey)
		}
		return &DHPublicKey{Group: g, Y: y}, nil
	}
	k, err := pki.ParsePublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupportedKey, err)
	}
	return k, nil
}

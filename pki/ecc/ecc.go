// Package ecc is the one table of elliptic curves that eMRTD PKI and
// protocols use (NIST P-192…P-521, brainpool r1 192…512), with their full
// domain parameters, lookup by OID, name or curve value, matching of explicit
// domain parameters on the whole domain (never on the prime alone: a
// brainpool t1 curve shares p with its r1 twin), and point encoding.
//
// NIST P-224/256/384/521 come from crypto/elliptic and brainpoolP256r1,
// P384r1 and P512r1 from github.com/ProtonMail/go-crypto/brainpool; P-192,
// brainpoolP192r1, P224r1 and P320r1 use this package's Weierstrass type.
// Everything here is immutable and safe for concurrent use.
package ecc

import (
	"crypto/elliptic"
	"encoding/asn1"
	"math/big"
	"sync"

	"github.com/ProtonMail/go-crypto/brainpool"
)

// Domain is one named elliptic curve with its full domain parameters.
type Domain struct {
	// Name is the usual name: "P-256", "brainpoolP256r1", ...
	Name string
	// OID is the namedCurve object identifier.
	OID asn1.ObjectIdentifier
	// P, A, B, Gx, Gy, N, H are the prime, the coefficients, the generator,
	// its order and the cofactor. Callers must not modify them.
	P, A, B, Gx, Gy, N, H *big.Int
	// Curve implements the group operations.
	Curve elliptic.Curve
}

// domainSpec is the textual form of a Domain in params.go.
type domainSpec struct {
	name               string
	oid                []int
	p, a, b, gx, gy, n string
}

var (
	loadOnce sync.Once
	domains  []*Domain
)

func hexInt(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("ecc: bad constant " + s) // unreachable: constants are tested
	}
	return v
}

func load() {
	for _, s := range standardDomains {
		d := &Domain{
			Name: s.name, OID: asn1.ObjectIdentifier(s.oid),
			P: hexInt(s.p), A: hexInt(s.a), B: hexInt(s.b), Gx: hexInt(s.gx), Gy: hexInt(s.gy),
			N: hexInt(s.n), H: big.NewInt(1),
		}
		switch s.name {
		case "P-224":
			d.Curve = elliptic.P224()
		case "P-256":
			d.Curve = elliptic.P256()
		case "P-384":
			d.Curve = elliptic.P384()
		case "P-521":
			d.Curve = elliptic.P521()
		case "brainpoolP256r1":
			d.Curve = brainpool.P256r1()
		case "brainpoolP384r1":
			d.Curve = brainpool.P384r1()
		case "brainpoolP512r1":
			d.Curve = brainpool.P512r1()
		default:
			d.Curve = NewWeierstrass(s.name, d.P, d.A, d.B, d.Gx, d.Gy, d.N)
		}
		domains = append(domains, d)
	}
}

// Domains returns every known curve, in the order of their PACE parameter IDs.
func Domains() []*Domain {
	loadOnce.Do(load)
	return append([]*Domain(nil), domains...)
}

// DomainByOID returns the curve named by a namedCurve OID.
func DomainByOID(oid asn1.ObjectIdentifier) (*Domain, bool) {
	for _, d := range Domains() {
		if d.OID.Equal(oid) {
			return d, true
		}
	}
	return nil, false
}

// ByOID returns the elliptic.Curve named by a namedCurve OID.
func ByOID(oid asn1.ObjectIdentifier) (elliptic.Curve, bool) {
	d, ok := DomainByOID(oid)
	if !ok {
		return nil, false
	}
	return d.Curve, true
}

// DomainOf returns the Domain of a curve returned by this package (or by
// crypto/elliptic / the brainpool package for the curves listed here).
func DomainOf(c elliptic.Curve) (*Domain, bool) {
	if c == nil {
		return nil, false
	}
	for _, d := range Domains() {
		if d.Curve == c {
			return d, true
		}
	}
	// A curve value from elsewhere: compare the parameters every
	// implementation fills in (brainpool's Params carry no B).
	p := c.Params()
	if p == nil || p.P == nil || p.N == nil || p.Gx == nil || p.Gy == nil {
		return nil, false
	}
	for _, d := range Domains() {
		if d.P.Cmp(p.P) == 0 && d.N.Cmp(p.N) == 0 && d.Gx.Cmp(p.Gx) == 0 && d.Gy.Cmp(p.Gy) == 0 {
			return d, true
		}
	}
	return nil, false
}

// Name returns the usual name of a known curve ("brainpoolP256r1", "P-256")
// or "" for an unknown one.
func Name(c elliptic.Curve) string {
	if d, ok := DomainOf(c); ok {
		return d.Name
	}
	return ""
}

// OID returns the namedCurve OID of a known curve.
func OID(c elliptic.Curve) (asn1.ObjectIdentifier, bool) {
	if d, ok := DomainOf(c); ok {
		return d.OID, true
	}
	return nil, false
}

// MatchExplicit finds the known curve whose whole domain equals the given
// explicit parameters: p, a, b, the generator, the order and the cofactor.
// A nil h is taken as 1 (the cofactor is OPTIONAL in SpecifiedECDomain).
// Values are compared modulo nothing: a must be given reduced mod p.
func MatchExplicit(p, a, b, gx, gy, n, h *big.Int) (elliptic.Curve, string, bool) {
	if p == nil || a == nil || b == nil || gx == nil || gy == nil || n == nil {
		return nil, "", false
	}
	if h == nil {
		h = big.NewInt(1)
	}
	for _, d := range Domains() {
		if d.P.Cmp(p) == 0 && d.A.Cmp(a) == 0 && d.B.Cmp(b) == 0 && d.Gx.Cmp(gx) == 0 &&
			d.Gy.Cmp(gy) == 0 && d.N.Cmp(n) == 0 && d.H.Cmp(h) == 0 {
			return d.Curve, d.Name, true
		}
	}
	return nil, "", false
}

// Package curves holds the elliptic curves and Diffie-Hellman groups that
// ICAO 9303 documents use: the PACE standardized domain parameters 0–2 (RFC
// 5114 MODP groups) and 8–18 (NIST and brainpool curves), lookup by curve OID
// and by PACE parameter ID, and matching of explicit (specified) EC domain
// parameters against the known curves on the whole domain, never on the
// prime alone (a brainpool t1 curve shares p with its r1 twin).
//
// NIST P-224/256/384/521 come from crypto/elliptic and brainpoolP256r1,
// P384r1 and P512r1 from github.com/ProtonMail/go-crypto/brainpool; P-192,
// brainpoolP192r1, P224r1 and P320r1 use this package's Weierstrass type.
// Everything here is immutable and safe for concurrent use.
package curves

import (
	"crypto/elliptic"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"sync"

	"github.com/ProtonMail/go-crypto/brainpool"
)

// ErrUnknownParameters is returned for a PACE parameter ID or a curve this
// package does not know. Callers branch on it to report "not supported".
var ErrUnknownParameters = errors.New("curves: unknown domain parameters")

// Domain is one named elliptic curve with its full domain parameters.
type Domain struct {
	// Name is the usual name: "P-256", "brainpoolP256r1", ...
	Name string
	// OID is the namedCurve object identifier.
	OID asn1.ObjectIdentifier
	// PACEParameterID is the ICAO 9303-11 standardized domain parameter ID.
	PACEParameterID int
	// P, A, B, Gx, Gy, N, H are the prime, the coefficients, the generator,
	// its order and the cofactor. Callers must not modify them.
	P, A, B, Gx, Gy, N, H *big.Int
	// Curve implements the group operations.
	Curve elliptic.Curve
}

// domainSpec is the textual form of a Domain in params.go.
type domainSpec struct {
	name               string
	paceID             int
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
		panic("curves: bad constant " + s) // unreachable: constants are tested
	}
	return v
}

func load() {
	for _, s := range standardDomains {
		d := &Domain{
			Name: s.name, OID: asn1.ObjectIdentifier(s.oid), PACEParameterID: s.paceID,
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

// Domains returns every known curve, ordered by PACE parameter ID.
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

// Standard is one ICAO 9303-11 standardized PACE domain parameter: exactly
// one of EC and DH is set.
type Standard struct {
	ID int
	EC *Domain
	DH *DHGroup
}

// Name returns the parameter's name ("brainpoolP256r1", "MODP-1024-160").
func (s Standard) Name() string {
	if s.EC != nil {
		return s.EC.Name
	}
	if s.DH != nil {
		return s.DH.Name
	}
	return ""
}

// ByPACEParameterID returns standardized domain parameter id (0–2 DH,
// 8–18 EC); any other id gives ErrUnknownParameters.
func ByPACEParameterID(id int) (Standard, error) {
	if g, ok := dhByID(id); ok {
		return Standard{ID: id, DH: g}, nil
	}
	for _, d := range Domains() {
		if d.PACEParameterID == id {
			return Standard{ID: id, EC: d}, nil
		}
	}
	return Standard{}, fmt.Errorf("%w: PACE parameter ID %d", ErrUnknownParameters, id)
}

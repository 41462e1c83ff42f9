// Package curves holds what PACE and Chip Authentication add on top of
// pki/ecc's curve table: the ICAO 9303-11 standardized domain parameters
// 0–2 (RFC 5114 MODP groups) and 8–18 (NIST and brainpool curves) by PACE
// parameter ID, the Diffie-Hellman groups, and key encodings for curves
// crypto/x509 does not know and for X9.42 DH keys.
// Everything here is immutable and safe for concurrent use.
package curves

import (
	"errors"
	"fmt"

	"github.com/cccd-agent/cccd/pki/ecc"
)

// ErrUnknownParameters is returned for a PACE parameter ID or a curve this
// package does not know. Callers branch on it to report "not supported".
var ErrUnknownParameters = errors.New("curves: unknown domain parameters")

// paceCurves names the curve of each standardized EC domain parameter ID
// (ICAO 9303-11, table 6).
var paceCurves = map[int]string{
	8: "P-192", 9: "brainpoolP192r1", 10: "P-224", 11: "brainpoolP224r1",
	12: "P-256", 13: "brainpoolP256r1", 14: "brainpoolP320r1", 15: "P-384",
	16: "brainpoolP384r1", 17: "brainpoolP512r1", 18: "P-521",
}

// Standard is one ICAO 9303-11 standardized PACE domain parameter: exactly
// one of EC and DH is set.
type Standard struct {
	ID int
	EC *ecc.Domain
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
	if name, ok := paceCurves[id]; ok {
		for _, d := range ecc.Domains() {
			if d.Name == name {
				return Standard{ID: id, EC: d}, nil
			}
		}
	}
	return Standard{}, fmt.Errorf("%w: PACE parameter ID %d", ErrUnknownParameters, id)
}

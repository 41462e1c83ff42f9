package lds

import (
	"encoding/asn1"
	"fmt"

	"github.com/cccd-agent/cccd/pki/oids"

	"github.com/cccd-agent/cccd/internal/tlv"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// TagDG15 is the application tag of DG15.
const TagDG15 = 0x6F

// DG15 is the Active Authentication public key. The key stays raw: RSA and
// ECDSA keys with named or explicit (brainpool) parameters are decoded by
// the verifier.
type DG15 struct {
	// SPKI is the DER SubjectPublicKeyInfo as stored.
	SPKI []byte
	// Algorithm is the SPKI's algorithm OID (rsaEncryption 1.2.840.113549.1.1.1
	// or id-ecPublicKey 1.2.840.10045.2.1).
	Algorithm asn1.ObjectIdentifier
}

// Public key algorithm OIDs found in DG14/DG15 SubjectPublicKeyInfos.
var (
	OIDRSAEncryption = oids.RSAEncryption
	OIDECPublicKey   = oids.ECPublicKey
	// OIDStandardizedDomainParameters (BSI TR-03110) is the algorithm of
	// CA keys whose parameters are a standardized domain parameter id
	// (German CardSecurity).
	OIDStandardizedDomainParameters = oids.StandardizedDomainParameters
)

// ParseDG15 decodes DG15 (6F → SubjectPublicKeyInfo).
func ParseDG15(b []byte) (*DG15, error) {
	outer, _, err := tlv.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%w: DG15: %v", ErrMalformed, err)
	}
	if outer.Tag != TagDG15 {
		return nil, fmt.Errorf("%w: DG15 starts with tag %X, want 6F", ErrMalformed, outer.Tag)
	}
	spki, alg, err := readSPKI(outer.Value)
	if err != nil {
		return nil, fmt.Errorf("DG15: %w", err)
	}
	return &DG15{SPKI: spki, Algorithm: alg}, nil
}

// readSPKI checks that b is exactly one SubjectPublicKeyInfo
// (SEQUENCE { AlgorithmIdentifier, BIT STRING }) and returns it with its
// algorithm OID.
func readSPKI(b []byte) (spki []byte, alg asn1.ObjectIdentifier, err error) {
	s := cryptobyte.String(b)
	var el, body, algID cryptobyte.String
	if !s.ReadASN1Element(&el, cbasn1.SEQUENCE) || !s.Empty() {
		return nil, nil, fmt.Errorf("%w: SubjectPublicKeyInfo is not one SEQUENCE", ErrMalformed)
	}
	body = el
	var bits asn1.BitString
	if !body.ReadASN1(&body, cbasn1.SEQUENCE) ||
		!body.ReadASN1(&algID, cbasn1.SEQUENCE) ||
		!algID.ReadASN1ObjectIdentifier(&alg) ||
		!body.ReadASN1BitString(&bits) || !body.Empty() {
		return nil, nil, fmt.Errorf("%w: SubjectPublicKeyInfo lacks algorithm or key", ErrMalformed)
	}
	return []byte(el), alg, nil
}

// EncodeDG15 wraps a DER SubjectPublicKeyInfo as DG15.
func EncodeDG15(spki []byte) []byte { return tlv.Encode(TagDG15, spki) }

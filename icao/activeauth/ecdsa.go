package activeauth

import (
	"crypto"
	"crypto/ecdsa"
	"encoding/asn1"
	"fmt"
	"io"
	"math/big"

	"github.com/cccd-agent/cccd/pki/oids"

	"github.com/cccd-agent/cccd/internal/tlv"
)

// Signature-algorithm OIDs an ActiveAuthenticationInfo may name: BSI
// ecdsa-plain-signatures (TR-03111) and the X9.62 ecdsa-with-SHA* family.
var signatureHashes = []struct {
	oid  asn1.ObjectIdentifier
	hash crypto.Hash
}{
	{oids.ECDSAPlainSHA1, crypto.SHA1},
	{oids.ECDSAPlainSHA224, crypto.SHA224},
	{oids.ECDSAPlainSHA256, crypto.SHA256},
	{oids.ECDSAPlainSHA384, crypto.SHA384},
	{oids.ECDSAPlainSHA512, crypto.SHA512},
	{oids.ECDSAWithSHA1, crypto.SHA1},
	{oids.ECDSAWithSHA224, crypto.SHA224},
	{oids.ECDSAWithSHA256, crypto.SHA256},
	{oids.ECDSAWithSHA384, crypto.SHA384},
	{oids.ECDSAWithSHA512, crypto.SHA512},
}

// HashForSignatureAlgorithm returns the hash an ActiveAuthenticationInfo's
// signatureAlgorithm OID names.
func HashForSignatureAlgorithm(oid asn1.ObjectIdentifier) (crypto.Hash, error) {
	for _, s := range signatureHashes {
		if s.oid.Equal(oid) {
			return s.hash, nil
		}
	}
	return 0, fmt.Errorf("activeauth: unknown AA signature algorithm %v", oid)
}

// SignatureAlgorithmOID returns the BSI ecdsa-plain OID for a hash (the
// simulator writes it into DG14).
func SignatureAlgorithmOID(h crypto.Hash) (asn1.ObjectIdentifier, bool) {
	for _, s := range signatureHashes[:5] {
		if s.hash == h {
			return s.oid, true
		}
	}
	return nil, false
}

// HashForKeySize is the fallback when DG14 names no algorithm: the hash
// whose size matches the curve order's bit length (ICAO 9303-11 recommends
// this pairing). The chip side of the simulator uses the same rule.
func HashForKeySize(bits int) crypto.Hash {
	switch {
	case bits <= 160:
		return crypto.SHA1
	case bits <= 224:
		return crypto.SHA224
	case bits <= 256:
		return crypto.SHA256
	case bits <= 384:
		return crypto.SHA384
	}
	return crypto.SHA512
}

// parseECDSASignature reads r and s from a plain r ‖ s signature (TR-03111,
// two halves of the curve's byte length) or, failing that, from a DER
// SEQUENCE of two INTEGERs, tolerating non-minimal encodings.
func parseECDSASignature(pub *ecdsa.PublicKey, sig []byte) (r, s *big.Int, err error) {
	n := (pub.Curve.Params().N.BitLen() + 7) / 8
	if len(sig) == 2*n {
		return new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:]), nil
	}
	seq, err := tlv.Unwrap(sig, 0x30)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: neither plain r‖s nor DER (%d bytes)", ErrBadSignature, len(sig))
	}
	ints, err := tlv.ParseAll(seq)
	if err != nil || len(ints) != 2 || ints[0].Tag != 0x02 || ints[1].Tag != 0x02 ||
		len(ints[0].Value) == 0 || len(ints[1].Value) == 0 || ints[0].Value[0]&0x80 != 0 || ints[1].Value[0]&0x80 != 0 {
		return nil, nil, fmt.Errorf("%w: malformed DER signature", ErrBadSignature)
	}
	return new(big.Int).SetBytes(ints[0].Value), new(big.Int).SetBytes(ints[1].Value), nil
}

// VerifyECDSA verifies an ECDSA Active Authentication signature over the
// challenge with hash h (0: chosen by key size).
func VerifyECDSA(pub *ecdsa.PublicKey, h crypto.Hash, challenge, sig []byte) error {
	if pub == nil || pub.Curve == nil || pub.X == nil || pub.Y == nil || !pub.Curve.IsOnCurve(pub.X, pub.Y) {
		return fmt.Errorf("activeauth: unusable ECDSA key")
	}
	if h == 0 {
		h = HashForKeySize(pub.Curve.Params().N.BitLen())
	}
	if !h.Available() {
		return fmt.Errorf("activeauth: hash %s not available", h)
	}
	r, s, err := parseECDSASignature(pub, sig)
	if err != nil {
		return err
	}
	d := h.New()
	d.Write(challenge)
	if !ecdsa.Verify(pub, d.Sum(nil), r, s) {
		return ErrBadSignature
	}
	return nil
}

// SignECDSAPlain is the chip side of VerifyECDSA (simulator and tests): a
// plain r ‖ s signature over H(challenge).
func SignECDSAPlain(rand io.Reader, priv *ecdsa.PrivateKey, h crypto.Hash, challenge []byte) ([]byte, error) {
	d := h.New()
	d.Write(challenge)
	r, s, err := ecdsa.Sign(rand, priv, d.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("activeauth: sign: %w", err)
	}
	n := (priv.Curve.Params().N.BitLen() + 7) / 8
	out := make([]byte, 2*n)
	r.FillBytes(out[:n])
	s.FillBytes(out[n:])
	return out, nil
}

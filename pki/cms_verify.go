package pki

import (
	"bytes"
	"crypto"
	encasn1 "encoding/asn1"
	"errors"
	"fmt"

	"github.com/cccd-agent/cccd/pki/oids"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// CMS verification errors callers branch on.
var (
	// ErrSignerNotFound: no certificate matches the SignerInfo's identifier.
	ErrSignerNotFound = errors.New("signer certificate not found")
	// ErrContentTypeMismatch: the contentType attribute differs from eContentType.
	ErrContentTypeMismatch = errors.New("contentType attribute does not match eContentType")
	// ErrMessageDigestMismatch: the messageDigest attribute is not the hash of eContent.
	ErrMessageDigestMismatch = errors.New("messageDigest attribute does not match the content")
)

// VerifySignature checks the (single) SignerInfo of sd: it selects the
// signer among the embedded certificates and extra, checks the contentType
// and messageDigest attributes, and verifies the signature over the signed
// attributes (their raw bytes re-tagged as SET) with the algorithm the
// SignerInfo names. It returns the signer certificate.
func (sd *SignedData) VerifySignature(extra ...*Certificate) (*Certificate, error) {
	if len(sd.SignerInfos) != 1 {
		return nil, fmt.Errorf("%w: %d SignerInfos, eMRTD objects have one", ErrUnsupportedAlgorithm, len(sd.SignerInfos))
	}
	si := &sd.SignerInfos[0]
	cands := sd.signerCandidates(si, extra)
	if len(cands) == 0 {
		return nil, ErrSignerNotFound
	}
	msg, digestHash, err := sd.signedMessage(si)
	if err != nil {
		return nil, err
	}
	sc, digest, err := signedDigest(si, digestHash, msg)
	if err != nil {
		return nil, err
	}
	var lastErr error = ErrSignerNotFound
	for _, c := range cands {
		if c.PublicKey == nil {
			lastErr = fmt.Errorf("signer key unusable: %w", c.PublicKeyErr)
			continue
		}
		if lastErr = verifyDigest(c.PublicKey, sc, digest, si.Signature); lastErr == nil {
			return c, nil
		}
	}
	return nil, lastErr
}

const maxSignerCandidates = 4

// signerCandidates lists the certificates that may be the signer, best
// first. Matching is tolerant because real SODs differ from their DS
// certificates in RDN order (MY) and string types (UA): by SKI; by serial
// plus a semantic name match; by serial alone; and, when exactly one
// certificate is embedded, that one. The signature check decides.
func (sd *SignedData) signerCandidates(si *SignerInfo, extra []*Certificate) []*Certificate {
	all := sd.Certificates
	if len(extra) > 0 {
		all = append(append([]*Certificate{}, sd.Certificates...), extra...)
	}
	var exact, serial []*Certificate
	for _, c := range all {
		switch {
		case si.SubjectKeyID != nil:
			if bytes.Equal(c.SubjectKeyID, si.SubjectKeyID) {
				exact = append(exact, c)
			}
		case si.SerialNumber != nil && c.SerialNumber.Cmp(si.SerialNumber) == 0:
			if bytes.Equal(c.Issuer.Raw, si.Issuer.Raw) || issuerMatches(si, c) {
				exact = append(exact, c)
			} else {
				serial = append(serial, c)
			}
		}
	}
	out := append(exact, serial...)
	if len(out) == 0 && len(sd.Certificates) == 1 {
		out = sd.Certificates
	}
	// Each candidate costs a signature check; a hostile SOD could embed
	// thousands of look-alikes. Real ones embed one.
	if len(out) > maxSignerCandidates {
		out = out[:maxSignerCandidates]
	}
	return out
}

// signedMessage returns the bytes the signature covers (with signed
// attributes: their raw element, whose first byte counts as 0x31) and the
// SignerInfo's digest algorithm, after checking contentType and messageDigest.
func (sd *SignedData) signedMessage(si *SignerInfo) ([]byte, crypto.Hash, error) {
	h, ok := HashByOID(si.DigestAlgorithm.Algorithm)
	if !ok || !h.Available() {
		return nil, 0, fmt.Errorf("%w: digest %s", ErrUnsupportedAlgorithm, si.DigestAlgorithm.Algorithm)
	}
	if si.RawSignedAttrs == nil {
		return sd.EContent, h, nil
	}
	ctv, ok, err := si.attribute(oids.ContentType)
	if err != nil {
		return nil, 0, err
	}
	ct := cryptobyte.String(ctv)
	var oid encasn1.ObjectIdentifier
	if !ok || !ct.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(sd.EContentType) {
		return nil, 0, ErrContentTypeMismatch
	}
	mdv, ok, err := si.attribute(oids.MessageDigest)
	if err != nil {
		return nil, 0, err
	}
	md := cryptobyte.String(mdv)
	var want cryptobyte.String
	if !ok || !md.ReadASN1(&want, asn1.OCTET_STRING) {
		return nil, 0, ErrMessageDigestMismatch
	}
	if !HashEqual(h, sd.EContent, want) {
		return nil, 0, ErrMessageDigestMismatch
	}
	// The signature covers the DER SET OF, i.e. the [0] IMPLICIT element
	// re-tagged 0x31 with its content bytes exactly as received.
	return si.RawSignedAttrs, h, nil
}

// issuerMatches compares the SignerInfo issuer with c's issuer semantically.
func issuerMatches(si *SignerInfo, c *Certificate) bool {
	n, ok := si.IssuerName()
	return ok && c.Issuer.Equal(n)
}

// signedDigest hashes the signed message with the hash the signature scheme
// names (the digestAlgorithm only where the scheme names none). Signed
// attributes are hashed as a SET: tag 0x31, then their bytes as received.
func signedDigest(si *SignerInfo, digestHash crypto.Hash, msg []byte) (sigScheme, []byte, error) {
	sc, err := resolveScheme(si.SignatureAlgorithm, digestHash)
	if err != nil {
		return sc, nil, err
	}
	if !sc.hash.Available() {
		return sc, nil, fmt.Errorf("%w: hash %v", ErrUnsupportedAlgorithm, sc.hash)
	}
	h := sc.hash.New()
	if si.RawSignedAttrs != nil && len(msg) > 0 {
		h.Write([]byte{0x31})
		msg = msg[1:]
	}
	h.Write(msg)
	return sc, h.Sum(nil), nil
}

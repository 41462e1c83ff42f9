package pki

import (
	"bytes"
	"fmt"
	"math/big"
	"time"

	"github.com/cccd-agent/cccd/pki/oids"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// CRL is a parsed X.509 certificate revocation list (RFC 5280 §5), as CSCAs
// publish for their document signers.
type CRL struct {
	Raw                []byte
	RawTBS             []byte
	SignatureAlgorithm AlgorithmIdentifier
	Signature          []byte
	Issuer             Name
	ThisUpdate         time.Time
	NextUpdate         time.Time // zero when absent
	AuthorityKeyID     []byte
	Extensions         []Extension
	revoked            map[string]time.Time // serial (big.Int text) → revocation date
}

// ParseCRL parses one DER CertificateList.
func ParseCRL(der []byte) (*CRL, error) {
	in := cryptobyte.String(der)
	var raw cryptobyte.String
	if !in.ReadASN1Element(&raw, asn1.SEQUENCE) || !in.Empty() {
		return nil, fmt.Errorf("%w: CRL", ErrMalformed)
	}
	c := &CRL{Raw: raw, revoked: map[string]time.Time{}}
	var body, tbsRaw cryptobyte.String
	if !raw.ReadASN1(&body, asn1.SEQUENCE) || !body.ReadASN1Element(&tbsRaw, asn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: CRL", ErrMalformed)
	}
	c.RawTBS = tbsRaw
	var err error
	if c.SignatureAlgorithm, err = readAlgorithm(&body, "CRL signature"); err != nil {
		return nil, err
	}
	if c.Signature, err = readBitString(&body, "CRL signature"); err != nil {
		return nil, err
	}
	if !body.Empty() {
		return nil, fmt.Errorf("%w: CRL trailing data", ErrMalformed)
	}
	var t cryptobyte.String
	if !tbsRaw.ReadASN1(&t, asn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: tbsCertList", ErrMalformed)
	}
	if t.PeekASN1Tag(asn1.INTEGER) {
		if v, ok := ReadSmallInt(&t); !ok || v != 1 {
			return nil, fmt.Errorf("%w: CRL version", ErrMalformed)
		}
	}
	inner, err := readAlgorithm(&t, "CRL tbs signature")
	if err != nil {
		return nil, err
	}
	if !inner.Algorithm.Equal(c.SignatureAlgorithm.Algorithm) {
		return nil, fmt.Errorf("%w: CRL inner and outer signature algorithms differ", ErrMalformed)
	}
	if c.Issuer, err = readName(&t, "CRL issuer"); err != nil {
		return nil, err
	}
	var ok bool
	if c.ThisUpdate, ok = readTime(&t); !ok {
		return nil, fmt.Errorf("%w: CRL thisUpdate", ErrMalformed)
	}
	if t.PeekASN1Tag(asn1.UTCTime) || t.PeekASN1Tag(asn1.GeneralizedTime) {
		if c.NextUpdate, ok = readTime(&t); !ok {
			return nil, fmt.Errorf("%w: CRL nextUpdate", ErrMalformed)
		}
	}
	if t.PeekASN1Tag(asn1.SEQUENCE) {
		var list cryptobyte.String
		if !t.ReadASN1(&list, asn1.SEQUENCE) {
			return nil, fmt.Errorf("%w: revokedCertificates", ErrMalformed)
		}
		for !list.Empty() {
			var e cryptobyte.String
			if !list.ReadASN1(&e, asn1.SEQUENCE) {
				return nil, fmt.Errorf("%w: revoked entry", ErrMalformed)
			}
			serial, ok1 := readInteger(&e)
			date, ok2 := readTime(&e)
			if !ok1 || !ok2 {
				return nil, fmt.Errorf("%w: revoked entry", ErrMalformed)
			}
			c.revoked[serial.String()] = date
		}
	}
	var exts cryptobyte.String
	var present bool
	if !t.ReadOptionalASN1(&exts, &present, asn1.Tag(0).Constructed().ContextSpecific()) || !t.Empty() {
		return nil, fmt.Errorf("%w: CRL extensions", ErrMalformed)
	}
	if present {
		if c.Extensions, err = readExtensions(exts); err != nil {
			return nil, err
		}
		for _, e := range c.Extensions {
			if e.ID.Equal(oids.ExtAuthorityKeyID) {
				v := cryptobyte.String(e.Value)
				var seq, id cryptobyte.String
				if v.ReadASN1(&seq, asn1.SEQUENCE) && seq.ReadOptionalASN1(&id, &present, asn1.Tag(0).ContextSpecific()) && present {
					c.AuthorityKeyID = id
				}
			}
		}
	}
	return c, nil
}

// CheckSignatureFrom verifies that issuer signed the CRL.
func (c *CRL) CheckSignatureFrom(issuer *Certificate) error {
	if issuer.PublicKey == nil {
		return fmt.Errorf("CRL issuer key unusable: %w", issuer.PublicKeyErr)
	}
	return verifySignature(issuer.PublicKey, c.SignatureAlgorithm, 0, c.RawTBS, c.Signature)
}

// IssuedBy reports whether the CRL names cert as its issuer (name, and key
// identifier when both carry one). The signature is checked separately.
func (c *CRL) IssuedBy(cert *Certificate) bool {
	if !c.Issuer.Equal(cert.Subject) {
		return false
	}
	return c.AuthorityKeyID == nil || cert.SubjectKeyID == nil || bytes.Equal(c.AuthorityKeyID, cert.SubjectKeyID)
}

// Revoked reports whether serial is listed, and its revocation date.
func (c *CRL) Revoked(serial *big.Int) (time.Time, bool) {
	t, ok := c.revoked[serial.String()]
	return t, ok
}

// Len is the number of revoked entries.
func (c *CRL) Len() int { return len(c.revoked) }

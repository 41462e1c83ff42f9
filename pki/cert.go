package pki

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	encasn1 "encoding/asn1"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/cccd-agent/cccd/pki/oids"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Certificate is an X.509 certificate parsed by this package. It keeps the
// raw TBS bytes for signature checks and loads certificates crypto/x509
// refuses (explicit EC parameters, Brainpool, negative serials, RSA keys
// without NULL parameters, BER-ish booleans).
//
// A certificate whose key this package cannot use (an unimplemented curve)
// still parses: PublicKey is nil and PublicKeyErr says why.
type Certificate struct {
	Raw                []byte // the whole certificate (DER)
	RawTBS             []byte // tbsCertificate, as signed
	Version            int    // 1, 2 or 3
	SerialNumber       *big.Int
	SignatureAlgorithm AlgorithmIdentifier // outer signatureAlgorithm
	Signature          []byte
	Issuer, Subject    Name
	NotBefore          time.Time
	NotAfter           time.Time
	RawSPKI            []byte
	PublicKey          crypto.PublicKey // *rsa.PublicKey or *ecdsa.PublicKey, or nil
	PublicKeyErr       error

	SubjectKeyID   []byte
	AuthorityKeyID []byte
	// BasicConstraintsValid is true when the extension is present.
	BasicConstraintsValid bool
	IsCA                  bool
	MaxPathLen            int // -1 when absent
	// KeyUsage is zero when the extension is absent (HasKeyUsage false).
	KeyUsage    x509.KeyUsage
	HasKeyUsage bool
	// PrivateKeyNotBefore/After come from the private-key usage period
	// extension; zero when absent.
	PrivateKeyNotBefore, PrivateKeyNotAfter time.Time
	Extensions                              []Extension

	fpOnce sync.Once
	fp     [32]byte

	subjOnce sync.Once
	subj     string
}

// SubjectString is Subject.String(), computed once (cached certificates are
// reported on every read).
func (c *Certificate) SubjectString() string {
	c.subjOnce.Do(func() { c.subj = c.Subject.String() })
	return c.subj
}

// Fingerprint is the SHA-256 of Raw, computed once.
func (c *Certificate) Fingerprint() [32]byte {
	c.fpOnce.Do(func() { c.fp = sha256.Sum256(c.Raw) })
	return c.fp
}

// Extension is one certificate or CRL extension, value undecoded.
type Extension struct {
	ID       encasn1.ObjectIdentifier
	Critical bool
	Value    []byte
}

// ParseCertificate parses one DER certificate. The result aliases der.
func ParseCertificate(der []byte) (*Certificate, error) {
	in := cryptobyte.String(der)
	var certSeq cryptobyte.String
	var raw cryptobyte.String
	if !in.ReadASN1Element(&raw, asn1.SEQUENCE) || !in.Empty() {
		return nil, fmt.Errorf("%w: certificate", ErrMalformed)
	}
	c := &Certificate{Raw: raw, MaxPathLen: -1}
	certSeq = raw
	var body cryptobyte.String
	if !certSeq.ReadASN1(&body, asn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: certificate", ErrMalformed)
	}
	var tbs cryptobyte.String
	if !body.ReadASN1Element(&tbs, asn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: tbsCertificate", ErrMalformed)
	}
	c.RawTBS = tbs
	var err error
	if c.SignatureAlgorithm, err = readAlgorithm(&body, "certificate signature"); err != nil {
		return nil, err
	}
	if c.Signature, err = readBitString(&body, "certificate signature"); err != nil {
		return nil, err
	}
	if err := c.parseTBS(tbs); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Certificate) parseTBS(tbs cryptobyte.String) error {
	var t cryptobyte.String
	if !tbs.ReadASN1(&t, asn1.SEQUENCE) {
		return fmt.Errorf("%w: tbsCertificate", ErrMalformed)
	}
	c.Version = 1
	var v cryptobyte.String
	var present bool
	if !t.ReadOptionalASN1(&v, &present, asn1.Tag(0).Constructed().ContextSpecific()) {
		return fmt.Errorf("%w: certificate version", ErrMalformed)
	}
	if present {
		n, ok := ReadSmallInt(&v)
		if !ok || n < 0 || n > 2 {
			return fmt.Errorf("%w: certificate version", ErrMalformed)
		}
		c.Version = n + 1
	}
	var ok bool
	if c.SerialNumber, ok = readInteger(&t); !ok {
		return fmt.Errorf("%w: certificate serial", ErrMalformed)
	}
	inner, err := readAlgorithm(&t, "tbs signature")
	if err != nil {
		return err
	}
	if !inner.Algorithm.Equal(c.SignatureAlgorithm.Algorithm) {
		return fmt.Errorf("%w: inner and outer signature algorithms differ", ErrMalformed)
	}
	if c.Issuer, err = readName(&t, "issuer"); err != nil {
		return err
	}
	var validity cryptobyte.String
	if !t.ReadASN1(&validity, asn1.SEQUENCE) {
		return fmt.Errorf("%w: validity", ErrMalformed)
	}
	if c.NotBefore, ok = readTime(&validity); !ok {
		return fmt.Errorf("%w: notBefore", ErrMalformed)
	}
	if c.NotAfter, ok = readTime(&validity); !ok {
		return fmt.Errorf("%w: notAfter", ErrMalformed)
	}
	if c.Subject, err = readName(&t, "subject"); err != nil {
		return err
	}
	var spki cryptobyte.String
	if !t.ReadASN1Element(&spki, asn1.SEQUENCE) {
		return fmt.Errorf("%w: subjectPublicKeyInfo", ErrMalformed)
	}
	c.RawSPKI = spki
	c.PublicKey, c.PublicKeyErr = ParsePublicKey(spki)
	// issuerUniqueID [1] and subjectUniqueID [2] are skipped.
	for _, tag := range []asn1.Tag{asn1.Tag(1).ContextSpecific(), asn1.Tag(2).ContextSpecific()} {
		if !t.SkipOptionalASN1(tag) {
			return fmt.Errorf("%w: unique identifier", ErrMalformed)
		}
	}
	var exts cryptobyte.String
	if !t.ReadOptionalASN1(&exts, &present, asn1.Tag(3).Constructed().ContextSpecific()) {
		return fmt.Errorf("%w: extensions", ErrMalformed)
	}
	if present {
		if c.Extensions, err = readExtensions(exts); err != nil {
			return err
		}
		if err := c.decodeExtensions(); err != nil {
			return err
		}
	}
	return nil
}

func readName(s *cryptobyte.String, what string) (Name, error) {
	var raw cryptobyte.String
	if !s.ReadASN1Element(&raw, asn1.SEQUENCE) {
		return Name{}, fmt.Errorf("%w: %s name", ErrMalformed, what)
	}
	n, ok := parseName(raw)
	if !ok {
		return Name{}, fmt.Errorf("%w: %s name", ErrMalformed, what)
	}
	return n, nil
}

func readBitString(s *cryptobyte.String, what string) ([]byte, error) {
	var b cryptobyte.String
	if !s.ReadASN1(&b, asn1.BIT_STRING) || len(b) < 1 || b[0] != 0 {
		return nil, fmt.Errorf("%w: %s BIT STRING", ErrMalformed, what)
	}
	return b[1:], nil
}

// readExtensions reads the SEQUENCE OF Extension inside [3] (or a CRL's [0]).
func readExtensions(outer cryptobyte.String) ([]Extension, error) {
	var seq cryptobyte.String
	if !outer.ReadASN1(&seq, asn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: extensions", ErrMalformed)
	}
	var out []Extension
	for !seq.Empty() {
		var e cryptobyte.String
		var x Extension
		if !seq.ReadASN1(&e, asn1.SEQUENCE) || !e.ReadASN1ObjectIdentifier(&x.ID) {
			return nil, fmt.Errorf("%w: extension", ErrMalformed)
		}
		if e.PeekASN1Tag(asn1.BOOLEAN) {
			var b cryptobyte.String
			if !e.ReadASN1(&b, asn1.BOOLEAN) || len(b) != 1 {
				return nil, fmt.Errorf("%w: extension critical flag", ErrMalformed)
			}
			x.Critical = b[0] != 0
		}
		var val cryptobyte.String
		if !e.ReadASN1(&val, asn1.OCTET_STRING) {
			return nil, fmt.Errorf("%w: extension value", ErrMalformed)
		}
		x.Value = val
		out = append(out, x)
	}
	return out, nil
}

// decodeExtensions fills the typed fields from the extensions the chain
// logic uses. Unknown extensions stay in Extensions.
func (c *Certificate) decodeExtensions() error {
	for _, e := range c.Extensions {
		v := cryptobyte.String(e.Value)
		switch {
		case e.ID.Equal(oids.ExtSubjectKeyID):
			var id cryptobyte.String
			if !v.ReadASN1(&id, asn1.OCTET_STRING) {
				return fmt.Errorf("%w: subject key identifier", ErrMalformed)
			}
			c.SubjectKeyID = id
		case e.ID.Equal(oids.ExtAuthorityKeyID):
			var seq, id cryptobyte.String
			var present bool
			if !v.ReadASN1(&seq, asn1.SEQUENCE) ||
				!seq.ReadOptionalASN1(&id, &present, asn1.Tag(0).ContextSpecific()) {
				return fmt.Errorf("%w: authority key identifier", ErrMalformed)
			}
			if present {
				c.AuthorityKeyID = id
			}
		case e.ID.Equal(oids.ExtBasicConstraints):
			var seq cryptobyte.String
			if !v.ReadASN1(&seq, asn1.SEQUENCE) {
				return fmt.Errorf("%w: basic constraints", ErrMalformed)
			}
			c.BasicConstraintsValid = true
			if seq.PeekASN1Tag(asn1.BOOLEAN) {
				var b cryptobyte.String
				if !seq.ReadASN1(&b, asn1.BOOLEAN) || len(b) != 1 {
					return fmt.Errorf("%w: basic constraints", ErrMalformed)
				}
				c.IsCA = b[0] != 0
			}
			if !seq.Empty() {
				n, ok := ReadSmallInt(&seq)
				if !ok {
					return fmt.Errorf("%w: path length", ErrMalformed)
				}
				c.MaxPathLen = n
			}
		case e.ID.Equal(oids.ExtKeyUsage):
			var b cryptobyte.String
			if !v.ReadASN1(&b, asn1.BIT_STRING) || len(b) < 1 {
				return fmt.Errorf("%w: key usage", ErrMalformed)
			}
			c.HasKeyUsage = true
			for i, byt := range b[1:] {
				for bit := 0; bit < 8; bit++ {
					if byt&(0x80>>bit) != 0 {
						c.KeyUsage |= 1 << (i*8 + bit)
					}
				}
			}
		case e.ID.Equal(oids.ExtPrivateKeyPeriod):
			var seq cryptobyte.String
			if !v.ReadASN1(&seq, asn1.SEQUENCE) {
				return fmt.Errorf("%w: private key usage period", ErrMalformed)
			}
			for i, dst := range []*time.Time{&c.PrivateKeyNotBefore, &c.PrivateKeyNotAfter} {
				var tv cryptobyte.String
				var present bool
				if !seq.ReadOptionalASN1(&tv, &present, asn1.Tag(i).ContextSpecific()) {
					return fmt.Errorf("%w: private key usage period", ErrMalformed)
				}
				if present {
					t, err := parseTime(string(tv), false)
					if err != nil {
						return err
					}
					*dst = t
				}
			}
		}
	}
	return nil
}

// CheckSignatureFrom verifies that issuer's key signed c, using the
// algorithm named in c.
func (c *Certificate) CheckSignatureFrom(issuer *Certificate) error {
	if issuer.PublicKey == nil {
		return fmt.Errorf("issuer key unusable: %w", issuer.PublicKeyErr)
	}
	return verifySignature(issuer.PublicKey, c.SignatureAlgorithm, 0, c.RawTBS, c.Signature)
}

// ValidAt reports whether t lies within the certificate's validity period.
func (c *Certificate) ValidAt(t time.Time) bool {
	return !t.Before(c.NotBefore) && !t.After(c.NotAfter)
}

// SelfIssued reports whether subject and issuer are the same name.
func (c *Certificate) SelfIssued() bool { return c.Subject.Equal(c.Issuer) }

// Country is the subject's countryName, upper-cased ("" if absent).
func (c *Certificate) Country() string { return c.Subject.Country() }

// KeyDescription names the key: "RSA-2048", "ECDSA brainpoolP512r1", or the
// reason it is unusable.
func (c *Certificate) KeyDescription() string {
	if c.PublicKey == nil {
		return "unusable key"
	}
	return keyDescription(c.PublicKey)
}

package sim

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/cccd-agent/cccd/pki/ecc"
)

// TestPKI is the test PKI that signs a generated profile's SOD: a CSCA (the
// trust anchor to import with `cccd trust import`) and the Document Signer
// it issued. Everything is PEM: certificates as CERTIFICATE, keys as PKCS#8
// PRIVATE KEY. It is test material; it must never be trusted in production.
type TestPKI struct {
	CSCACert []byte
	CSCAKey  []byte
	DSCert   []byte
	DSKey    []byte
}

// detSigner signs with RFC 6979 deterministic ECDSA whatever random source
// it is handed, so a seeded profile is byte-for-byte reproducible.
type detSigner struct{ k *ecdsa.PrivateKey }

// Public returns the ECDSA public key.
func (s detSigner) Public() crypto.PublicKey { return &s.k.PublicKey }

// Sign ignores its random source and signs per RFC 6979.
func (s detSigner) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return s.k.Sign(nil, digest, opts)
}

// deriveECKey draws a private scalar from rnd (deterministic for a seeded
// rnd: crypto/ecdsa ignores custom readers since Go 1.26). It works for
// the NIST curves and for brainpool via icao/curves.
func deriveECKey(c elliptic.Curve, rnd io.Reader) (*ecdsa.PrivateKey, error) {
	d, err := ecc.RandomScalar(rnd, c.Params().N)
	if err != nil {
		return nil, err
	}
	if c == elliptic.P256() || c == elliptic.P384() || c == elliptic.P521() {
		return ecdsa.ParseRawPrivateKey(c, d)
	}
	k := &ecdsa.PrivateKey{D: new(big.Int).SetBytes(d)}
	k.Curve = c
	k.X, k.Y = c.ScalarBaseMult(d)
	return k, nil
}

// pkiTimes are the validity periods of the test PKI around the card's issue
// date: the CSCA from a year before for 20 years, the DS from 30 days
// before for 11 years (a card lives up to 10 years under one DS).
func pkiTimes(issued time.Time) (cscaFrom, cscaTo, dsFrom, dsTo time.Time) {
	cscaFrom = issued.AddDate(-1, 0, 0)
	dsFrom = issued.AddDate(0, 0, -30)
	return cscaFrom, cscaFrom.AddDate(20, 0, 0), dsFrom, dsFrom.AddDate(11, 0, 0)
}

// newTestPKI issues a CSCA and a DS on P-256 (ecdsa-with-SHA256) with keys
// drawn from rnd. The certificate code uses crypto/x509, so other curves
// need a key type x509 can marshal; brainpool DS keys would go through
// icao/curves and a hand-built TBSCertificate.
func newTestPKI(rnd io.Reader, issued time.Time) (*TestPKI, *x509.Certificate, *ecdsa.PrivateKey, error) {
	cscaKey, err := deriveECKey(elliptic.P256(), rnd)
	if err != nil {
		return nil, nil, nil, err
	}
	dsKey, err := deriveECKey(elliptic.P256(), rnd)
	if err != nil {
		return nil, nil, nil, err
	}
	serial := func() *big.Int {
		b := make([]byte, 8)
		io.ReadFull(rnd, b)
		b[0] &= 0x7F
		return new(big.Int).SetBytes(append([]byte{0x01}, b...))
	}
	cscaFrom, cscaTo, dsFrom, dsTo := pkiTimes(issued)
	name := func(cn string) pkix.Name {
		return pkix.Name{Country: []string{"VN"}, Organization: []string{"cccd test PKI (not a real authority)"}, CommonName: cn}
	}
	cscaTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               name("CSCA cccd TEST"),
		NotBefore:             cscaFrom,
		NotAfter:              cscaTo,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	cscaDER, err := x509.CreateCertificate(rnd, cscaTmpl, cscaTmpl, &cscaKey.PublicKey, detSigner{cscaKey})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("sim: issue test CSCA: %w", err)
	}
	csca, err := x509.ParseCertificate(cscaDER)
	if err != nil {
		return nil, nil, nil, err
	}
	dsTmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      name("DS cccd TEST"),
		NotBefore:    dsFrom,
		NotAfter:     dsTo,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	dsDER, err := x509.CreateCertificate(rnd, dsTmpl, csca, &dsKey.PublicKey, detSigner{cscaKey})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("sim: issue test DS: %w", err)
	}
	ds, err := x509.ParseCertificate(dsDER)
	if err != nil {
		return nil, nil, nil, err
	}
	pki := &TestPKI{CSCACert: pemBlock("CERTIFICATE", cscaDER), DSCert: pemBlock("CERTIFICATE", dsDER)}
	for _, kp := range []struct {
		k   *ecdsa.PrivateKey
		dst *[]byte
	}{{cscaKey, &pki.CSCAKey}, {dsKey, &pki.DSKey}} {
		der, err := x509.MarshalPKCS8PrivateKey(kp.k)
		if err != nil {
			return nil, nil, nil, err
		}
		*kp.dst = pemBlock("PRIVATE KEY", der)
	}
	return pki, ds, dsKey, nil
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

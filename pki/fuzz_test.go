package pki

import (
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/internal/testkit/pkitest"
)

// Seeds: the real SODs (incl. BER), CardSecurity, the UK CSCA, and small
// generated objects.

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func FuzzParseSignedData(f *testing.F) {
	for _, seed := range pkitest.RealSODSeeds(f) {
		f.Add(seed)
	}
	f.Add(mustHex("30800201010000"))
	f.Fuzz(func(t *testing.T, b []byte) {
		sd, err := ParseSignedData(b)
		if err != nil {
			return
		}
		for i := range sd.SignerInfos {
			sd.SignerInfos[i].SigningTime()
			sd.SignerInfos[i].IssuerName()
			_, _, _ = sd.signedMessage(&sd.SignerInfos[i])
		}
		if !cheapKeys(sd.Certificates) {
			return
		}
		_, _ = sd.VerifySignature()
	})
}

func FuzzParseCertificate(f *testing.F) {
	f.Add(testenv.ReadShared(f, "pa/gmrtd-uk-expired/CSCA.der"))
	f.Add(testenv.ReadShared(f, "masterlists/VN_CSCA_ePassport_Vietnam_2022.der"))
	f.Add(testenv.ReadShared(f, "pa/pymrtd-tr03105-5/dsc_de_0142fd5cf927.cer"))
	for _, k := range []*pkitest.Key{pkitest.ECKey("brainpoolP224r1", true), pkitest.ECKey("P-256", false)} {
		f.Add(k.SPKI())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if c, err := ParseCertificate(b); err == nil {
			if cheapKeys([]*Certificate{c}) {
				_ = c.CheckSignatureFrom(c)
			}
			_ = c.Subject.String()
		}
		if pub, err := ParsePublicKey(b); err == nil && pub == nil {
			t.Fatal("nil key without error")
		}
	})
}

func FuzzParseCRL(f *testing.F) {
	ca := pkitest.Issue(pkitest.Template{Subject: pkitest.Name{C: "VN", CN: "CSCA"}, NotBefore: t0, NotAfter: t0.AddDate(5, 0, 0), CA: true},
		pkitest.ECKey("P-256", false), nil)
	crl := pkitest.CRL(ca, t0)
	f.Add(crl)
	f.Add(pkitest.CRL(ca, t0, ca.Serial))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCRL(b)
		if err != nil {
			return
		}
		_ = c.CheckSignatureFrom(&Certificate{})
		c.Revoked(ca.Serial)
	})
}

func FuzzNormalizeBER(f *testing.F) {
	f.Add(mustHex("3080308002010100000000"))
	f.Add(mustHex("238003020001030204f00000"))
	f.Fuzz(func(t *testing.T, b []byte) {
		der, err := NormalizeBER(b)
		if err != nil {
			return
		}
		// Normalising DER is the identity.
		again, err := NormalizeBER(der)
		if err != nil || string(again) != string(der) {
			t.Fatalf("not idempotent: %v", err)
		}
	})
}

// cheapKeys reports whether every certificate key is pkitest.CheapKey.
func cheapKeys(certs []*Certificate) bool {
	for _, c := range certs {
		if !pkitest.CheapKey(c.PublicKey) {
			return false
		}
	}
	return true
}

package verify

import (
	"crypto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/pki/oids"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/internal/testkit/pkitest"
	"github.com/cccd-agent/cccd/internal/tlv"
)

const opensslExt = `[ca]
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[ds]
keyUsage=critical,digitalSignature
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
`

// CMS made by `openssl cms -sign` with an LDS eContent verifies here, for
// ECDSA and RSASSA-PSS document signers.
func TestOpenSSLSignedSODVerifies(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ext.cnf"), []byte(opensslExt), 0o600); err != nil {
		t.Fatal(err)
	}
	testenv.RunOpenSSL(t, dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key")
	testenv.RunOpenSSL(t, dir, "req", "-new", "-x509", "-key", "ca.key", "-subj", "/C=VN/O=OpenSSL Test/CN=OpenSSL CSCA",
		"-days", "3650", "-config", "ext.cnf", "-extensions", "ca", "-out", "ca.pem")
	dgs := testDGs()
	lds := pkitest.SOD{DGs: dgs}.LDSSecurityObject()
	if err := os.WriteFile(filepath.Join(dir, "lds.der"), lds, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		genkey []string
		keyopt []string
	}{
		{"ECDSA P-256", []string{"ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ds.key"}, nil},
		{"ECDSA brainpoolP256r1", []string{"ecparam", "-name", "brainpoolP256r1", "-genkey", "-noout", "-out", "ds.key"}, nil},
		{"RSA-PSS", []string{"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "ds.key"},
			[]string{"-keyopt", "rsa_padding_mode:pss", "-keyopt", "rsa_pss_saltlen:32"}},
	}
	ca, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	trust := NewTrustStore()
	items, err := DecodeTrustFile(ca)
	if err != nil {
		t.Fatal(err)
	}
	if err := trust.AddItems(items, "ca.pem"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			testenv.RunOpenSSL(t, dir, tc.genkey...)
			testenv.RunOpenSSL(t, dir, "req", "-new", "-key", "ds.key", "-subj", "/C=VN/O=OpenSSL Test/CN=OpenSSL DS", "-out", "ds.csr")
			testenv.RunOpenSSL(t, dir, "x509", "-req", "-in", "ds.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
				"-days", "3000", "-extfile", "ext.cnf", "-extensions", "ds", "-out", "ds.pem")
			args := append([]string{"cms", "-sign", "-binary", "-nodetach", "-nosmimecap", "-md", "sha256",
				"-in", "lds.der", "-econtent_type", "2.23.136.1.1.1", "-signer", "ds.pem", "-inkey", "ds.key",
				"-outform", "DER", "-out", "sod.cms"}, tc.keyopt...)
			testenv.RunOpenSSL(t, dir, args...)
			ci, err := os.ReadFile(filepath.Join(dir, "sod.cms"))
			if err != nil {
				t.Fatal(err)
			}
			r := Passive(tlv.Encode(0x77, ci), dgs, trust, time.Now())
			if r.Status != StatusVerified {
				t.Fatalf("status %s reasons %v", r.Status, r.Reasons)
			}
			if tc.keyopt != nil {
				sd, _ := ParseSignedData(ci)
				if !sd.SignerInfos[0].SignatureAlgorithm.Algorithm.Equal(oids.RSASSAPSS) {
					t.Errorf("openssl did not produce a PSS SignerInfo: %s", sd.SignerInfos[0].SignatureAlgorithm.Algorithm)
				}
			}
		})
	}
}

// SODs, CRLs and master lists from pkitest are accepted by OpenSSL.
func TestPkitestOutputAcceptedByOpenSSL(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name      string
		csca, ds  *pkitest.Key
		scheme    pkitest.Scheme
		fullChain bool // OpenSSL refuses explicit EC parameters in chains (openssl #20119)
	}{
		{"RSA PKCS#1", pkitest.RSAKey(2048), pkitest.RSAKey(2048), pkitest.Scheme{Kind: "pkcs1", Hash: crypto.SHA256}, true},
		{"RSA-PSS", pkitest.RSAKey(2048), pkitest.RSAKey(2048), pkitest.Scheme{Kind: "pss", Hash: crypto.SHA256, Salt: 32}, true},
		{"ECDSA P-256 named", pkitest.ECKey("P-384", false), pkitest.ECKey("P-256", false), pkitest.Scheme{Kind: "ecdsa", Hash: crypto.SHA256}, true},
		{"ECDSA brainpoolP256r1 explicit", pkitest.ECKey("brainpoolP384r1", true), pkitest.ECKey("brainpoolP256r1", true), pkitest.Scheme{Kind: "ecdsa", Hash: crypto.SHA384}, false},
	}
	// The real clock on purpose: openssl checks this material by it, and
	// nothing of the program's (shiftable) clock is involved.
	now := time.Now().UTC().Truncate(time.Second)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			csca := pkitest.Issue(pkitest.Template{Subject: pkitest.Name{C: "VN", O: "Test", CN: "CSCA"},
				NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(10, 0, 0), CA: true}, tc.csca, nil)
			ds := pkitest.Issue(pkitest.Template{Subject: pkitest.Name{C: "VN", O: "Test", CN: "DS"},
				NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(5, 0, 0)}, tc.ds, csca)
			write("csca.pem", csca.PEM())
			write("sod.der", pkitest.SOD{DGs: testDGs(), Signer: ds, Scheme: tc.scheme, SigningTime: now}.ContentInfo())
			write("crl.der", pkitest.CRL(csca, now, ds.Serial))
			write("ml.der", pkitest.MasterList(ds, csca.DER))
			if tc.fullChain {
				testenv.RunOpenSSL(t, dir, "cms", "-verify", "-inform", "DER", "-in", "sod.der", "-CAfile", "csca.pem", "-purpose", "any", "-out", os.DevNull)
				out := testenv.RunOpenSSL(t, dir, "crl", "-inform", "DER", "-in", "crl.der", "-CAfile", "csca.pem", "-noout")
				if !strings.Contains(out, "verify OK") {
					t.Errorf("openssl crl: %s", out)
				}
			} else {
				testenv.RunOpenSSL(t, dir, "cms", "-verify", "-inform", "DER", "-in", "sod.der", "-noverify", "-out", os.DevNull)
			}
			testenv.RunOpenSSL(t, dir, "cms", "-verify", "-inform", "DER", "-in", "ml.der", "-noverify", "-out", os.DevNull)
		})
	}
}

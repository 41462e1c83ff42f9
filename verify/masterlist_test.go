package verify

import (
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"path/filepath"
	"testing"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/internal/testkit/pkitest"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

func TestMasterListsParseCompletely(t *testing.T) {
	tests := []struct {
		ml, root     string
		count        int
		signerCN     string
		minX509Fails int // crypto/x509 refuses at least this many
	}{
		{"DE_ML_2026-05-28-08-28-45.ml", "DE_ROOT_CA_CSCA07.cer", 588, "CSCA Master List Signer", 160},
		{"NL_ML_2026-07-22.ml", "NL_ROOT_CA.cer", 411, "Masterlist Signer NL", 110},
	}
	for _, tc := range tests {
		t.Run(tc.ml, func(t *testing.T) {
			ml, err := ParseMasterList(testenv.ReadShared(t, filepath.Join("masterlists", tc.ml)))
			if err != nil {
				t.Fatal(err)
			}
			if len(ml.Certificates) != tc.count || len(ml.Rejected) != 0 {
				t.Fatalf("certificates = %d, want %d; rejected %v", len(ml.Certificates), tc.count, ml.Rejected)
			}
			x509Fails, selfSigned := 0, 0
			for i, c := range ml.Certificates {
				if c.PublicKey == nil {
					t.Errorf("certificate %d (%s): key unusable: %v", i, c.Subject, c.PublicKeyErr)
				}
				if _, err := x509.ParseCertificate(c.Raw); err != nil {
					x509Fails++
				}
				// Self-signed (not link) certificates must verify under their own key.
				if c.SelfIssued() && (c.AuthorityKeyID == nil || bytes.Equal(c.AuthorityKeyID, c.SubjectKeyID)) {
					selfSigned++
					if err := c.CheckSignatureFrom(c); err != nil {
						t.Errorf("certificate %d (%s): self-signature: %v", i, c.Subject, err)
					}
				}
			}
			// Link certificates (self-issued, signed by another key) verify
			// under a certificate of the same list carrying their AKI.
			bySKI := map[string][]*Certificate{}
			for _, c := range ml.Certificates {
				bySKI[string(c.SubjectKeyID)] = append(bySKI[string(c.SubjectKeyID)], c)
			}
			links, linksOK, orphans := 0, 0, 0
			for i, c := range ml.Certificates {
				if !c.SelfIssued() || c.AuthorityKeyID == nil || bytes.Equal(c.AuthorityKeyID, c.SubjectKeyID) {
					continue
				}
				links++
				issuers := bySKI[string(c.AuthorityKeyID)]
				if len(issuers) == 0 {
					orphans++ // the issuing key is not in this list
					continue
				}
				ok := false
				for _, iss := range issuers {
					if c.CheckSignatureFrom(iss) == nil {
						ok = true
						break
					}
				}
				if !ok {
					t.Errorf("link certificate %d (%s) does not verify under its issuer", i, c.Subject)
				} else {
					linksOK++
				}
			}
			t.Logf("%d link certificates: %d verified, %d whose issuer is not in the list", links, linksOK, orphans)
			if x509Fails < tc.minX509Fails {
				t.Errorf("crypto/x509 refused only %d certificates; the test data should exercise at least %d", x509Fails, tc.minX509Fails)
			}
			t.Logf("%d certificates, %d self-signed verified, %d refused by crypto/x509", len(ml.Certificates), selfSigned, x509Fails)

			root, err := ParseCertificate(testenv.ReadShared(t, filepath.Join("masterlists", tc.root)))
			if err != nil {
				t.Fatal(err)
			}
			signer, err := ml.Verify(root)
			if err != nil {
				t.Fatalf("Verify with root: %v", err)
			}
			if got := signer.Subject.String(); !bytes.Contains([]byte(got), []byte(tc.signerCN)) {
				t.Errorf("signer = %q, want CN %q", got, tc.signerCN)
			}
			// A root that did not sign the list's signer is refused.
			other, _ := ParseCertificate(testenv.ReadShared(t, "pa/gmrtd-uk-expired/CSCA.der"))
			if _, err := ml.Verify(other); err == nil {
				t.Error("Verify accepted an unrelated root")
			}
		})
	}
}

func TestVietnamCSCA(t *testing.T) {
	wantSKI, _ := hex.DecodeString("88918F5A25ECE37A3E04C52D38A4F2B5123C85C7")
	ts := realTrust(t)
	var vn []*Certificate
	for _, a := range ts.Anchors() {
		if a.Cert.Country() == "VN" {
			vn = append(vn, a.Cert)
		}
	}
	if len(vn) != 1 {
		t.Fatalf("VN CSCAs in DE+NL lists = %d, want 1 (identical bytes in both lists)", len(vn))
	}
	c := vn[0]
	if !bytes.Equal(c.SubjectKeyID, wantSKI) {
		t.Errorf("SKI = %X", c.SubjectKeyID)
	}
	if got := c.KeyDescription(); got != "ECDSA brainpoolP512r1" {
		t.Errorf("key = %q, want ECDSA brainpoolP512r1", got)
	}
	// The SPKI carries explicit parameters (a SEQUENCE, not a curve OID).
	spki := cryptobyte.String(c.RawSPKI)
	var seq, alg cryptobyte.String
	if !spki.ReadASN1(&seq, asn1.SEQUENCE) || !seq.ReadASN1(&alg, asn1.SEQUENCE) || !alg.SkipASN1(asn1.OBJECT_IDENTIFIER) || !alg.PeekASN1Tag(asn1.SEQUENCE) {
		t.Error("VN CSCA key is not encoded with explicit parameters")
	}
	if _, err := x509.ParseCertificate(c.Raw); err == nil {
		t.Error("crypto/x509 parsed the VN CSCA; the test no longer proves the bespoke parser")
	}
	if err := c.CheckSignatureFrom(c); err != nil {
		t.Errorf("VN self-signature: %v", err)
	}
	if !c.IsCA || c.MaxPathLen != 0 {
		t.Errorf("basic constraints: CA=%v pathlen=%d", c.IsCA, c.MaxPathLen)
	}
	if got := c.PrivateKeyNotAfter.Format("2006-01-02"); got != "2027-07-01" {
		t.Errorf("private key usage period ends %s, want 2027-07-01", got)
	}
	// Found by SKI through the store as an issuer candidate.
	child := &Certificate{AuthorityKeyID: wantSKI, Issuer: c.Subject}
	if got := ts.FindIssuers(child); len(got) != 1 || got[0] != c {
		t.Errorf("FindIssuers by AKI = %d certificates", len(got))
	}
	// And the standalone file is byte-identical.
	if der := testenv.ReadShared(t, "masterlists/VN_CSCA_ePassport_Vietnam_2022.der"); !bytes.Equal(der, c.Raw) {
		t.Error("VN CSCA in the lists differs from VN_CSCA_ePassport_Vietnam_2022.der")
	}
}

// One entry that is no certificate is reported, the others still load; a
// list whose signature does not verify is refused as a whole.
func TestMasterListRejectsEntriesNotWholeList(t *testing.T) {
	ca := pkitest.Issue(pkitest.Template{Subject: pkitest.Name{C: "VN", CN: "CSCA"}, NotBefore: t0, NotAfter: t0.AddDate(5, 0, 0), CA: true},
		pkitest.ECKey("P-256", false), nil)
	signer := pkitest.Issue(pkitest.Template{Subject: pkitest.Name{C: "VN", CN: "ML signer"}, NotBefore: t0, NotAfter: t0.AddDate(5, 0, 0)},
		pkitest.RSAKey(2048), ca)
	mlDER := pkitest.MasterList(signer, ca.DER, []byte{0x30, 0x03, 0x02, 0x01, 0x01})
	ml, err := ParseMasterList(mlDER)
	if err != nil {
		t.Fatal(err)
	}
	if len(ml.Certificates) != 1 || len(ml.Rejected) != 1 {
		t.Fatalf("certificates %d rejected %d", len(ml.Certificates), len(ml.Rejected))
	}
	root, _ := ParseCertificate(ca.DER)
	if _, err := ml.Verify(root); err != nil {
		t.Errorf("Verify(root): %v", err)
	}
	ts := NewTrustStore()
	if n, err := ts.AddMasterList(mlDER, root); err != nil || n != 1 || ts.Len() != 1 {
		t.Errorf("AddMasterList: %d %v (store %d)", n, err, ts.Len())
	}
	bad := bytes.Clone(mlDER)
	bad[len(bad)-3] ^= 0x01 // inside the signature
	if _, err := NewTrustStore().AddMasterList(bad); !errors.Is(err, ErrSignatureInvalid) {
		t.Errorf("tampered list: %v", err)
	}
	if _, err := ParseMasterList(pkitest.SOD{DGs: testDGs(), Signer: signer}.ContentInfo()); !errors.Is(err, ErrNotMasterList) {
		t.Errorf("SOD as master list: %v", err)
	}
}

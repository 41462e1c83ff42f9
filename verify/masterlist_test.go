package verify

import (
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"path/filepath"
	"testing"

	"github.com/cccd-agent/cccd/internal/testenv"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

func TestMasterListsParseCompletely(t *testing.T) {
	tests := []struct {
		ml, root     string
		count        int
		signerCN     string
		minX509Fails int // crypto/x509 refuses at least this many (research §6.1)
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
			if len(ml.Certificates) != tc.count {
				t.Fatalf("certificates = %d, want %d", len(ml.Certificates), tc.count)
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

package verify

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/internal/testkit/pkitest"
)

// TestCheckImport walks the import policy: a master list against its
// publisher's root and a wrong one, a list without roots, a CRL whose CSCA
// is stored or given beside it, and a CRL nobody trusted signed.
func TestCheckImport(t *testing.T) {
	now := clock.Now().UTC().Truncate(time.Second)
	newCSCA := func(cn string) *pkitest.Cert {
		return pkitest.Issue(pkitest.Template{Subject: pkitest.Name{C: "VN", O: "Test", CN: cn},
			NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(10, 0, 0), CA: true}, pkitest.ECKey("P-256", false), nil)
	}
	csca, stranger := newCSCA("Import CSCA"), newCSCA("Stranger CSCA")
	cert := TrustFile{Name: "csca.pem", Items: []TrustItem{{Kind: KindCertificate, DER: csca.DER}}}
	crl := TrustFile{Name: "vn.crl", Items: []TrustItem{{Kind: KindCRL, DER: pkitest.CRL(csca, now.Add(-time.Hour))}}}
	strangerCRL := TrustFile{Name: "other.crl", Items: []TrustItem{{Kind: KindCRL, DER: pkitest.CRL(stranger, now.Add(-time.Hour))}}}
	ml := TrustFile{Name: "DE.ml", Items: []TrustItem{{Kind: KindMasterList, DER: testenv.ReadShared(t, filepath.Join("masterlists", "DE_ML_2026-05-28-08-28-45.ml"))}}}
	root := func(name string) []*Certificate {
		c, err := ParseCertificate(testenv.ReadShared(t, filepath.Join("masterlists", name)))
		if err != nil {
			t.Fatal(err)
		}
		return []*Certificate{c}
	}

	// The CRL comes before its CSCA in the arguments: certificates go first.
	got, err := CheckImport(nil, []TrustFile{crl, cert}, nil)
	if err != nil || got.Counts[KindCertificate] != 1 || got.Counts[KindCRL] != 1 || got.Trusted != 1 || got.UnrootedLists != nil {
		t.Fatalf("CSCA and its CRL: %+v, %v", got, err)
	}
	// The CSCA stored earlier signs a CRL imported now.
	if got, err := CheckImport([]TrustFile{cert}, []TrustFile{crl}, nil); err != nil || got.Trusted != 1 {
		t.Fatalf("CRL of a stored CSCA: %+v, %v", got, err)
	}
	var refused *ImportError
	if _, err := CheckImport([]TrustFile{cert}, []TrustFile{strangerCRL}, nil); !errors.As(err, &refused) || refused.File != "other.crl" || !errors.Is(err, ErrCRLIssuerUnknown) {
		t.Fatalf("CRL of an unknown CSCA: %v, want an ImportError naming other.crl", err)
	}
	got, err = CheckImport(nil, []TrustFile{ml}, nil)
	if err != nil || len(got.UnrootedLists) != 1 || got.UnrootedLists[0] != "DE.ml" || got.Trusted < 500 {
		t.Fatalf("master list without a root: %+v, %v", got, err)
	}
	if got, err := CheckImport(nil, []TrustFile{ml}, root("DE_ROOT_CA_CSCA07.cer")); err != nil || got.UnrootedLists != nil {
		t.Fatalf("master list with its root: %+v, %v", got, err)
	}
	if _, err := CheckImport(nil, []TrustFile{ml}, root("NL_ROOT_CA.cer")); !errors.As(err, &refused) || refused.File != "DE.ml" {
		t.Fatalf("master list under another state's root: %v, want an ImportError naming DE.ml", err)
	}
	// Broken stored material is not the new file's fault.
	broken := TrustFile{Name: "old.crl", Items: []TrustItem{{Kind: KindCRL, DER: []byte{0x30, 0x00}}}}
	if _, err := CheckImport([]TrustFile{broken}, []TrustFile{cert}, nil); err == nil || errors.As(err, &refused) {
		t.Fatalf("broken stored CRL: %v, want a plain error", err)
	}
}

package verify

import (
	"crypto"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testkit/pkitest"
)

// testMRZ is a synthetic TD1 MRZ (no real person) for Vietnam.
const testMRZ = "IDVNM0990123459001099012345<<<" + "9902155M3902150VNM<<<<<<<<<<<8" + "NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<"

var (
	t0        = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	signingAt = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	checkAt   = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
)

// testPKI is one country's PKI: a CSCA and a DS it issued.
type testPKI struct {
	csca, ds *pkitest.Cert
}

func newTestPKI(t testing.TB, cscaKey, dsKey *pkitest.Key, dsScheme pkitest.Scheme) testPKI {
	t.Helper()
	csca := pkitest.Issue(pkitest.Template{
		Subject:   pkitest.Name{C: "VN", O: "Test Government", CN: "Test CSCA"},
		NotBefore: t0, NotAfter: t0.AddDate(15, 0, 0), CA: true,
	}, cscaKey, nil)
	ds := pkitest.Issue(pkitest.Template{
		Subject:   pkitest.Name{C: "VN", O: "Test Government", CN: "Test DS"},
		NotBefore: t0, NotAfter: t0.AddDate(11, 0, 0), Scheme: dsScheme,
	}, dsKey, csca)
	return testPKI{csca: csca, ds: ds}
}

func testDGs() map[int][]byte {
	return map[int][]byte{1: pkitest.DG1(testMRZ), 2: make([]byte, 12000), 14: []byte{0x6E, 0x02, 0x31, 0x00}}
}

func trustOf(t testing.TB, certs ...*pkitest.Cert) *TrustStore {
	t.Helper()
	ts := NewTrustStore()
	for _, c := range certs {
		if err := ts.Add(c.DER); err != nil {
			t.Fatal(err)
		}
	}
	return ts
}

func TestGeneratedHappyPaths(t *testing.T) {
	tests := []struct {
		name      string
		csca, ds  func() *pkitest.Key
		sodScheme pkitest.Scheme
		hash      crypto.Hash
	}{
		{"RSA PKCS#1", func() *pkitest.Key { return pkitest.RSAKey(2048) }, func() *pkitest.Key { return pkitest.RSAKey(2048) },
			pkitest.Scheme{Kind: "pkcs1", Hash: crypto.SHA256}, crypto.SHA256},
		{"RSA-PSS SHA-512 salt 20", func() *pkitest.Key { return pkitest.RSAKey(2048) }, func() *pkitest.Key { return pkitest.RSAKey(2048) },
			pkitest.Scheme{Kind: "pss", Hash: crypto.SHA512, Salt: 20}, crypto.SHA384},
		{"ECDSA P-256 explicit", func() *pkitest.Key { return pkitest.ECKey("P-384", true) }, func() *pkitest.Key { return pkitest.ECKey("P-256", true) },
			pkitest.Scheme{Kind: "ecdsa", Hash: crypto.SHA256}, crypto.SHA256},
		{"ECDSA brainpoolP256r1 explicit", func() *pkitest.Key { return pkitest.ECKey("brainpoolP384r1", true) }, func() *pkitest.Key { return pkitest.ECKey("brainpoolP256r1", true) },
			pkitest.Scheme{Kind: "ecdsa", Hash: crypto.SHA256}, crypto.SHA256},
		{"ECDSA brainpoolP224r1 named, SHA-1", func() *pkitest.Key { return pkitest.ECKey("brainpoolP320r1", false) }, func() *pkitest.Key { return pkitest.ECKey("brainpoolP224r1", false) },
			pkitest.Scheme{Kind: "ecdsa", Hash: crypto.SHA1}, crypto.SHA1},
		{"ECDSA brainpoolP512r1 explicit (as Vietnam's CSCA)", func() *pkitest.Key { return pkitest.ECKey("brainpoolP512r1", true) }, func() *pkitest.Key { return pkitest.ECKey("brainpoolP192r1", true) },
			pkitest.Scheme{Kind: "ecdsa", Hash: crypto.SHA512}, crypto.SHA512},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newTestPKI(t, tc.csca(), tc.ds(), pkitest.Scheme{})
			dgs := testDGs()
			sod := pkitest.SOD{DGs: dgs, Hash: tc.hash, Signer: p.ds, Scheme: tc.sodScheme, SigningTime: signingAt}.Build()
			r := Passive(sod, dgs, trustOf(t, p.csca), checkAt)
			if r.Status != StatusVerified || len(r.Reasons) != 0 {
				t.Fatalf("status %s reasons %v", r.Status, r.Reasons)
			}
			if !r.Covered(14) || r.Covered(15) {
				t.Errorf("Covered(14)=%v Covered(15)=%v", r.Covered(14), r.Covered(15))
			}
		})
	}
}

func TestGeneratedForgeries(t *testing.T) {
	p := newTestPKI(t, pkitest.ECKey("brainpoolP384r1", true), pkitest.ECKey("brainpoolP256r1", true), pkitest.Scheme{})
	other := newTestPKI(t, pkitest.RSAKey(2048), pkitest.RSAKey(2048), pkitest.Scheme{})
	trust := trustOf(t, p.csca)

	// A DS whose validity ended before the signing time.
	expiredDS := pkitest.Issue(pkitest.Template{Subject: pkitest.Name{C: "VN", CN: "Old DS"},
		NotBefore: t0, NotAfter: signingAt.Add(-time.Hour)}, pkitest.ECKey("P-256", false), p.csca)
	// A DS revoked by its CSCA's CRL.
	revokedDS := pkitest.Issue(pkitest.Template{Subject: pkitest.Name{C: "VN", CN: "Revoked DS"},
		NotBefore: t0, NotAfter: t0.AddDate(11, 0, 0)}, pkitest.ECKey("P-256", false), p.csca)
	revTrust := trustOf(t, p.csca)
	if err := revTrust.AddCRL(pkitest.CRL(p.csca, signingAt, big.NewInt(12345), revokedDS.Serial)); err != nil {
		t.Fatal(err)
	}
	// A DS certificate claiming the trusted CSCA as issuer, signed by another key.
	impostor := pkitest.Issue(pkitest.Template{Subject: pkitest.Name{C: "VN", CN: "Test DS"},
		NotBefore: t0, NotAfter: t0.AddDate(11, 0, 0), AuthorityKeyID: p.csca.Key.KeyID()}, pkitest.ECKey("P-256", false),
		&pkitest.Cert{Key: other.csca.Key, Subject: p.csca.Subject})
	// A DS from another country (DG1 says VNM).
	foreignCSCA := pkitest.Issue(pkitest.Template{Subject: pkitest.Name{C: "KH", CN: "KH CSCA"},
		NotBefore: t0, NotAfter: t0.AddDate(15, 0, 0), CA: true}, pkitest.RSAKey(2048), nil)
	foreignDS := pkitest.Issue(pkitest.Template{Subject: pkitest.Name{C: "KH", CN: "KH DS"},
		NotBefore: t0, NotAfter: t0.AddDate(11, 0, 0)}, pkitest.RSAKey(2048), foreignCSCA)

	base := func() (map[int][]byte, pkitest.SOD) {
		dgs := testDGs()
		return dgs, pkitest.SOD{DGs: dgs, Signer: p.ds, SigningTime: signingAt}
	}
	tests := []struct {
		name   string
		build  func() ([]byte, map[int][]byte)
		trust  *TrustStore
		status string
		reason string
		chain  string
	}{
		{"changed DG1 byte", func() ([]byte, map[int][]byte) {
			dgs, o := base()
			sod := o.Build()
			dgs[1][10] ^= 0x20
			return sod, dgs
		}, trust, StatusFailed, ReasonDGHashMismatch + ":DG1", ChainValid},
		{"DG added that the SOD does not list", func() ([]byte, map[int][]byte) {
			dgs, o := base()
			sod := o.Build()
			dgs[15] = []byte{0x6F, 0x00}
			return sod, dgs
		}, trust, StatusFailed, ReasonDGNotInSOD + ":DG15", ChainValid},
		{"SOD re-signed by another key (same DS certificate embedded)", func() ([]byte, map[int][]byte) {
			dgs, o := base()
			o.Signer = &pkitest.Cert{DER: p.ds.DER, Key: other.ds.Key, Subject: p.ds.Subject, Issuer: p.ds.Issuer, Serial: p.ds.Serial}
			return o.Build(), dgs
		}, trust, StatusFailed, ReasonSODSignatureInvalid, ChainNotChecked},
		{"SOD signed by a forged DS certificate naming the trusted CSCA", func() ([]byte, map[int][]byte) {
			dgs, o := base()
			o.Signer = impostor
			return o.Build(), dgs
		}, trust, StatusFailed, ReasonDSCertSignatureInvalid, ChainInvalid},
		{"DS expired at signing time", func() ([]byte, map[int][]byte) {
			dgs, o := base()
			o.Signer = expiredDS
			return o.Build(), dgs
		}, trust, StatusFailed, ReasonDSExpiredAtSigning, ChainInvalid},
		{"DS revoked by a CRL", func() ([]byte, map[int][]byte) {
			dgs, o := base()
			o.Signer = revokedDS
			return o.Build(), dgs
		}, revTrust, StatusFailed, ReasonDSRevoked, ChainRevoked},
		{"DS from an unknown CSCA", func() ([]byte, map[int][]byte) {
			dgs, o := base()
			o.Signer = other.ds
			return o.Build(), dgs
		}, trust, StatusIntactUntrusted, ReasonCSCAUnknown, ChainUntrusted},
		{"DS country differs from DG1", func() ([]byte, map[int][]byte) {
			dgs, o := base()
			o.Signer = foreignDS
			return o.Build(), dgs
		}, trustOf(t, foreignCSCA), StatusFailed, ReasonCountryMismatch, ChainValid},
		{"no signingTime: validity at verification time", func() ([]byte, map[int][]byte) {
			dgs, o := base()
			o.SigningTime = time.Time{}
			return o.Build(), dgs
		}, trust, StatusVerified, ReasonSigningTimeAbsent, ChainValid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sod, dgs := tc.build()
			r := Passive(sod, dgs, tc.trust, checkAt)
			if r.Status != tc.status || !slices.Contains(r.Reasons, tc.reason) || r.Passive.Chain != tc.chain {
				t.Errorf("got %s/%s %v, want %s/%s with %s", r.Status, r.Passive.Chain, r.Reasons, tc.status, tc.chain, tc.reason)
			}
		})
	}

	// Without signingTime, validity is evaluated at verification time.
	dgs, o := base()
	o.SigningTime = time.Time{}
	sod := o.Build()
	if r := Passive(sod, dgs, trust, t0.Add(-time.Hour)); r.Status != StatusFailed || !slices.Contains(r.Reasons, ReasonDSNotYetValid) {
		t.Errorf("before DS validity: %s %v", r.Status, r.Reasons)
	}
	if r := Passive(sod, dgs, trust, t0.AddDate(12, 0, 0)); r.Status != StatusIntactUntrusted || !slices.Contains(r.Reasons, ReasonDSExpired) {
		t.Errorf("after DS validity: %s %v", r.Status, r.Reasons)
	}
}

func TestCRLIssuerMustBeTrusted(t *testing.T) {
	p := newTestPKI(t, pkitest.RSAKey(2048), pkitest.RSAKey(2048), pkitest.Scheme{})
	stranger := newTestPKI(t, pkitest.RSAKey(2048), pkitest.RSAKey(2048), pkitest.Scheme{})
	ts := trustOf(t, p.csca)
	// Same issuer name, other key: the signature check refuses it.
	fake := &pkitest.Cert{Key: stranger.csca.Key, Subject: p.csca.Subject}
	if err := ts.AddCRL(pkitest.CRL(fake, signingAt, p.ds.Serial)); err == nil {
		t.Fatal("a CRL signed by an untrusted key was accepted")
	}
	sod := pkitest.SOD{DGs: testDGs(), Signer: p.ds, SigningTime: signingAt}.Build()
	if r := Passive(sod, testDGs(), ts, checkAt); r.Status != StatusVerified {
		t.Errorf("refused CRL still revoked the DS: %s %v", r.Status, r.Reasons)
	}
	crl, err := ParseCRL(pkitest.CRL(p.csca, signingAt, p.ds.Serial, big.NewInt(7)))
	if err != nil {
		t.Fatal(err)
	}
	if crl.Len() != 2 || crl.ThisUpdate != signingAt {
		t.Errorf("CRL entries %d thisUpdate %v", crl.Len(), crl.ThisUpdate)
	}
}

// Link certificates: the DS of an old CSCA verifies when only the new CSCA
// and the link certificate (old key certified by the new CSCA) are trusted,
// and the other way round.
func TestLinkCertificates(t *testing.T) {
	oldKey, newKey := pkitest.ECKey("brainpoolP256r1", true), pkitest.ECKey("brainpoolP384r1", true)
	name := pkitest.Name{C: "VN", O: "Test Government", CN: "Test CSCA"}
	oldCSCA := pkitest.Issue(pkitest.Template{Subject: name, NotBefore: t0, NotAfter: t0.AddDate(15, 0, 0), CA: true}, oldKey, nil)
	newCSCA := pkitest.Issue(pkitest.Template{Subject: name, NotBefore: t0.AddDate(1, 0, 0), NotAfter: t0.AddDate(16, 0, 0), CA: true}, newKey, nil)
	oldByNew := pkitest.Issue(pkitest.Template{Subject: name, NotBefore: t0, NotAfter: t0.AddDate(15, 0, 0), CA: true}, oldKey, newCSCA)
	newByOld := pkitest.Issue(pkitest.Template{Subject: name, NotBefore: t0.AddDate(1, 0, 0), NotAfter: t0.AddDate(16, 0, 0), CA: true}, newKey, oldCSCA)
	dsOld := pkitest.Issue(pkitest.Template{Subject: pkitest.Name{C: "VN", CN: "DS old"}, NotBefore: t0, NotAfter: t0.AddDate(11, 0, 0)}, pkitest.ECKey("P-256", false), oldCSCA)
	dsNew := pkitest.Issue(pkitest.Template{Subject: pkitest.Name{C: "VN", CN: "DS new"}, NotBefore: t0.AddDate(1, 0, 0), NotAfter: t0.AddDate(12, 0, 0)}, pkitest.ECKey("P-256", false), newCSCA)
	at := t0.AddDate(1, 6, 0)
	tests := []struct {
		name  string
		trust []*pkitest.Cert
		ds    *pkitest.Cert
		want  string
	}{
		{"old DS, new CSCA + link", []*pkitest.Cert{newCSCA, oldByNew}, dsOld, StatusVerified},
		{"new DS, old CSCA + reverse link", []*pkitest.Cert{oldCSCA, newByOld}, dsNew, StatusVerified},
		{"old DS, new CSCA only: unknown key, not forged", []*pkitest.Cert{newCSCA}, dsOld, StatusIntactUntrusted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dgs := testDGs()
			sod := pkitest.SOD{DGs: dgs, Signer: tc.ds, SigningTime: at}.Build()
			r := Passive(sod, dgs, trustOf(t, tc.trust...), at)
			if r.Status != tc.want {
				t.Errorf("status %s reasons %v, want %s", r.Status, r.Reasons, tc.want)
			}
		})
	}
}

func TestApplyChip(t *testing.T) {
	p := newTestPKI(t, pkitest.RSAKey(2048), pkitest.RSAKey(2048), pkitest.Scheme{})
	dgs := testDGs()
	sod := pkitest.SOD{DGs: dgs, Signer: p.ds, SigningTime: signingAt}.Build()
	tests := []struct {
		ok, bound  bool
		status     string
		chipStatus string
	}{
		{true, true, StatusVerified, ChipOK},
		{false, true, StatusFailed, ChipFailed},
		{true, false, StatusFailed, ChipFailed},
	}
	for _, tc := range tests {
		r := Passive(sod, dgs, trustOf(t, p.csca), checkAt)
		if r.Chip != (ChipInfo{ChipNone, ChipSkipped}) {
			t.Fatalf("default chip = %+v", r.Chip)
		}
		r.ApplyChip("CA", tc.ok, tc.bound)
		if r.Status != tc.status || r.Chip.Status != tc.chipStatus || r.Chip.Method != "CA" {
			t.Errorf("ApplyChip(ok=%v, bound=%v): %s chip %+v reasons %v", tc.ok, tc.bound, r.Status, r.Chip, r.Reasons)
		}
	}
}

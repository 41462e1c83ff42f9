package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/internal/clock"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/internal/testkit/pkitest"
	"github.com/cccd-agent/cccd/verify"
)

// verifyFixture is a generated document: CSCA, DS, dump directory.
type verifyFixture struct {
	dir, cscaPEM, crlRevoking string
}

func newVerifyFixture(t *testing.T) verifyFixture {
	t.Helper()
	now := clock.Now().UTC().Truncate(time.Second)
	csca := pkitest.Issue(pkitest.Template{Subject: pkitest.Name{C: "VN", O: "Test", CN: "CLI CSCA"},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(10, 0, 0), CA: true}, pkitest.ECKey("brainpoolP256r1", true), nil)
	ds := pkitest.Issue(pkitest.Template{Subject: pkitest.Name{C: "VN", O: "Test", CN: "CLI DS"},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(5, 0, 0)}, pkitest.RSAKey(2048), csca)
	dgs := map[int][]byte{
		1:  pkitest.DG1("IDVNM0990123459001099012345<<<9902155M3902150VNM<<<<<<<<<<<8NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<"),
		2:  bytes.Repeat([]byte{0xAB}, 3000),
		13: []byte{0x6D, 0x00},
	}
	base := t.TempDir()
	f := verifyFixture{dir: filepath.Join(base, "card"), cscaPEM: filepath.Join(base, "csca.pem"), crlRevoking: filepath.Join(base, "revoked.crl")}
	write := func(p string, b []byte) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(f.dir, "EF_SOD.bin"), pkitest.SOD{DGs: dgs, Signer: ds, SigningTime: now.Add(-time.Hour)}.Build())
	write(filepath.Join(f.dir, "EF_COM.bin"), []byte{0x60, 0x00})
	for n, b := range dgs {
		write(filepath.Join(f.dir, lds.DirName(lds.DG(n))), b)
	}
	write(f.cscaPEM, csca.PEM())
	write(f.crlRevoking, pkitest.CRL(csca, now.Add(-time.Minute), ds.Serial))
	return f
}

func TestVerifyCLI(t *testing.T) {
	f := newVerifyFixture(t)
	data := filepath.Join(t.TempDir(), "data")
	revokedDir := t.TempDir()
	for _, p := range []string{f.cscaPEM, f.crlRevoking} {
		b, _ := os.ReadFile(p)
		os.WriteFile(filepath.Join(revokedDir, filepath.Base(p)), b, 0o600)
	}
	tampered := t.TempDir()
	for _, n := range []string{"EF_SOD.bin", "DG1.bin", "DG2.bin", "DG13.bin"} {
		b, _ := os.ReadFile(filepath.Join(f.dir, n))
		if n == "DG2.bin" {
			b[100] ^= 1
		}
		os.WriteFile(filepath.Join(tampered, n), b, 0o600)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		status string
		inOut  string
		inErr  string
	}{
		{"no trust: intact-untrusted", []string{"verify", f.dir, "--json"}, exitOK, verify.StatusIntactUntrusted, "csca-unknown", ""},
		{"trusted CSCA: verified", []string{"verify", f.dir, "--trust", f.cscaPEM, "--json"}, exitOK, verify.StatusVerified, `"DG2": "match"`, ""},
		{"human output", []string{"verify", f.dir, "--trust", f.cscaPEM}, exitOK, "", "Verification verified", ""},
		{"trust directory with a CRL revoking the DS", []string{"verify", f.dir, "--trust", revokedDir, "--json"}, exitVerification, verify.StatusFailed, "ds-revoked", "verification failed (ds-revoked"},
		{"tampered DG2", []string{"verify", tampered, "--trust", f.cscaPEM}, exitVerification, "", "DG2          mismatch", "dg-hash-mismatch:DG2"},
		{"no EF_SOD.bin", []string{"verify", t.TempDir()}, exitUsage, "", "", "has no EF_SOD.bin"},
		{"two directories", []string{"verify", f.dir, f.dir}, exitUsage, "", "", "one directory"},
		{"bad --trust path", []string{"verify", f.dir, "--trust", filepath.Join(f.dir, "nope.pem")}, exitUsage, "", "", "--trust"},
		{"--trust file that is no trust material", []string{"verify", f.dir, "--trust", filepath.Join(f.dir, "DG2.bin")}, exitUsage, "", "", "not a certificate, CRL or CSCA master list"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, data, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			if tc.status != "" {
				var v struct{ Verification verify.Result }
				if err := json.Unmarshal([]byte(out), &v); err != nil {
					t.Fatalf("JSON: %v\n%s", err, out)
				}
				if v.Verification.Status != tc.status {
					t.Errorf("status %s, want %s", v.Verification.Status, tc.status)
				}
			}
			if !strings.Contains(out, tc.inOut) {
				t.Errorf("stdout lacks %q:\n%s", tc.inOut, out)
			}
			if !strings.Contains(errOut, tc.inErr) {
				t.Errorf("stderr lacks %q:\n%s", tc.inErr, errOut)
			}
			for _, secret := range []string{"NGUYEN", "099012345", "990215"} {
				if strings.Contains(out+errOut, secret) {
					t.Errorf("output leaks %q", secret)
				}
			}
		})
	}
}

func TestTrustCLI(t *testing.T) {
	f := newVerifyFixture(t)
	data := filepath.Join(t.TempDir(), "data")
	ml := testenv.SharedFile(t, "masterlists/NL_ML_2026-07-22.ml")
	idn := testenv.SharedFile(t, "masterlists/IDN_2010_SERIES_CSCA_CERT/2020-10_CSCA.cer")

	if _, errOut, code := runCLI(t, data, "trust", "list"); code != exitUsage || !strings.Contains(errOut, "no database at") {
		t.Errorf("list without a database: %d %q", code, errOut)
	}
	// A CRL whose issuer is not trusted is refused, and nothing is stored.
	if _, errOut, code := runCLI(t, data, "trust", "import", f.crlRevoking); code != exitUsage || !strings.Contains(errOut, "CRL issuer not in the trust store") {
		t.Errorf("orphan CRL: %d %q", code, errOut)
	}
	if out, _, code := runCLI(t, data, "trust", "list"); code != 0 || !strings.Contains(out, "no trust anchors") {
		t.Errorf("empty list: %d %q", code, out)
	}
	if _, errOut, code := runCLI(t, data, "trust", "import", filepath.Join(f.dir, "DG2.bin")); code != exitUsage {
		t.Errorf("garbage: %d %q", code, errOut)
	}
	// --ml-root: a root that did not issue the list's signer is refused.
	if _, errOut, code := runCLI(t, data, "trust", "import", ml, "--ml-root", idn); code != exitUsage || !strings.Contains(errOut, "master-list signer not issued by the given roots") {
		t.Errorf("wrong --ml-root: %d %q", code, errOut)
	}
	nlRoot := testenv.SharedFile(t, "masterlists/NL_ROOT_CA.cer")
	out, errOut, code := runCLI(t, data, "trust", "import", ml, idn, f.cscaPEM, "--ml-root", nlRoot)
	if code != 0 || !strings.Contains(out, "imported 2 certificates, 1 master lists, 0 CRLs; 413 trusted certificates") {
		t.Fatalf("import: %d %q %q", code, out, errOut)
	}
	if strings.Contains(errOut, "own signature only") {
		t.Errorf("import with --ml-root warned: %q", errOut)
	}
	// Without --ml-root the list is taken on its own signature, and the admin is told.
	other := filepath.Join(t.TempDir(), "data")
	if _, errOut, code := runCLI(t, other, "trust", "import", ml); code != 0 ||
		!strings.Contains(errOut, "master list NL_ML_2026-07-22.ml is trusted on its own signature only") {
		t.Errorf("import without --ml-root: %d %q", code, errOut)
	}
	// The CRL's issuer is now stored: it imports, and verify uses it without --trust.
	if out, errOut, code := runCLI(t, data, "verify", f.dir); code != 0 || !strings.Contains(out, "Verification verified") {
		t.Errorf("verify with imported trust: %d %q %q", code, out, errOut)
	}
	if _, errOut, code := runCLI(t, data, "trust", "import", f.crlRevoking); code != 0 {
		t.Fatalf("CRL import: %d %q", code, errOut)
	}
	if _, _, code := runCLI(t, data, "verify", f.dir); code != exitVerification {
		t.Errorf("verify after the revoking CRL: exit %d", code)
	}

	out, _, code = runCLI(t, data, "trust", "list", "--json")
	var rows []trustListEntry
	if err := json.Unmarshal([]byte(out), &rows); err != nil || code != 0 {
		t.Fatalf("list --json: %d %v", code, err)
	}
	if len(rows) != 413 {
		t.Errorf("rows = %d, want 413 (411 NL + IDN + test CSCA)", len(rows))
	}
	var vn *trustListEntry
	for i := range rows {
		if rows[i].Country == "VN" && strings.Contains(rows[i].Subject, "CSCA ePassport Vietnam") {
			vn = &rows[i]
		}
	}
	if vn == nil || vn.SKI != "88918f5a25ece37a3e04c52d38a4f2b5123c85c7" || vn.Key != "ECDSA brainpoolP512r1" ||
		vn.Source != "NL_ML_2026-07-22.ml (master list)" || vn.NotAfter.Year() != 2037 {
		t.Errorf("VN row = %+v", vn)
	}
	out, _, _ = runCLI(t, data, "trust", "list")
	if !strings.Contains(out, "413 trusted certificates") || !strings.Contains(out, "[2020-10_CSCA.cer]") {
		t.Errorf("list: %s", out[max(0, len(out)-300):])
	}
	// The CRL is listed with its next update; it was issued a minute ago.
	if !strings.Contains(out, "\nCRL  ") || !strings.Contains(out, ", 1 revoked") || !strings.Contains(out, "1 CRLs") ||
		strings.Contains(out, "OUTDATED") {
		t.Errorf("list, CRL part: %s", out[max(0, len(out)-300):])
	}
}

func TestPrintCRLsMarksOutdated(t *testing.T) {
	issued := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	crls := []verify.CRLInfo{
		{Issuer: "C=VN, CN=Test CSCA", ThisUpdate: issued, NextUpdate: issued.AddDate(0, 3, 0), Entries: 2},
		{Issuer: "C=VN, CN=Other CSCA", ThisUpdate: issued, Entries: 0},
	}
	var b strings.Builder
	printCRLs(&b, crls, issued.AddDate(0, 4, 0))
	want := "CRL  2026-01-10, next 2026-04-10, 2 revoked  C=VN, CN=Test CSCA  OUTDATED: import a newer CRL\n" +
		"CRL  2026-01-10, no next update, 0 revoked  C=VN, CN=Other CSCA\n" +
		"2 CRLs\n"
	if b.String() != want {
		t.Errorf("printCRLs:\n%s\nwant:\n%s", b.String(), want)
	}
}

// A dump of the simulated card verifies as intact (its test CSCA is not
// trusted) and fails once a byte of its photo changes.
func TestVerifySimDump(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	card := filepath.Join(t.TempDir(), "card")
	if out, errOut, code := runCLI(t, data, "dump", "--sim", "--can", "012345", "--out", card); code != 0 {
		t.Fatalf("dump: %d %s %s", code, out, errOut)
	}
	out, errOut, code := runCLI(t, data, "verify", card, "--json")
	var v struct{ Verification verify.Result }
	if err := json.Unmarshal([]byte(out), &v); err != nil || code != 0 {
		t.Fatalf("verify: %d %v %s", code, err, errOut)
	}
	if v.Verification.Status != verify.StatusIntactUntrusted || v.Verification.Passive.Hashes["DG2"] != verify.HashMatch {
		t.Errorf("sim dump: %+v", v.Verification)
	}
	dg2 := filepath.Join(card, "DG2.bin")
	b, err := os.ReadFile(dg2)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x01
	if err := os.WriteFile(dg2, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runCLI(t, data, "verify", card); code != exitVerification || !strings.Contains(errOut, "dg-hash-mismatch:DG2") {
		t.Errorf("tampered sim dump: exit %d %q", code, errOut)
	}
}

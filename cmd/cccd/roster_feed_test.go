package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/internal/testenv"
)

func TestRosterPublishSyncCLI(t *testing.T) {
	openssl := testenv.LookPath(t, "openssl")
	dir := t.TempDir()
	key, pub, other := filepath.Join(dir, "key.pem"), filepath.Join(dir, "pub.pem"), filepath.Join(dir, "other.pem")
	for _, args := range [][]string{
		{"genpkey", "-algorithm", "ed25519", "-out", key},
		{"pkey", "-in", key, "-pubout", "-out", pub},
		{"genpkey", "-algorithm", "ed25519", "-out", filepath.Join(dir, "k2.pem")},
		{"pkey", "-in", filepath.Join(dir, "k2.pem"), "-pubout", "-out", other},
	} {
		if out, err := exec.Command(openssl, args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	csv := filepath.Join(dir, "roster.csv")
	os.WriteFile(csv, []byte("soCCCD,maThe,maSoBHXH,hoTen,ngaySinh,gtTheTu,gtTheDen,maDKBD\n"+
		"001099012345,GD4010100000001,0100000001,Trần Văn A,05/03/1994,01/01/2026,31/12/2026,01832\n"+
		"001099012346,GD4010100000002,0100000002,Lê Thị B,06/04/1990,01/01/2026,31/12/2026,01832\n"), 0o600)
	feedDir := filepath.Join(dir, "feed")
	srv := httptest.NewServer(http.FileServer(http.Dir(feedDir)))
	defer srv.Close()
	data := filepath.Join(dir, "data")

	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"publish", []string{"roster", "publish", "--in", csv, "--key", key, "--out", feedDir}, exitOK, "2 records"},
		{"sync", []string{"--data", data, "roster", "sync", "--from", srv.URL, "--pubkey", pub}, exitOK, "roster snapshot"},
		{"sync again", []string{"--data", data, "roster", "sync", "--from", srv.URL, "--pubkey", pub}, exitOK, "not-modified"},
		{"sync with another publisher's key", []string{"--data", data, "roster", "sync", "--from", srv.URL, "--pubkey", other}, exitRoster, "unknown publisher key"},
		{"publish without flags", []string{"roster", "publish", "--in", csv}, exitUsage, "needs --in"},
		{"publish with a public key", []string{"roster", "publish", "--in", csv, "--key", pub, "--out", feedDir}, exitUsage, "not an Ed25519 key"},
		{"publish a missing file", []string{"roster", "publish", "--in", csv + ".x", "--key", key, "--out", feedDir}, exitRoster, "open roster file"},
		{"sync without a feed", []string{"--data", data, "roster", "sync"}, exitUsage, "needs the feed URL"},
		{"sync from a dead server", []string{"--data", data, "roster", "sync", "--from", "http://127.0.0.1:1/", "--pubkey", pub}, exitRoster, "unavailable"},
	}
	for _, tc := range tests {
		out, code := runCLICombined(t, tc.args...)
		if code != tc.wantCode || !strings.Contains(out, tc.wantOut) {
			t.Errorf("%s: exit %d, output %q; want exit %d containing %q", tc.name, code, out, tc.wantCode, tc.wantOut)
		}
		for _, pii := range []string{"001099012345", "Trần Văn A", "GD4010100000001"} {
			if strings.Contains(out, pii) {
				t.Errorf("%s: output leaks %q", tc.name, pii)
			}
		}
	}
}

// TestRosterEncryptedFeedCLI: a clinic makes its identity, the publisher
// encrypts to it (and to itself), the clinic syncs with it; without it the
// sync is refused (exit 6) and stores nothing.
func TestRosterEncryptedFeedCLI(t *testing.T) {
	openssl := testenv.LookPath(t, "openssl")
	dir := t.TempDir()
	key, pub := filepath.Join(dir, "key.pem"), filepath.Join(dir, "pub.pem")
	for _, args := range [][]string{{"genpkey", "-algorithm", "ed25519", "-out", key}, {"pkey", "-in", key, "-pubout", "-out", pub}} {
		if out, err := exec.Command(openssl, args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	csv := filepath.Join(dir, "roster.csv")
	os.WriteFile(csv, []byte("soCCCD,maThe,maSoBHXH,hoTen,ngaySinh,gtTheTu,gtTheDen,maDKBD\n"+
		"001099012345,GD4010100000001,0100000001,Trần Văn A,05/03/1994,01/01/2026,31/12/2026,01832\n"), 0o600)
	clinicID, publisherID := filepath.Join(dir, "clinic.age"), filepath.Join(dir, "publisher.age")
	recipient, errOut, code := runCLI(t, t.TempDir(), "roster", "keygen", "--out", clinicID)
	if code != exitOK || !strings.HasPrefix(recipient, "age1") || !strings.Contains(errOut, "roster.identity_file") {
		t.Fatalf("keygen: exit %d %q %q", code, recipient, errOut)
	}
	if fi, err := os.Stat(clinicID); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("identity file mode: %v %v", fi, err)
	}
	if _, _, code := runCLI(t, t.TempDir(), "roster", "keygen", "--out", clinicID); code != exitUsage {
		t.Errorf("keygen over an existing identity: exit %d, want %d", code, exitUsage)
	}
	runCLI(t, t.TempDir(), "roster", "keygen", "--out", publisherID)
	recipients := filepath.Join(dir, "clinics.txt")
	os.WriteFile(recipients, []byte("# clinic 01832\n"+recipient), 0o644)
	feedDir := filepath.Join(dir, "feed")
	srv := httptest.NewServer(http.FileServer(http.Dir(feedDir)))
	defer srv.Close()

	out, code := runCLICombined(t, "roster", "publish", "--in", csv, "--key", key, "--out", feedDir, "--recipients", recipients)
	if code != exitUsage || !strings.Contains(out, "--identity") {
		t.Errorf("encrypted publish without the publisher's identity: exit %d %q", code, out)
	}
	out, code = runCLICombined(t, "roster", "publish", "--in", csv, "--key", key, "--out", feedDir, "--recipients", recipients, "--identity", publisherID)
	if code != exitOK || !strings.Contains(out, "encrypted to 1 clinics") || strings.Contains(out, "not encrypted") {
		t.Fatalf("encrypted publish: exit %d %q", code, out)
	}
	data := filepath.Join(dir, "data")
	out, code = runCLICombined(t, "--data", data, "roster", "sync", "--from", srv.URL, "--pubkey", pub)
	if code != exitRoster || !strings.Contains(out, "encrypted") {
		t.Errorf("sync without an identity: exit %d %q", code, out)
	}
	out, code = runCLICombined(t, "--data", data, "roster", "sync", "--from", srv.URL, "--pubkey", pub, "--identity", clinicID)
	if code != exitOK || !strings.Contains(out, "1 records") {
		t.Errorf("sync with the clinic's identity: exit %d %q", code, out)
	}
}

//go:build !windows

package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"github.com/cccd-agent/cccd/cache"
	"io"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/config"
	"github.com/cccd-agent/cccd/internal/clock"
)

// A data directory other users may open is refused with the chmod that fixes it.
func TestDataDirOpenToOthersRefused(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	old := global
	t.Cleanup(func() { global = old })
	global = globalFlags{dataDir: data}
	os.Chmod(data, 0o755) // whatever the umask
	_, err := dataDir()
	if exitCode(err) != exitUsage || err == nil || !strings.Contains(err.Error(), "chmod 700 "+data) {
		t.Errorf("dataDir: %v (exit %d): want exit 2 naming chmod 700", err, exitCode(err))
	}
	os.Chmod(data, 0o700)
	if _, err := dataDir(); err != nil {
		t.Errorf("after chmod 700: %v", err)
	}
}

// --out replaces a symlink planted at its path (0600), never writing through it.
func TestExportOutDoesNotFollowSymlink(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("keep"), 0o644)
	out := filepath.Join(dir, "export.json")
	db, err := cache.Open(filepath.Join(data, cacheFileName)) // export never creates the database
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	os.Chmod(data, 0o700)
	if err := os.Symlink(victim, out); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runCLI(t, data, "checkins", "export", "--format", "json", "--out", out); code != 0 {
		t.Fatalf("export: exit %d, %q", code, errOut)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("the symlink's target was overwritten: %q", b)
	}
	fi, err := os.Lstat(out)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Errorf("export file: %v %v, want a regular file 0600", fi.Mode(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("a temporary file was left: %d entries", len(entries))
	}
}

// Secret files must be regular and owner-only.
func TestSecretFilesMustBePrivate(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "gw-password")
	os.WriteFile(pw, []byte("secret\n"), 0o600)
	os.Chmod(pw, 0o644)
	cfg := config.Default()
	cfg.Gateway = config.Gateway{URL: "https://gw.example.vn", SharedAccount: true, Username: "u", PasswordFile: pw, StaffID: "030181000001"}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := newGateway(cfg, log); err == nil || !strings.Contains(err.Error(), "chmod o-rwx "+pw) {
		t.Errorf("world-readable password file: %v", err)
	}
	os.Chmod(pw, 0o600)
	link := filepath.Join(dir, "link")
	os.Symlink(pw, link)
	cfg.Gateway.PasswordFile = link
	if _, err := newGateway(cfg, log); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("symlinked password file: %v", err)
	}
	cfg.Gateway.PasswordFile = pw
	os.Chmod(pw, 0o640) // root:cccd 0640, as the README's install step makes it
	if _, err := newGateway(cfg, log); err != nil {
		t.Errorf("group-readable password file: %v", err)
	}
}

// api.tls_key is a secret file too.
func TestTLSKeyMustBePrivate(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: clock.Now().Add(-time.Hour), NotAfter: clock.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	p8, _ := x509.MarshalPKCS8PrivateKey(key)
	a := config.API{TLSCert: filepath.Join(dir, "cert.pem"), TLSKey: filepath.Join(dir, "key.pem")}
	os.WriteFile(a.TLSCert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(a.TLSKey, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}), 0o600)
	if _, err := loadTLSCert(a); err != nil {
		t.Fatalf("private key: %v", err)
	}
	os.Chmod(a.TLSKey, 0o644)
	if _, err := loadTLSCert(a); err == nil || !strings.Contains(err.Error(), "chmod o-rwx "+a.TLSKey) {
		t.Errorf("world-readable key: %v", err)
	}
}

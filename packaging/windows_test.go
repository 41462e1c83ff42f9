//go:build linux

package packaging

import (
	"bytes"
	"debug/pe"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/internal/testenv"
)

// TestWindowsInstaller takes the NSIS installer apart with 7-Zip (no
// Windows needed): the files it installs, that the program in it is the
// release's cccd.exe, and the service registration it runs.
func TestWindowsInstaller(t *testing.T) {
	requireIntegration(t)
	b := distBuild(t, version1, pkgVersion1)
	root := testenv.RepoRoot(t)

	list := run(t, "7z", "l", b.setup())
	if !strings.Contains(list, "Type = Nsis") {
		t.Fatalf("7z does not see an NSIS installer:\n%s", list)
	}
	for _, name := range []string{"cccd.exe", "README.md", "install-service.cmd", "uninstall-service.cmd",
		"config.default.json", "$APPDATA/cccd/config.json", "uninstall.exe", "$PLUGINSDIR/nsExec.dll"} {
		if !hasListEntry(list, name) {
			t.Errorf("installer lacks %s:\n%s", name, list)
		}
	}

	dir := t.TempDir()
	run(t, "7z", "x", "-y", "-o"+dir, b.setup())
	for _, c := range []struct{ extracted, want string }{
		{"cccd.exe", b.exe()},
		{"README.md", filepath.Join(root, "README.md")},
		{"install-service.cmd", filepath.Join(root, "packaging", "windows", "install-service.cmd")},
		{"uninstall-service.cmd", filepath.Join(root, "packaging", "windows", "uninstall-service.cmd")},
		{"config.default.json", filepath.Join(b.dir, "config.windows.json")},
		{filepath.Join("$APPDATA", "cccd", "config.json"), filepath.Join(b.dir, "config.windows.json")},
	} {
		sameFile(t, filepath.Join(dir, c.extracted), c.want)
	}

	exe := filepath.Join(dir, "cccd.exe")
	checkPE(t, exe, pe.IMAGE_FILE_MACHINE_AMD64)
	checkStamp(t, exe, b, "windows", "amd64")

	script, err := os.ReadFile(filepath.Join(dir, "install-service.cmd"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(script, []byte("\r\n")) != bytes.Count(script, []byte("\n")) {
		t.Errorf("install-service.cmd must have CRLF line ends (cmd.exe misparses labels otherwise)")
	}
	for _, want := range []string{
		`cccd.exe\" service run --config \"%CONF%\"`, // what the SCM starts
		"start= delayed-auto",                        // at boot
		"depend= SCardSvr",                           // after the smart-card service
		"sc.exe failure cccd reset= 86400 actions= restart/",
		"sc.exe failureflag cccd 1", // exit codes count as failures
		"sc.exe start cccd",
	} {
		if !bytes.Contains(script, []byte(want)) {
			t.Errorf("install-service.cmd lacks %q", want)
		}
	}
	// The script is run inside a parenthesis-free flow: an install path such
	// as "C:\Program Files (x86)\..." would end an ( ... ) block early.
	for i, line := range strings.Split(string(script), "\n") {
		l := strings.TrimSpace(line)
		if strings.HasPrefix(strings.ToLower(l), "rem") {
			continue
		}
		if strings.HasSuffix(l, "(") || l == ")" || strings.HasPrefix(l, ") else") {
			t.Errorf("install-service.cmd line %d opens a parenthesised block: %q", i+1, l)
		}
	}
	un, _ := os.ReadFile(filepath.Join(dir, "uninstall-service.cmd"))
	for _, want := range []string{"net.exe stop cccd", "sc.exe delete cccd"} {
		if !bytes.Contains(un, []byte(want)) {
			t.Errorf("uninstall-service.cmd lacks %q", want)
		}
	}
}

// TestWindowsSigning builds the installer with a throwaway code-signing
// certificate and checks both signatures with osslsigncode; the unsigned
// build must not verify.
func TestWindowsSigning(t *testing.T) {
	requireIntegration(t)
	unsigned := distBuild(t, version1, pkgVersion1)
	if err := exec.Command("osslsigncode", "verify", "-in", unsigned.setup()).Run(); err == nil {
		t.Errorf("the unsigned installer verifies")
	}

	keys := t.TempDir()
	cert, key := filepath.Join(keys, "cert.pem"), filepath.Join(keys, "key.pem")
	run(t, "openssl", "req", "-x509", "-newkey", "rsa:3072", "-nodes", "-days", "2",
		"-subj", "/CN=cccd test code signing/O=cccd test", "-keyout", key, "-out", cert,
		"-addext", "extendedKeyUsage=codeSigning", "-addext", "keyUsage=digitalSignature")

	dist := filepath.Join(t.TempDir(), "dist")
	cmd := exec.Command(filepath.Join(testenv.RepoRoot(t), "scripts", "dist.sh"), "windows/amd64")
	cmd.Env = append(os.Environ(), "DIST="+dist, "VERSION="+version1, "COMMIT="+unsigned.commit, "DATE="+buildDate,
		"CCCD_SIGN_CERT="+cert, "CCCD_SIGN_KEY="+key, "CCCD_SIGN_CAFILE="+cert)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("dist.sh with signing: %v\n%s", err, out)
	}
	signed := build{dir: dist, version: version1, pkgVer: pkgVersion1, commit: unsigned.commit}
	for _, f := range []string{signed.setup(), signed.exe()} {
		out, err := exec.Command("osslsigncode", "verify", "-CAfile", cert, "-in", f).CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("Signature verification: ok")) {
			t.Errorf("osslsigncode verify %s: %v\n%s", filepath.Base(f), err, out)
		}
	}
	// The signed cccd.exe is the one inside the signed installer.
	dir := t.TempDir()
	run(t, "7z", "x", "-y", "-o"+dir, signed.setup(), "cccd.exe")
	sameFile(t, filepath.Join(dir, "cccd.exe"), signed.exe())
}

func hasListEntry(list, name string) bool {
	for _, line := range strings.Split(list, "\n") {
		if strings.HasSuffix(strings.TrimRight(line, "\r "), " "+name) {
			return true
		}
	}
	return false
}

// checkPE checks that path is a PE executable for machine.
func checkPE(t *testing.T, path string, machine uint16) {
	t.Helper()
	f, err := pe.Open(path)
	if err != nil {
		t.Errorf("%s is not a PE executable: %v", filepath.Base(path), err)
		return
	}
	defer f.Close()
	if f.Machine != machine {
		t.Errorf("%s is for machine %#x, want %#x", filepath.Base(path), f.Machine, machine)
	}
}

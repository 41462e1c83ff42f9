package packaging

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testenv"
)

// Versions stamped into the two builds the tests make: the upgrade test
// installs the first and upgrades to the second.
const (
	version1    = "0.0.1-pkgtest.1"
	version2    = "0.0.1-pkgtest.2"
	pkgVersion1 = "0.0.1~pkgtest.1" // dist.sh's pkg_version of version1
	pkgVersion2 = "0.0.1~pkgtest.2"
	buildDate   = "2026-01-02T03:04:05Z"
)

// build is one run of scripts/dist.sh.
type build struct {
	dir     string // $DIST
	version string
	pkgVer  string
	commit  string
}

func (b build) deb() string   { return filepath.Join(b.dir, "cccd_"+b.pkgVer+"_amd64.deb") }
func (b build) rpm() string   { return filepath.Join(b.dir, "cccd-"+b.pkgVer+"-1.x86_64.rpm") }
func (b build) bin() string   { return filepath.Join(b.dir, "cccd-"+b.version+"-linux-amd64") }
func (b build) exe() string   { return filepath.Join(b.dir, "cccd-"+b.version+"-windows-amd64.exe") }
func (b build) setup() string { return filepath.Join(b.dir, "cccd-"+b.version+"-setup.exe") }

var (
	buildsMu sync.Mutex
	builds   = map[string]build{}
	commit   string
	tmpRoot  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if tmpRoot != "" {
		os.RemoveAll(tmpRoot)
	}
	os.Exit(code)
}

// requireIntegration keeps the machine-changing tests to `make test`.
func requireIntegration(t *testing.T) {
	t.Helper()
	if !testenv.Integration() {
		testenv.Missing(t, "CCCD_INTEGRATION=1: this test builds release artefacts and installs packages")
	}
	if os.Geteuid() != 0 {
		testenv.Missing(t, "root: dpkg needs it")
	}
	for _, tool := range []string{"dpkg", "dpkg-deb", "rpm", "makensis", "7z", "osslsigncode", "openssl", "systemd-analyze", "udevadm", "sha256sum"} {
		testenv.LookPath(t, tool)
	}
}

// distBuild runs scripts/dist.sh once per version (cached for the test
// binary) for linux/amd64 and windows/amd64, with one commit for all builds.
func distBuild(t *testing.T, version, pkgVer string) build {
	t.Helper()
	buildsMu.Lock()
	defer buildsMu.Unlock()
	if b, ok := builds[version]; ok {
		return b
	}
	root := testenv.RepoRoot(t)
	if commit == "" {
		out, err := exec.Command("git", "-C", root, "rev-parse", "--short=12", "HEAD").Output()
		if err != nil {
			testenv.Missing(t, "git repository (for the commit stamp)")
		}
		commit = strings.TrimSpace(string(out))
	}
	if tmpRoot == "" {
		var err error
		if tmpRoot, err = os.MkdirTemp("", "cccd-pkgtest-"); err != nil {
			t.Fatal(err)
		}
		os.Chmod(tmpRoot, 0o755) // the service user reads test files under it
	}
	b := build{dir: filepath.Join(tmpRoot, version), version: version, pkgVer: pkgVer, commit: commit}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", "dist.sh"), "linux/amd64", "windows/amd64")
	cmd.Env = append(os.Environ(), "DIST="+b.dir, "VERSION="+version, "COMMIT="+commit, "DATE="+buildDate)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("scripts/dist.sh %s: %v\n%s", version, err, out.String())
	}
	builds[version] = b
	return b
}

// run runs a command and returns its standard output; a failure ends the
// test with both outputs.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// Package testenv finds the shared test data and the real components
// (pcscd with the vpcd driver, nginx, Chromium, openssl) that integration tests
// use. Under `make test` (CCCD_INTEGRATION=1, always set in CI) a missing
// component fails the test loudly; in a plain `go test` on a developer machine
// it skips with a message naming what is missing and how to get it. It also
// holds the small helpers several packages' tests share: LogBuffer, the vpcd
// lock, and DocTables for the tests that keep docs/FORMATS.md in step.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Integration reports whether the run requires every real component
// (CCCD_INTEGRATION=1 or CI=true).
func Integration() bool {
	return os.Getenv("CCCD_INTEGRATION") == "1" || os.Getenv("CI") == "true"
}

// Missing fails the test under Integration and skips it otherwise, with the
// same one-line explanation either way.
func Missing(t testing.TB, what string) {
	t.Helper()
	if Integration() {
		t.Fatalf("required test component missing: %s", what)
	}
	t.Skipf("skipping: %s (run `make test` to install and start it)", what)
}

// SharedTestdata returns the directory of the public test data kept outside
// the repo: $CCCD_SHARED_TESTDATA, else ../shared/testdata from the repo root.
func SharedTestdata(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("CCCD_SHARED_TESTDATA")
	if dir == "" {
		dir = filepath.Join(RepoRoot(t), "..", "shared", "testdata")
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		Missing(t, "shared test data not found at "+dir+" (set CCCD_SHARED_TESTDATA)")
	}
	return dir
}

// SharedFile returns the path of a file under the shared test data.
func SharedFile(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(SharedTestdata(t), rel)
	if _, err := os.Stat(p); err != nil {
		Missing(t, "shared test file "+rel)
	}
	return p
}

// ReadShared reads a file from the shared test data.
func ReadShared(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(SharedFile(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RepoRoot returns the repository root (the directory holding go.mod).
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("testenv: cannot locate source file")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// LookPath returns the path of a program the test needs.
func LookPath(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name+" not installed")
	}
	return p
}

// RunOpenSSL runs openssl with args in dir and returns its combined output;
// the test fails when openssl does.
func RunOpenSSL(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(LookPath(t, "openssl"), args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/internal/testenv"
)

// TestReleaseNeverShiftsTheClock: the test build whose clock can be moved
// (tag cccd_timetravel, see internal/clock) can never come out of the
// release script: dist.sh refuses the tag up front, and the binaries it does
// build carry no build tag at all.
func TestReleaseNeverShiftsTheClock(t *testing.T) {
	root := testenv.RepoRoot(t)
	cmd := exec.Command(filepath.Join(root, "scripts", "dist.sh"), "linux/amd64")
	cmd.Env = append(os.Environ(), "GOFLAGS=-tags=cccd_timetravel", "DIST="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "never honour a clock shift") {
		t.Fatalf("dist.sh with the time-travel tag: %v\n%s", err, out)
	}

	requireIntegration(t)
	b := distBuild(t, version1, pkgVersion1)
	info := run(t, "go", "version", "-m", b.bin())
	if strings.Contains(info, "cccd_timetravel") || strings.Contains(info, "-tags") {
		t.Fatalf("release binary built with tags:\n%s", info)
	}
}

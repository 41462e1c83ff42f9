package packaging

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/internal/testenv"
)

// TestPkgVersion checks how dist.sh turns `git describe` into package
// versions, and that dpkg and rpm order them as releases are ordered.
func TestPkgVersion(t *testing.T) {
	script := filepath.Join(testenv.RepoRoot(t), "scripts", "dist.sh")
	pkg := func(v string) string {
		t.Helper()
		out, err := exec.Command(script, "pkg-version", v).Output()
		if err != nil {
			t.Fatalf("dist.sh pkg-version %s: %v", v, err)
		}
		return strings.TrimSpace(string(out))
	}
	tests := []struct{ version, want string }{
		{"v1.2.3", "1.2.3"},
		{"1.2.3", "1.2.3"},
		{"v1.3.0-rc.1", "1.3.0~rc.1"},
		{"v1.2.3-4-gabc1234", "1.2.3+4.gabc1234"},
		{"v1.2.3-4-gabc1234-dirty", "1.2.3+4.gabc1234.dirty"},
		{"v1.3.0-rc.1-2-gdeadbee", "1.3.0~rc.1+2.gdeadbee"},
		{version1, pkgVersion1},
		{version2, pkgVersion2},
	}
	for _, tc := range tests {
		if got := pkg(tc.version); got != tc.want {
			t.Errorf("pkg-version %s = %q, want %q", tc.version, got, tc.want)
		}
	}
	for _, v := range []string{"abc1234", "abc1234-dirty", "dev"} {
		if got := pkg(v); !strings.HasPrefix(got, "0.0.0+git") || !strings.Contains(got, strings.TrimSuffix(v, "-dirty")) {
			t.Errorf("untagged %s = %q, want 0.0.0+gitTIMESTAMP.%s", v, got, v)
		}
	}

	// Release order: each must sort strictly before the next, for dpkg and rpm.
	order := []string{"v0.9.0", "v1.0.0-rc.1", "v1.0.0-rc.1-3-gabc1234", "v1.0.0-rc.2", "v1.0.0",
		"v1.0.0-1-gabc1234", "v1.0.0-1-gabc1234-dirty", "v1.0.0-12-gdef5678", "v1.0.1", "v1.10.0"}
	dpkg, errDpkg := exec.LookPath("dpkg")
	rpm, errRpm := exec.LookPath("rpm")
	if errDpkg != nil || errRpm != nil {
		testenv.Missing(t, "dpkg and rpm (to compare versions)")
	}
	for i := 0; i+1 < len(order); i++ {
		a, b := pkg(order[i]), pkg(order[i+1])
		if err := exec.Command(dpkg, "--compare-versions", a, "lt", b).Run(); err != nil {
			t.Errorf("dpkg does not order %s (%s) before %s (%s)", a, order[i], b, order[i+1])
		}
		out, err := exec.Command(rpm, "--eval", "%{lua: print(rpm.vercmp('"+a+"', '"+b+"'))}").Output()
		if err != nil || strings.TrimSpace(string(out)) != "-1" {
			t.Errorf("rpm does not order %s before %s: %q %v", a, b, out, err)
		}
	}
}

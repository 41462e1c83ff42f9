package archtest

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/cccd-agent/cccd"

// allowed lists, for every package of the module, the module packages it may
// import (non-test code). "x/..." means the packages below x, not x itself.
// Bottom to top: internal/*; pki; icao/mrz, icao/curves, icao/lds; icao
// and the rest of icao/*; reader, then its backends; verify; cache; sync/*;
// checkin; api; config; cmd/cccd. A package missing here fails the test, so
// a new package gets a row on purpose.
var allowed = map[string][]string{
	"internal/clock":    nil,
	"internal/errtext":  nil,
	"internal/metrics":  nil,
	"internal/redact":   nil,
	"internal/logging":  {"internal/redact"},
	"internal/testenv":  nil,
	"internal/tlv":      nil,
	"internal/safehttp": nil,
	"internal/archtest": nil,
	"internal/passhash": nil,
	"internal/fsutil":   nil,

	// pki: certificates, CMS, CRLs, keys; below every icao package.
	"pki/oids": nil,
	"pki/ecc":  {"pki/oids"},
	"pki":      {"internal/...", "pki/..."},

	"icao/mrz":        {"internal/clock"},
	"icao/curves":     {"pki", "pki/..."},
	"icao/activeauth": {"internal/tlv", "pki/..."},
	"icao/lds":        {"icao/mrz", "internal/fsutil", "internal/tlv", "pki", "pki/..."},
	"icao":            {"icao/lds", "internal/tlv"},
	"icao/pace":       {"icao", "icao/curves", "icao/lds", "internal/tlv", "pki/..."},
	"icao/chipauth":   {"icao", "icao/curves", "icao/lds", "internal/tlv", "pki", "pki/..."},
	"icao/access":     {"icao", "icao/activeauth", "icao/chipauth", "icao/curves", "icao/lds", "icao/pace", "internal/tlv", "pki", "pki/..."},

	// reader knows nothing of ICAO; its backends may name icao's Transport.
	"reader":       {},
	"reader/pcsc":  {"reader", "icao"},
	"reader/pn532": {"reader", "icao"},
	"reader/ble":   {"reader", "icao"},
	"reader/qr":    {"reader", "icao/mrz", "internal/..."},
	"reader/sim":   {"reader", "icao", "icao/...", "internal/...", "pki", "pki/..."},

	// verify is the policy over pki's mechanics and icao/lds's SOD.
	"verify": {"icao/lds", "internal/...", "pki", "pki/..."},

	"cache":                 {"internal/..."},
	"sync":                  {"cache", "sync/feed", "sync/internal/backoff", "internal/..."},
	"sync/feed":             {"cache", "icao/mrz", "internal/..."},
	"sync/gateway":          {"internal/..."},
	"sync/delivery":         {"cache", "sync/gateway", "sync/internal/backoff", "internal/..."},
	"sync/internal/backoff": nil,

	// checkin knows the whole flow but not the reader backends, the API or
	// the configuration: cmd/cccd wires those in.
	"checkin": {"cache", "icao", "icao/...", "internal/...", "pki", "pki/...", "reader", "reader/qr", "sync/gateway", "verify"},
	"api":     {"checkin", "cache", "internal/..."},
	"config":  nil,

	"cmd/cccd":  {"..."},
	"packaging": nil,

	// Test kits: imported by tests only (non-test code may not, see permits).
	"internal/testkit/pkitest":    {"internal/...", "pki/..."},
	"internal/testkit/rostertest": {"cache"},
	"internal/testkit/fakegw":     {"sync/gateway", "internal/..."},
	"internal/testkit/pn532emu":   {"reader/pn532", "reader/sim"},
	"internal/testkit/vicc":       {"internal/testenv", "reader/pcsc"},
}

// knownDeviations are upward arrows that still exist and are being removed.
// Each must exist: when one is gone, delete its line, so the list only
// shrinks. Nothing may be added here without a plan to remove it.
var knownDeviations = map[[2]string]string{}

func TestImportLayers(t *testing.T) {
	statSources(t)
	edges := moduleImports(t)
	seen := map[[2]string]bool{}
	var pkgs []string
	for p := range edges {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	for _, p := range pkgs {
		rules, ok := allowed[p]
		if !ok {
			t.Errorf("package %s has no row in the layer table (internal/archtest): add one saying what it may import", p)
			continue
		}
		for _, imp := range edges[p] {
			if permits(rules, imp) {
				continue
			}
			if _, ok := knownDeviations[[2]string{p, imp}]; ok {
				seen[[2]string{p, imp}] = true
				continue
			}
			t.Errorf("%s imports %s: the layer table does not allow it (an upward or sideways arrow); allowed: %v", p, imp, rules)
		}
	}
	for d, why := range knownDeviations {
		if !seen[d] {
			t.Errorf("known deviation %s → %s (%s) no longer exists: delete it from knownDeviations", d[0], d[1], why)
		}
	}
}

// testkitPrefix holds the test kits: only tests and other kits use them, so
// no wildcard ("...", "internal/...") lets program code reach them.
const testkitPrefix = "internal/testkit/"

func permits(rules []string, imp string) bool {
	for _, r := range rules {
		if strings.HasPrefix(imp, testkitPrefix) && !strings.HasPrefix(r, testkitPrefix) {
			continue
		}
		switch {
		case r == "...":
			return true
		case strings.HasSuffix(r, "/..."):
			if strings.HasPrefix(imp, strings.TrimSuffix(r, "...")) {
				return true
			}
		case r == imp:
			return true
		}
	}
	return false
}

// statSources stats every Go file and go.mod of the module: go test caches
// a result by the files the test itself touched, and go list runs in
// another process, so without this an edited import would not re-run it.
func statSources(t *testing.T) {
	t.Helper()
	err := filepath.WalkDir(filepath.Join("..", ".."), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != filepath.Join("..", "..") && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".go") || d.Name() == "go.mod") {
			_, err = os.Stat(path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// moduleImports runs go list for Linux and Windows builds (each has files
// of its own) and returns, per package, the module packages it imports,
// both relative to the module path.
func moduleImports(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, goos := range []string{"linux", "windows"} {
		cmd := exec.Command("go", "list", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", module+"/...")
		cmd.Env = append(os.Environ(), "GOOS="+goos)
		cmd.Stderr = os.Stderr
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list (GOOS=%s): %v", goos, err)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) == 0 {
				continue
			}
			p := rel(f[0])
			if _, ok := out[p]; !ok {
				out[p] = nil
			}
			for _, imp := range f[1:] {
				if r := rel(imp); r != "" && imp != f[0] && !slices.Contains(out[p], r) {
					out[p] = append(out[p], r)
				}
			}
		}
	}
	return out
}

// rel returns path relative to the module, or "" for packages outside it.
func rel(path string) string {
	if path == module {
		return "."
	}
	if r, ok := strings.CutPrefix(path, module+"/"); ok {
		return r
	}
	return ""
}

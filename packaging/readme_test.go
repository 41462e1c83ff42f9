package packaging

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/config"
	"github.com/cccd-agent/cccd/internal/testenv"
)

// TestReadmeConfigReference keeps the README's configuration reference in
// step with `cccd serve --print-config`: one row per setting, the default
// exactly as printed, and no row for a setting that does not exist.
func TestReadmeConfigReference(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := sectionOf(string(readme), "## Configuration reference")
	if section == "" {
		t.Fatal("README has no \"## Configuration reference\" section")
	}
	rows := map[string]string{} // key → default as written
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_.0-9]+)` \\| `([^`]*)` \\|").FindAllStringSubmatch(section, -1) {
		rows[m[1]] = m[2]
	}

	printed, err := config.Default().Print()
	if err != nil {
		t.Fatal(err)
	}
	var tree map[string]any
	if err := json.Unmarshal(printed, &tree); err != nil {
		t.Fatal(err)
	}
	leaves := map[string]string{}
	flatten("", tree, leaves)
	for key, want := range leaves {
		got, ok := rows[key]
		if !ok {
			t.Errorf("README configuration reference lacks `%s` (default %s)", key, want)
			continue
		}
		if got != want {
			t.Errorf("README gives `%s` the default %s, print-config says %s", key, got, want)
		}
	}
	var stale []string
	for key := range rows {
		if _, ok := leaves[key]; !ok {
			stale = append(stale, key)
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Errorf("README documents settings the config does not have: %v", stale)
	}
	for _, h := range []string{"## Install on Linux", "## Install on Windows", "## Upgrade", "## Uninstall"} {
		if sectionOf(string(readme), h) == "" {
			t.Errorf("README lacks the section %q", h)
		}
	}
}

// sectionOf returns the text under heading up to the next "## " heading.
func sectionOf(doc, heading string) string {
	i := strings.Index(doc, "\n"+heading+"\n")
	if i < 0 {
		return ""
	}
	rest := doc[i+len(heading)+2:]
	if j := strings.Index(rest, "\n## "); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// flatten maps dotted keys to their JSON text; arrays are leaves.
func flatten(prefix string, v any, out map[string]string) {
	if m, ok := v.(map[string]any); ok {
		for k, sub := range m {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			flatten(key, sub, out)
		}
		return
	}
	b, _ := json.Marshal(v)
	out[prefix] = string(b)
}

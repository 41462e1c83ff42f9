package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTokenCLI(t *testing.T) {
	data := t.TempDir()
	out, stderr, code := runCLIStdin(t, data, "", "token", "create", "his")
	tok := strings.TrimSpace(out)
	if code != 0 || len(tok) != 64 {
		t.Fatalf("create: exit %d %q %s", code, out, stderr)
	}
	b, err := os.ReadFile(filepath.Join(data, "tokens", "his"))
	st, _ := os.Stat(filepath.Join(data, "tokens", "his"))
	if err != nil || strings.TrimSpace(string(b)) != tok || st.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v mode %v", err, st.Mode())
	}
	for _, args := range [][]string{{"token", "create", "his"}, {"token", "create", "../x"}, {"token", "create", "default"}, {"token", "revoke", "nobody"}} {
		if _, stderr, code := runCLIStdin(t, data, "", args...); code != exitUsage || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d %q, want 2 and one line", args, code, stderr)
		}
	}
	out, _, _ = runCLIStdin(t, data, "", "token", "list")
	if !strings.Contains(out, "his") || strings.Contains(out, tok) {
		t.Fatalf("list:\n%s", out)
	}
	if _, stderr, code := runCLIStdin(t, data, "", "token", "revoke", "his"); code != 0 {
		t.Fatalf("revoke: %d %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(data, "tokens", "his")); !os.IsNotExist(err) {
		t.Fatalf("token file after revoke: %v", err)
	}
}

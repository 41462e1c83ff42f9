package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/internal/errtext"
	"github.com/cccd-agent/cccd/internal/passhash"
)

// runCLIStdin is runCLI with standard input.
func runCLIStdin(t *testing.T, data, stdin string, args ...string) (string, string, int) {
	t.Helper()
	old := global
	t.Cleanup(func() { global = old })
	global = globalFlags{}
	os.Chmod(data, 0o700) // t.TempDir's 0755 would be refused
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(append([]string{"--data", data}, args...))
	err := root.Execute()
	if err != nil {
		errOut.WriteString("cccd: " + errtext.OneLine(err) + "\n")
	}
	return out.String(), errOut.String(), exitCode(err)
}

func TestStaffCLI(t *testing.T) {
	data := t.TempDir()
	const name, id, pin = "Nguyễn Thị Lan", "079190001234", "135790"
	if out, stderr, code := runCLIStdin(t, data, pin+"\n", "staff", "add", name, "--cccd", id, "--gateway-user", "79024_lan", "--password-stdin"); code != 0 {
		t.Fatalf("add: exit %d %s %s", code, out, stderr)
	}
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
	}{
		{"duplicate", pin + "\n", []string{"staff", "add", "nguyễn thị lan", "--cccd", id, "--password-stdin"}},
		{"short PIN", "1234\n", []string{"staff", "add", "Trần Minh", "--cccd", "079188004321", "--password-stdin"}},
		{"bad CCCD", pin + "\n", []string{"staff", "add", "Trần Minh", "--cccd", "07918800432", "--password-stdin"}},
		{"PIN as a flag", "", []string{"staff", "add", "Trần Minh", "--cccd", "079188004321", "--pin", pin}},
		{"no terminal, no --password-stdin", pin + "\n", []string{"staff", "add", "Trần Minh", "--cccd", "079188004321"}},
		{"disable unknown", "", []string{"staff", "disable", "nobody"}},
		{"passwd unknown", pin + "\n", []string{"staff", "passwd", "nobody", "--password-stdin"}},
	} {
		_, stderr, code := runCLIStdin(t, data, tc.stdin, tc.args...)
		if code != exitUsage || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || strings.Contains(stderr, pin) || strings.Contains(stderr, id) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2, one line, no PIN or CCCD", tc.name, code, stderr)
		}
	}
	out, _, code := runCLIStdin(t, data, "", "staff", "list")
	if code != 0 || !strings.Contains(out, name) || strings.Contains(out, id) || !strings.Contains(out, "79024_lan") || strings.Contains(out, "argon2") {
		t.Fatalf("list: exit %d\n%s", code, out)
	}
	if _, stderr, code := runCLIStdin(t, data, "246813\n", "staff", "passwd", "NGUYỄN THỊ LAN", "--password-stdin"); code != 0 {
		t.Fatalf("passwd: %d %s", code, stderr)
	}
	if _, stderr, code := runCLIStdin(t, data, "", "staff", "disable", name); code != 0 {
		t.Fatalf("disable: %d %s", code, stderr)
	}
	out, _, _ = runCLIStdin(t, data, "", "staff", "list", "--json")
	if !strings.Contains(out, `"disabled": true`) {
		t.Fatalf("list --json after disable:\n%s", out)
	}
	db, err := cache.Open(filepath.Join(data, cacheFileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.StaffByName(name)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := passhash.Verify("246813", st.Hash); !ok || !st.Disabled || st.CCCD != id {
		t.Fatalf("stored account %+v: new PIN ok=%v", st, ok)
	}
	if ok, _ := passhash.Verify(pin, st.Hash); ok {
		t.Fatal("the old PIN still matches")
	}
}

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRefusesNetworkListen: issue #13's listen acceptance. Every address
// that is not loopback, and every host name, makes serve exit 2 with one line
// before it opens anything; api.remote without TLS is refused too.
func TestServeRefusesNetworkListen(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) (string, int) {
		cmd := exec.Command(cccdBinary(t), append([]string{"--data", filepath.Join(dir, "data")}, args...)...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return stderr.String(), code
	}
	for _, listen := range []string{"[::0]:7400", "[::ffff:0.0.0.0]:7400", "0:7400", "192.168.1.10:7400", "localhost:7400", "example.org:7400"} {
		for _, cmd := range []string{"serve", "demo"} {
			stderr, code := run(cmd, "--listen", listen)
			if code != exitUsage || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, "listen") {
				t.Errorf("%s --listen %s: exit %d, stderr %q; want exit 2 and one line", cmd, listen, code, stderr)
			}
		}
	}
	cfg := filepath.Join(dir, "remote.json")
	if err := os.WriteFile(cfg, []byte(`{"listen":"[::0]:7400","api":{"remote":true}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if stderr, code := run("--config", cfg, "serve"); code != exitUsage || !strings.Contains(stderr, "tls") {
		t.Errorf("api.remote without TLS: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", cacheFileName)); err == nil {
		t.Error("a refused listen address still created the database")
	}
}

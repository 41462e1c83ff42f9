package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDefaultDataDir(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	yes := func(string) bool { return true }
	no := func(string) bool { return false }
	tests := []struct {
		name    string
		goos    string
		env     func(string) string
		uid     int
		exists  func(string) bool
		home    string
		want    string
		wantErr bool
	}{
		{"user, XDG", "linux", env("XDG_DATA_HOME", "/x/data"), 1000, yes, "/home/u", "/x/data/cccd", false},
		{"user, relative XDG ignored", "linux", env("XDG_DATA_HOME", "rel"), 1000, no, "/home/u", "/home/u/.local/share/cccd", false},
		{"user, default", "linux", env(), 1000, yes, "/home/u", "/home/u/.local/share/cccd", false},
		{"service by env", "linux", env("CCCD_SERVICE", "1"), 1000, no, "/home/u", "/var/lib/cccd", false},
		{"root with /var/lib/cccd", "linux", env(), 0, yes, "/root", "/var/lib/cccd", false},
		{"root without it", "linux", env(), 0, no, "/root", "/root/.local/share/cccd", false},
		{"macOS user", "darwin", env(), 501, no, "/Users/u", "/Users/u/Library/Application Support/cccd", false},
		{"windows", "windows", env("ProgramData", `C:\ProgramData`), -1, no, "", filepath.Join(`C:\ProgramData`, "cccd"), false},
		{"windows without ProgramData", "windows", env(), -1, no, "", "", true},
		{"no home", "linux", env(), 1000, no, "", "", true},
	}
	for _, tc := range tests {
		got, err := defaultDataDir(tc.goos, tc.env, tc.uid, tc.exists, tc.home)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("%s: %q %v, want %q", tc.name, got, err, tc.want)
		}
	}
}

func TestDataDirFlagCreates0700(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	old := global
	t.Cleanup(func() { global = old })
	global.dataDir = dir
	got, err := dataDir()
	if err != nil || got != dir {
		t.Fatalf("%q %v", got, err)
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("mode %v %v", fi.Mode(), err)
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/internal/errtext"

	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/reader/sim"
)

// simProfileCLI runs `cccd sim profile ARGS` in process.
func simProfileCLI(t *testing.T, args ...string) (string, int) {
	t.Helper()
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append([]string{"sim", "profile"}, args...))
	err := root.Execute()
	if err != nil {
		out.WriteString(errtext.OneLine(err))
	}
	return out.String(), exitCode(err)
}

func TestSimProfileCommand(t *testing.T) {
	dir := t.TempDir()
	card := filepath.Join(dir, "card.json")
	out, code := simProfileCLI(t, "--out", card, "--id", "079190012345", "--name", "Trần Văn Bình", "--dob", "1990-03-04")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	if strings.Contains(out, "079190012345") || strings.Contains(out, "Trần") {
		t.Errorf("output leaks personal data: %q", out)
	}
	p, err := sim.LoadProfile(card)
	if err != nil {
		t.Fatal(err)
	}
	personal, err := lds.ParseDG13(p.Files["DG13"])
	if err != nil || personal.IDNumber != "079190012345" || personal.FullName != "Trần Văn Bình" || personal.DateOfBirth != "1990-03-04" {
		t.Errorf("DG13 %+v, %v", personal, err)
	}
	for _, f := range []string{card + ".csca.pem", card + ".ds.pem"} {
		if b, err := os.ReadFile(f); err != nil || !bytes.Contains(b, []byte("BEGIN CERTIFICATE")) {
			t.Errorf("%s: %v", f, err)
		}
	}
	if st, _ := os.Stat(card); st.Mode().Perm() != 0o600 {
		t.Errorf("profile mode %v, want 0600 (it holds private keys)", st.Mode().Perm())
	}

	clone := filepath.Join(dir, "clone.json")
	if out, code := simProfileCLI(t, "--out", clone, "--clone-of", card); code != 0 {
		t.Fatalf("clone: exit %d: %s", code, out)
	}
	c, err := sim.LoadProfile(clone)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.Files["SOD"], p.Files["SOD"]) || bytes.Equal(c.ChipAuthKey, p.ChipAuthKey) {
		t.Error("clone must keep the files and change the chip keys")
	}
	a, _ := os.ReadFile(card + ".csca.pem")
	b, _ := os.ReadFile(clone + ".csca.pem")
	if !bytes.Equal(a, b) {
		t.Error("clone does not carry its original's trust anchor")
	}

	synthetic := filepath.Join(dir, "synthetic.json")
	out, code = simProfileCLI(t, "--out", synthetic)
	if code != 0 || !strings.Contains(out, "CAN ") {
		t.Errorf("synthetic: exit %d: %s", code, out)
	}
}

func TestSimProfileUsage(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "x.json")
	cases := []struct {
		name string
		args []string
	}{
		{"no out", nil},
		{"short id", []string{"--out", out, "--id", "12345"}},
		{"bad dob", []string{"--out", out, "--dob", "17/05/1990"}},
		{"future dob", []string{"--out", out, "--dob", "2999-01-01"}},
		{"name without letters", []string{"--out", out, "--name", "12 34"}},
		{"clone with id", []string{"--out", out, "--clone-of", out, "--id", "079190012345"}},
		{"clone of missing file", []string{"--out", out, "--clone-of", filepath.Join(dir, "missing.json")}},
		{"unknown flag", []string{"--out", out, "--colour", "red"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg, code := simProfileCLI(t, tc.args...)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d: %s", code, exitUsage, msg)
			}
			if strings.Contains(msg, "079190012345") || strings.Contains(msg, "17/05/1990") {
				t.Errorf("message leaks the input: %q", msg)
			}
		})
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed run wrote the profile")
	}
}

// TestSimProfileChips: each --chip makes a card that `cccd read` opens and
// checks the way that chip asks for, and chains to the test CSCA written
// beside it.
func TestSimProfileChips(t *testing.T) {
	const id, dob, can = "079190012345", "1990-03-04", "012345"
	tests := []struct {
		chip       string
		key        []string
		wantAccess string
		wantChip   string
	}{
		{"cccd", []string{"--can", can}, "PACE-CAN", "CA"},
		{"pace-cam", []string{"--can", can}, "PACE-CAN", "PACE-CAM"},
		{"pace-im", []string{"--can", can}, "PACE-CAN", "CA"},
		{"bac", []string{"--id", id, "--dob", dob}, "BAC", "CA"},
	}
	for _, tc := range tests {
		t.Run(tc.chip, func(t *testing.T) {
			dir := t.TempDir()
			card := filepath.Join(dir, "card.json")
			if out, code := simProfileCLI(t, "--out", card, "--id", id, "--dob", dob, "--chip", tc.chip); code != 0 {
				t.Fatalf("sim profile: exit %d: %s", code, out)
			}
			args := append([]string{"read", "--sim", "--sim-profile", card, "--trust", card + ".csca.pem", "--json", "--no-photo"}, tc.key...)
			out, errOut, code := runCLI(t, filepath.Join(dir, "data"), args...)
			if code != 0 {
				t.Fatalf("read: exit %d: %s", code, errOut)
			}
			var res struct {
				Access       string `json:"access"`
				Verification struct {
					Status string `json:"status"`
					Chip   struct{ Method, Status string }
				} `json:"verification"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatal(err)
			}
			v := res.Verification
			if res.Access != tc.wantAccess || v.Chip.Method != tc.wantChip || v.Chip.Status != "ok" || v.Status != "verified" {
				t.Errorf("access %s, chip %s %s, verification %s; want %s, %s ok, verified",
					res.Access, v.Chip.Method, v.Chip.Status, v.Status, tc.wantAccess, tc.wantChip)
			}
		})
	}
	if out, code := simProfileCLI(t, "--out", filepath.Join(t.TempDir(), "x.json"), "--chip", "nfc-b"); code != exitUsage ||
		!strings.Contains(out, "--chip must be cccd, pace-cam, pace-im or bac") {
		t.Errorf("unknown chip: exit %d: %s", code, out)
	}
}

// TestReadBACChipWithCAN: the CAN cannot open a chip without PACE. That is
// bad input (exit 2), said in one line that names the flags that work.
func TestReadBACChipWithCAN(t *testing.T) {
	dir := t.TempDir()
	card := filepath.Join(dir, "card.json")
	if out, code := simProfileCLI(t, "--out", card, "--id", "079190012345", "--chip", "bac"); code != 0 {
		t.Fatalf("sim profile: exit %d: %s", code, out)
	}
	_, errOut, code := runCLI(t, filepath.Join(dir, "data"), "read", "--sim", "--sim-profile", card, "--can", "012345")
	if code != exitUsage || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, "--dob") {
		t.Fatalf("exit %d, stderr %q; want exit %d and one line naming --dob", code, errOut, exitUsage)
	}
}

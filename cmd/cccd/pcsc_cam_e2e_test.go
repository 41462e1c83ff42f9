package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/icao/pace"
	"github.com/cccd-agent/cccd/reader/sim"
)

// camProfileFile generates a PACE-CAM card (with its signed EF.CardSecurity)
// and writes it and its test CSCA to a temporary directory, the way
// `cccd sim profile` lays them out: FILE and FILE.csca.pem.
func camProfileFile(t *testing.T) (*sim.Profile, string) {
	t.Helper()
	seed := [32]byte{'c', 'l', 'i', '-', 'c', 'a', 'm'}
	p, pki, err := sim.GenerateProfile(sim.ProfileOptions{
		Seed: &seed, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Chip: sim.ChipKeyOptions{PACEMapping: pace.ChipAuthenticationMapping},
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cam.json")
	if err := p.Save(path); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".csca.pem", pki.CSCACert, 0o600); err != nil {
		t.Fatal(err)
	}
	return p, path
}

// TestReadPACECAMThroughPCSC: `cccd read --reader` on a PACE-CAM card
// behind the real pcscd + vpcd reports chip PACE-CAM ok (verified with the
// test CSCA, intact-untrusted without); its clone exits 4 with
// chip-authentication-failed.
func TestReadPACECAMThroughPCSC(t *testing.T) {
	p, path := camProfileFile(t)
	chip := func(p *sim.Profile) *sim.Card {
		c, err := sim.NewCard(p)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	t.Run("genuine", func(t *testing.T) {
		vpcdCard(t, chip(p))
		for _, tc := range []struct {
			trust []string
			want  string
		}{
			{[]string{"--trust", path + ".csca.pem"}, "verified"},
			{nil, "intact-untrusted"},
		} {
			res, stderr, code := cccdRead(t, append([]string{"--can", p.CAN, "--trace"}, tc.trust...)...)
			v := res.Verification
			if code != 0 || res.Access != "PACE-CAN" || v.Chip.Method != "PACE-CAM" || v.Chip.Status != "ok" || v.Status != tc.want {
				t.Fatalf("trust %v: exit %d %+v\n%s", tc.trust, code, res, stderr)
			}
			if !strings.Contains(stderr, "EF.CardSecurity read") || strings.Contains(stderr, p.CAN) {
				t.Errorf("trace does not show the EF.CardSecurity read, or shows the CAN:\n%s", stderr)
			}
		}
	})
	t.Run("clone", func(t *testing.T) {
		clone, err := sim.CloneChipKeys(p, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		vpcdCard(t, chip(clone))
		res, stderr, code := cccdRead(t, "--can", p.CAN, "--trust", path+".csca.pem")
		v := res.Verification
		if code != exitVerification || v.Status != "failed" || v.Chip.Method != "PACE-CAM" || !containsString(v.Reasons, "chip-authentication-failed") {
			t.Fatalf("clone: exit %d %+v\n%s", code, v, stderr)
		}
	})
}

// TestDumpWritesCardSecurity: `cccd dump` of a PACE-CAM card writes
// EF_CardSecurity.bin as read, and `cccd read --sim-profile` on the same
// file reports chip PACE-CAM ok. (`cccd verify DIR` checks the SOD and data
// groups only; it does not judge chips.)
func TestDumpWritesCardSecurity(t *testing.T) {
	p, path := camProfileFile(t)
	out := filepath.Join(t.TempDir(), "dump")
	if stdout, stderr, code := runCLI(t, t.TempDir(), "dump", "--sim", "--sim-profile", path, "--can", p.CAN, "--out", out); code != 0 {
		t.Fatalf("dump: exit %d\n%s%s", code, stdout, stderr)
	}
	got, err := os.ReadFile(filepath.Join(out, "EF_CardSecurity.bin"))
	if err != nil || !bytes.Equal(got, p.Files["CardSecurity"]) {
		t.Fatalf("EF_CardSecurity.bin: %v (%d bytes, want %d)", err, len(got), len(p.Files["CardSecurity"]))
	}
	if stdout, stderr, code := runCLI(t, t.TempDir(), "verify", out, "--trust", path+".csca.pem"); code != 0 {
		t.Fatalf("verify of the dump: exit %d\n%s%s", code, stdout, stderr)
	}

	stdout, stderr, code := runCLI(t, t.TempDir(), "read", "--sim", "--sim-profile", path, "--can", p.CAN, "--json", "--no-photo", "--trust", path+".csca.pem")
	var res readJSON
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || code != 0 {
		t.Fatalf("read: exit %d, %v\n%s", code, err, stderr)
	}
	if res.Verification.Status != "verified" || res.Verification.Chip.Method != "PACE-CAM" || res.Verification.Chip.Status != "ok" {
		t.Fatalf("read --sim-profile: %+v", res.Verification)
	}
}

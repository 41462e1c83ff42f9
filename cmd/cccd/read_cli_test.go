package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadSimProfileByIDAndDOB is issue #2's CLI acceptance: a generated
// profile read with --id and --dob prints its person with DG13's diacritics;
// a wrong date of birth is refused with exit 3 and one line.
func TestReadSimProfileByIDAndDOB(t *testing.T) {
	dir := t.TempDir()
	profile := filepath.Join(dir, "card.json")
	const id, name, dob = "001085007777", "Lê Thị Ánh Tuyết", "1985-03-09"
	run := func(args ...string) ([]byte, string, int) {
		cmd := exec.Command(cccdBinary(t), append([]string{"--data", filepath.Join(dir, "data")}, args...)...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out, stderr.String(), code
	}
	if _, stderr, code := run("sim", "profile", "--out", profile, "--id", id, "--name", name, "--dob", dob); code != 0 {
		t.Fatalf("sim profile: exit %d %s", code, stderr)
	}
	out, stderr, code := run("read", "--sim", "--sim-profile", profile, "--id", id, "--dob", dob, "--json", "--no-photo")
	if code != 0 {
		t.Fatalf("read: exit %d %s", code, stderr)
	}
	var res struct {
		Access   string `json:"access"`
		Personal struct {
			IDNumber    string `json:"id_number"`
			FullName    string `json:"full_name"`
			DateOfBirth string `json:"date_of_birth"`
			Ethnicity   string `json:"ethnicity"`
			FatherName  string `json:"father_name"`
		} `json:"personal"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	p := res.Personal
	if p.IDNumber != id || p.FullName != name || p.DateOfBirth != dob || p.Ethnicity == "" || p.FatherName == "" || !strings.HasPrefix(res.Access, "PACE-MRZ") && res.Access != "BAC" {
		t.Fatalf("read %+v", res)
	}
	_, stderr, code = run("read", "--sim", "--sim-profile", profile, "--id", id, "--dob", "1985-03-10", "--json")
	if code != exitAccessDenied || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || strings.Contains(stderr, id) {
		t.Fatalf("wrong date of birth: exit %d, stderr %q", code, stderr)
	}
}

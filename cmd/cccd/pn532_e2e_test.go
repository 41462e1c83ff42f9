package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/internal/testkit/pn532emu"
	"github.com/cccd-agent/cccd/reader/sim"
)

// TestReadThroughPN532 runs `cccd read --reader pn532:PATH` against the PN532
// emulator on a real socat PTY pair, with the demo card behind it.
func TestReadThroughPN532(t *testing.T) {
	socat := testenv.LookPath(t, "socat")
	p, err := sim.DemoProfile()
	if err != nil {
		t.Fatal(err)
	}
	chip, err := sim.NewCard(p)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	bench, err := pn532emu.StartBench(ctx, socat, t.TempDir(), chip, pn532emu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer bench.Close()
	out, err := exec.CommandContext(ctx, cccdBinary(t), "read", "--data", t.TempDir(), "--reader", "pn532:"+bench.Path, "--can", sim.DemoCAN, "--json", "--no-photo").Output()
	if err != nil {
		t.Fatalf("cccd read through PN532: %v", err)
	}
	var res struct {
		Reader   string `json:"reader"`
		Access   string `json:"access"`
		Personal struct {
			FullName string `json:"full_name"`
		} `json:"personal"`
		Verification struct {
			Chip struct{ Method, Status string } `json:"chip"`
		} `json:"verification"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	if res.Reader != "pn532:"+bench.Path || res.Access != "PACE-CAN" || res.Personal.FullName != sim.DemoName || res.Verification.Chip.Status != "ok" {
		t.Fatalf("read through PN532: %+v", res)
	}
	// The doctor finds the board answering on its port.
	cfgPath := filepath.Join(t.TempDir(), "cccd.json")
	os.WriteFile(cfgPath, []byte(`{"readers": {"pcsc": false, "pn532": ["`+bench.Path+`"]}}`), 0o600)
	if out, _, _ := runCLI(t, t.TempDir(), "--config", cfgPath, "doctor"); !strings.Contains(out, "PN532 firmware") {
		t.Errorf("doctor does not see the PN532 answering:\n%s", out)
	}
	// A wrong CAN is refused with exit code 3, and the reader still works.
	err = exec.CommandContext(ctx, cccdBinary(t), "read", "--data", t.TempDir(), "--reader", "pn532:"+bench.Path, "--can", "999999").Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitAccessDenied {
		t.Fatalf("wrong CAN through PN532: %v, want exit %d", err, exitAccessDenied)
	}
}

package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/reader/pcsc"
	"github.com/cccd-agent/cccd/reader/sim"
)

const vpcdReader = "Virtual PCD 00 00"

// vpcdCard presents chip to the real pcscd through the first vpcd slot for
// the rest of the test.
func vpcdCard(t *testing.T, chip sim.Chip) {
	t.Helper()
	// The lock first: a test holding it may have pcscd stopped on purpose.
	testenv.LockVPCD(t)
	if _, err := os.Stat(pcsc.ServiceSocket()); err != nil {
		testenv.Missing(t, "pcscd not running (scripts/start-services.sh starts it)")
	}
	b := sim.NewBridge(sim.DefaultVPCDAddr)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Run(ctx); close(done) }()
	b.Insert(chip)
	t.Cleanup(func() {
		cancel()
		<-done
		waitVPCDCard(t, false)
	})
	waitVPCDCard(t, true)
}

func waitVPCDCard(t *testing.T, present bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		infos, err := pcsc.List(context.Background())
		if err == nil {
			for _, in := range infos {
				if in.Name == vpcdReader && in.CardPresent == present {
					return
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: card present=%v not reached in 15 s", vpcdReader, present)
}

type readJSON struct {
	Access       string `json:"access"`
	Verification struct {
		Status  string   `json:"status"`
		Reasons []string `json:"reasons"`
		Chip    struct {
			Method string `json:"method"`
			Status string `json:"status"`
		} `json:"chip"`
	} `json:"verification"`
	Personal struct {
		FullName string `json:"full_name"`
	} `json:"personal"`
}

// cccdRead runs `cccd read` on the vpcd reader and returns its JSON, stderr
// and exit code.
func cccdRead(t *testing.T, args ...string) (readJSON, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, cccdBinary(t), append([]string{"read", "--data", t.TempDir(), "--reader", vpcdReader, "--json", "--no-photo"}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	var res readJSON
	if code == 0 || code == exitVerification {
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("output is not JSON (%v): %.200s", err, out)
		}
	}
	return res, stderr.String(), code
}

func demoChip(t *testing.T, mutate func(*sim.Profile)) *sim.Card {
	t.Helper()
	p, err := sim.DemoProfile()
	if err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(p)
	}
	chip, err := sim.NewCard(p)
	if err != nil {
		t.Fatal(err)
	}
	return chip
}

// TestReadThroughPCSC is issue #3's acceptance through a real pcscd: PACE-CAN
// with CA, a wrong CAN (exit 3, card still readable), a clone, a chip
// without PACE.
func TestReadThroughPCSC(t *testing.T) {
	t.Run("right CAN then wrong CAN then right CAN", func(t *testing.T) {
		vpcdCard(t, demoChip(t, nil))
		res, stderr, code := cccdRead(t, "--can", sim.DemoCAN)
		if code != 0 || res.Access != "PACE-CAN" || res.Verification.Chip.Method != "CA" || res.Verification.Chip.Status != "ok" || res.Personal.FullName != sim.DemoName {
			t.Fatalf("right CAN: exit %d %+v %s", code, res, stderr)
		}
		_, stderr, code = cccdRead(t, "--can", "999999")
		if code != exitAccessDenied || !strings.Contains(stderr, "re-enter the 6 digits") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Fatalf("wrong CAN: exit %d, stderr %q", code, stderr)
		}
		if res, _, code := cccdRead(t, "--can", sim.DemoCAN); code != 0 || res.Access != "PACE-CAN" {
			t.Fatalf("right CAN after a wrong one: exit %d", code)
		}
	})
	t.Run("clone", func(t *testing.T) {
		vpcdCard(t, demoChip(t, func(p *sim.Profile) {
			clone, err := sim.CloneChipKeys(p, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			*p = *clone
		}))
		res, _, code := cccdRead(t, "--can", sim.DemoCAN)
		if code != exitVerification || res.Verification.Status != "failed" || !containsString(res.Verification.Reasons, "chip-authentication-failed") {
			t.Fatalf("clone: exit %d %+v", code, res.Verification)
		}
	})
	t.Run("chip without PACE", func(t *testing.T) {
		vpcdCard(t, demoChip(t, func(p *sim.Profile) { p.PACE = false; delete(p.Files, "CardAccess") }))
		res, stderr, code := cccdRead(t, "--id", sim.DemoID, "--dob", sim.DemoDateOfBirth.Format("2006-01-02"))
		if code != 0 || res.Access != "BAC" || res.Personal.FullName != sim.DemoName {
			t.Fatalf("BAC chip: exit %d %+v %s", code, res, stderr)
		}
	})
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

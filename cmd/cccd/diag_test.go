package main

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/internal/testkit/vicc"
	"github.com/cccd-agent/cccd/reader/pcsc"
	"github.com/cccd-agent/cccd/reader/sim"
)

// runCLICombined runs a command in process (own data directory unless args
// give --data) and returns its output
// (stdout and stderr together) and exit code.
func runCLICombined(t *testing.T, args ...string) (string, int) {
	t.Helper()
	out, errOut, code := runCLI(t, t.TempDir(), args...)
	return out + errOut, code
}

// echoChip answers 6A82 to SELECT and echoes anything else with 90 00.
type echoChip struct{}

func (echoChip) PowerOn() []byte { return []byte{0x3B, 0x80, 0x80, 0x01, 0x01} }
func (echoChip) PowerOff()       {}
func (echoChip) Process(cmd []byte) []byte {
	if cmd[1] == 0xA4 {
		return []byte{0x6A, 0x82}
	}
	return append(append([]byte(nil), cmd...), 0x90, 0x00)
}

// cardOnSlot0 puts echoChip in "Virtual PCD 00 00" for the test.
func cardOnSlot0(t *testing.T) {
	t.Helper()
	b := sim.NewBridge("127.0.0.1:35963")
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		waitSlot0(t, false)
	})
	b.Insert(echoChip{})
	waitSlot0(t, true)
}

func waitSlot0(t *testing.T, present bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		infos, _ := pcsc.List(context.Background())
		for _, in := range infos {
			if in.Name == "Virtual PCD 00 00" && in.CardPresent == present {
				return
			}
		}
	}
	t.Fatalf("slot 0 card present=%v not reached", present)
}

func requirePCSCD(t *testing.T) {
	t.Helper()
	if err := vicc.WaitPCSCD(5 * time.Second); err != nil {
		testenv.Missing(t, "pcscd with vpcd: "+err.Error())
	}
}

// TestDoctor: with pcscd stopped, doctor says so and how to start it (exit
// 5); with pcscd up and a card on a reader it reports healthy.
func TestDoctor(t *testing.T) {
	testenv.LockVPCD(t)
	requirePCSCD(t)

	vicc.StopPCSCD(t)
	out, code := runCLICombined(t, "doctor")
	if code != exitNoCard {
		t.Errorf("doctor with pcscd stopped: exit %d, want %d\n%s", code, exitNoCard, out)
	}
	const fix = "pcscd is not running: start it with `systemctl start pcscd` or `pcscd`"
	if !strings.Contains(out, fix) || !strings.Contains(out, "fail service") {
		t.Errorf("doctor with pcscd stopped does not say how to start it:\n%s", out)
	}
	out, code = runCLICombined(t, "readers")
	if code != exitNoCard || !strings.Contains(out, fix) {
		t.Errorf("readers with pcscd stopped: exit %d\n%s", code, out)
	}
	out, code = runCLICombined(t, "doctor", "--json")
	var rep pcsc.Report
	if err := json.Unmarshal([]byte(out[:strings.LastIndex(out, "}")+1]), &rep); err != nil || code != exitNoCard || rep.Healthy {
		t.Errorf("doctor --json with pcscd stopped: exit %d, %v\n%s", code, err, out)
	}

	vicc.StartPCSCD(t)
	cardOnSlot0(t)
	out, code = runCLICombined(t, "doctor")
	if code != exitOK || !strings.Contains(out, "healthy") || !strings.Contains(out, "ATR 3B80800101") {
		t.Errorf("doctor with everything up: exit %d\n%s", code, out)
	}
	out, code = runCLICombined(t, "doctor", "--json")
	rep = pcsc.Report{}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitOK || !rep.Healthy || len(rep.Readers) < 2 {
		t.Errorf("doctor --json: exit %d, %v\n%s", code, err, out)
	}
	for _, c := range rep.Checks {
		if c.Status == pcsc.CheckFail {
			t.Errorf("failed check while healthy: %+v", c)
		}
	}
}

func TestReadersAndAPDU(t *testing.T) {
	testenv.LockVPCD(t)
	requirePCSCD(t)
	cardOnSlot0(t)

	out, code := runCLICombined(t, "readers")
	if code != exitOK || !strings.Contains(out, "Virtual PCD 00 00  yes   3B80800101") || !strings.Contains(out, "Virtual PCD 00 01  no") {
		t.Errorf("readers: exit %d\n%s", code, out)
	}
	out, code = runCLICombined(t, "readers", "--json")
	var rs []readerJSON
	if err := json.Unmarshal([]byte(out), &rs); err != nil || code != exitOK || len(rs) < 2 || !rs[0].CardPresent || rs[0].ATR != "3B80800101" {
		t.Errorf("readers --json: exit %d %v\n%s", code, err, out)
	}

	tests := []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"apdu", "--reader", "Virtual PCD 00 00", "00A4040C07A0000002471001", "00 84 00 00 08"},
			exitOK, []string{"> 00A4040C07A0000002471001", "< 6A82 file not found", "> 0084000008", "< 0084000008", "< 9000 success"}},
		{[]string{"apdu", "--reader", "Virtual PCD 00 01", "00840000"}, exitNoCard, []string{"place the card"}},
		{[]string{"apdu", "--reader", "Nope 00 00", "00840000"}, exitNoCard, []string{"connect a reader"}},
		{[]string{"apdu", "--reader", "Virtual PCD 00 00", "0084"}, exitUsage, []string{"at least 4 bytes"}},
		{[]string{"apdu", "00840000"}, exitUsage, []string{"--reader is required"}},
	}
	for _, tc := range tests {
		out, code := runCLICombined(t, tc.args...)
		if code != tc.code {
			t.Errorf("%q: exit %d, want %d\n%s", tc.args, code, tc.code, out)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%q: output lacks %q\n%s", tc.args, w, out)
			}
		}
	}
}

package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/reader/sim"
)

// TestReadExtendedLengthSimVPCD is issue #17's acceptance with the real
// binaries through the real pcscd: `cccd sim profile` (a generated CCCD,
// DG2 a generated face of about 18 KB), `cccd sim vpcd --profile` serving it
// on vpcd, and `cccd read --trace` on "Virtual PCD 00 00", whose driver
// publishes no PC/SC Part 10 properties. With --extended-length atr the
// whole tap (PACE-CAN, CA, COM, SOD, DG1, DG2, DG13, DG14, DG15) takes at
// most 20 APDUs and the trace says the ATR decided; with the default (a
// short-APDU chip, ATR saying no) the SM READ BINARYs are exactly
// Σ⌈size/chunk⌉ over those files, the chunk being what one short protected
// answer carries under the cipher PACE agreed.
func TestReadExtendedLengthSimVPCD(t *testing.T) {
	testenv.LockVPCD(t)
	requirePCSCD(t)
	waitSlot0(t, false)
	bin := cccdBinary(t)
	for _, ext := range []string{"atr", "no"} {
		t.Run("extended-length "+ext, func(t *testing.T) {
			dir := t.TempDir()
			prof := filepath.Join(dir, "card.json")
			if out, err := exec.Command(bin, "sim", "profile", "--extended-length", ext, "--out", prof).CombinedOutput(); err != nil {
				t.Fatalf("sim profile: %v\n%s", err, out)
			}
			p, err := sim.LoadProfile(prof)
			if err != nil {
				t.Fatal(err)
			}

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			vpcd := exec.CommandContext(ctx, bin, "sim", "vpcd", "--profile", prof)
			vpcd.Cancel = func() error { return vpcd.Process.Signal(syscall.SIGTERM) }
			stdin, err := vpcd.StdinPipe() // open: the command also reads remove/insert
			if err != nil {
				t.Fatal(err)
			}
			var vpcdOut bytes.Buffer
			vpcd.Stdout, vpcd.Stderr = &vpcdOut, &vpcdOut
			if err := vpcd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				cancel()
				_ = vpcd.Wait()
				stdin.Close()
				waitSlot0(t, false)
			}()
			waitSlot0(t, true)

			start := time.Now()
			rc := exec.Command(bin, "read", "--data", t.TempDir(), "--reader", vpcdReader, "--can", p.CAN,
				"--trust", prof+".csca.pem", "--trace", "--no-photo")
			var stdout, stderr bytes.Buffer
			rc.Stdout, rc.Stderr = &stdout, &stderr
			if err := rc.Run(); err != nil {
				t.Fatalf("cccd read: %v\n%s\n%s\nsim vpcd: %s", err, stdout.String(), stderr.String(), vpcdOut.String())
			}
			wall := time.Since(start)
			trace := stderr.String()

			apdus, smReads := 0, 0
			for _, line := range strings.Split(trace, "\n") {
				if strings.HasPrefix(line, "trace: > ") {
					apdus++
				}
				if strings.HasPrefix(line, "trace: > 0CB0") || strings.HasPrefix(line, "trace: > 0CB1") {
					smReads++
				}
			}
			m := regexp.MustCompile(`Timing\s+(\d+) ms, (\d+) APDUs, (\d+) bytes in, (\d+) bytes out`).FindStringSubmatch(stdout.String())
			if m == nil {
				t.Fatalf("no Timing line in the output:\n%s", stdout.String())
			}
			if n, _ := strconv.Atoi(m[2]); n != apdus {
				t.Errorf("Timing says %d APDUs, the trace shows %d", n, apdus)
			}

			yes := ext != "no"
			decided := map[bool]string{true: "extended length: yes, decided by the ATR historical bytes", false: "extended length: no, decided by the ATR historical bytes"}[yes]
			if !strings.Contains(trace, decided) {
				t.Errorf("trace lacks %q:\n%s", decided, trace)
			}
			files := []string{"COM", "SOD", "DG1", "DG2", "DG13", "DG14", "DG15"}
			alg := icao.Cipher3DES
			if strings.Contains(trace, "-AES-") {
				alg = icao.CipherAES128
			}
			sm, err := icao.NewSecureMessaging(alg, make([]byte, 16), make([]byte, 16), make([]byte, map[bool]int{true: 16, false: 8}[alg != icao.Cipher3DES]))
			if err != nil {
				t.Fatal(err)
			}
			chunk, bound := sm.MaxShortRead(), 0
			for _, name := range files {
				if len(p.Files[name]) == 0 {
					t.Fatalf("profile lacks %s", name)
				}
				bound += (len(p.Files[name]) + chunk - 1) / chunk
			}
			if yes && apdus > 20 {
				t.Errorf("%d APDUs with extended length announced in the ATR, want ≤ 20:\n%s", apdus, trace)
			}
			if !yes && smReads != bound {
				t.Errorf("%d protected READ BINARYs on a short-APDU chip, want the bound Σ⌈size/%d⌉ = %d:\n%s", smReads, chunk, bound, trace)
			}
			t.Logf("extended-length %s: %d APDUs (%d protected READ BINARY; short bound %d at %d bytes), %s bytes in, %s bytes out, read %s ms (cccd's Timing), %v wall for the `cccd read` process; DG2 %d bytes",
				ext, apdus, smReads, bound, chunk, m[3], m[4], m[1], wall.Round(time.Millisecond), len(p.Files["DG2"]))
		})
	}
}

package vicc

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/reader/pcsc"
)

// pcscdPIDFile is where pcscd records its PID (pcsc-lite's USE_RUN_PID).
const pcscdPIDFile = "/run/pcscd/pcscd.pid"

// PCSCDPID returns the PID of the running pcscd, or 0.
func PCSCDPID() int {
	b, err := os.ReadFile(pcscdPIDFile)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.Trim(string(b), " \t\r\n\x00"))
	if err != nil || pid <= 0 || !alive(pid) {
		return 0
	}
	return pid
}

// alive reports whether process pid exists (signal 0 checks without
// sending anything; on Windows it always fails, and there is no pcscd).
func alive(pid int) bool {
	return signal(pid, syscall.Signal(0)) == nil
}

func signal(pid int, sig os.Signal) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	defer p.Release()
	return p.Signal(sig)
}

// StopPCSCD stops the running pcscd by its PID and waits until it is gone.
// The caller must hold testenv.LockVPCD. pcscd is started again when the
// test ends if the test has not done so itself, so a failing test never
// leaves the machine without it.
func StopPCSCD(t testing.TB) {
	t.Helper()
	pid := PCSCDPID()
	if pid == 0 {
		testenv.Missing(t, "pcscd not running (scripts/start-services.sh starts it)")
	}
	t.Cleanup(func() {
		if PCSCDPID() == 0 {
			StartPCSCD(t)
		}
	})
	if err := signal(pid, syscall.SIGTERM); err != nil {
		t.Fatalf("stop pcscd (pid %d): %v", pid, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("pcscd (pid %d) did not exit within 10 s", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// StartPCSCD starts pcscd (it daemonises) and waits until it answers with
// the vpcd readers listed.
func StartPCSCD(t testing.TB) {
	t.Helper()
	bin := testenv.LookPath(t, "pcscd")
	if err := os.MkdirAll("/run/pcscd", 0o755); err != nil {
		t.Fatalf("start pcscd: %v", err)
	}
	if out, err := exec.Command(bin).CombinedOutput(); err != nil {
		t.Fatalf("start pcscd: %v: %s", err, out)
	}
	if err := WaitPCSCD(10 * time.Second); err != nil {
		t.Fatal(err)
	}
}

// WaitPCSCD waits until pcscd lists the first vpcd reader.
func WaitPCSCD(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		infos, err := pcsc.List(context.Background())
		last = err
		for _, in := range infos {
			if in.Name == "Virtual PCD 00 00" {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if last == nil {
		last = errors.New("vpcd reader not listed")
	}
	return errors.New("pcscd did not come up within " + timeout.String() + ": " + last.Error())
}

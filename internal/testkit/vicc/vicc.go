// Package vicc runs vsmartcard's Python ICAO ePass emulator behind pcscd for
// tests, through vicc.py (embedded here), a launcher that repairs Debian 12's
// python3-virtualsmartcard in memory (interpreter and import path, Crypto →
// Cryptodome, Python 3 str/bytes bugs, the SSC-length bug). It also
// stops and starts pcscd for tests that need a service restart.
//
// Every helper expects the caller to hold testenv.LockVPCD.
package vicc

import (
	"bufio"
	"context"
	_ "embed"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/reader/pcsc"
)

//go:embed vicc.py
var script []byte

// Python is the interpreter that sees Debian's Cryptodome (a venv would not).
const Python = "/usr/bin/python3"

// libDir is where Debian installs the virtualsmartcard library.
const libDir = "/usr/lib/python3/site-packages/virtualsmartcard"

// BasePort is vpcd's port for reader slot 0; slot i is BasePort+i.
const BasePort = 35963

// ReaderName is the PC/SC name of the vpcd reader whose card uses port.
func ReaderName(port int) string { return fmt.Sprintf("Virtual PCD 00 %02d", port-BasePort) }

// Options tune the emulated card.
type Options struct {
	// MRZ builds DG1 from this MRZ (TD1 90, TD2 72 or TD3 88 characters).
	MRZ string
	// ExtendedLength advertises extended length in the ATR.
	ExtendedLength bool
	// MAC6282 makes the launcher MAC-protect 6282 answers under secure
	// messaging (DO'99' + DO'8E'); the library as shipped sends them with
	// DO'87' only, so a reader refuses a READ BINARY past the end of a file.
	MAC6282 bool
	// Trace makes the library log every APDU to the test log.
	Trace bool
}

// Emulator is one running emulator process: a card in ReaderName(Port).
type Emulator struct {
	Port   int
	Reader string

	cmd  *exec.Cmd
	log  *testenv.LogBuffer
	done chan struct{}
	once sync.Once
}

// Start launches the emulator on the vpcd port with files keyed by FID
// ("011E" EF.COM, "0101" DG1, "011D" EF.SOD, "011C" EF.CardAccess, ...) and
// returns once pcscd reports the card present. It stops when the test ends.
func Start(t testing.TB, port int, files map[string][]byte) *Emulator {
	t.Helper()
	return StartOptions(t, port, files, Options{})
}

// StartOptions is Start with Options.
func StartOptions(t testing.TB, port int, files map[string][]byte, opts Options) *Emulator {
	t.Helper()
	name := checkEnv(t, port)
	dir := t.TempDir()
	for fid, b := range files {
		if len(fid) != 4 {
			t.Fatalf("vicc: file key %q is not a 4-hex-digit FID", fid)
		}
		if err := os.WriteFile(filepath.Join(dir, strings.ToUpper(fid)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	py := writeScripts(t)
	args := []string{py["vicc.py"], "--port", fmt.Sprint(port), "--dir", dir}
	if opts.MRZ != "" {
		args = append(args, "--mrz", opts.MRZ)
	}
	if opts.ExtendedLength {
		args = append(args, "--extended-length")
	}
	if opts.MAC6282 {
		args = append(args, "--mac-6282")
	}
	if opts.Trace {
		args = append(args, "--trace")
	}
	return launch(t, port, name, args)
}

// checkEnv reports a missing interpreter, library or vpcd reader and fails
// when the reader of port already has a card; it returns the reader's name.
func checkEnv(t testing.TB, port int) string {
	t.Helper()
	if _, err := os.Stat(Python); err != nil {
		testenv.Missing(t, Python+" not installed")
	}
	if _, err := os.Stat(libDir); err != nil {
		testenv.Missing(t, "python3-virtualsmartcard not installed (make test-deps)")
	}
	name := ReaderName(port)
	if info, ok := readerInfo(name); !ok {
		testenv.Missing(t, "vpcd reader "+name+" not listed by pcscd")
	} else if info.CardPresent {
		t.Fatalf("vicc: reader %q already has a card; one emulator per port", name)
	}
	return name
}

// writeScripts writes the launchers to one temporary directory (npa.py
// imports vicc.py from beside itself) and returns their paths by name.
func writeScripts(t testing.TB) map[string]string {
	t.Helper()
	dir := t.TempDir()
	paths := map[string]string{}
	for name, b := range map[string][]byte{"vicc.py": script, "npa.py": npaScript} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		paths[name] = p
	}
	return paths
}

// launch runs Python with args, waits for its "vicc: ready" line and for
// pcscd to see the card in reader name, and stops it when the test ends.
func launch(t testing.TB, port int, name string, args []string) *Emulator {
	t.Helper()
	e := &Emulator{Port: port, Reader: name, log: &testenv.LogBuffer{}, done: make(chan struct{})}
	e.cmd = exec.Command(Python, args...)
	stderr, err := e.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.cmd.Start(); err != nil {
		t.Fatalf("vicc: start %s: %v", Python, err)
	}
	ready := make(chan struct{})
	go func() {
		defer close(e.done)
		sc := bufio.NewScanner(io.TeeReader(stderr, e.log))
		signalled := false
		for sc.Scan() {
			if !signalled && strings.HasPrefix(sc.Text(), "vicc: ready") {
				signalled = true
				close(ready)
			}
		}
		e.cmd.Wait()
	}()
	t.Cleanup(func() {
		e.Stop()
		if t.Failed() {
			t.Logf("vicc on port %d said:\n%s", port, e.log.String())
		}
	})
	select {
	case <-ready:
	case <-e.done:
		t.Fatalf("vicc: emulator exited before it was ready:\n%s", e.log.String())
	case <-time.After(15 * time.Second):
		t.Fatalf("vicc: emulator not ready within 15 s:\n%s", e.log.String())
	}
	if err := waitPresent(name, true, 15*time.Second); err != nil {
		t.Fatalf("vicc: %v\n%s", err, e.log.String())
	}
	return e
}

// Stop kills the emulator by its PID (the card leaves the reader) and waits
// until pcscd reports the reader empty. Safe to call more than once.
func (e *Emulator) Stop() {
	e.once.Do(func() {
		if e.cmd.Process != nil {
			e.cmd.Process.Signal(syscall.SIGTERM)
		}
		select {
		case <-e.done:
		case <-time.After(5 * time.Second):
			e.cmd.Process.Kill()
			<-e.done
		}
		waitPresent(e.Reader, false, 10*time.Second)
	})
}

// Log returns what the emulator wrote to stderr so far.
func (e *Emulator) Log() string { return e.log.String() }

func readerInfo(name string) (pcsc.ReaderInfo, bool) {
	infos, err := pcsc.List(context.Background())
	if err != nil {
		return pcsc.ReaderInfo{}, false
	}
	for _, in := range infos {
		if in.Name == name {
			return in, true
		}
	}
	return pcsc.ReaderInfo{}, false
}

// waitPresent polls pcscd until the reader's card presence is as wanted;
// pcscd needs about half a second to notice a vpcd card.
func waitPresent(name string, present bool, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if in, ok := readerInfo(name); ok && in.CardPresent == present {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("reader %q: card present=%v not reached within %v", name, present, within)
}

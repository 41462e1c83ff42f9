package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/errtext"

	"github.com/cccd-agent/cccd/internal/clock"

	"github.com/cccd-agent/cccd/internal/testenv"
)

// cccdBinary returns the cccd binary the end-to-end tests run: $CCCD_BIN
// (set by `make test`), else one built for this test run.
var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

func cccdBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CCCD_BIN"); p != "" {
		return p
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cccd-e2e-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "cccd")
		out, err := exec.Command("go", "build", "-tags="+clock.BuildTags, "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// TestMain removes the binary built for this run, if one was built.
func TestMain(m *testing.M) {
	code := m.Run()
	if builtBin != "" {
		os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

// runningAgent is a `cccd demo` or `cccd serve` process under test.
type runningAgent struct {
	URL string
	// SignInURL is the console link the demo prints: its fragment signs the
	// demo receptionist in once. PIN is the demo receptionist's PIN.
	SignInURL string
	PIN       string
	Dir       string
	Token     string
	cmd       *exec.Cmd
	stopOnce  sync.Once
	logMu     sync.Mutex
	log       bytes.Buffer // everything the agent wrote to stdout and stderr
}

// stop interrupts the agent and waits for it to exit (once; later calls
// return at once).
func (a *runningAgent) stop(t *testing.T) {
	a.stopOnce.Do(func() {
		a.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { a.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			a.cmd.Process.Kill()
			t.Errorf("agent did not stop within 10 s of SIGINT")
		}
	})
}

// Log returns everything the agent has logged so far.
func (a *runningAgent) Log() string {
	a.logMu.Lock()
	defer a.logMu.Unlock()
	return a.log.String()
}

// startDemo runs `cccd demo` with extra arguments and waits for its console.
func startDemo(t *testing.T, args ...string) *runningAgent {
	t.Helper()
	return startDemoIn(t, t.TempDir(), args...)
}

// startDemoIn is startDemo keeping its data in dir (which may hold a
// database made by the test).
func startDemoIn(t *testing.T, dir string, args ...string) *runningAgent {
	t.Helper()
	addr := testenv.FreeAddr(t)
	a := &runningAgent{URL: "http://" + addr + "/", Dir: dir}
	a.cmd = exec.Command(cccdBinary(t), append([]string{"demo", "--listen", addr, "--keep", dir}, args...)...)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	a.cmd.Stdout, a.cmd.Stderr = pw, pw
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		once := sync.Once{}
		for sc.Scan() {
			a.logMu.Lock()
			a.log.WriteString(sc.Text() + "\n")
			a.logMu.Unlock()
			line := sc.Text()
			if _, pin, ok := strings.Cut(line, "use the PIN "); ok {
				a.logMu.Lock()
				a.PIN = strings.TrimSpace(pin)
				a.logMu.Unlock()
			}
			if _, u, ok := strings.Cut(line, "console at "); ok {
				a.logMu.Lock()
				a.SignInURL = strings.TrimSpace(u)
				a.logMu.Unlock()
				once.Do(func() { close(ready) })
			}
		}
	}()
	t.Cleanup(func() { a.stop(t) })
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		t.Fatalf("agent did not start; log:\n%s", a.Log())
	}
	tok, err := os.ReadFile(filepath.Join(dir, "api-token"))
	if err != nil {
		t.Fatal(err)
	}
	a.Token = strings.TrimSpace(string(tok))
	a.waitForReaders(t)
	return a
}

// waitForReaders waits until the agent lists a reader: the API listens
// before the reader watcher's first scan has reported the simulated reader,
// and a key sent to a reader not yet listed is refused with 404.
func (a *runningAgent) waitForReaders(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequest("GET", strings.TrimSuffix(a.URL, "/")+"/api/v1/readers", nil)
		req.Header.Set("Authorization", "Bearer "+a.Token)
		var readers []struct{ Name string }
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&readers)
			resp.Body.Close()
		}
		if err == nil && len(readers) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the agent listed no reader within 30 s (%v); log:\n%s", err, a.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// artifactDir is where screenshots go: $CCCD_ARTIFACTS, else a temp dir.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CCCD_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "cccd-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// chromiumPath finds Debian's Chromium.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	testenv.Missing(t, "chromium not installed (apt-get install chromium)")
	return ""
}

// runCLI runs one cccd command line in process against a data directory and
// returns stdout, stderr (with the error line main would print) and the exit
// code.
func runCLI(t *testing.T, data string, args ...string) (string, string, int) {
	t.Helper()
	old := global
	t.Cleanup(func() { global = old })
	global = globalFlags{}
	// t.TempDir's directories are 0755 under the usual umask; a data
	// directory open to others is refused. (A test that wants an open one
	// makes it 0750 or 0705.)
	if fi, err := os.Stat(data); err == nil && fi.Mode().Perm() == 0o755 {
		os.Chmod(data, 0o700)
	}
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(append([]string{"--data", data}, args...))
	err := root.Execute()
	if err != nil {
		errOut.WriteString("cccd: " + errtext.OneLine(err) + "\n")
	}
	return out.String(), errOut.String(), exitCode(err)
}

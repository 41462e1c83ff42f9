package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/internal/testkit/pkitest"
	"github.com/cccd-agent/cccd/reader/sim"
)

// TestCLIThroughRunningAgent: with `cccd demo --keep DIR` holding the
// database, the read and import commands go through its API (they would
// otherwise wait for the file lock and fail): checkins list after a tap,
// roster status and lookup, status, trust import (live: status counts the
// new anchor), trust list, a roster dry run and a refused shrink.
func TestCLIThroughRunningAgent(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	a := startDemoIn(t, dir)
	if _, ok := readAgentFile(dir); !ok {
		t.Fatal("the demo wrote no agent.json")
	}

	out, errOut, code := runCLI(t, dir, "roster", "status", "--json")
	var st rosterStatus
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || st.Version == 0 || st.Records != 2 {
		t.Fatalf("roster status: exit %d, %q %q", code, out, errOut)
	}

	out, errOut, code = runCLI(t, dir, "roster", "lookup", sim.DemoID, "--json", "--lang", "en")
	if code != 0 || !strings.Contains(out, `"status"`) || !strings.Contains(out, "GD4797901234567") {
		t.Fatalf("roster lookup: exit %d, %q %q", code, out, errOut)
	}
	if _, _, code = runCLI(t, dir, "roster", "lookup", "GD4797901234567"); code != 0 {
		t.Fatalf("roster lookup by card: exit %d", code)
	}

	// --token NAME uses a named token; an unknown name says so (exit 1).
	if _, errOut, code = runCLI(t, dir, "token", "create", "desk1"); code != 0 {
		t.Fatalf("token create: %d %q", code, errOut)
	}
	if out, errOut, code = runCLI(t, dir, "--token", "desk1", "status"); code != 0 || !strings.Contains(out, "readers:   1") {
		t.Fatalf("status --token desk1: exit %d, %q %q", code, out, errOut)
	}
	if _, errOut, code = runCLI(t, dir, "--token", "nosuch", "status"); code != exitFailure || !strings.Contains(errOut, "token") {
		t.Fatalf("status --token nosuch: exit %d, %q", code, errOut)
	}

	out, errOut, code = runCLI(t, dir, "status", "--json")
	var before struct {
		Readers      int `json:"readers"`
		TrustAnchors int `json:"trust_anchors"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &before) != nil || before.Readers != 1 {
		t.Fatalf("status: exit %d, %q %q", code, out, errOut)
	}

	// A tap makes a check-in; checkins list shows it through the API.
	reader := "/api/v1/readers/" + sim.SlotPrefix + "demo"
	if c := apiPost(t, a, reader+"/key", `{"key":"`+sim.DemoCAN+`"}`); c != 200 {
		t.Fatalf("submit key: %d", c)
	}
	if c := apiPost(t, a, reader+"/sim/insert", ""); c != 200 {
		t.Fatalf("insert: %d", c)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, errOut, code = runCLI(t, dir, "checkins", "list")
		if code != 0 {
			t.Fatalf("checkins list: exit %d, %q", code, errOut)
		}
		if strings.Count(out, "\n") >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no check-in listed within 30 s: %q", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if strings.Contains(out, sim.DemoID) || !strings.Contains(out, "SEQ") {
		t.Fatalf("checkins list shows the full ID or no header: %q", out)
	}
	out, _, code = runCLI(t, dir, "checkins", "export", "--format", "json")
	if code != 0 || !strings.Contains(out, sim.DemoID) {
		t.Fatalf("checkins export: exit %d", code)
	}

	// trust import of a new CSCA: the agent stores it and uses it at once.
	now := clock.Now().UTC().Truncate(time.Second)
	csca := pkitest.Issue(pkitest.Template{Subject: pkitest.Name{C: "VN", O: "Test", CN: "Agent CSCA"},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(10, 0, 0), CA: true}, pkitest.ECKey("P-256", false), nil)
	pem := filepath.Join(t.TempDir(), "agent-csca.pem")
	if err := os.WriteFile(pem, csca.PEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = runCLI(t, dir, "trust", "import", pem)
	if code != 0 || !strings.Contains(out, "imported 1 certificates") {
		t.Fatalf("trust import: exit %d, %q %q", code, out, errOut)
	}
	out, _, _ = runCLI(t, dir, "status", "--json")
	var after struct {
		TrustAnchors int `json:"trust_anchors"`
	}
	if json.Unmarshal([]byte(out), &after) != nil || after.TrustAnchors != before.TrustAnchors+1 {
		t.Fatalf("the live trust store did not take the anchor: %d → %q", before.TrustAnchors, out)
	}
	out, _, code = runCLI(t, dir, "trust", "list")
	if code != 0 || !strings.Contains(out, "Agent CSCA") || !strings.Contains(out, "[agent-csca.pem]") {
		t.Fatalf("trust list: exit %d, %q", code, out)
	}
	junk := filepath.Join(t.TempDir(), "junk.pem")
	os.WriteFile(junk, []byte("not a certificate"), 0o600)
	if _, errOut, code = runCLI(t, dir, "trust", "import", junk); code != exitUsage {
		t.Fatalf("trust import of junk: exit %d (want 2), %q", code, errOut)
	}

	// roster import: a file of one record against two is a shrink.
	csv := filepath.Join(t.TempDir(), "one.csv")
	os.WriteFile(csv, []byte("soCCCD,maThe,hoTen,gtTheTu,gtTheDen\n001099000001,GD4790000000001,TEST PERSON,01/01/2026,31/12/2030\n"), 0o600)
	out, errOut, code = runCLI(t, dir, "roster", "import", csv, "--dry-run")
	if code != exitRoster || !strings.Contains(out, "dry run, nothing written: 1 added, 0 changed, 0 unchanged, 2 removed, 0 invalid") ||
		!strings.Contains(errOut, "--force") {
		t.Fatalf("dry run of a shrink: exit %d, %q %q", code, out, errOut)
	}
	if out, _, code = runCLI(t, dir, "roster", "import", csv, "--dry-run", "--force"); code != 0 || !strings.Contains(out, "1 added") {
		t.Fatalf("dry run --force: exit %d, %q", code, out)
	}
	if _, errOut, code = runCLI(t, dir, "roster", "import", csv); code != exitRoster || !strings.Contains(errOut, "half") {
		t.Fatalf("shrinking import: exit %d (want 6), %q", code, errOut)
	}
	out, _, _ = runCLI(t, dir, "roster", "status", "--json")
	var st2 rosterStatus
	if json.Unmarshal([]byte(out), &st2) != nil || st2.Version != st.Version || st2.Records != 2 {
		t.Fatalf("the refused import changed the roster: %q", out)
	}
	if out, errOut, code = runCLI(t, dir, "roster", "import", csv, "--force"); code != 0 || !strings.Contains(out, "imported roster version") {
		t.Fatalf("import --force: exit %d, %q %q", code, out, errOut)
	}
	if strings.Contains(a.Log(), sim.DemoID) {
		t.Error("the agent logged the full ID number")
	}
}

// TestCLIReadCommandsCreateNothing: on an empty data directory a read
// command creates no database, says where it looked and exits 2; status
// says no agent runs there.
func TestCLIReadCommandsCreateNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "empty")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"checkins", "list"}, {"roster", "status"}, {"roster", "lookup", sim.DemoID}, {"trust", "list"}} {
		_, errOut, code := runCLI(t, dir, args...)
		if code != exitUsage || !strings.Contains(errOut, "no database at "+filepath.Join(dir, cacheFileName)) || !strings.Contains(errOut, "--data") {
			t.Errorf("%v: exit %d, %q", args, code, errOut)
		}
	}
	if _, errOut, code := runCLI(t, dir, "status"); code != exitFailure || !strings.Contains(errOut, dir) {
		t.Errorf("status without agent: exit %d, %q", code, errOut)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("read commands created %v", entries)
	}
	// An agent.json left by a crash (nothing listens there) is ignored.
	if err := writeAgentFile(dir, agentFile{URL: "http://127.0.0.1:1/", PID: 1}); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runCLI(t, dir, "roster", "status"); code != exitUsage || !strings.Contains(errOut, "no database at") {
		t.Errorf("stale agent.json: exit %d, %q", code, errOut)
	}
}

// TestProgressNotOnPipe: a command whose stderr is not a terminal draws no
// bar, so its output is what it was.
func TestProgressNotOnPipe(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(t.TempDir(), "r.csv")
	os.WriteFile(csv, []byte("soCCCD,maThe,hoTen,gtTheTu,gtTheDen\n001099000001,GD4790000000001,TEST PERSON,01/01/2026,31/12/2030\n"), 0o600)
	out, errOut, code := runCLI(t, dir, "roster", "import", csv)
	if code != 0 || out != "imported roster version 1: 1 records from "+csv+"\n" || errOut != "" {
		t.Fatalf("exit %d, %q %q", code, out, errOut)
	}
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := newRootCmd()
	c.SetErr(f)
	if progressOn(c) {
		t.Error("a regular file counts as a terminal")
	}
	p := newProgress(c, 10, "x")
	if r := strings.NewReader("abc"); p.reader(r) != io.Reader(r) {
		t.Error("the no-op bar wraps the reader")
	}
	p.done()
	if s := newSteps(c, "x"); s.step() != nil {
		t.Error("the no-op step bar gives a callback")
	}
	if fi, _ := f.Stat(); fi.Size() != 0 {
		t.Errorf("the no-op bar wrote %d bytes", fi.Size())
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/reader/sim"
)

// Importing a 1-row CSV over the demo roster without --force is refused and
// the roster is unchanged; --dry-run counts without writing; --force imports.
func TestRosterImportOverDemoNeedsForce(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := seedDemoRoster(data); err != nil {
		t.Fatal(err)
	}
	now := clock.Now().In(time.FixedZone("ICT", 7*3600))
	from, to := now.AddDate(0, -1, 0).Format("02/01/2006"), now.AddDate(0, 6, 0).Format("02/01/2006")
	one := filepath.Join(t.TempDir(), "one.csv")
	os.WriteFile(one, []byte("soCCCD,maThe,hoTen,gtTheTu,gtTheDen\n079090000001,GD4797900000001,Nguyễn Văn Thử,"+from+","+to+"\n"), 0o600)
	dbPath := filepath.Join(data, cacheFileName)
	roster := func() cache.RosterMeta {
		t.Helper()
		db, err := cache.Open(dbPath)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		m, _ := db.RosterMeta()
		if _, ok, _ := db.LookupRoster(sim.DemoID); !ok {
			t.Error("the demo person left the roster")
		}
		return m
	}
	before := roster()

	out, errOut, code := runCLI(t, data, "roster", "import", "--dry-run", one)
	if code != exitRoster || !strings.Contains(out, "1 added, 0 changed, 0 unchanged, 2 removed, 0 invalid") || !strings.Contains(errOut, "--force") {
		t.Errorf("dry run: exit %d, %q, %q", code, out, errOut)
	}
	if after := roster(); after != before {
		t.Errorf("the dry run changed the roster: %+v", after)
	}
	out, errOut, code = runCLI(t, data, "roster", "import", "--dry-run", "--force", one)
	if code != 0 || !strings.Contains(out, "nothing written") {
		t.Errorf("dry run --force: exit %d, %q, %q", code, out, errOut)
	}

	_, errOut, code = runCLI(t, data, "roster", "import", one)
	if code != exitRoster || !strings.Contains(errOut, "the file holds 1 records, the roster held has 2") || !strings.Contains(errOut, "--force") {
		t.Errorf("import without --force: exit %d, %q", code, errOut)
	}
	if m := roster(); m != before || m.Records != 2 || m.Source != "demo" {
		t.Errorf("roster after the refused import: %+v", m)
	}

	out, errOut, code = runCLI(t, data, "roster", "import", "--force", one)
	if code != 0 || !strings.Contains(out, "version 2: 1 records") {
		t.Errorf("import --force: exit %d, %q, %q", code, out, errOut)
	}
}

package sync

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/internal/testkit/rostertest"
)

// Environment of the re-executed test binary that runs one sync (crashChild).
const (
	envCrashChild = "CCCD_SYNC_CRASH_CHILD"
	envCrashDB    = "CCCD_SYNC_CRASH_DB"
	envCrashURL   = "CCCD_SYNC_CRASH_URL"
	envCrashKey   = "CCCD_SYNC_CRASH_PUBKEY"
	envCrashWork  = "CCCD_SYNC_CRASH_WORK"
)

func TestMain(m *testing.M) {
	if os.Getenv(envCrashChild) == "1" {
		os.Exit(crashChild())
	}
	os.Exit(m.Run())
}

// crashChild runs one sync as the parent told it; the parent kills it.
func crashChild() int {
	pub, err := hex.DecodeString(os.Getenv(envCrashKey))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	db, err := cache.Open(os.Getenv(envCrashDB))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer db.Close()
	s, err := New(db, Config{URL: os.Getenv(envCrashURL), PublicKey: ed25519.PublicKey(pub), WorkDir: os.Getenv(envCrashWork), Logger: quietLogger()})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	res, err := s.Sync(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(res.Mode)
	return 0
}

// TestSyncSurvivesSIGKILL kills a syncing process at 20 random moments, half
// applying a delta and half a snapshot, and checks each time that the
// reopened roster is exactly the old or exactly the new publication.
func TestSyncSurvivesSIGKILL(t *testing.T) {
	key := rostertest.Key(1)
	pub := key.Public().(ed25519.PublicKey)
	t0 := time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC)
	v1 := sorted(rostertest.Records(21, 10000, "v1"))
	v2 := sorted(rostertest.Mutate(22, v1, 0.3, "v2"))

	deltaFeed, snapFeed := t.TempDir(), t.TempDir()
	deltaSrv, snapSrv := serveDir(t, deltaFeed), serveDir(t, snapFeed)
	p1 := publish(t, deltaFeed, key, v1, t0)

	// The old roster (v1), synced once from the delta feed and copied for
	// every run.
	base := filepath.Join(t.TempDir(), "base.db")
	func() {
		db, err := cache.Open(base)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if res, err := newSyncer(t, db, deltaSrv.URL, pub, workDir(t)).Sync(context.Background()); err != nil || res.To != p1.Manifest.Version {
			t.Fatalf("base sync: %+v, %v", res, err)
		}
	}()
	p2 := publish(t, deltaFeed, key, v2, t0.Add(time.Hour))
	// The other feed has no delta from v1 (and is not the roster's source):
	// its clients take the snapshot.
	ps := publish(t, snapFeed, key, v2, t0.Add(time.Hour))
	if p2.Manifest.Version != ps.Manifest.Version {
		t.Fatalf("versions differ: %d, %d", p2.Manifest.Version, ps.Manifest.Version)
	}

	var childOut bytes.Buffer
	run := func(i int, url string, delay time.Duration) (killed bool, mode string) {
		childOut.Reset()
		dir := t.TempDir()
		dbPath := filepath.Join(dir, "cccd.db")
		copyFile(t, base, dbPath)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envCrashChild+"=1", envCrashDB+"="+dbPath, envCrashURL+"="+url,
			envCrashKey+"="+hex.EncodeToString(pub), envCrashWork+"="+filepath.Join(dir, "feed"))
		cmd.Stdout, cmd.Stderr = &childOut, os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if delay >= 0 {
			time.Sleep(delay)
			cmd.Process.Signal(syscall.SIGKILL)
		}
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			killed = true
		} else if err != nil {
			t.Fatalf("run %d: child failed: %v", i, err)
		}
		db, err := cache.Open(dbPath)
		if err != nil {
			t.Fatalf("run %d: reopen after kill: %v", i, err)
		}
		defer db.Close()
		meta, err := db.RosterMeta()
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		switch meta.Version {
		case p1.Manifest.Version:
			checkExactly(t, i, db, v1, v2)
			return killed, "old"
		case p2.Manifest.Version:
			checkExactly(t, i, db, v2, v1)
			return killed, "new"
		default:
			t.Fatalf("run %d: roster at version %d, neither %d nor %d", i, meta.Version, p1.Manifest.Version, p2.Manifest.Version)
		}
		return killed, ""
	}

	// Calibrate: how long does an uninterrupted sync take for each path?
	durations := map[string]time.Duration{}
	for name, url := range map[string]string{"delta": deltaSrv.URL, "snapshot": snapSrv.URL} {
		start := time.Now()
		if _, mode := run(-1, url, -1); mode != "new" || strings.TrimSpace(childOut.String()) != name {
			t.Fatalf("uninterrupted %s sync ended %s by %q", name, mode, childOut.String())
		}
		durations[name] = time.Since(start)
	}
	counts := map[string]int{}
	for i := 0; i < 20; i++ {
		name, url := "delta", deltaSrv.URL
		if i%2 == 1 {
			name, url = "snapshot", snapSrv.URL
		}
		delay := time.Duration(rand.Int64N(int64(durations[name]) * 11 / 10))
		killed, mode := run(i, url, delay)
		counts[fmt.Sprintf("%s/%s/killed=%v", name, mode, killed)]++
	}
	t.Logf("uninterrupted: %v; outcomes of 20 kills: %v", durations, counts)
}

// checkExactly asserts the roster is want, record for record, and holds
// none of other's records that want lacks.
func checkExactly(t *testing.T, run int, db *cache.DB, want, other []cache.RosterRecord) {
	t.Helper()
	meta, _ := db.RosterMeta()
	if meta.Records != len(want) {
		t.Fatalf("run %d: %d records, want %d", run, meta.Records, len(want))
	}
	inWant := make(map[string]bool, len(want))
	for _, r := range want {
		inWant[r.SoCCCD] = true
		got, ok, err := db.LookupRoster(r.SoCCCD)
		if err != nil || !ok || got != r {
			t.Fatalf("run %d: a record is not the version's (ok=%v err=%v)", run, ok, err)
		}
	}
	for _, r := range other {
		if inWant[r.SoCCCD] {
			continue
		}
		if _, ok, _ := db.LookupRoster(r.SoCCCD); ok {
			t.Fatalf("run %d: a record of the other version is present", run)
		}
	}
}

package delivery

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/cache"
)

// Environment of the re-executed test binary acting as the daemon.
const (
	envChild   = "CCCD_DELIVERY_CHILD"
	envDB      = "CCCD_DELIVERY_DB"
	envHook    = "CCCD_DELIVERY_HOOK"
	envAppends = "CCCD_DELIVERY_APPENDS" // check-ins to append while delivering
)

func TestMain(m *testing.M) {
	if os.Getenv(envChild) == "1" {
		os.Exit(deliveryChild())
	}
	os.Exit(m.Run())
}

// deliveryChild behaves like the daemon: it appends check-ins (a reception
// desk at work) while a Deliverer runs, and exits once the outbox is empty.
func deliveryChild() int {
	db, err := cache.Open(os.Getenv(envDB))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer db.Close()
	d, err := New(db, Config{WebhookURL: os.Getenv(envHook), Logger: quiet(), Interval: 20 * time.Millisecond,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go d.Run(ctx)
	n, _ := strconv.Atoi(os.Getenv(envAppends))
	for i := 0; i < n; i++ {
		if _, err := db.AppendCheckin(checkin(i, "eligible", "gateway")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		d.Kick()
		time.Sleep(2 * time.Millisecond)
	}
	for {
		pend, err := db.PendingDeliveries(1)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		if len(pend) == 0 {
			return 0
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestNoCheckinLostAcrossSIGKILL: check-ins are appended while the webhook
// is down; the delivering process is killed with SIGKILL at random moments
// while the webhook flaps and then comes back; after a final run every
// check-in stored is marked delivered and the HIS has received its key.
func TestNoCheckinLostAcrossSIGKILL(t *testing.T) {
	his := newHIS(t)
	dbPath := filepath.Join(t.TempDir(), "cccd.db")
	start := func(appends int) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envChild+"=1", envDB+"="+dbPath, envHook+"="+his.URL,
			envAppends+"="+strconv.Itoa(appends))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	// Round 1: the HIS is down while the desk appends 40 check-ins; killed.
	his.status.Store(503)
	cmd := start(40)
	time.Sleep(time.Duration(50+rand.IntN(100)) * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	// Rounds 2-6: the HIS flaps, and thinks 3 ms per request so that kills
	// land between a POST and its MarkDelivered.
	his.delayMS.Store(3)
	for round := 0; round < 5; round++ {
		his.status.Store(0)
		if round%2 == 1 {
			his.status.Store(502)
		}
		cmd := start(10)
		time.Sleep(time.Duration(5+rand.IntN(60)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
	}
	// Final run: the HIS is back; the child drains the outbox and exits.
	his.status.Store(0)
	cmd = start(0)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("final delivery run: %v", err)
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("final delivery run did not drain the outbox")
	}

	db := openDB(t, dbPath)
	all, err := db.ListCheckins(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatal("no check-ins were stored")
	}
	dups := 0
	for _, c := range all {
		got := his.count(c.Key)
		if c.DeliveredAt.IsZero() || got == 0 {
			t.Fatalf("check-in %d lost: delivered_at=%v, HIS copies=%d", c.Seq, c.DeliveredAt, got)
		}
		dups += got - 1
	}
	if his.badKey != 0 {
		t.Errorf("%d requests with a header key differing from the body", his.badKey)
	}
	t.Logf("%d check-ins stored, all delivered; %d duplicate deliveries (at-least-once, de-duplicated by key)", len(all), dups)
}

package delivery

import (
	"bufio"
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
	switch os.Getenv(envChild) {
	case "1":
		os.Exit(deliveryChild())
	case "recheck":
		os.Exit(recheckChild())
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
	fmt.Println("R")
	d, err := New(reportingStore{db}, Config{WebhookURL: os.Getenv(envHook), InsecureHTTP: true, Logger: quiet(), Interval: 20 * time.Millisecond,
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
		fmt.Println("A")
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

// reportingStore tells the parent test about every delivery it records.
type reportingStore struct{ *cache.DB }

func (r reportingStore) MarkDelivered(sent *cache.Checkin, at time.Time) error {
	err := r.DB.MarkDelivered(sent, at)
	if err == nil {
		fmt.Println("D")
	}
	return err
}

// child is a running deliveryChild with its progress lines.
type child struct {
	cmd    *exec.Cmd
	events chan string // "R" started, "A" appended, "D" delivered
}

// killAfter SIGKILLs the child once it has reported n events of kind, or
// after timeout, and waits for it.
func (c *child) killAfter(kind string, n int, timeout time.Duration) {
	deadline := time.After(timeout)
	for seen := 0; seen < n; {
		select {
		case e, ok := <-c.events:
			if !ok {
				n = 0
			} else if e == kind {
				seen++
			}
		case <-deadline:
			n = 0
		}
	}
	c.cmd.Process.Signal(syscall.SIGKILL)
	c.cmd.Wait()
}

// TestNoCheckinLostAcrossSIGKILL: check-ins are appended while the webhook
// is down; the delivering process is killed with SIGKILL at random moments
// while the webhook flaps and then comes back; after a final run every
// check-in stored is marked delivered and the HIS has received its key.
func TestNoCheckinLostAcrossSIGKILL(t *testing.T) {
	his := newHIS(t)
	dbPath := filepath.Join(t.TempDir(), "cccd.db")
	start := func(appends int) *child {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envChild+"=1", envDB+"="+dbPath, envHook+"="+his.URL,
			envAppends+"="+strconv.Itoa(appends))
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		c := &child{cmd: cmd, events: make(chan string, 1024)}
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				c.events <- sc.Text()
			}
			close(c.events)
		}()
		return c
	}
	// Round 1: the HIS is down while the desk appends; killed after a
	// random number of appends.
	his.status.Store(503)
	start(40).killAfter("A", 10+rand.IntN(25), 30*time.Second)
	// Rounds 2-6: the HIS flaps, and thinks 3 ms per request; while it is
	// up the kill lands after a random number of deliveries, i.e. between a
	// POST and its MarkDelivered as often as not.
	his.delayMS.Store(3)
	for round := 0; round < 5; round++ {
		if round%2 == 1 {
			his.status.Store(502)
			start(10).killAfter("A", 1+rand.IntN(10), 30*time.Second)
			continue
		}
		his.status.Store(0)
		start(10).killAfter("D", 1+rand.IntN(8), 30*time.Second)
	}
	// Final run: the HIS is back; the child drains the outbox and exits.
	his.status.Store(0)
	final := start(0)
	go func() {
		for range final.events {
		}
	}()
	done := make(chan error, 1)
	go func() { done <- final.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("final delivery run: %v", err)
		}
	case <-time.After(60 * time.Second):
		final.cmd.Process.Kill()
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

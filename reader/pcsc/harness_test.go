package pcsc_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/reader/pcsc"
	"github.com/cccd-agent/cccd/reader/sim"
)

// vpcd slot i: reader "Virtual PCD 00 0i" takes its card on port 35963+i.
func slotName(i int) string { return fmt.Sprintf("Virtual PCD 00 %02d", i) }
func slotAddr(i int) string { return fmt.Sprintf("127.0.0.1:%d", 35963+i) }

// requirePCSCD fails (make test) or skips (plain go test) when pcscd with
// the vpcd driver is not there.
func requirePCSCD(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(pcsc.ServiceSocket()); err != nil {
		testenv.Missing(t, "pcscd not running (scripts/start-services.sh starts it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	infos, err := pcsc.List(ctx)
	if err != nil {
		testenv.Missing(t, "pcscd not answering: "+err.Error())
	}
	for _, in := range infos {
		if in.Name == slotName(0) {
			return
		}
	}
	testenv.Missing(t, "vpcd reader "+slotName(0)+" not listed (install vsmartcard-vpcd, restart pcscd)")
}

// startSlot locks the vpcd slots, checks the slot is empty and returns a
// running bridge on it with no card inserted.
func startSlot(t *testing.T, i int) *sim.Bridge {
	t.Helper()
	b := sim.NewBridge(slotAddr(i))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := b.Run(ctx); err != nil {
			t.Errorf("bridge %d: %v", i, err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		waitCard(t, slotName(i), false)
	})
	return b
}

// waitCard polls pcscd until the reader's card is present (or gone);
// vpcd needs about half a second to notice.
func waitCard(t *testing.T, name string, present bool) pcsc.ReaderInfo {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		infos, err := pcsc.List(context.Background())
		last = err
		for _, in := range infos {
			if in.Name == name && in.CardPresent == present {
				return in
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("reader %q: card present=%v not reached in 15 s (last error %v)", name, present, last)
	return pcsc.ReaderInfo{}
}

// simBridge is startSlot for benchmarks: slot 0, stopped when b ends, and
// the removal seen by pcscd before the next run inserts again (vpcd misses
// a card that leaves and comes back between two of its polls).
func simBridge(tb testing.TB) *sim.Bridge {
	tb.Helper()
	waitAbsent(tb, slotName(0))
	br := sim.NewBridge(slotAddr(0))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); br.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		<-done
		waitAbsent(tb, slotName(0))
	})
	return br
}

func waitAbsent(tb testing.TB, name string) {
	tb.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		infos, _ := pcsc.List(context.Background())
		for _, in := range infos {
			if in.Name == name && !in.CardPresent {
				return
			}
		}
	}
	tb.Fatalf("reader %q still has a card after 15 s", name)
}

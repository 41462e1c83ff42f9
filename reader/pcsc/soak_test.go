//go:build soak

package pcsc_test

import (
	"context"
	"errors"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/internal/testkit/vicc"
	"github.com/cccd-agent/cccd/reader"
	"github.com/cccd-agent/cccd/reader/pcsc"
)

// TestWatcherSoak runs the watcher for CCCD_SOAK_DURATION (default 10 min)
// while a card is inserted and removed every second and pcscd is restarted
// every minute, then compares goroutines and heap before and after. It is
// built only with -tags soak, so not part of `make test`:
// go test -tags soak ./reader/pcsc -run Soak -v -timeout 30m
func TestWatcherSoak(t *testing.T) {
	dur := 10 * time.Minute
	if d, err := time.ParseDuration(os.Getenv("CCCD_SOAK_DURATION")); err == nil {
		dur = d
	}
	testenv.LockVPCD(t)
	requirePCSCD(t)

	b := startSlot(t, 0)
	ctx, cancel := context.WithCancel(context.Background())
	w := reader.NewWatcher(pcsc.NewBackend())
	events := w.Run(ctx)
	counts := map[reader.EventType]int{}
	present := map[string]bool{} // reader → card on it, as the events tell
	var unexpected []error
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for e := range events {
			counts[e.Type]++
			switch e.Type {
			case reader.ReaderAdded, reader.CardRemoved:
				present[e.Reader] = false
			case reader.CardPresent:
				present[e.Reader] = true
			case reader.ReaderRemoved:
				delete(present, e.Reader)
			}
			if e.Type == reader.Error && !errors.Is(e.Err, reader.ErrNoService) {
				unexpected = append(unexpected, e.Err)
			}
		}
	}()
	time.Sleep(2 * time.Second) // warm-up: first listing, goroutines settled
	g0, h0 := goroutinesAndHeap()

	start := time.Now()
	lastRestart := start
	inserts, restarts := 0, 0
	for time.Since(start) < dur {
		if b.Inserted() {
			b.Remove()
		} else {
			b.Insert(&testChip{id: byte(inserts)})
			inserts++
		}
		time.Sleep(time.Second)
		if time.Since(lastRestart) >= time.Minute {
			vicc.StopPCSCD(t)
			vicc.StartPCSCD(t)
			restarts++
			lastRestart = time.Now()
		}
	}
	b.Remove()
	time.Sleep(3 * time.Second) // let the last removal through
	g1, h1 := goroutinesAndHeap()
	cancel()
	<-drained

	t.Logf("soak %v: %d inserts, %d pcscd restarts; events %v", dur, inserts, restarts, countsString(counts))
	t.Logf("goroutines %d -> %d; heap in use %d KiB -> %d KiB", g0, g1, h0/1024, h1/1024)
	if len(unexpected) > 0 {
		t.Errorf("%d unexpected backend errors, first: %v", len(unexpected), unexpected[0])
	}
	if g1 > g0+3 {
		t.Errorf("goroutines grew from %d to %d", g0, g1)
	}
	if len(present) < 2 || present[slotName(0)] {
		t.Errorf("final reader state %v, want both readers, no card", present)
	}
	// vpcd polls presence every few hundred ms, so a 1 s cycle must be seen
	// nearly every time; restarts may swallow a few.
	if counts[reader.CardPresent] < inserts-3*restarts-2 {
		t.Errorf("saw %d card insertions of %d", counts[reader.CardPresent], inserts)
	}
}

func goroutinesAndHeap() (int, uint64) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return runtime.NumGoroutine(), m.HeapInuse
}

func countsString(c map[reader.EventType]int) map[string]int {
	out := map[string]int{}
	for k, v := range c {
		out[k.String()] = v
	}
	return out
}

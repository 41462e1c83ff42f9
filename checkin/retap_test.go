package checkin

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/reader/sim"
)

// TestAgentRetapWindow: the same card again within the window gives the
// same check-in with repeat set and stores nothing; after the window, or
// after the check-in was cancelled, it is a new check-in; a window of 0 is
// off.
func TestAgentRetapWindow(t *testing.T) {
	tap := func(t *testing.T, r *rig, slot *sim.Slot) ResultEvent {
		t.Helper()
		submit(t, r, slot.Name(), sim.DemoCAN)
		slot.Insert()
		_, ev := r.until(t, slot.Name(), "result", "error")
		if ev.Type != "result" {
			t.Fatalf("tap: %+v", ev.Data)
		}
		slot.Remove()
		r.until(t, slot.Name(), "card-removed")
		return ev.Data.(ResultEvent)
	}
	count := func(r *rig) int {
		list, _ := r.db.ListCheckins(0, 0)
		return len(list)
	}
	t.Run("window", func(t *testing.T) {
		clk := newTestClock()
		slot := sim.NewSlot("desk", newChip(t, false), 0)
		r := startRig(t, AgentConfig{Now: clk.Now, RetapWindow: 10 * time.Minute}, slot)
		first := tap(t, r, slot)
		if first.Repeat {
			t.Fatal("the first tap is a repeat")
		}
		if _, err := r.agent.ConfirmCheckin(context.Background(), first.Seq); err != nil {
			t.Fatal(err)
		}
		clk.advance(9 * time.Minute)
		second := tap(t, r, slot)
		if second.Seq != first.Seq || !second.Repeat || !second.Confirmed || second.Read == nil || count(r) != 1 {
			t.Fatalf("second tap within the window: seq %d (first %d) repeat %v confirmed %v, %d stored",
				second.Seq, first.Seq, second.Repeat, second.Confirmed, count(r))
		}
		if log := r.logText(); !strings.Contains(log, "re-tap window") || strings.Contains(log, sim.DemoID) {
			t.Errorf("log line for the repeat missing or with the ID:\n%s", log)
		}
		clk.advance(2 * time.Minute) // 11 min after the first check-in
		third := tap(t, r, slot)
		if third.Seq == first.Seq || third.Repeat || count(r) != 2 {
			t.Fatalf("tap after the window: seq %d repeat %v", third.Seq, third.Repeat)
		}
		if _, err := r.agent.CancelCheckin(context.Background(), third.Seq); err != nil {
			t.Fatal(err)
		}
		clk.advance(time.Minute)
		fourth := tap(t, r, slot)
		if fourth.Seq == third.Seq || fourth.Repeat {
			t.Fatalf("tap after a cancel: seq %d repeat %v, want a new check-in", fourth.Seq, fourth.Repeat)
		}
		if got := r.counter(t, "cccd_checkins_total", string(Eligible)); got != 3 {
			t.Errorf("cccd_checkins_total{eligible} = %v after four taps, one a repeat; want 3", got)
		}
	})
	t.Run("off", func(t *testing.T) {
		slot := sim.NewSlot("desk", newChip(t, false), 0)
		r := startRig(t, AgentConfig{}, slot)
		a, b := tap(t, r, slot), tap(t, r, slot)
		if a.Seq == b.Seq || b.Repeat {
			t.Fatalf("window off: seqs %d %d repeat %v", a.Seq, b.Seq, b.Repeat)
		}
	})
}

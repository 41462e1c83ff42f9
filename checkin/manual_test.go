package checkin

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/reader/sim"
)

// testClock is an adjustable clock for AgentConfig.Now, starting at the
// program's clock so that the seeded roster is current.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock { return &testClock{now: clock.Now()} }

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *testClock) advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// TestAgentCancelCheckin: a cancel is stored with its time and told to
// subscribers; an unsent check-in goes out once, cancelled, without a
// revision; a second cancel changes nothing; a cancelled check-in cannot be
// confirmed.
func TestAgentCancelCheckin(t *testing.T) {
	r, name, seq, kicks := confirmRig(t)
	ctx := context.Background()
	got, err := r.agent.CancelCheckin(ctx, seq)
	if err != nil || !got.Cancelled || got.CancelledAt.IsZero() || got.Revision != 0 {
		t.Fatalf("CancelCheckin = cancelled %v at %v rev %d, %v", got.Cancelled, got.CancelledAt, got.Revision, err)
	}
	if _, ev := r.until(t, name, "checkin"); ev.Data.(CheckinEvent).Seq != seq {
		t.Fatalf("cancel event %v", ev.Data)
	}
	if kicks.Load() != 1 {
		t.Errorf("cancelling an unsent check-in kicked the deliverer: %d kicks", kicks.Load())
	}
	again, err := r.agent.CancelCheckin(ctx, seq)
	if err != nil || !again.Cancelled || !again.CancelledAt.Equal(got.CancelledAt) || again.Revision != 0 {
		t.Fatalf("second cancel = %+v, %v", again, err)
	}
	_, err = r.agent.ConfirmCheckin(ctx, seq)
	if !errors.Is(err, ErrConflict) || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "cancelled") {
		t.Fatalf("confirming a cancelled check-in: %v, want a one-line ErrConflict", err)
	}
	stored, _, _ := r.db.Checkin(seq)
	if stored.Confirmed || !stored.Cancelled {
		t.Fatalf("stored confirmed %v cancelled %v", stored.Confirmed, stored.Cancelled)
	}
	if pending, _ := r.db.PendingDeliveries(0); len(pending) != 1 || !pending[0].Cancelled {
		t.Fatalf("outbox %+v, want the cancelled check-in", pending)
	}
	if _, err := r.agent.CancelCheckin(ctx, seq+100); !errors.Is(err, ErrNotFound) {
		t.Fatalf("cancel of an unknown seq: %v", err)
	}
}

// TestAgentCancelAfterDelivery: the HIS holds the check-in (confirmed), so
// the cancel goes out as its next revision, at once; a cancel made while
// the check-in was in flight is caught when the delivery is recorded.
func TestAgentCancelAfterDelivery(t *testing.T) {
	r, _, seq, kicks := confirmRig(t)
	ctx := context.Background()
	if _, err := r.agent.ConfirmCheckin(ctx, seq); err != nil {
		t.Fatal(err)
	}
	sent, _, _ := r.db.Checkin(seq)
	if err := r.db.MarkDelivered(&sent, clock.Now()); err != nil {
		t.Fatal(err)
	}
	kicksBefore := kicks.Load()
	if _, err := r.agent.CancelCheckin(ctx, seq); err != nil {
		t.Fatal(err)
	}
	c, _, _ := r.db.Checkin(seq)
	if !c.Cancelled || !c.Confirmed || c.Revision != 1 || !c.DeliveredAt.IsZero() || c.PreviousEligibility == nil {
		t.Fatalf("after cancelling a delivered check-in: %+v", c)
	}
	if kicks.Load() != kicksBefore+1 {
		t.Errorf("deliverer kicked %d times, want %d", kicks.Load(), kicksBefore+1)
	}

	// In flight: the copy POSTed is not cancelled; the HIS's 2xx arrives
	// after the cancel.
	r2, _, seq2, _ := confirmRig(t)
	inFlight, _, _ := r2.db.Checkin(seq2)
	if _, err := r2.agent.CancelCheckin(ctx, seq2); err != nil {
		t.Fatal(err)
	}
	if err := r2.db.MarkDelivered(&inFlight, clock.Now()); err != nil {
		t.Fatal(err)
	}
	c2, _, _ := r2.db.Checkin(seq2)
	if !c2.Cancelled || c2.Revision != 1 || !c2.DeliveredAt.IsZero() {
		t.Fatalf("cancel during delivery: rev %d delivered %v", c2.Revision, c2.DeliveredAt)
	}
}

// TestAgentManualLookup: typed data goes through the same lookup as a tap
// and is recorded as a "manual" check-in with verification "none"; bad
// fields are ErrBadInput naming the field, never the value.
func TestAgentManualLookup(t *testing.T) {
	clk := newTestClock()
	kicks := new(atomic.Int32)
	r := startRig(t, AgentConfig{Now: clk.Now, AfterCheckin: func() { kicks.Add(1) }})
	ctx := context.Background()
	res, err := r.agent.ManualLookup(ctx, ManualPerson{IDNumber: sim.DemoID, FullName: "  " + sim.DemoName + " ", DateOfBirth: "1990-05-17"})
	if err != nil || res.Seq == 0 || res.Eligibility.Status != Eligible || !res.Eligibility.RegisteredHere {
		t.Fatalf("ManualLookup = %+v, %v", res, err)
	}
	if ev := r.next(t); ev.Type != "checkin" || ev.Data.(CheckinEvent).Seq != res.Seq || ev.Reader != ReaderManual {
		t.Fatalf("event %+v, want checkin %d", ev, res.Seq)
	}
	c, ok, err := r.db.Checkin(res.Seq)
	if err != nil || !ok || c.Reader != ReaderManual || c.Verification != VerificationNone || c.SoCCCD != sim.DemoID ||
		c.HoTen != sim.DemoName || c.NgaySinh != "1990-05-17" || c.MaThe != "GD4797901234567" || !c.Time.Equal(clk.Now()) ||
		c.Eligibility.Status != string(Eligible) {
		t.Fatalf("stored %+v (%v)", c, err)
	}
	if kicks.Load() != 1 {
		t.Errorf("%d deliverer kicks, want 1", kicks.Load())
	}
	if res, err := r.agent.ManualLookup(ctx, ManualPerson{IDNumber: "079099000001", FullName: "Ngô Thử", DateOfBirth: "1970"}); err != nil || res.Eligibility.Status != NotFound {
		t.Fatalf("unknown person: %+v, %v", res, err)
	}
	future := clk.Now().AddDate(0, 0, 2).Format("2006-01-02")
	for _, c := range []struct {
		p     ManualPerson
		field string
	}{
		{ManualPerson{IDNumber: "07919001234", FullName: "A", DateOfBirth: "1990"}, "id_number"},
		{ManualPerson{IDNumber: "07919001234x", FullName: "A", DateOfBirth: "1990"}, "id_number"},
		{ManualPerson{IDNumber: sim.DemoID, FullName: " ", DateOfBirth: "1990"}, "full_name"},
		{ManualPerson{IDNumber: sim.DemoID, FullName: "123", DateOfBirth: "1990"}, "full_name"},
		{ManualPerson{IDNumber: sim.DemoID, FullName: "Lê\x00Thị", DateOfBirth: "1990"}, "full_name"},
		{ManualPerson{IDNumber: sim.DemoID, FullName: strings.Repeat("Ạ", 101), DateOfBirth: "1990"}, "full_name"},
		{ManualPerson{IDNumber: sim.DemoID, FullName: "Lê \xffThị", DateOfBirth: "1990"}, "full_name"},
		{ManualPerson{IDNumber: sim.DemoID, FullName: sim.DemoName, DateOfBirth: "17/05/1990"}, "date_of_birth"},
		{ManualPerson{IDNumber: sim.DemoID, FullName: sim.DemoName, DateOfBirth: "1990-02-30"}, "date_of_birth"},
		{ManualPerson{IDNumber: sim.DemoID, FullName: sim.DemoName, DateOfBirth: "1899"}, "date_of_birth"},
		{ManualPerson{IDNumber: sim.DemoID, FullName: sim.DemoName, DateOfBirth: future}, "date_of_birth"},
		{ManualPerson{IDNumber: sim.DemoID, FullName: sim.DemoName, DateOfBirth: ""}, "date_of_birth"},
	} {
		_, err := r.agent.ManualLookup(ctx, c.p)
		if !errors.Is(err, ErrBadInput) || !strings.HasPrefix(err.Error(), c.field+" ") {
			t.Errorf("%q/%q: %v, want ErrBadInput naming %s", c.p.FullName, c.p.DateOfBirth, err, c.field)
			continue
		}
		for _, leak := range []string{c.p.IDNumber, sim.DemoName, "1990", "Lê"} {
			if leak != "" && strings.Contains(err.Error(), leak) {
				t.Errorf("error %q repeats the input", err)
			}
		}
	}
}

// FuzzManualPerson: any typed person is either cleaned or ErrBadInput that
// does not repeat the ID or the name; a cleaned one is stable.
func FuzzManualPerson(f *testing.F) {
	f.Add("079190012345", "Nguyễn Thị Lan", "1990-05-17")
	f.Add("079190012345", "  Đặng  Văn ", "1990-05")
	f.Add("079190012345", "A", "1990")
	f.Add("07919001234", "", "")
	f.Add("079190012345", "Lê\u0301", "2999")
	now := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, id, name, dob string) {
		p, err := ManualPerson{IDNumber: id, FullName: name, DateOfBirth: dob}.Normalize(now)
		if err != nil {
			if !errors.Is(err, ErrBadInput) {
				t.Fatalf("error %v is not ErrBadInput", err)
			}
			if len(id) >= 6 && strings.Contains(err.Error(), id) {
				t.Fatalf("error %q repeats the ID", err)
			}
			return
		}
		again, err := p.Normalize(now)
		if err != nil || again != p {
			t.Fatalf("normalising twice: %+v %v", again, err)
		}
	})
}

// TestAgentCheckinsBefore: the newest-first list and a bad search text.
func TestAgentCheckinsBefore(t *testing.T) {
	r, _, seq, _ := confirmRig(t)
	ctx := context.Background()
	list, err := r.agent.CheckinsBefore(ctx, 0, 20, "nguyen")
	if err != nil || len(list) != 1 || list[0].Seq != seq {
		t.Fatalf("search by name: %d check-ins, %v", len(list), err)
	}
	if _, err := r.agent.CheckinsBefore(ctx, 0, 20, "31/02/2026"); !errors.Is(err, ErrBadInput) {
		t.Fatalf("bad date: %v, want ErrBadInput", err)
	}
}

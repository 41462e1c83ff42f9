package checkin

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/internal/metrics"
	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/reader"
	"github.com/cccd-agent/cccd/reader/qr"
	"github.com/cccd-agent/cccd/reader/sim"
	"github.com/cccd-agent/cccd/verify"
)

// The agent tests drive NewAgent with the real parts it runs with in
// production — a bbolt cache, a reader.Watcher over simulated slots, an
// Hub and the Prometheus collectors — and assert what a console sees
// on the event stream and what the outbox holds.

const (
	agentFacility = "79024" // the demo person is registered here
	otherID       = "001085004321"
	otherName     = "Trần Văn Bình"
)

var otherDOB = time.Date(1985, 11, 3, 0, 0, 0, 0, time.UTC)

// otherProfile is a second synthetic citizen, made once per test binary:
// generation signs a whole test PKI and is too slow to repeat per test.
var otherProfile = sync.OnceValues(func() (*sim.Profile, error) {
	seed := [32]byte{'c', 'h', 'e', 'c', 'k', 'i', 'n', '-', 'o', 't', 'h', 'e', 'r'}
	p, _, err := sim.GenerateProfile(sim.ProfileOptions{
		ID: otherID, FullName: otherName, DateOfBirth: otherDOB,
		IssueDate: time.Date(2022, 3, 1, 0, 0, 0, 0, time.UTC),
		Now:       time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Seed: &seed,
	})
	return p, err
})

// newChip builds a simulated chip from the demo profile, or from the other
// citizen's when other is set.
func newChip(t testing.TB, other bool) *sim.Card {
	t.Helper()
	var p *sim.Profile
	var err error
	if other {
		var q *sim.Profile
		q, err = otherProfile()
		if err == nil {
			c := *q
			p = &c
		}
	} else {
		p, err = sim.DemoProfile()
	}
	if err != nil {
		t.Fatal(err)
	}
	chip, err := sim.NewCard(p)
	if err != nil {
		t.Fatal(err)
	}
	return chip
}

// seedRoster stores a roster in which the demo person is insured and
// registered at agentFacility, and the other person's card has expired;
// extra, when not nil, yields more records.
func seedRoster(t testing.TB, db *cache.DB, now time.Time, extra func(yield func(cache.RosterRecord) error) error) {
	t.Helper()
	from, to := now.AddDate(0, -6, 0).Format("02/01/2006"), now.AddDate(1, 0, 0).Format("02/01/2006")
	recs := []cache.RosterRecord{
		{SoCCCD: sim.DemoID, MaThe: "GD4797901234567", MaSoBHXH: "7901234567", HoTen: sim.DemoName,
			NgaySinh: "17/05/1990", GioiTinh: "Nữ", MaDKBD: agentFacility, TenDKBD: "Phòng khám Thử",
			GtTheTu: from, GtTheDen: to, NgayDu5Nam: "01/01/2020", MucHuong: "80", TrangThai: "000",
			CapNhat: now.Format("02/01/2006")},
		{SoCCCD: otherID, MaThe: "HT3010000000001", MaSoBHXH: "0100000001", HoTen: otherName,
			NgaySinh: "03/11/1985", GioiTinh: "Nam", MaDKBD: "01001", TenDKBD: "Bệnh viện Thử",
			GtTheTu: from, GtTheDen: now.AddDate(0, 0, -1).Format("02/01/2006"), MucHuong: "95",
			TrangThai: "000", CapNhat: now.Format("02/01/2006")},
	}
	meta := cache.RosterMeta{Version: 1, Published: now, Synced: now, Source: "test"}
	err := db.ReplaceRoster(meta, func(yield func(cache.RosterRecord) error) error {
		for _, r := range recs {
			if err := yield(r); err != nil {
				return err
			}
		}
		if extra != nil {
			return extra(yield)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// rig is one running agent with its parts.
type rig struct {
	agent   *Agent
	db      *cache.DB
	hub     *Hub
	metrics *metrics.Metrics
	events  <-chan Event
	log     *testenv.LogBuffer
	cancel  context.CancelFunc
	done    chan struct{}
	states  map[string][]ReaderState // reader-state events seen by until, per reader
}

// startRig runs an agent over slots until the test ends, and waits for
// every slot's reader-added event.
func startRig(t testing.TB, cfg AgentConfig, slots ...*sim.Slot) *rig {
	t.Helper()
	return startRigWith(t, cfg, nil, nil, slots...)
}

// startRigWith is startRig with the readers' router replaced (when not
// nil) and extra roster records stored after the two test persons.
func startRigWith(t testing.TB, cfg AgentConfig, readers *reader.Router, extra func(yield func(cache.RosterRecord) error) error, slots ...*sim.Slot) *rig {
	t.Helper()
	db, err := cache.Open(filepath.Join(t.TempDir(), "cccd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	seedRoster(t, db, clock.Now(), extra)
	r := &rig{db: db, hub: NewHub(), metrics: metrics.New(), log: &testenv.LogBuffer{},
		done: make(chan struct{})}
	log := slog.New(slog.NewTextHandler(r.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	backends := make([]reader.Backend, 0, len(slots))
	own := readers == nil
	if own {
		readers = reader.NewRouter()
	}
	for _, s := range slots {
		backends = append(backends, s)
		if own {
			readers.Add(s)
		}
	}
	lookup := &Lookup{DB: db, Config: EligibilityConfig{Facility: agentFacility, Freshness: 24 * time.Hour},
		Metrics: r.metrics, Log: log}
	if cfg.Facility == "" {
		cfg.Facility = agentFacility
	}
	cfg.DB, cfg.Lookup, cfg.Watcher, cfg.Readers = db, lookup, reader.NewWatcher(backends...), readers
	cfg.Hub, cfg.Metrics, cfg.Log = r.hub, r.metrics, log
	r.agent = NewAgent(cfg)
	var unsub func()
	r.events, unsub = r.hub.Subscribe()
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.agent.Run(ctx); close(r.done) }()
	t.Cleanup(func() {
		r.stop(t)
		unsub()
	})
	want := map[string]bool{}
	for _, s := range slots {
		want[s.Name()] = true
	}
	for len(want) > 0 {
		ev := r.next(t)
		if ev.Type == "reader-added" {
			delete(want, ev.Reader)
		}
	}
	return r
}

// stop cancels the agent and waits for Run to return.
func (r *rig) stop(t testing.TB) {
	t.Helper()
	r.cancel()
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		t.Fatal("agent did not stop within 10 s of its context ending")
	}
}

// next returns the next event, failing after 10 s without one.
func (r *rig) next(t testing.TB) Event {
	t.Helper()
	select {
	case ev, ok := <-r.events:
		if !ok {
			t.Fatal("event stream closed")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10 s")
	}
	return Event{}
}

// until collects events on readerName up to and including the first whose
// type is one of stop; runs of the same type count once. Reader states are
// kept apart, in r.states, unless "reader-state" is a stop.
func (r *rig) until(t testing.TB, readerName string, stop ...string) ([]string, Event) {
	t.Helper()
	var seen []string
	for {
		ev := r.next(t)
		if ev.Reader != readerName {
			continue
		}
		if ev.Type == "reader-state" {
			if r.states == nil {
				r.states = map[string][]ReaderState{}
			}
			r.states[readerName] = append(r.states[readerName], ev.Data.(ReaderInfo).State)
			if !slices.Contains(stop, "reader-state") {
				continue
			}
		}
		if len(seen) == 0 || seen[len(seen)-1] != ev.Type {
			seen = append(seen, ev.Type)
		}
		for _, s := range stop {
			if ev.Type == s {
				return seen, ev
			}
		}
	}
}

func (r *rig) logText() string {
	return r.log.String()
}

// counter is the value of a labelled counter in the agent's registry.
func (r *rig) counter(t testing.TB, name, label string) float64 {
	t.Helper()
	families, err := r.metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetValue() == label {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

func submit(t testing.TB, r *rig, readerName, key string) {
	t.Helper()
	if err := r.agent.SubmitKey(context.Background(), readerName, key); err != nil {
		t.Fatalf("SubmitKey: %v", err)
	}
}

func errorCode(t testing.TB, ev Event) string {
	t.Helper()
	re, ok := ev.Data.(ErrorEvent)
	if !ok {
		t.Fatalf("error event data is %T, not ErrorEvent", ev.Data)
	}
	return re.Code
}

// checkResult asserts a result event and its stored check-in.
func checkResult(t testing.TB, r *rig, ev Event, readerName, id, verification string, elig EligibilityStatus) ResultEvent {
	t.Helper()
	res, ok := ev.Data.(ResultEvent)
	if !ok {
		t.Fatalf("result event data is %T", ev.Data)
	}
	if res.Seq == 0 || res.Read == nil || res.Read.Reader != readerName || res.Read.Document.IDNumber != id ||
		res.Read.Verification.Status != verification || res.Eligibility.Status != elig {
		t.Fatalf("result seq %d reader %q verification %v eligibility %s", res.Seq, readerName,
			res.Read.Verification, res.Eligibility.Status)
	}
	c, found, err := r.db.Checkin(res.Seq)
	if err != nil || !found {
		t.Fatalf("check-in %d not stored: %v", res.Seq, err)
	}
	if c.Reader != readerName || c.SoCCCD != id || c.Verification != verification ||
		c.Eligibility.Status != string(elig) || c.Facility != agentFacility || c.Confirmed {
		t.Fatalf("check-in %d: reader %q verification %s eligibility %s facility %s confirmed %v",
			res.Seq, c.Reader, c.Verification, c.Eligibility.Status, c.Facility, c.Confirmed)
	}
	return res
}

func equalSeq(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

func TestAgentReadSequences(t *testing.T) {
	trust := demoTrust(t)
	tests := []struct {
		name     string
		keyFirst bool
		want     []string
	}{
		{"key before tap", true, []string{"card-present", "progress", "result"}},
		{"tap then key", false, []string{"card-present", "key-needed", "progress", "result"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			slot := sim.NewSlot("desk", newChip(t, false), 0)
			r := startRig(t, AgentConfig{Read: ReadOptions{Trust: trust}}, slot)
			name := slot.Name()
			var seen []string
			if tc.keyFirst {
				submit(t, r, name, sim.DemoCAN)
				slot.Insert()
			} else {
				slot.Insert()
				seen, _ = r.until(t, name, "key-needed")
				submit(t, r, name, sim.DemoCAN)
			}
			more, ev := r.until(t, name, "result", "error")
			seen = append(seen, more...)
			if !equalSeq(seen, tc.want) {
				t.Fatalf("events %v, want %v", seen, tc.want)
			}
			res := checkResult(t, r, ev, name, sim.DemoID, verify.StatusVerified, Eligible)
			if res.Read.Access != "PACE-CAN" || !res.Eligibility.RegisteredHere || res.Read.Timing.APDUs == 0 {
				t.Fatalf("access %s registered_here %v apdus %d", res.Read.Access, res.Eligibility.RegisteredHere, res.Read.Timing.APDUs)
			}
			if _, ev := r.until(t, name, "checkin"); ev.Data.(CheckinEvent).Seq != res.Seq {
				t.Fatalf("checkin event %v, want seq %d", ev.Data, res.Seq)
			}
			slot.Remove()
			r.until(t, name, "card-removed")
			if got := r.counter(t, "cccd_reads_total", verify.StatusVerified); got != 1 {
				t.Fatalf("cccd_reads_total{verified} = %v", got)
			}
			if got := r.counter(t, "cccd_checkins_total", string(Eligible)); got != 1 {
				t.Fatalf("cccd_checkins_total{eligible} = %v", got)
			}
		})
	}
}

func TestAgentWrongKeyThenRight(t *testing.T) {
	slot := sim.NewSlot("desk", newChip(t, false), 0)
	r := startRig(t, AgentConfig{}, slot)
	name := slot.Name()
	submit(t, r, name, "999999")
	slot.Insert()
	seen, ev := r.until(t, name, "result", "error")
	if ev.Type != "error" || errorCode(t, ev) != "wrong-key" {
		t.Fatalf("events %v, last %+v: want error wrong-key", seen, ev)
	}
	if got := r.counter(t, "cccd_reads_total", "access-denied"); got != 1 {
		t.Fatalf("cccd_reads_total{access-denied} = %v", got)
	}
	// The card stays on the reader: the right CAN reads it without a re-tap.
	submit(t, r, name, sim.DemoCAN)
	seen, ev = r.until(t, name, "result", "error")
	if ev.Type != "result" {
		t.Fatalf("after the right CAN: events %v, last %+v", seen, ev.Data)
	}
	checkResult(t, r, ev, name, sim.DemoID, verify.StatusIntactUntrusted, Eligible)
	list, err := r.db.ListCheckins(0, 10)
	if err != nil || len(list) != 1 {
		t.Fatalf("check-ins %d (%v), want 1", len(list), err)
	}
}

func TestAgentCardRemovedMidRead(t *testing.T) {
	// 15 APDUs is past PACE, inside the file reads.
	slot := sim.NewSlot("desk", newChip(t, false), 0, sim.WithRemoveAfter(15))
	r := startRig(t, AgentConfig{}, slot)
	name := slot.Name()
	submit(t, r, name, sim.DemoCAN)
	slot.Insert()
	seen, ev := r.until(t, name, "result", "error")
	if ev.Type != "error" || errorCode(t, ev) != "card-removed" {
		t.Fatalf("events %v, last %+v: want error card-removed", seen, ev)
	}
	if list, err := r.db.ListCheckins(0, 10); err != nil || len(list) != 0 {
		t.Fatalf("a failed read stored %d check-ins (%v)", len(list), err)
	}
	if got := r.counter(t, "cccd_reads_total", "card-removed"); got != 1 {
		t.Fatalf("cccd_reads_total{card-removed} = %v", got)
	}
	// The next tap starts a fresh session.
	slot.Remove()
	r.until(t, name, "card-removed")
	slot.Insert()
	seen, _ = r.until(t, name, "key-needed")
	if !equalSeq(seen, []string{"card-present", "key-needed"}) {
		t.Fatalf("re-tap events %v: the used key must not be reused", seen)
	}
	submit(t, r, name, sim.DemoCAN)
	seen, ev = r.until(t, name, "result", "error")
	if ev.Type != "result" {
		t.Fatalf("re-tap events %v, last %+v", seen, ev.Data)
	}
	checkResult(t, r, ev, name, sim.DemoID, verify.StatusIntactUntrusted, Eligible)
}

func TestAgentKeyTimeout(t *testing.T) {
	slot := sim.NewSlot("desk", newChip(t, false), 0)
	r := startRig(t, AgentConfig{KeyTimeout: 100 * time.Millisecond}, slot)
	name := slot.Name()
	slot.Insert()
	seen, ev := r.until(t, name, "error", "result")
	if !equalSeq(seen, []string{"card-present", "key-needed", "error"}) || errorCode(t, ev) != "key-timeout" {
		t.Fatalf("events %v, last %+v: want a key-timeout error", seen, ev.Data)
	}
	readers := r.agent.Readers(context.Background())
	if len(readers) != 1 || readers[0].State != "error" || readers[0].LastErr != "key-timeout" {
		t.Fatalf("readers %+v", readers)
	}
	// The card is still on the reader: a key typed late reads it.
	submit(t, r, name, sim.DemoCAN)
	if seen, ev := r.until(t, name, "result", "error"); ev.Type != "result" {
		t.Fatalf("late key: events %v, last %+v", seen, ev.Data)
	}
	r.until(t, name, "checkin")
	slot.Remove()
	r.until(t, name, "card-removed")
	// A key typed with no card expires after KeyTimeout: the next card asks again.
	submit(t, r, name, sim.DemoCAN)
	time.Sleep(150 * time.Millisecond)
	slot.Insert()
	if seen, _ := r.until(t, name, "key-needed", "progress"); !equalSeq(seen, []string{"card-present", "key-needed"}) {
		t.Fatalf("a stale key was used: events %v", seen)
	}
}

func TestAgentTwoReadersConcurrently(t *testing.T) {
	a := sim.NewSlot("left", newChip(t, false), time.Millisecond)
	b := sim.NewSlot("right", newChip(t, true), time.Millisecond)
	r := startRig(t, AgentConfig{}, a, b)
	submit(t, r, a.Name(), sim.DemoCAN)
	submit(t, r, b.Name(), otherID) // the ID number gives the CAN: its last 6 digits
	a.Insert()
	b.Insert()
	results := map[string]ResultEvent{}
	progressBoth := false
	reading := map[string]bool{}
	for len(results) < 2 {
		ev := r.next(t)
		switch ev.Type {
		case "progress":
			if _, done := results[ev.Reader]; !done {
				reading[ev.Reader] = true
			}
			progressBoth = progressBoth || len(reading) == 2
		case "result":
			results[ev.Reader] = ev.Data.(ResultEvent)
			delete(reading, ev.Reader)
		case "error":
			t.Fatalf("%s: error %+v", ev.Reader, ev.Data)
		}
	}
	if !progressBoth {
		t.Fatal("the two reads never overlapped: one reader's read waited for the other's")
	}
	want := map[string]struct {
		id   string
		elig EligibilityStatus
	}{a.Name(): {sim.DemoID, Eligible}, b.Name(): {otherID, NotEligible}}
	for name, w := range want {
		res := results[name]
		c, found, err := r.db.Checkin(res.Seq)
		if err != nil || !found {
			t.Fatalf("%s: check-in %d not stored (%v)", name, res.Seq, err)
		}
		if res.Read.Reader != name || res.Read.Document.IDNumber != w.id || c.Reader != name || c.SoCCCD != w.id ||
			c.Eligibility.Status != string(w.elig) {
			t.Fatalf("%s: read reader %s id-match %v, check-in reader %s id-match %v eligibility %s",
				name, res.Read.Reader, res.Read.Document.IDNumber == w.id, c.Reader, c.SoCCCD == w.id, c.Eligibility.Status)
		}
	}
	if results[a.Name()].Seq == results[b.Name()].Seq {
		t.Fatal("two reads got one sequence number")
	}
}

func TestAgentSubmitKeyWhileReading(t *testing.T) {
	// 20 ms per APDU keeps the read going long enough to be interrupted.
	slot := sim.NewSlot("desk", newChip(t, false), 20*time.Millisecond)
	r := startRig(t, AgentConfig{}, slot)
	name := slot.Name()
	submit(t, r, name, sim.DemoCAN)
	slot.Insert()
	r.until(t, name, "progress")
	err := r.agent.SubmitKey(context.Background(), name, sim.DemoCAN)
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("SubmitKey during a read: %v, want ErrConflict", err)
	}
	readers := r.agent.Readers(context.Background())
	if len(readers) != 1 || readers[0].State != "reading" {
		t.Fatalf("readers during the read: %+v", readers)
	}
	if _, ev := r.until(t, name, "result", "error"); ev.Type != "result" {
		t.Fatalf("the read was disturbed by the refused key: %+v", ev.Data)
	}
	// Wrong input is refused before the reader is looked at.
	for _, tc := range []struct {
		reader, key string
		want        error
	}{
		{name, "12345", ErrBadInput},
		{"sim:nowhere", sim.DemoCAN, ErrNotFound},
	} {
		if err := r.agent.SubmitKey(context.Background(), tc.reader, tc.key); !errors.Is(err, tc.want) {
			t.Errorf("SubmitKey(%q, %q) = %v, want %v", tc.reader, tc.key, err, tc.want)
		}
	}
}

// confirmRig starts an agent that counts its deliverer kicks and records
// one check-in of the demo card; it returns the check-in's seq.
func confirmRig(t *testing.T) (r *rig, name string, seq uint64, kicks *atomic.Int32) {
	t.Helper()
	slot := sim.NewSlot("desk", newChip(t, false), 0)
	kicks = new(atomic.Int32)
	r = startRig(t, AgentConfig{AfterCheckin: func() { kicks.Add(1) }}, slot)
	name = slot.Name()
	submit(t, r, name, sim.DemoCAN)
	slot.Insert()
	_, ev := r.until(t, name, "result", "error")
	res := checkResult(t, r, ev, name, sim.DemoID, verify.StatusIntactUntrusted, Eligible)
	r.until(t, name, "checkin")
	return r, name, res.Seq, kicks
}

func TestAgentConfirmCheckin(t *testing.T) {
	r, name, seq, kicks := confirmRig(t)

	got, err := r.agent.ConfirmCheckin(context.Background(), seq)
	if err != nil {
		t.Fatal(err)
	}
	if c := got; !c.Confirmed || c.Seq != seq {
		t.Fatalf("ConfirmCheckin returned seq %d confirmed %v", c.Seq, c.Confirmed)
	}
	if _, ev := r.until(t, name, "checkin"); ev.Data.(CheckinEvent).Seq != seq {
		t.Fatalf("confirm event %v", ev.Data)
	}
	stored, _, err := r.db.Checkin(seq)
	if err != nil || !stored.Confirmed {
		t.Fatalf("stored check-in confirmed %v (%v)", stored.Confirmed, err)
	}
	if stored.Revision != 0 || kicks.Load() != 1 {
		t.Fatalf("confirming an unsent check-in made revision %d and %d kicks, want 0 and 1", stored.Revision, kicks.Load())
	}
	if _, err := r.agent.ConfirmCheckin(context.Background(), seq+100); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ConfirmCheckin of an unknown seq: %v, want ErrNotFound", err)
	}
}

// TestAgentSetEpisode: the HIS's episode fields are stored on the check-in
// (the chip's address marked as such), bad ones are ErrBadInput, and setting
// them does not send the check-in again.
func TestAgentSetEpisode(t *testing.T) {
	r, _, seq, kicks := confirmRig(t)
	ep := cache.Episode{MaLK: "79011_2026_11_BN9_KB1", MaBN: "BN9", MaLoaiKCB: "01", MaDoiTuongKCB: "1.1"}
	kicksBefore := kicks.Load()
	got, err := r.agent.SetEpisode(context.Background(), seq, ep)
	if err != nil || got.Episode == nil || *got.Episode != ep {
		t.Fatalf("SetEpisode = %+v, %v", got.Episode, err)
	}
	stored, _, err := r.db.Checkin(seq)
	if err != nil || stored.Episode == nil || stored.Episode.MaLK != ep.MaLK || stored.Revision != 0 || kicks.Load() != kicksBefore {
		t.Fatalf("stored %+v rev %d kicks %d (%v)", stored.Episode, stored.Revision, kicks.Load(), err)
	}
	if stored.DiaChi != "" && stored.DiaChiSource != cache.DiaChiFromChip {
		t.Errorf("address source %q, want %q", stored.DiaChiSource, cache.DiaChiFromChip)
	}
	if _, err := r.agent.SetEpisode(context.Background(), seq, cache.Episode{MaBN: "x"}); !errors.Is(err, ErrBadInput) {
		t.Errorf("episode without maLK: %v, want ErrBadInput", err)
	}
	if _, err := r.agent.SetEpisode(context.Background(), seq+100, ep); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown seq: %v, want ErrNotFound", err)
	}
}

// TestAgentConfirmAfterDelivery: the HIS holds the unconfirmed check-in, so
// the confirmation goes out as its next revision, at once.
func TestAgentConfirmAfterDelivery(t *testing.T) {
	r, _, seq, kicks := confirmRig(t)
	sent, _, err := r.db.Checkin(seq)
	if err != nil || sent.Confirmed {
		t.Fatalf("new check-in: confirmed %v (%v)", sent.Confirmed, err)
	}
	if err := r.db.MarkDelivered(&sent, clock.Now()); err != nil {
		t.Fatal(err)
	}

	for range 2 { // the second confirmation changes nothing
		if _, err := r.agent.ConfirmCheckin(context.Background(), seq); err != nil {
			t.Fatal(err)
		}
	}
	c, _, _ := r.db.Checkin(seq)
	if !c.Confirmed || c.Revision != 1 || !c.DeliveredAt.IsZero() || c.PreviousEligibility == nil ||
		c.PreviousEligibility.Status != sent.Eligibility.Status {
		t.Fatalf("after confirming a delivered check-in: %+v", c)
	}
	if pending, _ := r.db.PendingDeliveries(0); len(pending) != 1 || pending[0].Seq != seq {
		t.Fatalf("outbox holds %d records, want the revision", len(pending))
	}
	if kicks.Load() != 2 {
		t.Errorf("deliverer kicked %d times, want 2 (the check-in, the revision)", kicks.Load())
	}
}

func TestAgentShutdownDuringRead(t *testing.T) {
	before := runtime.NumGoroutine()
	slot := sim.NewSlot("desk", newChip(t, false), 20*time.Millisecond)
	r := startRig(t, AgentConfig{}, slot)
	name := slot.Name()
	submit(t, r, name, sim.DemoCAN)
	slot.Insert()
	r.until(t, name, "progress")
	r.stop(t)
	if list, err := r.db.ListCheckins(0, 10); err != nil || len(list) != 0 {
		t.Fatalf("a cancelled read stored %d check-ins (%v)", len(list), err)
	}
	if got := r.counter(t, "cccd_reads_total", "card-removed"); got != 1 {
		t.Fatalf("cccd_reads_total{card-removed} = %v, want the cancelled read counted once", got)
	}
	// Goroutines end asynchronously after Run returns (timers, the watcher's
	// forwarders): give them a moment, without a fixed sleep.
	var now int
	for i := 0; i < 200; i++ {
		if now = runtime.NumGoroutine(); now <= before {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if now > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before the agent, %d after it stopped:\n%s", before, now, buf[:runtime.Stack(buf, true)])
	}
}

// TestAgentLogsNoPersonalData reads both cards, fails one read, and checks
// the agent's log for the names, full ID numbers and dates of birth.
func TestAgentLogsNoPersonalData(t *testing.T) {
	a := sim.NewSlot("left", newChip(t, false), 0)
	b := sim.NewSlot("right", newChip(t, true), 0)
	r := startRig(t, AgentConfig{}, a, b)
	submit(t, r, a.Name(), sim.DemoCAN)
	a.Insert()
	r.until(t, a.Name(), "result", "error")
	submit(t, r, b.Name(), "111111")
	b.Insert()
	r.until(t, b.Name(), "result", "error")
	submit(t, r, b.Name(), otherID)
	r.until(t, b.Name(), "result", "error")
	log := r.logText()
	if !strings.Contains(log, "card read") || !strings.Contains(log, "read failed") {
		t.Fatalf("the log lacks the read lines:\n%s", log)
	}
	for _, secret := range []string{sim.DemoID, sim.DemoName, "1990-05-17", "NGUYEN", otherID, otherName, "1985-11-03", sim.DemoCAN} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds personal data %q", secret)
		}
	}
}

// TestAgentUseScans: a QR scan paired with the desk's reader opens the card
// laid there; a scan for a reader that is not connected is logged without
// the card's numbers and changes nothing.
func TestAgentUseScans(t *testing.T) {
	slot := sim.NewSlot("desk", newChip(t, false), 0)
	r := startRig(t, AgentConfig{}, slot)
	name := slot.Name()
	scans := make(chan qr.Scan)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.agent.UseScans(ctx, scans); close(done) }()
	defer func() {
		cancel()
		<-done
	}()
	scans <- qr.Scan{Reader: "elsewhere", IDNumber: sim.DemoID, CAN: sim.DemoCAN}
	slot.Insert()
	r.until(t, name, "key-needed")
	scans <- qr.Scan{Reader: name, IDNumber: sim.DemoID, CAN: sim.DemoCAN}
	seen, ev := r.until(t, name, "result", "error")
	if ev.Type != "result" {
		t.Fatalf("after the scan: events %v, last %+v", seen, ev.Data)
	}
	checkResult(t, r, ev, name, sim.DemoID, verify.StatusIntactUntrusted, Eligible)
	log := r.logText()
	if !strings.Contains(log, "QR scan not used") || strings.Contains(log, sim.DemoID) || strings.Contains(log, sim.DemoCAN) {
		t.Errorf("log after a scan for an unknown reader: %s", log)
	}
	close(scans)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("UseScans did not return when the scans ended")
	}
}

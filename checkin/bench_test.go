package checkin

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/reader"
	"github.com/cccd-agent/cccd/reader/sim"
	"github.com/cccd-agent/cccd/verify"
)

// benchRosterSize is the roster the benchmark's eligibility lookups search:
// a large clinic's list, so the bbolt lookup walks a realistic tree.
const benchRosterSize = 100_000

// syntheticRoster yields n made-up insured persons whose ID numbers
// (079000000000 + i·999983 mod n) never collide with the test persons'.
func syntheticRoster(n int) func(yield func(cache.RosterRecord) error) error {
	return func(yield func(cache.RosterRecord) error) error {
		for i := 0; i < n; i++ {
			x := uint64(i) * 999983 % uint64(n)
			err := yield(cache.RosterRecord{
				SoCCCD: fmt.Sprintf("079%09d", 500_000_000+x), MaThe: fmt.Sprintf("GD479%010d", x),
				MaSoBHXH: fmt.Sprintf("79%08d", x), HoTen: "Nguyễn Văn Thử Nghiệm", NgaySinh: "15/02/1990",
				GioiTinh: "Nam", MaDKBD: "79011", TenDKBD: "Bệnh viện Thử nghiệm", GtTheTu: "01/01/2026",
				GtTheDen: "31/12/2027", MucHuong: "80", TrangThai: "000", CapNhat: "20/11/2026",
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
}

// demoTrustTB is demoTrust for benchmarks: a store with the demo card's CSCA.
func demoTrustTB(tb testing.TB) *verify.TrustStore {
	tb.Helper()
	pki, err := sim.DemoPKI()
	if err != nil {
		tb.Fatal(err)
	}
	items, err := verify.DecodeTrustFile(pki.CSCACert)
	if err != nil {
		tb.Fatal(err)
	}
	store := verify.NewTrustStore()
	if err := store.AddItems(items, "demo"); err != nil {
		tb.Fatal(err)
	}
	return store
}

// modelledSlot opens the slot's sessions and keeps the link time the link
// model charged for the last one.
type modelledSlot struct {
	*sim.Slot
	mu   sync.Mutex
	last time.Duration
}

func (m *modelledSlot) Connect(ctx context.Context) (reader.Card, error) {
	c, err := m.Slot.Connect(ctx)
	if err != nil {
		return nil, err
	}
	rc, ok := c.(*sim.ReaderCard)
	if !ok {
		return nil, fmt.Errorf("slot card is %T, not *sim.ReaderCard: build the slot without pacing", c)
	}
	return &modelledCard{ReaderCard: rc, slot: m}, nil
}

func (m *modelledSlot) lastModelled() time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last
}

// modelledCard reports its session's modelled link time when closed.
type modelledCard struct {
	*sim.ReaderCard
	slot *modelledSlot
}

func (c *modelledCard) Close() error {
	c.slot.mu.Lock()
	c.slot.last = c.ModelledTime()
	c.slot.mu.Unlock()
	return c.ReaderCard.Close()
}

// BenchmarkTapToResult measures one reception tap of the demo card through
// the whole agent — watcher event, PACE-CAN, file reads, chip
// authentication, passive authentication against the demo CSCA, eligibility
// in a bbolt roster of 100,000 records, the check-in appended (fsync'd, on
// disk), the result event published and JSON-encoded as a console client
// would — behind a modelled contactless link (sim.DefaultLinkModel: 424
// kbit/s and 5 ms per APDU; modelled, not slept).
//
// Tap-to-result = modelled link time + measured time of everything else.
// The baseline, measured in the same run and interleaved with it, is the
// pure read: the same link model plus the measured time of CaptureCard
// alone. CaptureCard rather than icao.ReadDocument because access (PACE) and
// chip authentication are exchanges with the card that any read needs;
// what the baseline leaves out is exactly the flow around the read.
//
// Metrics: ns/op and allocs/op are the agent's path without the link (they
// include the simulated chip's own work, as the baseline does); tap-ms and
// read-ms are the two totals; flow-ms is their difference; ratio is
// tap-ms/read-ms (target < 1.10); apdus is per tap; link-ms is the modelled
// link time of a tap and read-cpu-ms the measured part of the baseline.
//
// Two chips: the demo card (short APDUs only) and the same card announcing
// extended length in its ATR, behind a reader that does not know extended
// length itself (as vpcd): the ATR decides.
func BenchmarkTapToResult(b *testing.B) {
	b.Run("short", func(b *testing.B) { benchTap(b, func(tb testing.TB) *sim.Card { return newChip(tb, false) }) })
	b.Run("extended-atr", func(b *testing.B) { benchTap(b, newExtendedChip) })
}

// newExtendedChip is the demo card taking extended-length APDUs and saying
// so in its ATR.
func newExtendedChip(tb testing.TB) *sim.Card {
	tb.Helper()
	p, err := sim.DemoProfile()
	if err != nil {
		tb.Fatal(err)
	}
	q := *p
	q.ExtendedLength, q.ExtendedLengthIn = true, sim.AnnounceATR
	c, err := sim.NewCard(&q)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func benchTap(b *testing.B, chip func(testing.TB) *sim.Card) {
	trust := demoTrustTB(b)
	opts := ReadOptions{Trust: trust}
	slot := &modelledSlot{Slot: sim.NewSlot("bench", chip(b), 0, sim.WithLinkModel(sim.DefaultLinkModel))}
	readers := reader.NewRouter()
	readers.Add(slot)
	r := startRigWith(b, AgentConfig{Read: opts}, readers, syntheticRoster(benchRosterSize), slot.Slot)
	base := sim.NewReader("sim:baseline", chip(b), sim.WithLinkModel(sim.DefaultLinkModel))
	canKey, err := ParseKey(sim.DemoCAN)
	if err != nil {
		b.Fatal(err)
	}
	name := slot.Name()
	ctx := context.Background()

	var tapTotal, readTotal, tapLink, readCPU time.Duration
	apdus := 0
	b.ReportAllocs()
	b.ResetTimer()
	b.StopTimer()
	for i := 0; i < b.N; i++ {
		// The baseline read of this iteration.
		card, err := base.Connect(ctx)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := CaptureCard(ctx, card, canKey, opts); err != nil {
			b.Fatal(err)
		}
		cpu := time.Since(start)
		readCPU += cpu
		readTotal += cpu + card.(*sim.ReaderCard).ModelledTime()
		card.Close()

		// The tap: the key is typed first, then the card laid on the reader.
		submit(b, r, name, sim.DemoCAN)
		b.StartTimer()
		start = time.Now()
		slot.Insert()
		_, ev := r.until(b, name, "result", "error")
		if ev.Type != "result" {
			b.Fatalf("tap %d: %+v", i, ev.Data)
		}
		if _, err := json.Marshal(ev); err != nil {
			b.Fatal(err)
		}
		measured := time.Since(start)
		b.StopTimer()
		res := ev.Data.(ResultEvent)
		if res.Read.Verification.Status != "verified" || res.Eligibility.Status != Eligible {
			b.Fatalf("tap %d: verification %s eligibility %s", i, res.Read.Verification.Status, res.Eligibility.Status)
		}
		r.until(b, name, "checkin")
		slot.Remove()
		r.until(b, name, "card-removed")
		tapTotal += measured + slot.lastModelled()
		tapLink += slot.lastModelled()
		apdus += res.Read.Timing.APDUs
	}
	n := float64(b.N)
	tapMS := float64(tapTotal.Microseconds()) / 1000 / n
	readMS := float64(readTotal.Microseconds()) / 1000 / n
	b.ReportMetric(tapMS, "tap-ms/op")
	b.ReportMetric(readMS, "read-ms/op")
	b.ReportMetric(tapMS-readMS, "flow-ms/op")
	b.ReportMetric(float64(tapLink.Microseconds())/1000/n, "link-ms/op")
	b.ReportMetric(float64(readCPU.Microseconds())/1000/n, "read-cpu-ms/op")
	b.ReportMetric(tapMS/readMS, "ratio")
	b.ReportMetric(float64(apdus)/n, "apdus/op")
}

// BenchmarkFlowSteps times the steps the agent adds after the card is read,
// one at a time, on the capture of one demo read: where flow-ms goes.
func BenchmarkFlowSteps(b *testing.B) {
	trust := demoTrustTB(b)
	opts := ReadOptions{Trust: trust}
	rd := sim.NewReader("sim:steps", newChip(b, false))
	canKey, _ := ParseKey(sim.DemoCAN)
	card, err := rd.Connect(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	capture, err := CaptureCard(context.Background(), card, canKey, opts)
	card.Close()
	if err != nil {
		b.Fatal(err)
	}
	r := startRigWith(b, AgentConfig{}, nil, syntheticRoster(benchRosterSize))
	res := Assemble(capture, rd.Name(), opts)
	elig := r.agent.lookup.Eligibility(context.Background(), personOf(res), clock.Now())
	hub := NewHub()
	sub, unsub := hub.Subscribe()
	defer unsub()
	go func() {
		for range sub { // a console that keeps up
		}
	}()
	steps := []struct {
		name string
		fn   func() error
	}{
		{"assemble-and-verify", func() error { Assemble(capture, rd.Name(), opts); return nil }},
		{"eligibility", func() error { r.agent.lookup.Eligibility(context.Background(), personOf(res), clock.Now()); return nil }},
		{"append-checkin-fsync", func() error {
			_, err := r.db.AppendCheckin(newCheckinRecord(res, elig, rd.Name(), agentFacility, clock.Now()))
			return err
		}},
		{"publish", func() error {
			hub.Publish(Event{Type: "result", Data: ResultEvent{Read: res, Eligibility: elig}})
			return nil
		}},
		{"result-json", func() error { _, err := json.Marshal(ResultEvent{Read: res, Eligibility: elig}); return err }},
	}
	for _, st := range steps {
		b.Run(st.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := st.fn(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

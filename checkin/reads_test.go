package checkin

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/reader/sim"
)

// TestResultEventIsTrimmed: the "result" event every subscriber sees holds
// no MRZ, no photo bytes and none of DG13's private fields; the read it
// names can be pulled with the photo and the QĐ 4750 fields (still never
// religion, marks, parents or spouse) until ReadTTL has passed.
func TestResultEventIsTrimmed(t *testing.T) {
	var (
		mu  sync.Mutex
		now = clock.Now()
	)
	cfg := AgentConfig{ReadTTL: 3 * time.Minute, Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }}
	slot := sim.NewSlot("desk", newChip(t, false), 0)
	r := startRig(t, cfg, slot)
	submit(t, r, slot.Name(), sim.DemoCAN)
	slot.Insert()
	_, ev := r.until(t, slot.Name(), "result", "error")
	res := checkResult(t, r, ev, slot.Name(), sim.DemoID, "intact-untrusted", Eligible)

	shown := res.Read
	if shown.Document.MRZ != "" || shown.Photo == nil || shown.Photo.Data != nil || shown.Photo.Bytes == 0 {
		t.Fatalf("event: MRZ %q, photo %+v", shown.Document.MRZ, shown.Photo)
	}
	p := shown.Personal
	if p == nil || p.FullName == "" || p.IDNumber != sim.DemoID || p.DateOfBirth == "" {
		t.Fatalf("event lacks what the console shows: %+v", p)
	}
	if p.Religion+p.IdentifyingMarks+p.FatherName+p.MotherName+p.SpouseName+p.OldIDNumber+p.Ethnicity+p.PlaceOfResidence != "" {
		t.Fatalf("event carries private DG13 fields: %+v", p)
	}

	pulled, err := r.agent.Read(context.Background(), res.ReadID)
	if err != nil {
		t.Fatal(err)
	}
	q := pulled.Personal
	if pulled.Photo == nil || len(pulled.Photo.Data) != pulled.Photo.Bytes || q == nil || q.Ethnicity == "" || q.PlaceOfResidence == "" {
		t.Fatalf("pulled read lacks the photo or the QĐ 4750 fields: photo %v, personal %+v", pulled.Photo != nil, q)
	}
	if q.Religion+q.IdentifyingMarks+q.FatherName+q.MotherName+q.SpouseName != "" || pulled.Document.MRZ != "" {
		t.Fatalf("pulled read carries religion, marks, parents, spouse or the MRZ")
	}

	mu.Lock()
	now = now.Add(3 * time.Minute)
	mu.Unlock()
	if _, err := r.agent.Read(context.Background(), res.ReadID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("read after its TTL: %v, want ErrNotFound", err)
	}
}

// TestRecentReadsBounded: however short the taps, at most maxRecentReads
// reads (and their photos) are held; the oldest go first.
func TestRecentReadsBounded(t *testing.T) {
	now := time.Unix(0, 0)
	rr := newRecentReads(time.Hour)
	var ids []string
	for i := range maxRecentReads + 5 {
		ids = append(ids, rr.put(&ReadResult{Reader: "r", Timing: Timing{APDUs: i}}, now))
	}
	if len(rr.byID) != maxRecentReads || len(rr.order) != maxRecentReads {
		t.Fatalf("holds %d reads (%d in order)", len(rr.byID), len(rr.order))
	}
	if _, ok := rr.get(ids[4], now); ok {
		t.Error("the fifth-oldest read is still held")
	}
	if got, ok := rr.get(ids[len(ids)-1], now); !ok || got.Timing.APDUs != maxRecentReads+4 {
		t.Error("the newest read is gone")
	}
	if _, ok := rr.get(ids[len(ids)-1], now.Add(time.Hour)); ok || len(rr.order) != 0 {
		t.Error("reads outlive their TTL")
	}
}

package checkin

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"

	"github.com/cccd-agent/cccd/cache"
)

func TestLookupStatus(t *testing.T) {
	db, err := cache.Open(filepath.Join(t.TempDir(), "cccd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l := &Lookup{DB: db, Config: EligibilityConfig{Freshness: time.Hour}}
	now := clock.Now()
	if st := l.Status("v1", now); st.Version != "v1" || st.Roster.AgeSeconds != 0 || st.Roster.Stale || st.OutboxDepth != 0 {
		t.Fatalf("empty agent: %+v", st)
	}
	seedRoster(t, db, now, nil)
	meta, err := db.RosterMeta()
	if err != nil {
		t.Fatal(err)
	}
	age := meta.AsOf()
	if age.IsZero() {
		t.Fatalf("the seeded roster has no date: %+v", meta)
	}
	if st := l.Status("v1", age.Add(2*time.Hour)); !st.Roster.Stale || st.Roster.AgeSeconds != 7200 || st.Roster.Records != meta.Records {
		t.Fatalf("two hours after a roster of freshness 1h: %+v", st.Roster)
	}
	if st := l.Status("v1", age.Add(time.Minute)); st.Roster.Stale {
		t.Fatalf("a minute-old roster is stale: %+v", st.Roster)
	}
}

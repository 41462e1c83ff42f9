package cache

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func sampleCheckin(i int) Checkin {
	r := synthRecord(i)
	return Checkin{
		Reader: "ACS ACR1252 0", Facility: "79011",
		SoCCCD: r.SoCCCD, HoTen: r.HoTen, NgaySinh: "1990-02-15", GioiTinh: "Nam", DiaChi: r.DiaChi,
		MaThe: r.MaThe, MaDKBD: r.MaDKBD, GtTheTu: r.GtTheTu, GtTheDen: r.GtTheDen, NgayDu5Nam: r.NgayDu5Nam,
		Eligibility:  CheckinEligibility{Status: "eligible", Code: "000", Source: "roster", AsOf: testTime},
		Verification: "intact-untrusted", Confirmed: true,
	}
}

func TestCheckinOutbox(t *testing.T) {
	db := openTemp(t)
	keyRE := regexp.MustCompile(`^[0-9a-f]{32}$`)
	keys := map[string]bool{}
	for i := 1; i <= 5; i++ {
		c := sampleCheckin(i)
		if i == 5 {
			c.Key, c.Time = "caller-key", testTime
		}
		seq, err := db.AppendCheckin(&c)
		if err != nil {
			t.Fatal(err)
		}
		if seq != uint64(i) || c.Seq != seq {
			t.Errorf("append %d: seq %d, c.Seq %d", i, seq, c.Seq)
		}
		if i < 5 && (!keyRE.MatchString(c.Key) || keys[c.Key] || c.Time.IsZero()) {
			t.Errorf("append %d: key %q time %v", i, c.Key, c.Time)
		}
		keys[c.Key] = true
	}
	got, ok, err := db.Checkin(5)
	if err != nil || !ok || got.Key != "caller-key" || !got.Time.Equal(testTime) || got.HoTen != synthRecord(5).HoTen ||
		got.Eligibility.Source != "roster" || !got.Eligibility.AsOf.Equal(testTime) {
		t.Errorf("read back: %+v %v %v", got, ok, err)
	}
	if _, ok, err := db.Checkin(99); ok || err != nil {
		t.Errorf("missing: %v %v", ok, err)
	}

	listTests := []struct {
		after uint64
		limit int
		want  []uint64
	}{
		{0, 0, []uint64{1, 2, 3, 4, 5}},
		{0, 2, []uint64{1, 2}},
		{2, 2, []uint64{3, 4}},
		{4, 10, []uint64{5}},
		{5, 10, nil},
		{^uint64(0), 10, nil},
	}
	for _, tc := range listTests {
		list, err := db.ListCheckins(tc.after, tc.limit)
		if err != nil || !equalSeqs(list, tc.want) {
			t.Errorf("list(%d, %d) = %v %v, want %v", tc.after, tc.limit, seqs(list), err, tc.want)
		}
	}

	// sent is the copy of record seq a deliverer would POST.
	sent := func(seq uint64) *Checkin {
		c, ok, err := db.Checkin(seq)
		if !ok || err != nil {
			t.Fatalf("check-in %d: %v %v", seq, ok, err)
		}
		return &c
	}
	at := testTime.Add(time.Minute)
	if err := db.MarkAttempt(sent(2), at, errors.New("HIS answered 503")); err != nil {
		t.Fatal(err)
	}
	db.MarkAttempt(sent(2), at.Add(time.Minute), errors.New("HIS answered 503"))
	if err := db.MarkDelivered(sent(1), at); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkDelivered(sent(3), at); err != nil {
		t.Fatal(err)
	}
	pending, err := db.PendingDeliveries(0)
	if err != nil || !equalSeqs(pending, []uint64{2, 4, 5}) {
		t.Errorf("pending %v %v", seqs(pending), err)
	}
	if p, _ := db.PendingDeliveries(1); !equalSeqs(p, []uint64{2}) {
		t.Errorf("pending limit 1: %v", seqs(p))
	}
	c2 := pending[0]
	if c2.Attempts != 2 || c2.LastError != "HIS answered 503" || !c2.LastAttempt.Equal(at.Add(time.Minute)) {
		t.Errorf("attempts not recorded: %+v", c2)
	}
	db.MarkAttempt(sent(2), at, nil)
	db.MarkDelivered(sent(2), at)
	if c, _, _ := db.Checkin(2); c.LastError != "" || c.Attempts != 3 || !c.DeliveredAt.Equal(at) {
		t.Errorf("after delivery: %+v", c)
	}

	// UpdateCheckin: fn's error aborts; Seq and Key are kept; clearing
	// DeliveredAt puts a record back in the outbox.
	boom := errors.New("boom")
	if err := db.UpdateCheckin(4, func(c *Checkin) error { c.Confirmed = false; return boom }); !errors.Is(err, boom) {
		t.Errorf("update error: %v", err)
	}
	if c, _, _ := db.Checkin(4); !c.Confirmed {
		t.Error("aborted update was stored")
	}
	err = db.UpdateCheckin(1, func(c *Checkin) error {
		c.Seq, c.Key = 77, "changed"
		c.RecheckChanged = true
		c.Eligibility.Status = "not-eligible"
		c.DeliveredAt = time.Time{}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c1, _, _ := db.Checkin(1)
	if c1.Seq != 1 || c1.Key == "changed" || !c1.RecheckChanged || c1.Eligibility.Status != "not-eligible" {
		t.Errorf("after update: %+v", c1)
	}
	if n, err := db.PendingCount(); n != 3 || err != nil {
		t.Errorf("PendingCount = %d, %v; want 3 (1, 4, 5)", n, err)
	}
	if p, _ := db.PendingDeliveries(0); !equalSeqs(p, []uint64{1, 4, 5}) {
		t.Errorf("pending after redelivery request: %v", seqs(p))
	}
	for _, fn := range []func() error{
		func() error { return db.MarkDelivered(&Checkin{Seq: 42}, at) },
		func() error { return db.MarkAttempt(&Checkin{Seq: 42}, at, nil) },
		func() error { return db.UpdateCheckin(42, func(*Checkin) error { return nil }) },
	} {
		if err := fn(); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing record: %v", err)
		}
	}
}

func TestCheckinSurvivesReopen(t *testing.T) {
	db := openTemp(t)
	c := sampleCheckin(1)
	seq, err := db.AppendCheckin(&c)
	if err != nil {
		t.Fatal(err)
	}
	path := db.Path()
	db.Close()
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, ok, err := db.Checkin(seq)
	if !ok || err != nil || got.Key != c.Key || got.SoCCCD != c.SoCCCD {
		t.Errorf("after reopen: %+v %v %v", got, ok, err)
	}
	c2 := sampleCheckin(2)
	if seq2, _ := db.AppendCheckin(&c2); seq2 != seq+1 {
		t.Errorf("sequence restarted: %d after %d", seq2, seq)
	}
}

func seqs(cs []Checkin) []uint64 {
	var out []uint64
	for _, c := range cs {
		out = append(out, c.Seq)
	}
	return out
}

func equalSeqs(cs []Checkin, want []uint64) bool {
	got := seqs(cs)
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// TestCheckinRevisionCompat: a record stored before revisions existed (no
// revision fields in its JSON) decodes as revision 0 and stays pending; a
// revision and its previous eligibility survive a reopen, and a record
// back at revision 0 is stored without the new fields, as before.
func TestCheckinRevisionCompat(t *testing.T) {
	db := openTemp(t)
	t.Cleanup(func() { db.Close() }) // the last one reopened below
	// Exactly what the outbox wrote before Revision was added.
	old := `{"seq":1,"key":"0123456789abcdef0123456789abcdef","time":"2026-11-28T08:30:00Z","reader":"sim",` +
		`"facility":"79011","soCCCD":"079090000001","hoTen":"Nguyễn Văn Thử","ngaySinh":"1990-02-15","gioiTinh":"Nam",` +
		`"diaChi":"","maThe":"GD4797900000001","maDKBD":"79011","gtTheTu":"01/01/2026","gtTheDen":"31/12/2026","maKV":"",` +
		`"ngayDu5Nam":"","eligibility":{"status":"eligible-provisional","code":"000","source":"roster"},` +
		`"verification":"intact-untrusted","confirmed":true,"attempts":2,"last_error":"HIS webhook unavailable: HTTP 503",` +
		`"recheck_changed":false}`
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCheckins)
		if _, err := b.NextSequence(); err != nil {
			return err
		}
		if err := b.Put(seqKey(1), []byte(old)); err != nil {
			return err
		}
		return tx.Bucket(bucketOutbox).Put(seqKey(1), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	pend, err := db.PendingDeliveries(0)
	if err != nil || len(pend) != 1 {
		t.Fatalf("pending: %v %v", seqs(pend), err)
	}
	if c := pend[0]; c.Revision != 0 || c.PreviousEligibility != nil || c.Attempts != 2 ||
		c.Eligibility.Status != "eligible-provisional" || c.Key != "0123456789abcdef0123456789abcdef" {
		t.Fatalf("old record decoded as %+v", c)
	}

	prev := CheckinEligibility{Status: "eligible-provisional", Code: "000", Source: "roster"}
	tests := []struct {
		name      string
		rev       int
		prev      *CheckinEligibility
		delivered bool
		wantJSON  []string // substrings of the stored JSON
		wantNot   []string
	}{
		{"revision 2 pending", 2, &prev, false,
			[]string{`"revision":2`, `"previous_eligibility":{"status":"eligible-provisional","code":"000","source":"roster"}`}, nil},
		{"revision 2 delivered", 2, &prev, true, []string{`"revision":2`}, nil},
		{"back at revision 0", 0, nil, true, nil, []string{`"revision"`, `"previous_eligibility"`}},
	}
	at := testTime.Add(time.Hour)
	for _, tc := range tests {
		err := db.UpdateCheckin(1, func(c *Checkin) error {
			c.Revision, c.PreviousEligibility = tc.rev, tc.prev
			c.Eligibility = CheckinEligibility{Status: "not-eligible", Code: "010", Source: "gateway", AsOf: at}
			c.DeliveredAt = time.Time{}
			if tc.delivered {
				c.DeliveredAt = at
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		path := db.Path()
		db.Close()
		if db, err = Open(path); err != nil {
			t.Fatal(err)
		}
		c, ok, err := db.Checkin(1)
		if err != nil || !ok || c.Revision != tc.rev || (c.PreviousEligibility == nil) != (tc.prev == nil) ||
			(tc.prev != nil && *c.PreviousEligibility != *tc.prev) || c.Eligibility.Code != "010" {
			t.Errorf("%s: after reopen %+v prev=%v %v %v", tc.name, c, c.PreviousEligibility, ok, err)
		}
		if p, _ := db.PendingDeliveries(0); len(p) == 1 == tc.delivered {
			t.Errorf("%s: pending %v", tc.name, seqs(p))
		}
		var raw string
		db.bolt.View(func(tx *bolt.Tx) error { raw = string(tx.Bucket(bucketCheckins).Get(seqKey(1))); return nil })
		for _, s := range tc.wantJSON {
			if !strings.Contains(raw, s) {
				t.Errorf("%s: stored JSON lacks %s: %s", tc.name, s, raw)
			}
		}
		for _, s := range tc.wantNot {
			if strings.Contains(raw, s) {
				t.Errorf("%s: stored JSON has %s: %s", tc.name, s, raw)
			}
		}
	}
}

// TestMarkDeliveredChangedInFlight: a record that changed while its POST
// was in flight is not marked delivered with content the HIS never got.
func TestMarkDeliveredChangedInFlight(t *testing.T) {
	db := openTemp(t)
	at := testTime.Add(time.Minute)
	load := func(seq uint64) Checkin {
		t.Helper()
		c, ok, err := db.Checkin(seq)
		if !ok || err != nil {
			t.Fatalf("check-in %d: %v %v", seq, ok, err)
		}
		return c
	}
	confirm := func(seq uint64) {
		t.Helper()
		if err := db.UpdateCheckin(seq, func(c *Checkin) error { c.Confirmed = true; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	appendUnconfirmed := func(i int) uint64 {
		t.Helper()
		c := sampleCheckin(i)
		c.Confirmed = false
		seq, err := db.AppendCheckin(&c)
		if err != nil {
			t.Fatal(err)
		}
		return seq
	}

	// Confirmed during a successful POST: the HIS holds the unconfirmed
	// version, so the confirmation goes out as revision 1.
	seq := appendUnconfirmed(1)
	sent := load(seq)
	confirm(seq)
	if err := db.MarkDelivered(&sent, at); err != nil {
		t.Fatal(err)
	}
	got := load(seq)
	if got.Revision != 1 || !got.DeliveredAt.IsZero() || !got.Confirmed || got.PreviousEligibility == nil ||
		got.PreviousEligibility.Status != sent.Eligibility.Status || got.Attempts != 0 {
		t.Errorf("confirmed in flight: %+v", got)
	}
	if p, _ := db.PendingDeliveries(0); !equalSeqs(p, []uint64{seq}) {
		t.Errorf("pending %v, want [%d]", seqs(p), seq)
	}

	// A late answer for revision 0 leaves revision 1 pending and uncounted.
	if err := db.MarkAttempt(&sent, at, errors.New("HIS answered 503")); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkDelivered(&sent, at); err != nil {
		t.Fatal(err)
	}
	if again := load(seq); again.Revision != 1 || !again.DeliveredAt.IsZero() || again.Attempts != 0 || again.LastError != "" {
		t.Errorf("stale revision changed the record: %+v", again)
	}

	// Revision 1 delivered as stored: out of the outbox.
	rev1 := load(seq)
	if err := db.MarkDelivered(&rev1, at); err != nil {
		t.Fatal(err)
	}
	if done := load(seq); !done.DeliveredAt.Equal(at) || done.Revision != 1 {
		t.Errorf("revision 1 delivered: %+v", done)
	}

	// Confirmed during a failed attempt: the HIS may still hold what was
	// sent (a timeout), so the confirmation is a new revision too.
	seq2 := appendUnconfirmed(2)
	sent2 := load(seq2)
	confirm(seq2)
	if err := db.MarkAttempt(&sent2, at, errors.New("HIS webhook: timeout")); err != nil {
		t.Fatal(err)
	}
	if got := load(seq2); got.Revision != 1 || !got.Confirmed || got.Attempts != 0 || !got.DeliveredAt.IsZero() {
		t.Errorf("confirmed during a failed attempt: %+v", got)
	}
}

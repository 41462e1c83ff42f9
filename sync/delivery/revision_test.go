package delivery

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/internal/testkit/fakegw"
	"github.com/cccd-agent/cccd/sync/gateway"
)

// Credentials of the fake gateway in these tests.
const (
	gwUser      = "01832_BV"
	gwPassword  = "password"
	gwStaffID   = "030181000001"
	gwStaffName = "Nguyễn Văn Cán"
)

// newFakeGW starts a fake BHXH gateway that knows this facility's account.
func newFakeGW(t testing.TB) *fakegw.Server {
	gw := fakegw.New()
	t.Cleanup(gw.Close)
	gw.Username, gw.PasswordMD5 = gwUser, "5f4dcc3b5aa765d61d8327deb882cf99" // md5("password")
	gw.Staff[gwStaffID] = gwStaffName
	return gw
}

// newGatewayClient returns a client of the fake gateway at baseURL.
func newGatewayClient(baseURL string) (*gateway.Client, error) {
	return gateway.New(gateway.Config{URL: baseURL, InsecureHTTP: true, Username: gwUser, Password: gwPassword,
		StaffName: gwStaffName, StaffID: gwStaffID, Logger: quiet()})
}

// patient is the fake gateway's row for c answering code.
func patient(c *cache.Checkin, code string) fakegw.Patient {
	return fakegw.Patient{Code: code, Card: gateway.Answer{MaThe: c.MaThe, HoTen: c.HoTen, NgaySinh: "05/03/1994",
		MaDKBD: "01832", GtTheTu: validFrom, GtTheDen: validTo}}
}

// TestRevisionReachesHIS: a check-in answered offline is re-checked once
// the gateway answers. If the HIS may hold the old answer (delivered, or an
// unconfirmed attempt), a changed status reaches it as revision 1 under a
// new Idempotency-Key with the previous eligibility; a never-sent check-in
// goes out once with the new answer (revision 0); an unchanged status sends
// nothing more. A second round of re-checks and passes sends nothing, and
// the log never names the person.
func TestRevisionReachesHIS(t *testing.T) {
	offline := cache.CheckinEligibility{Status: "eligible-provisional", Code: "000", Source: "roster"}
	unknown := cache.CheckinEligibility{Status: "unknown", Code: "", Source: "roster"}
	tests := []struct {
		name   string
		before cache.CheckinEligibility
		prior  string // "delivered", "attempted" (HIS answered 503) or "never"
		code   string // the gateway's answer; "" means the card is unknown to it
		// what the HIS receives once the gateway is back
		wantRevision int // -1: nothing
		wantStatus   string
	}{
		{"delivered, now expired", offline, "delivered", "010", 1, "not-eligible"},
		{"delivered, now revoked", offline, "delivered", "110", 1, "not-eligible"},
		{"delivered, not in the card base", offline, "delivered", "", 1, "not-found"},
		{"delivered unknown, now insured", unknown, "delivered", "000", 1, "eligible"},
		{"delivered, confirmed", offline, "delivered", "000", -1, ""},
		{"delivered, new card issued", offline, "delivered", "004", -1, ""},
		{"attempted, now expired", offline, "attempted", "010", 1, "not-eligible"},
		{"never sent, now expired", offline, "never", "010", 0, "not-eligible"},
		{"never sent, confirmed", offline, "never", "000", 0, "eligible"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			gw := newFakeGW(t)
			gwc, err := newGatewayClient(gw.BaseURL())
			if err != nil {
				t.Fatal(err)
			}
			db := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
			his := newHIS(t)
			now := fixtureNow
			var logs bytes.Buffer
			d, _ := New(db, Config{WebhookURL: his.URL, InsecureHTTP: true, Gateway: gwc, Judge: testJudge, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
				Now: func() time.Time { return now }})
			c := checkin(i, tc.before.Status, tc.before.Source)
			c.Eligibility = tc.before
			if _, err := db.AppendCheckin(c); err != nil {
				t.Fatal(err)
			}

			// Offline: the gateway is down; the HIS gets the offline answer,
			// or fails, or is not tried yet.
			gw.Down.Store(true)
			switch tc.prior {
			case "delivered":
				if n, err := d.DeliverPending(ctx); n != 1 || err != nil {
					t.Fatalf("offline delivery: %d, %v", n, err)
				}
			case "attempted":
				his.status.Store(503)
				if n, err := d.DeliverPending(ctx); n != 0 || err == nil {
					t.Fatalf("failed delivery: %d, %v", n, err)
				}
				his.status.Store(0)
			}
			sentBefore, _ := his.sent()

			// The gateway is back.
			gw.Down.Store(false)
			if tc.code != "" {
				gw.SetPatient(c.MaThe, patient(c, tc.code))
			}
			if _, err := d.RecheckDelivered(ctx); err != nil {
				t.Fatalf("RecheckDelivered: %v", err)
			}
			if _, err := d.DeliverPending(ctx); err != nil {
				t.Fatalf("DeliverPending: %v", err)
			}
			sent, keys := his.sent()
			sent, keys = sent[len(sentBefore):], keys[len(sentBefore):]
			stored, _, _ := db.Checkin(c.Seq)
			if stored.Eligibility.Source != "gateway" || stored.DeliveredAt.IsZero() {
				t.Errorf("stored after re-check: %+v delivered=%v", stored.Eligibility, stored.DeliveredAt)
			}
			if tc.wantRevision < 0 {
				if len(sent) != 0 || stored.Revision != 0 || stored.RecheckChanged {
					t.Errorf("unchanged status: HIS got %d more, stored revision %d changed=%v",
						len(sent), stored.Revision, stored.RecheckChanged)
				}
			} else {
				checkRevision(t, sent, keys, c.Key, tc.wantRevision, tc.wantStatus, tc.before)
			}

			// A second round has nothing to do and asks nobody.
			calls := gw.LookupCalls.Load()
			d.RecheckDelivered(ctx)
			if n, err := d.DeliverPending(ctx); n != 0 || err != nil || gw.LookupCalls.Load() != calls {
				t.Errorf("second round: %d sent, %v, %d lookups", n, err, gw.LookupCalls.Load()-calls)
			}
			if his.badKey != 0 {
				t.Errorf("%d requests whose Idempotency-Key does not match key and revision", his.badKey)
			}
			for _, pd := range []string{c.SoCCCD, c.HoTen, c.MaThe, c.NgaySinh} {
				if strings.Contains(logs.String(), pd) {
					t.Errorf("%q leaked into the log:\n%s", pd, logs.String())
				}
			}
		})
	}
}

// checkRevision asserts that sent is exactly one delivery of revision rev
// with status, under key (revision 0) or key-r<rev>, replacing before.
func checkRevision(t *testing.T, sent []Payload, keys []string, key string, rev int, status string, before cache.CheckinEligibility) {
	t.Helper()
	if len(sent) != 1 {
		t.Fatalf("HIS got %d deliveries, want 1", len(sent))
	}
	p, wantKey := sent[0], key
	if rev > 0 {
		wantKey = fmt.Sprintf("%s-r%d", key, rev)
	}
	changed := baseStatus(status) != baseStatus(before.Status)
	if keys[0] != wantKey || p.Key != key || p.Revision != rev || p.Eligibility.Status != status ||
		p.Eligibility.Source != "gateway" || p.RecheckChanged != changed {
		t.Errorf("HIS got key %q revision %d %+v changed=%v; want %q revision %d %s",
			keys[0], p.Revision, p.Eligibility, p.RecheckChanged, wantKey, rev, status)
	}
	switch {
	case rev == 0 && p.PreviousEligibility != nil:
		t.Errorf("revision 0 with previous_eligibility %+v", p.PreviousEligibility)
	case rev > 0 && (p.PreviousEligibility == nil || *p.PreviousEligibility != before):
		t.Errorf("previous_eligibility %v, want %+v", p.PreviousEligibility, before)
	}
}

// TestRevisionSequence: each later change raises the revision by one and
// names the answer it replaces; a re-check giving the same status again
// sends nothing.
func TestRevisionSequence(t *testing.T) {
	ctx := context.Background()
	gw := newFakeGW(t)
	gwc, err := newGatewayClient(gw.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	db := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
	his := newHIS(t)
	d, _ := New(db, Config{WebhookURL: his.URL, InsecureHTTP: true, Gateway: gwc, Judge: testJudge, Logger: quiet(),
		Now: func() time.Time { return fixtureNow }})
	c := checkin(1, "eligible-provisional", "roster")
	db.AppendCheckin(c)
	gw.Down.Store(true)
	if n, err := d.DeliverPending(ctx); n != 1 || err != nil {
		t.Fatalf("offline delivery: %d, %v", n, err)
	}
	gw.Down.Store(false)

	// forced re-checks of the delivered record (the Deliverer itself only
	// re-checks offline answers; an operator-triggered re-check would not).
	steps := []struct {
		code       string
		wantSent   int // deliveries this step
		wantRev    int
		wantStatus string
		wantPrev   string // previous_eligibility's status
	}{
		{"010", 1, 1, "not-eligible", "eligible-provisional"},
		{"010", 0, 1, "not-eligible", ""}, // the same answer again
		{"120", 0, 1, "not-eligible", ""}, // another code, the same status
		{"000", 1, 2, "eligible", "not-eligible"},
		{"003", 0, 2, "eligible", ""},
	}
	for i, st := range steps {
		gw.SetPatient(c.MaThe, patient(c, st.code))
		before, _ := his.sent()
		rec, _, _ := db.Checkin(c.Seq)
		if err := d.recheck(ctx, d.cfg.Gateway, &rec); err != nil {
			t.Fatalf("step %d: recheck: %v", i, err)
		}
		if _, err := d.DeliverPending(ctx); err != nil {
			t.Fatalf("step %d: deliver: %v", i, err)
		}
		sent, keys := his.sent()
		sent, keys = sent[len(before):], keys[len(before):]
		stored, _, _ := db.Checkin(c.Seq)
		if len(sent) != st.wantSent || stored.Revision != st.wantRev || stored.Eligibility.Status != st.wantStatus ||
			stored.DeliveredAt.IsZero() {
			t.Fatalf("step %d (%s): %d sent, stored revision %d %+v", i, st.code, len(sent), stored.Revision, stored.Eligibility)
		}
		if st.wantSent == 1 {
			p := sent[0]
			if keys[0] != IdempotencyKey(&stored) || p.Revision != st.wantRev || p.Eligibility.Code != st.code ||
				p.PreviousEligibility == nil || p.PreviousEligibility.Status != st.wantPrev {
				t.Errorf("step %d: HIS got key %q revision %d %+v previous %+v", i, keys[0], p.Revision, p.Eligibility,
					p.PreviousEligibility)
			}
		}
	}
	if his.badKey != 0 {
		t.Errorf("%d requests whose Idempotency-Key does not match key and revision", his.badKey)
	}
}

func TestIdempotencyKey(t *testing.T) {
	tests := []struct {
		rev  int
		want string
	}{
		{0, "0123abcd"},
		{1, "0123abcd-r1"},
		{12, "0123abcd-r12"},
	}
	for _, tc := range tests {
		if got := IdempotencyKey(&cache.Checkin{Key: "0123abcd", Revision: tc.rev}); got != tc.want {
			t.Errorf("revision %d: %q, want %q", tc.rev, got, tc.want)
		}
	}
}

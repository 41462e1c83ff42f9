package delivery

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/internal/testkit/fakegw"
	"github.com/cccd-agent/cccd/sync/gateway"
)

func TestDeliverInOrderOnce(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
	his := newHIS(t)
	var seqs []uint64
	for i := 0; i < 5; i++ {
		seq, err := db.AppendCheckin(checkin(i, "eligible", "gateway"))
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	d, err := New(db, Config{WebhookURL: his.URL, InsecureHTTP: true, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	n, err := d.DeliverPending(ctx)
	if err != nil || n != 5 {
		t.Fatalf("DeliverPending = %d, %v", n, err)
	}
	if len(his.received) != 5 || his.badKey != 0 {
		t.Fatalf("HIS got %d records, %d with a wrong key header", len(his.received), his.badKey)
	}
	for i, p := range his.received {
		if p.Seq != seqs[i] || p.Event != "checkin" || p.Key == "" || p.HoTen == "" || p.Eligibility.Status != "eligible" {
			t.Errorf("record %d: %+v", i, p)
		}
	}
	if pend, _ := db.PendingDeliveries(0); len(pend) != 0 {
		t.Fatalf("%d still pending", len(pend))
	}
	// A second pass sends nothing.
	if n, err := d.DeliverPending(ctx); n != 0 || err != nil || len(his.received) != 5 {
		t.Fatalf("second pass: %d, %v, HIS has %d", n, err, len(his.received))
	}
}

func TestWebhookDownThenBack(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
	his := newHIS(t)
	for i := 0; i < 4; i++ {
		db.AppendCheckin(checkin(i, "eligible", "gateway"))
	}
	d, _ := New(db, Config{WebhookURL: his.URL, InsecureHTTP: true, Logger: quiet()})
	tests := []struct {
		status int
		want   error
	}{
		{http.StatusServiceUnavailable, ErrHISUnavailable},
		{http.StatusBadGateway, ErrHISUnavailable},
		{http.StatusTooManyRequests, ErrHISUnavailable},
		{http.StatusRequestTimeout, ErrHISUnavailable},
	}
	for _, tc := range tests {
		his.status.Store(int64(tc.status))
		n, err := d.DeliverPending(ctx)
		if n != 0 || !errors.Is(err, tc.want) {
			t.Fatalf("HTTP %d: %d, %v", tc.status, n, err)
		}
	}
	pend, _ := db.PendingDeliveries(0)
	if len(pend) != 4 || pend[0].Attempts != len(tests) || pend[1].Attempts != 0 || !strings.Contains(pend[0].LastError, "HTTP 408") {
		t.Fatalf("after outage: %d pending, first %+v", len(pend), pend[0])
	}
	his.status.Store(0)
	if n, err := d.DeliverPending(ctx); n != 4 || err != nil {
		t.Fatalf("back online: %d, %v", n, err)
	}
	c, _, _ := db.Checkin(pend[0].Seq)
	if c.DeliveredAt.IsZero() || c.LastError != "" {
		t.Errorf("delivered record: %+v", c)
	}
	his.Close()
	db.AppendCheckin(checkin(9, "eligible", "gateway"))
	if _, err := d.DeliverPending(ctx); !errors.Is(err, ErrHISUnavailable) {
		t.Errorf("closed webhook: %v", err)
	}
}

func TestRejectedRecordDoesNotBlock(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
	his := newHIS(t)
	reject := true
	his.rejectFn = func(p Payload) bool { return reject && p.Seq == 2 }
	for i := 0; i < 3; i++ {
		db.AppendCheckin(checkin(i, "eligible", "gateway"))
	}
	clock := &fakeClock{t: fixtureNow}
	d, _ := New(db, Config{WebhookURL: his.URL, InsecureHTTP: true, Logger: quiet(), Now: clock.Now, MinBackoff: time.Minute})
	n, err := d.DeliverPending(ctx)
	if n != 2 || !errors.Is(err, ErrRejected) {
		t.Fatalf("first pass: %d, %v", n, err)
	}
	// Held back for MinBackoff: the next pass does not resend it.
	if n, err := d.DeliverPending(ctx); n != 0 || err != nil || len(his.received) != 2 {
		t.Fatalf("held pass: %d, %v", n, err)
	}
	reject = false
	clock.Add(2 * time.Minute)
	if n, err := d.DeliverPending(ctx); n != 1 || err != nil {
		t.Fatalf("after hold: %d, %v", n, err)
	}
}

func TestRecheckProvisional(t *testing.T) {
	ctx := context.Background()
	gw := fakegw.New()
	defer gw.Close()
	gw.Username, gw.PasswordMD5 = "01832_BV", "5f4dcc3b5aa765d61d8327deb882cf99" // md5("password")
	gw.Staff["030181000001"] = "Nguyễn Văn Cán"
	valid := checkin(1, "eligible-provisional", "roster")
	expired := checkin(2, "eligible-provisional", "roster")
	unknown := checkin(3, "unknown", "roster")
	fresh := checkin(4, "eligible", "gateway")
	card := func(c *cache.Checkin, code string) fakegw.Patient {
		return fakegw.Patient{Code: code, Card: gateway.Answer{MaThe: c.MaThe, HoTen: c.HoTen, NgaySinh: "05/03/1994",
			MaDKBD: "01832", GtTheTu: validFrom, GtTheDen: validTo}}
	}
	gw.SetPatient(valid.MaThe, card(valid, "000"))
	gw.SetPatient(expired.MaThe, card(expired, "010"))
	gwc, err := gateway.New(gateway.Config{URL: gw.BaseURL(), InsecureHTTP: true, Username: "01832_BV", Password: "password",
		StaffName: "Nguyễn Văn Cán", StaffID: "030181000001", Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	db := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
	for _, c := range []*cache.Checkin{valid, expired, unknown, fresh} {
		if _, err := db.AppendCheckin(c); err != nil {
			t.Fatal(err)
		}
	}
	his := newHIS(t)
	now := fixtureNow
	d, _ := New(db, Config{WebhookURL: his.URL, InsecureHTTP: true, Gateway: gwc, Judge: testJudge, Logger: quiet(), Now: func() time.Time { return now }})
	if n, err := d.DeliverPending(ctx); n != 4 || err != nil {
		t.Fatalf("DeliverPending = %d, %v", n, err)
	}
	tests := []struct {
		c       *cache.Checkin
		status  string
		source  string
		changed bool
	}{
		{valid, "eligible", "gateway", false},
		{expired, "not-eligible", "gateway", true},
		{unknown, "not-found", "gateway", true},
		{fresh, "eligible", "gateway", false},
	}
	if gw.LookupCalls.Load() != 3 {
		t.Errorf("%d gateway lookups, want 3 (the fresh answer is not re-checked)", gw.LookupCalls.Load())
	}
	for i, tc := range tests {
		got, _, _ := db.Checkin(tc.c.Seq)
		sent := his.received[i]
		if got.Eligibility.Status != tc.status || got.Eligibility.Source != tc.source || got.RecheckChanged != tc.changed {
			t.Errorf("check-in %d stored %+v changed=%v", i, got.Eligibility, got.RecheckChanged)
		}
		if sent.Eligibility.Status != tc.status || sent.RecheckChanged != tc.changed {
			t.Errorf("check-in %d sent %+v changed=%v", i, sent.Eligibility, sent.RecheckChanged)
		}
	}
	// Gateway down: the provisional answer is delivered as it is.
	gw.Down.Store(true)
	late := checkin(5, "eligible-provisional", "roster")
	db.AppendCheckin(late)
	if n, err := d.DeliverPending(ctx); n != 1 || err != nil {
		t.Fatalf("with gateway down: %d, %v", n, err)
	}
	if p := his.received[4]; p.Eligibility.Status != "eligible-provisional" || p.Eligibility.Source != "roster" {
		t.Errorf("sent %+v", p.Eligibility)
	}

	// The gateway comes back: delivered offline answers are re-checked
	// (within the window) and changes flagged; a second pass has nothing to do.
	gw.SetPatient(late.MaThe, card(late, "110"))
	old := checkin(6, "eligible-provisional", "roster")
	old.Time = now.Add(-48 * time.Hour)
	db.AppendCheckin(old)
	if n, err := d.DeliverPending(ctx); n != 1 || err != nil {
		t.Fatalf("old check-in: %d, %v", n, err)
	}
	if n, err := d.RecheckDelivered(ctx); n != 0 || !errors.Is(err, gateway.ErrUnavailable) {
		t.Fatalf("re-check with gateway down: %d, %v", n, err)
	}
	gw.Down.Store(false)
	if n, err := d.RecheckDelivered(ctx); n != 1 || err != nil {
		t.Fatalf("re-check with gateway back: %d, %v", n, err)
	}
	got, _, _ := db.Checkin(late.Seq)
	// It was delivered: the change waits in the outbox as revision 1.
	if got.Eligibility.Status != "not-eligible" || got.Eligibility.Code != "110" || !got.RecheckChanged ||
		!got.DeliveredAt.IsZero() || got.Revision != 1 {
		t.Errorf("re-checked late check-in: %+v changed=%v revision=%d delivered=%v", got.Eligibility, got.RecheckChanged,
			got.Revision, got.DeliveredAt)
	}
	if got, _, _ := db.Checkin(old.Seq); got.Eligibility.Source != "roster" {
		t.Errorf("check-in outside the window was re-checked: %+v", got.Eligibility)
	}
	calls := gw.LookupCalls.Load()
	if n, err := d.RecheckDelivered(ctx); n != 0 || err != nil || gw.LookupCalls.Load() != calls {
		t.Errorf("second re-check pass: %d, %v, %d more lookups", n, err, gw.LookupCalls.Load()-calls)
	}
}

// TestNoPersonalDataInErrorsOrLogs: delivery errors are stored in the
// outbox (LastError) and logged; neither may carry the person's data or a
// secret from the webhook URL.
func TestNoPersonalDataInErrorsOrLogs(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
	his := newHIS(t)
	c := checkin(7, "eligible-provisional", "roster")
	db.AppendCheckin(c)
	var logs bytes.Buffer
	d, _ := New(db, Config{WebhookURL: his.URL + "/hook?secret=hunter2", InsecureHTTP: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	var errs []string
	for _, status := range []int{503, 400} {
		his.status.Store(int64(status))
		if _, err := d.DeliverPending(ctx); err != nil {
			errs = append(errs, err.Error())
		}
	}
	his.Close()
	db.UpdateCheckin(c.Seq, func(rc *cache.Checkin) error { rc.Attempts = 0; rc.LastError = ""; return nil })
	if _, err := d.DeliverPending(ctx); err != nil {
		errs = append(errs, err.Error())
	}
	stored, _, _ := db.Checkin(c.Seq)
	all := strings.Join(errs, "\n") + "\n" + logs.String() + "\n" + stored.LastError
	if len(errs) != 3 || stored.LastError == "" {
		t.Fatalf("failures not exercised: %q / %q", errs, stored.LastError)
	}
	for _, s := range []string{c.SoCCCD, c.HoTen, c.MaThe, c.NgaySinh, "hunter2"} {
		if strings.Contains(all, s) {
			t.Errorf("%q leaked:\n%s", s, all)
		}
	}
}

// TestConfirmedDuringPost: the receptionist confirms a check-in while its
// unconfirmed version is being POSTed. The HIS must still learn of the
// confirmation: it goes out as revision 1 on the next pass.
func TestConfirmedDuringPost(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
	his := newHIS(t)
	c := checkin(1, "eligible", "gateway")
	c.Confirmed = false
	seq, err := db.AppendCheckin(c)
	if err != nil {
		t.Fatal(err)
	}
	his.duringPost = func(p Payload) {
		if p.Revision == 0 { // what the agent's ConfirmCheckin stores for an unsent check-in
			db.UpdateCheckin(seq, func(c *cache.Checkin) error { c.Confirmed = true; return nil })
		}
	}
	d, err := New(db, Config{WebhookURL: his.URL, InsecureHTTP: true, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := d.DeliverPending(ctx); err != nil || n != 1 {
		t.Fatalf("first pass: %d, %v", n, err)
	}
	if pend, _ := db.PendingDeliveries(0); len(pend) != 1 || pend[0].Revision != 1 {
		t.Fatalf("after the first pass the outbox holds %d records (want revision 1 of the confirmed check-in)", len(pend))
	}
	if n, err := d.DeliverPending(ctx); err != nil || n != 1 {
		t.Fatalf("second pass: %d, %v", n, err)
	}
	sent, keys := his.sent()
	if len(sent) != 2 || his.badKey != 0 {
		t.Fatalf("HIS got %d posts, %d with a wrong key", len(sent), his.badKey)
	}
	if sent[0].Confirmed || !sent[1].Confirmed || sent[1].Revision != 1 || keys[1] != sent[0].Key+"-r1" ||
		sent[1].PreviousEligibility == nil || *sent[1].PreviousEligibility != sent[0].Eligibility {
		t.Errorf("posts: %+v / %+v, keys %v", sent[0], sent[1], keys)
	}
	if pend, _ := db.PendingDeliveries(0); len(pend) != 0 {
		t.Errorf("%d still pending", len(pend))
	}
}

// TestRedirectedWebhookStaysPending: a webhook answering 307 to another port
// does not get the check-in re-sent there, no Referer leaks, and the record
// stays pending (a 3xx is not a delivery). Issue 15 item 7.
func TestRedirectedWebhookStaysPending(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
	other := newHIS(t)
	var hits, referers int
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		if r.Header.Get("Referer") != "" {
			referers++
		}
		http.Redirect(w, r, other.URL+"/hook", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirect.Close)
	if _, err := db.AppendCheckin(checkin(0, "eligible", "gateway")); err != nil {
		t.Fatal(err)
	}
	d, err := New(db, Config{WebhookURL: redirect.URL + "/hook?token=s3cret", InsecureHTTP: true, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	n, err := d.DeliverPending(ctx)
	if n != 0 || !errors.Is(err, ErrRejected) {
		t.Fatalf("DeliverPending = %d, %v; want 0, ErrRejected", n, err)
	}
	if len(other.received) != 0 || hits != 1 || referers != 0 {
		t.Errorf("other host got %d, redirector %d requests (%d with Referer)", len(other.received), hits, referers)
	}
	if pend, _ := db.PendingDeliveries(0); len(pend) != 1 {
		t.Errorf("%d pending, want the check-in still pending", len(pend))
	}
	// https is the rule: an http webhook without InsecureHTTP is refused.
	if _, err := New(db, Config{WebhookURL: other.URL, Logger: quiet()}); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("http webhook accepted without InsecureHTTP: %v", err)
	}
}

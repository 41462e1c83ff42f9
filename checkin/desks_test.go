package checkin

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/internal/testkit/fakegw"
	"github.com/cccd-agent/cccd/reader/sim"
	"github.com/cccd-agent/cccd/sync/gateway"
)

type deskClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *deskClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *deskClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// deskRig is a fake gateway with two per-user accounts, and Desks making
// clients of it, on a clock the test moves.
func deskRig(t *testing.T) (*fakegw.Server, *Desks, *deskClock, [2]cache.Staff) {
	t.Helper()
	clk := &deskClock{t: clock.Now().UTC().Truncate(time.Hour)}
	gw := fakegw.New()
	t.Cleanup(gw.Close)
	gw.Now = clk.Now
	staff := [2]cache.Staff{
		{Name: "Nguyễn Thị Lan", CCCD: "079190001234", GatewayUser: "lan.79024"},
		{Name: "Trần Minh", CCCD: "079188004321", GatewayUser: "minh.79024"},
	}
	for _, st := range staff {
		gw.AddAccount(st.GatewayUser, md5hex("pw-"+st.GatewayUser))
		gw.Staff[st.CCCD] = st.Name
	}
	from, to := clk.Now().AddDate(0, -6, 0).Format("02/01/2006"), clk.Now().AddDate(1, 0, 0).Format("02/01/2006")
	gw.SetPatient(sim.DemoID, fakegw.Patient{Card: gateway.Answer{MaThe: "GD4797901234567", HoTen: sim.DemoName,
		NgaySinh: "17/05/1990", MaDKBD: agentFacility, GtTheTu: from, GtTheDen: to}})
	d := &Desks{Shift: 12 * time.Hour, Now: clk.Now, NewGateway: func(st cache.Staff, pw string) (StaffGateway, error) {
		return gateway.New(gateway.Config{URL: gw.BaseURL(), InsecureHTTP: true, Username: st.GatewayUser, Password: pw,
			StaffName: st.Name, StaffID: st.CCCD, Now: clk.Now})
	}}
	return gw, d, clk, staff
}

// TestDesksSessions: a sign-in with the right gateway password opens the
// staff member's session, a wrong one is refused and keeps nothing, no
// gateway username is said so; sign-out ends the session and frees the
// reader; the shift limit ends it; a later sign-in without a password keeps
// a live session.
func TestDesksSessions(t *testing.T) {
	gw, d, clk, staff := deskRig(t)
	ctx := context.Background()
	lan, minh := staff[0], staff[1]
	if got := d.SignIn(ctx, minh, "right", "wrong"); got != GatewayRefused {
		t.Fatalf("wrong password: %s", got)
	}
	if _, ok := d.Gateway(minh.Name); ok {
		t.Fatal("a refused password opened a session")
	}
	if got := d.SignIn(ctx, lan, "left", "pw-"+lan.GatewayUser); got != GatewaySignedIn {
		t.Fatalf("right password: %s", got)
	}
	if who, ok := d.StaffAt("left"); !ok || who != lan.Name {
		t.Fatalf("left is %q %v", who, ok)
	}
	if who, _ := d.StaffAt("right"); who != minh.Name {
		t.Fatalf("right is %q: the PIN sign-in claims the reader whatever the gateway said", who)
	}
	noUser := lan
	noUser.Name, noUser.GatewayUser = "Lê Hoa", ""
	if got := d.SignIn(ctx, noUser, "", "pw"); got != GatewayNoAccount {
		t.Fatalf("no gateway username: %s", got)
	}
	// An idle lock ends the browser session only; a sign-in with the PIN
	// alone goes on with the gateway session.
	clk.Add(time.Hour)
	if got := d.SignIn(ctx, lan, "left", ""); got != GatewayKept {
		t.Fatalf("sign-in again without password: %s", got)
	}
	d.SignOut(lan.Name)
	if _, ok := d.Gateway(lan.Name); ok {
		t.Fatal("session survived sign-out")
	}
	if _, ok := d.StaffAt("left"); ok {
		t.Fatal("reader still claimed after sign-out")
	}
	if got := d.SignIn(ctx, lan, "left", "pw-"+lan.GatewayUser); got != GatewaySignedIn {
		t.Fatalf("sign-in again: %s", got)
	}
	clk.Add(12 * time.Hour)
	if _, ok := d.Gateway(lan.Name); ok {
		t.Fatal("session survived the shift limit")
	}
	if _, ok := d.StaffAt("left"); ok {
		t.Fatal("reader claim survived the shift limit")
	}
	gw.Down.Store(true)
	if got := d.SignIn(ctx, lan, "left", "pw-"+lan.GatewayUser); got != GatewayUnavailable {
		t.Fatalf("gateway down: %s", got)
	}
	if _, ok := d.Gateway(lan.Name); !ok {
		t.Fatal("with the gateway down the password is kept for the first lookup")
	}
}

// TestLookupPerStaff: lookups carry the staff member's own account, token,
// hoTenCb and cccdCb; with nobody (or a program) no gateway request is made
// and the roster's answer is provisional, saying why.
func TestLookupPerStaff(t *testing.T) {
	gw, d, clk, staff := deskRig(t)
	ctx := context.Background()
	db, err := cache.Open(filepath.Join(t.TempDir(), "cccd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	seedRoster(t, db, clk.Now(), nil)
	l := &Lookup{DB: db, Desks: d, Config: EligibilityConfig{Facility: agentFacility, Freshness: 24 * time.Hour}}
	p := Person{IDNumber: sim.DemoID, FullName: sim.DemoName, DateOfBirth: "1990-05-17"}

	e := l.Eligibility(ctx, p, clk.Now())
	if len(gw.Requests()) != 0 || gw.TokenCalls.Load() != 0 {
		t.Fatalf("nobody signed in, yet the gateway was called: %+v", gw.Requests())
	}
	if e.Status != EligibleProvisional || e.Source != FromRoster || e.Reason != ReasonNoStaffSession {
		t.Fatalf("nobody signed in: %+v", e)
	}
	for _, st := range staff {
		if got := d.SignIn(ctx, st, "", "pw-"+st.GatewayUser); got != GatewaySignedIn {
			t.Fatalf("%s: %s", st.GatewayUser, got)
		}
	}
	for _, st := range staff {
		e := l.Eligibility(WithStaff(ctx, st.Name), p, clk.Now())
		if e.Status != Eligible || e.Source != FromGateway || e.Reason != "" {
			t.Fatalf("%s: %+v", st.GatewayUser, e)
		}
	}
	reqs := gw.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	for i, st := range staff {
		r := reqs[i]
		if r.Username != st.GatewayUser || r.HoTenCb != st.Name || r.CccdCb != st.CCCD || !r.TokenOK {
			t.Fatalf("request %d: %+v", i, r)
		}
	}
	if reqs[0].Token == reqs[1].Token {
		t.Fatal("two staff members shared one token")
	}
	d.SignOut(staff[0].Name)
	e = l.Eligibility(WithStaff(ctx, staff[0].Name), p, clk.Now())
	if len(gw.Requests()) != 2 || e.Reason != ReasonNoStaffSession || e.Status != EligibleProvisional {
		t.Fatalf("after sign-out: %d requests, %+v", len(gw.Requests()), e)
	}
	gw.Down.Store(true)
	e = l.Eligibility(WithStaff(ctx, staff[1].Name), p, clk.Now())
	if e.Reason != ReasonGatewayFailed || e.Source != FromCache {
		t.Fatalf("gateway down: %+v", e)
	}
}

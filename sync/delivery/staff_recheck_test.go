package delivery

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"path/filepath"
	stdsync "sync"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/sync/gateway"
)

// staffSessions stands in for checkin.Desks: the gateway sessions of the
// staff members signed in now.
type staffSessions struct {
	mu   stdsync.Mutex
	live map[string]Checker
}

func (s *staffSessions) get(staff string) (Checker, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.live[staff]
	return c, ok
}

func (s *staffSessions) set(staff string, c Checker) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c == nil {
		delete(s.live, staff)
		return
	}
	s.live[staff] = c
}

// TestRecheckUnderStaffSession: with per-user accounts a check-in is
// re-checked under the gateway session of the staff member who made it,
// carrying their hoTenCb/cccdCb; while they are signed out it waits (no
// gateway request) without holding up another staff member's check-in,
// and it is re-checked once they sign in again. One made by nobody is
// never re-checked.
func TestRecheckUnderStaffSession(t *testing.T) {
	ctx := context.Background()
	gw := newFakeGW(t)
	const lanUser, lanPW, lanName, lanID = "lan.01832", "lan-pw", "Nguyễn Thị Lan", "079190001234"
	const minhUser, minhPW, minhName, minhID = "minh.01832", "minh-pw", "Trần Minh", "079188004321"
	gw.Staff[lanID], gw.Staff[minhID] = lanName, minhName
	client := func(user, pw, name, id string) *gateway.Client {
		c, err := gateway.New(gateway.Config{URL: gw.BaseURL(), InsecureHTTP: true, Username: user, Password: pw,
			StaffName: name, StaffID: id, Logger: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	gw.AddAccount(lanUser, md5Hex(lanPW))
	gw.AddAccount(minhUser, md5Hex(minhPW))
	sessions := &staffSessions{live: map[string]Checker{}}
	lan := client(lanUser, lanPW, lanName, lanID)
	sessions.set(minhName, client(minhUser, minhPW, minhName, minhID))

	db := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
	byLan, byMinh, byNobody := checkin(1, "eligible-provisional", "roster"), checkin(2, "eligible-provisional", "roster"), checkin(3, "eligible-provisional", "roster")
	byLan.Staff, byMinh.Staff = lanName, minhName
	for _, c := range []*cache.Checkin{byLan, byMinh, byNobody} {
		gw.SetPatient(c.MaThe, patient(c, "000"))
		if _, err := db.AppendCheckin(c); err != nil {
			t.Fatal(err)
		}
	}
	his := newHIS(t)
	d, err := New(db, Config{WebhookURL: his.URL, InsecureHTTP: true, Sessions: sessions.get, Judge: testJudge,
		Logger: quiet(), Now: func() time.Time { return fixtureNow }})
	if err != nil {
		t.Fatal(err)
	}
	// Delivery does not wait for a session: Lan's goes out provisional,
	// Minh's re-checked.
	if n, err := d.DeliverPending(ctx); n != 3 || err != nil {
		t.Fatalf("DeliverPending = %d, %v", n, err)
	}
	source := func(c *cache.Checkin) string {
		got, _, _ := db.Checkin(c.Seq)
		return got.Eligibility.Source
	}
	if source(byLan) != "roster" || source(byMinh) != "gateway" || source(byNobody) != "roster" {
		t.Fatalf("after delivery: Lan's %s, Minh's %s, nobody's %s", source(byLan), source(byMinh), source(byNobody))
	}
	reqs := gw.Requests()
	if len(reqs) != 1 || reqs[0].Username != minhUser || reqs[0].HoTenCb != minhName || reqs[0].CccdCb != minhID || !reqs[0].TokenOK {
		t.Fatalf("gateway requests %+v, want one under Minh's account", reqs)
	}
	// Lan is signed out: her re-check waits; nothing reaches the gateway.
	for range 2 {
		if n, err := d.RecheckDelivered(ctx); n != 0 || err != nil {
			t.Fatalf("RecheckDelivered while Lan is signed out = %d, %v", n, err)
		}
	}
	if n := len(gw.Requests()); n != 1 {
		t.Fatalf("%d gateway requests while Lan is signed out, want still 1", n)
	}
	// Lan signs in again: her check-in is re-checked under her account.
	sessions.set(lanName, lan)
	if n, err := d.RecheckDelivered(ctx); n != 1 || err != nil {
		t.Fatalf("RecheckDelivered after Lan signed in = %d, %v", n, err)
	}
	reqs = gw.Requests()
	if len(reqs) != 2 || reqs[1].Username != lanUser || reqs[1].HoTenCb != lanName || reqs[1].CccdCb != lanID || !reqs[1].TokenOK {
		t.Fatalf("gateway requests %+v, want the second under Lan's account", reqs)
	}
	if source(byLan) != "gateway" || source(byNobody) != "roster" {
		t.Fatalf("after Lan's sign-in: Lan's %s, nobody's %s", source(byLan), source(byNobody))
	}
	if n, err := d.RecheckDelivered(ctx); n != 0 || err != nil || len(gw.Requests()) != 2 {
		t.Fatalf("a further pass: %d, %v, %d requests", n, err, len(gw.Requests()))
	}
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

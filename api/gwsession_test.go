package api

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/checkin"
	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/internal/passhash"
	"github.com/cccd-agent/cccd/internal/testkit/fakegw"
	"github.com/cccd-agent/cccd/reader"
	"github.com/cccd-agent/cccd/reader/sim"
	"github.com/cccd-agent/cccd/sync/delivery"
	"github.com/cccd-agent/cccd/sync/gateway"
)

// deskClock is the one clock of the agent, the API, the staff sessions
// and the fake gateway; the test moves it.
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

// deskAgent is a running agent with two simulated readers, the API in
// front of it and a fake BHXH gateway that knows two staff members' own
// accounts.
type deskAgent struct {
	t      *testing.T
	clk    *deskClock
	gw     *fakegw.Server
	db     *cache.DB
	desks  *checkin.Desks
	h      http.Handler
	events <-chan checkin.Event
	slots  map[string]*sim.Slot
	staff  map[string]cache.Staff // by gateway username
}

const deskFacility = "79024"

// The two desks' readers.
const (
	leftDesk  = sim.SlotPrefix + "left"
	rightDesk = sim.SlotPrefix + "right"
)

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func newDeskAgent(t *testing.T) *deskAgent {
	t.Helper()
	d := &deskAgent{t: t, clk: &deskClock{t: clock.Now().UTC().Truncate(time.Hour)}, staff: map[string]cache.Staff{}}
	d.gw = fakegw.New()
	t.Cleanup(d.gw.Close)
	d.gw.Now = d.clk.Now
	cheap := passhash.Params{MemoryKiB: 64, Time: 1, Threads: 1}
	accounts := memStaff{}
	for _, s := range []cache.Staff{
		{Name: staffLan, CCCD: "079190001234", GatewayUser: "lan.79024"},
		{Name: staffMinh, CCCD: "079188004321", GatewayUser: "minh.79024"},
	} {
		s.Hash, _ = passhash.Hash("pin-"+s.GatewayUser, cheap)
		accounts[cache.StaffKey(s.Name)] = s
		d.staff[s.GatewayUser] = s
		d.gw.AddAccount(s.GatewayUser, md5hex("gw-"+s.GatewayUser))
		d.gw.Staff[s.CCCD] = s.Name
	}
	now := d.clk.Now()
	from, to := now.AddDate(0, -6, 0).Format("02/01/2006"), now.AddDate(1, 0, 0).Format("02/01/2006")
	// The gateway answers for the CCCD number and the card number alike.
	for _, key := range []string{sim.DemoID, "GD4797901234567"} {
		d.gw.SetPatient(key, fakegw.Patient{Card: gateway.Answer{MaThe: "GD4797901234567", HoTen: sim.DemoName,
			NgaySinh: "17/05/1990", MaDKBD: deskFacility, GtTheTu: from, GtTheDen: to}})
	}

	var err error
	d.db, err = cache.Open(filepath.Join(t.TempDir(), "cccd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.db.Close() })
	err = d.db.ReplaceRoster(cache.RosterMeta{Version: 1, Published: now, Synced: now, Source: "test"},
		func(yield func(cache.RosterRecord) error) error {
			return yield(cache.RosterRecord{SoCCCD: sim.DemoID, MaThe: "GD4797901234567", MaSoBHXH: "7901234567",
				HoTen: sim.DemoName, NgaySinh: "17/05/1990", MaDKBD: deskFacility, GtTheTu: from, GtTheDen: to,
				MucHuong: "80", TrangThai: "000"})
		})
	if err != nil {
		t.Fatal(err)
	}
	d.desks = &checkin.Desks{Shift: 12 * time.Hour, Now: d.clk.Now, NewGateway: func(st cache.Staff, pw string) (checkin.StaffGateway, error) {
		return gateway.New(gateway.Config{URL: d.gw.BaseURL(), InsecureHTTP: true, Username: st.GatewayUser, Password: pw,
			StaffName: st.Name, StaffID: st.CCCD, Now: d.clk.Now})
	}}
	lookup := &checkin.Lookup{DB: d.db, Desks: d.desks,
		Config: checkin.EligibilityConfig{Facility: deskFacility, Freshness: 24 * time.Hour}}
	d.slots = map[string]*sim.Slot{}
	router := reader.NewRouter()
	var backends []reader.Backend
	for _, name := range []string{"left", "right"} {
		p, err := sim.DemoProfile()
		if err != nil {
			t.Fatal(err)
		}
		chip, err := sim.NewCard(p)
		if err != nil {
			t.Fatal(err)
		}
		s := sim.NewSlot(name, chip, 0)
		d.slots[s.Name()] = s
		router.Add(s)
		backends = append(backends, s)
	}
	hub := checkin.NewHub()
	agent := checkin.NewAgent(checkin.AgentConfig{Facility: deskFacility, Now: d.clk.Now, DB: d.db, Lookup: lookup, BHXHCheckin: true,
		Watcher: reader.NewWatcher(backends...), Readers: router, Hub: hub})
	events, unsub := hub.Subscribe()
	d.events = events
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { agent.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; unsub(); hub.Close() })
	added := 0
	for added < 2 {
		if d.next().Type == "reader-added" {
			added++
		}
	}
	srv := New(Config{Listen: "127.0.0.1:7400", Staff: accounts, Audit: &memAudit{}, Now: d.clk.Now, Desks: d.desks}, testToken, agent, nil)
	d.h = validated(t, srv.Handler())
	return d
}

func (d *deskAgent) next() checkin.Event {
	d.t.Helper()
	select {
	case ev := <-d.events:
		return ev
	case <-time.After(10 * time.Second):
		d.t.Fatal("no event within 10 s")
	}
	return checkin.Event{}
}

func (d *deskAgent) call(method, path, body string, hdr map[string]string) (int, map[string]any, string) {
	d.t.Helper()
	req := httptest.NewRequest(method, "http://127.0.0.1:7400"+path, strings.NewReader(body))
	req.RemoteAddr = "127.0.0.1:40000"
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	d.h.ServeHTTP(rec, req)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	cookie := ""
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessionCookie {
			cookie = c.Value
		}
	}
	return rec.Code, out, cookie
}

// signIn signs the staff member of gateway account user in at reader with
// gatewayPW, and returns the session's headers and the answer's "gateway".
func (d *deskAgent) signIn(user, readerName, gatewayPW string) (map[string]string, string) {
	d.t.Helper()
	st := d.staff[user]
	b, _ := json.Marshal(map[string]string{"staff": st.Name, "pin": "pin-" + user, "reader": readerName, "gateway_password": gatewayPW})
	status, body, cookie := d.call("POST", "/api/v1/session", string(b), map[string]string{"Origin": console, "Content-Type": "application/json"})
	if status != 200 {
		d.t.Fatalf("sign-in of %s: %d %v", user, status, body)
	}
	csrf, _ := body["csrf_token"].(string)
	gw, _ := body["gateway"].(string)
	return map[string]string{"Origin": console, "Cookie": sessionCookie + "=" + cookie, "X-CSRF-Token": csrf}, gw
}

// tap lays the card on readerName with its CAN typed by the session hdr
// (nil: the bearer token), and returns the result.
func (d *deskAgent) tap(readerName string, hdr map[string]string) checkin.ResultEvent {
	d.t.Helper()
	if hdr == nil {
		hdr = map[string]string{"Authorization": "Bearer " + testToken}
	}
	if status, body, _ := d.call("POST", "/api/v1/readers/"+readerName+"/key", `{"key":"`+sim.DemoCAN+`"}`, hdr); status != 200 {
		d.t.Fatalf("key for %s: %d %v", readerName, status, body)
	}
	d.slots[readerName].Insert()
	defer d.slots[readerName].Remove()
	for {
		ev := d.next()
		if ev.Reader != readerName {
			continue
		}
		switch ev.Type {
		case "result":
			return ev.Data.(checkin.ResultEvent)
		case "error":
			d.t.Fatalf("%s: %+v", readerName, ev.Data)
		}
	}
}

func (d *deskAgent) waitRemoved(readerName string) {
	d.t.Helper()
	for {
		if ev := d.next(); ev.Reader == readerName && ev.Type == "card-removed" {
			return
		}
	}
}

// TestPerUserGatewaySessions is issue #13 item 2's acceptance with the
// fake gateway: two staff members signed in at two readers → each lookup
// carries its own hoTenCb/cccdCb and its own token; a re-check after
// sign-out waits; nobody signed in → no gateway call, a provisional answer
// with the reason.
func TestPerUserGatewaySessions(t *testing.T) {
	d := newDeskAgent(t)
	ctx := context.Background()

	// A wrong gateway password does not undo the PIN sign-in.
	if _, gw := d.signIn("minh.79024", rightDesk, "not-it"); gw != checkin.GatewayRefused {
		t.Fatalf("wrong gateway password: gateway %q", gw)
	}
	lanHdr, gwLan := d.signIn("lan.79024", leftDesk, "gw-lan.79024")
	_, gwMinh := d.signIn("minh.79024", rightDesk, "gw-minh.79024")
	if gwLan != checkin.GatewaySignedIn || gwMinh != checkin.GatewaySignedIn {
		t.Fatalf("sign-ins: gateway %q, %q", gwLan, gwMinh)
	}

	// Two desks, two staff members: each lookup under its own account.
	for _, desk := range []struct{ reader, user string }{{leftDesk, "lan.79024"}, {rightDesk, "minh.79024"}} {
		res := d.tap(desk.reader, nil)
		d.waitRemoved(desk.reader)
		if res.Eligibility.Source != checkin.FromGateway || res.Eligibility.Status != checkin.Eligible || res.Eligibility.Reason != "" {
			t.Fatalf("%s: eligibility %+v", desk.reader, res.Eligibility)
		}
		c, _, _ := d.db.Checkin(res.Seq)
		if c.Staff != d.staff[desk.user].Name {
			t.Fatalf("%s: check-in made by %q", desk.reader, c.Staff)
		}
	}
	var lookups []fakegw.Request
	for _, r := range d.gw.Requests() {
		if r.Endpoint == "lookup" {
			lookups = append(lookups, r)
		}
	}
	if len(lookups) != 2 {
		t.Fatalf("%d lookups, want 2: %+v", len(lookups), lookups)
	}
	for i, user := range []string{"lan.79024", "minh.79024"} {
		st, r := d.staff[user], lookups[i]
		if r.Username != user || r.HoTenCb != st.Name || r.CccdCb != st.CCCD || !r.TokenOK {
			t.Fatalf("lookup %d: account %s hoTenCb %s cccdCb %s token ok %v, want %s's", i, r.Username, r.HoTenCb, r.CccdCb, r.TokenOK, user)
		}
	}
	if lookups[0].Token == lookups[1].Token {
		t.Fatal("two staff members' lookups carried one token")
	}

	// Lan's next tap meets the gateway down: an offline answer, made by
	// her, that her re-check must settle later.
	d.gw.Down.Store(true)
	offline := d.tap(leftDesk, nil)
	d.waitRemoved(leftDesk)
	d.gw.Down.Store(false)
	if offline.Eligibility.Reason != checkin.ReasonGatewayFailed || offline.Eligibility.Source == checkin.FromGateway {
		t.Fatalf("gateway down: %+v", offline.Eligibility)
	}

	// Lan signs out: her re-check waits, nothing reaches the gateway.
	if status, body, _ := d.call("DELETE", "/api/v1/session", "", lanHdr); status != 200 {
		t.Fatalf("sign-out: %d %v", status, body)
	}
	his := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	t.Cleanup(his.Close)
	deliverer, err := delivery.New(d.db, delivery.Config{WebhookURL: his.URL, InsecureHTTP: true, Now: d.clk.Now,
		Judge:    checkin.RecheckJudge(checkin.EligibilityConfig{Facility: deskFacility}),
		Sessions: func(staff string) (delivery.Checker, bool) { return d.desks.Gateway(staff) }})
	if err != nil {
		t.Fatal(err)
	}
	before := len(d.gw.Requests())
	if n, err := deliverer.DeliverPending(ctx); n != 3 || err != nil {
		t.Fatalf("DeliverPending = %d, %v", n, err)
	}
	if n, err := deliverer.RecheckDelivered(ctx); n != 0 || err != nil {
		t.Fatalf("re-check after sign-out = %d, %v", n, err)
	}
	if got := len(d.gw.Requests()); got != before {
		t.Fatalf("%d gateway requests after Lan signed out, want none", got-before)
	}
	if c, _, _ := d.db.Checkin(offline.Seq); c.Eligibility.Source == checkin.FromGateway {
		t.Fatalf("re-checked without a session: %+v", c.Eligibility)
	}

	// Nobody at the left desk now: the card reads, the roster answers,
	// provisional, saying why; no gateway call. The same for a program.
	nobody := d.tap(leftDesk, nil)
	d.waitRemoved(leftDesk)
	if e := nobody.Eligibility; e.Status != checkin.EligibleProvisional || e.Source == checkin.FromGateway || e.Reason != checkin.ReasonNoStaffSession {
		t.Fatalf("nobody signed in: %+v", e)
	}
	if c, _, _ := d.db.Checkin(nobody.Seq); c.Staff != "" {
		t.Fatalf("check-in at an empty desk made by %q", c.Staff)
	}
	status, body, _ := d.call("GET", "/api/v1/roster/"+sim.DemoID, "", map[string]string{"Authorization": "Bearer " + testToken})
	if status != 200 || body["reason"] != checkin.ReasonNoStaffSession || body["status"] != string(checkin.EligibleProvisional) {
		t.Fatalf("roster lookup by a program: %d %v", status, body)
	}
	if got := len(d.gw.Requests()); got != before {
		t.Fatalf("%d gateway requests with nobody signed in, want none", got-before)
	}

	// Lan signs in again: her waiting re-check runs under her account.
	if _, gw := d.signIn("lan.79024", leftDesk, "gw-lan.79024"); gw != checkin.GatewaySignedIn {
		t.Fatalf("sign-in again: %q", gw)
	}
	if n, err := deliverer.RecheckDelivered(ctx); n != 1 || err != nil {
		t.Fatalf("re-check after Lan is back = %d, %v", n, err)
	}
	reqs := d.gw.Requests()
	if last := reqs[len(reqs)-1]; last.Username != "lan.79024" || last.HoTenCb != staffLan || !last.TokenOK {
		t.Fatalf("re-check request %+v", last)
	}
	if c, _, _ := d.db.Checkin(offline.Seq); c.Eligibility.Source != checkin.FromGateway || c.Eligibility.Status != string(checkin.Eligible) {
		t.Fatalf("after the re-check: %+v", c.Eligibility)
	}
}

// TestDirectCheckinToBHXH is issue #15 item 6 with the fake gateway: a
// check-in confirmed by a signed-in staff member, whose episode the HIS has
// set, goes to BHXH's check-in endpoint (CV 1245/BHXH-CNTT §2,
// dh-hos/Mo-ta-he-thong XML130/QD4570/1245-BHXH-CNTT_…4750_QĐ_BYT_fn.pdf
// p. 3: token, token id and password hash in headers, loaiHoSo 0 and the
// XML0 file as fileHSBase64 in the form body; p. 4: the answer's maKetQua,
// maGiaoDich, thoiGianTiepNhan, thongDiep) exactly once, under that staff
// member's gateway session, and BHXH's answer is recorded. A check-in whose
// confirming staff member signed out waits; a gateway error is retried.
func TestDirectCheckinToBHXH(t *testing.T) {
	d := newDeskAgent(t)
	ctx := context.Background()
	lanHdr, _ := d.signIn("lan.79024", leftDesk, "gw-lan.79024")
	minhHdr, _ := d.signIn("minh.79024", rightDesk, "gw-minh.79024")
	program := map[string]string{"Authorization": "Bearer " + testToken, "Content-Type": "application/json"}
	sender, err := delivery.NewBHXH(d.db, delivery.BHXHConfig{Facility: deskFacility, Now: d.clk.Now,
		MinBackoff: time.Second, MaxBackoff: time.Minute,
		Sessions: func(staff string) (delivery.Submitter, bool) { return d.desks.Gateway(staff) }})
	if err != nil {
		t.Fatal(err)
	}
	checkins := func() []fakegw.Request {
		var out []fakegw.Request
		for _, r := range d.gw.Requests() {
			if r.Endpoint == "checkin" {
				out = append(out, r)
			}
		}
		return out
	}
	lanTap := d.tap(leftDesk, nil)
	d.waitRemoved(leftDesk)
	minhTap := d.tap(rightDesk, nil)
	d.waitRemoved(rightDesk)

	// Confirmed by Lan, but no episode yet: nothing to send.
	if status, body, _ := d.call("POST", fmt.Sprintf("/api/v1/checkins/%d/confirm", lanTap.Seq), "", lanHdr); status != 200 || body["confirmed_by"] != staffLan {
		t.Fatalf("confirm: %d %v", status, body)
	}
	if n, err := sender.SubmitPending(ctx); n != 0 || err != nil || len(checkins()) != 0 {
		t.Fatalf("before the episode: %d, %v, %d requests", n, err, len(checkins()))
	}
	// The HIS sets the episode: the check-in goes out once, under Lan's session.
	episode := `{"maLK":"79024_2026_06_BN0042_KB0007","maBN":"BN0042","maLoaiKCB":"01","maDoiTuongKCB":"1.1"}`
	if status, body, _ := d.call("PATCH", fmt.Sprintf("/api/v1/checkins/%d/episode", lanTap.Seq), episode, program); status != 200 {
		t.Fatalf("episode: %d %v", status, body)
	}
	if n, err := sender.SubmitPending(ctx); n != 1 || err != nil {
		t.Fatalf("SubmitPending = %d, %v", n, err)
	}
	if n, err := sender.SubmitPending(ctx); n != 0 || err != nil {
		t.Fatalf("a second pass = %d, %v", n, err)
	}
	reqs := checkins()
	if len(reqs) != 1 {
		t.Fatalf("%d check-in requests, want exactly 1", len(reqs))
	}
	r := reqs[0]
	var lanToken string
	for _, l := range d.gw.Requests() {
		if l.Endpoint == "lookup" && l.Username == "lan.79024" {
			lanToken = l.Token
		}
	}
	if r.Username != "lan.79024" || !r.TokenOK || r.Token != lanToken || r.LoaiHoSo != "0" || r.MaTinh != "79" || r.MaCSKCB != deskFacility {
		t.Fatalf("check-in request: account %s token ok %v (Lan's %v) loaiHoSo %s maTinh %s maCSKCB %s",
			r.Username, r.TokenOK, r.Token == lanToken, r.LoaiHoSo, r.MaTinh, r.MaCSKCB)
	}
	stored, _, _ := d.db.Checkin(lanTap.Seq)
	var want bytes.Buffer
	if err := cache.WriteCheckinXML0(&want, stored); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.XML0, want.Bytes()) {
		t.Fatalf("fileHSBase64 decodes to\n%s\nwant the check-in's XML0\n%s", r.XML0, want.Bytes())
	}
	var table struct {
		Rows []struct {
			MaLK   string `xml:"MA_LK"`
			SoCCCD string `xml:"SO_CCCD"`
			MaThe  string `xml:"MA_THE_BHYT"`
		} `xml:"DSACH_TRANG_THAI_KCB>TRANG_THAI_KCB"`
	}
	if err := xml.Unmarshal(r.XML0, &table); err != nil || len(table.Rows) != 1 || table.Rows[0].MaLK != "79024_2026_06_BN0042_KB0007" ||
		table.Rows[0].SoCCCD != sim.DemoID || table.Rows[0].MaThe != stored.MaThe {
		t.Fatalf("XML0 table %+v, %v", table, err)
	}
	if b := stored.BHXH; b == nil || b.Status != cache.BHXHAccepted || b.MaKetQua != "200" || b.MaGiaoDich == "" ||
		len(b.ThoiGianTiepNhan) != 14 || b.Staff != staffLan || b.Attempts != 1 || b.AnsweredAt.IsZero() {
		t.Fatalf("recorded answer %+v", stored.BHXH)
	}
	if status, body, _ := d.call("GET", fmt.Sprintf("/api/v1/checkins/%d", lanTap.Seq), "", program); status != 200 ||
		body["bhxh_checkin"].(map[string]any)["maKetQua"] != "200" {
		t.Fatalf("the API shows %d %v", status, body["bhxh_checkin"])
	}

	// Minh confirms his check-in, then signs out before the HIS sets the
	// episode: it stays pending, and no request is made.
	if status, body, _ := d.call("POST", fmt.Sprintf("/api/v1/checkins/%d/confirm", minhTap.Seq), "", minhHdr); status != 200 {
		t.Fatalf("confirm: %d %v", status, body)
	}
	if status, body, _ := d.call("DELETE", "/api/v1/session", "", minhHdr); status != 200 {
		t.Fatalf("sign-out: %d %v", status, body)
	}
	if status, body, _ := d.call("PATCH", fmt.Sprintf("/api/v1/checkins/%d/episode", minhTap.Seq), strings.Replace(episode, "KB0007", "KB0008", 1), program); status != 200 {
		t.Fatalf("episode: %d %v", status, body)
	}
	for range 2 {
		if n, err := sender.SubmitPending(ctx); n != 0 || err != nil {
			t.Fatalf("with Minh signed out: %d, %v", n, err)
		}
	}
	if len(checkins()) != 1 {
		t.Fatalf("%d check-in requests with Minh signed out, want still 1", len(checkins()))
	}
	if c, _, _ := d.db.Checkin(minhTap.Seq); c.BHXH == nil || c.BHXH.Status != cache.BHXHPending || c.BHXH.Attempts != 0 || c.BHXH.LastError == "" {
		t.Fatalf("waiting check-in %+v", c.BHXH)
	}

	// Minh is back, the gateway fails once: the error is recorded, the
	// check-in retried after its backoff, and then accepted.
	d.signIn("minh.79024", rightDesk, "gw-minh.79024")
	d.gw.CheckinFail.Store(1)
	if n, err := sender.SubmitPending(ctx); n != 0 || !errors.Is(err, gateway.ErrUnavailable) {
		t.Fatalf("gateway error: %d, %v", n, err)
	}
	if c, _, _ := d.db.Checkin(minhTap.Seq); c.BHXH.Status != cache.BHXHPending || c.BHXH.Attempts != 1 || c.BHXH.LastError == "" {
		t.Fatalf("after the gateway error: %+v", c.BHXH)
	}
	if n, err := sender.SubmitPending(ctx); n != 0 || err != nil || len(checkins()) != 2 {
		t.Fatalf("within the backoff: %d, %v, %d requests", n, err, len(checkins()))
	}
	d.clk.Add(2 * time.Second)
	if n, err := sender.SubmitPending(ctx); n != 1 || err != nil {
		t.Fatalf("retry: %d, %v", n, err)
	}
	reqs = checkins()
	if len(reqs) != 3 || reqs[2].Username != "minh.79024" || !reqs[2].TokenOK {
		t.Fatalf("requests %+v", reqs)
	}
	if c, _, _ := d.db.Checkin(minhTap.Seq); c.BHXH.Status != cache.BHXHAccepted || c.BHXH.Attempts != 2 || c.BHXH.LastError != "" || c.BHXH.Staff != staffMinh {
		t.Fatalf("after the retry: %+v", c.BHXH)
	}
}

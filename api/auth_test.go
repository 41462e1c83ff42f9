package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/checkin"
	"github.com/cccd-agent/cccd/internal/passhash"
)

// memStaff and memAudit stand in for the cache in API tests.
type memStaff map[string]cache.Staff

func (m memStaff) StaffByName(name string) (cache.Staff, error) {
	s, ok := m[cache.StaffKey(name)]
	if !ok {
		return cache.Staff{}, fmt.Errorf("staff: %w", cache.ErrNotFound)
	}
	return s, nil
}

type memAudit struct {
	mu   sync.Mutex
	recs []cache.AuditRecord
}

func (a *memAudit) AppendAudit(r cache.AuditRecord) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	r.Seq = uint64(len(a.recs) + 1)
	a.recs = append(a.recs, r)
	return nil
}

func (a *memAudit) events() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, r := range a.recs {
		out = append(out, r.Event+"/"+r.Staff+r.Token+"/"+r.Result)
	}
	return out
}

const (
	staffLan  = "Nguyễn Thị Lan"
	pinLan    = "135790"
	staffMinh = "Trần Minh"
	pinMinh   = "864201"
	console   = "http://127.0.0.1:7400"
)

func testStaff(t testing.TB) memStaff {
	t.Helper()
	cheap := passhash.Params{MemoryKiB: 64, Time: 1, Threads: 1}
	m := memStaff{}
	for _, s := range []struct{ name, cccd, pin string }{{staffLan, "079190001234", pinLan}, {staffMinh, "079188004321", pinMinh}, {"Nghỉ Việc", "079170000001", "111111"}} {
		h, err := passhash.Hash(s.pin, cheap)
		if err != nil {
			t.Fatal(err)
		}
		m[cache.StaffKey(s.name)] = cache.Staff{Name: s.name, CCCD: s.cccd, Hash: h, Disabled: s.name == "Nghỉ Việc"}
	}
	return m
}

// authServer is an API with staff accounts, an audit trail and a clock the
// test moves.
type authServer struct {
	t     *testing.T
	h     http.Handler
	srv   *Server
	audit *memAudit
	mu    sync.Mutex
	now   time.Time
}

func newAuthServer(t *testing.T, cfg Config) *authServer {
	t.Helper()
	a := &authServer{t: t, audit: &memAudit{}, now: time.Date(2026, 12, 5, 7, 0, 0, 0, time.UTC)}
	cfg.Listen = "127.0.0.1:7400"
	cfg.Staff = testStaff(t)
	cfg.Audit = a.audit
	cfg.Now = func() time.Time { a.mu.Lock(); defer a.mu.Unlock(); return a.now }
	b := &recordingBackend{hub: checkin.NewHub(), keys: map[string]string{}}
	a.srv = New(cfg, testToken, b, nil)
	a.h = validated(t, a.srv.Handler())
	return a
}

func (a *authServer) advance(d time.Duration) { a.mu.Lock(); a.now = a.now.Add(d); a.mu.Unlock() }

type reply struct {
	status int
	err    apiError
	body   map[string]any
	hdr    http.Header
	cookie string
	raw    []byte
}

func (a *authServer) call(method, path, body string, hdr map[string]string) reply {
	a.t.Helper()
	req := httptest.NewRequest(method, "http://127.0.0.1:7400"+path, strings.NewReader(body))
	req.RemoteAddr = "127.0.0.1:40000"
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	r := reply{status: rec.Code, hdr: rec.Header(), raw: rec.Body.Bytes()}
	_ = json.Unmarshal(rec.Body.Bytes(), &r.body)
	_ = json.Unmarshal(rec.Body.Bytes(), &r.err)
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessionCookie {
			r.cookie = c.Value
		}
	}
	return r
}

// signIn signs staff in from origin and returns the headers a page then sends.
func (a *authServer) signIn(origin, staff, pin string) (map[string]string, reply) {
	a.t.Helper()
	b, _ := json.Marshal(map[string]string{"staff": staff, "pin": pin})
	r := a.call("POST", "/api/v1/session", string(b), map[string]string{"Origin": origin, "Content-Type": "application/json"})
	if r.status != 200 {
		return nil, r
	}
	csrf, _ := r.body["csrf_token"].(string)
	return map[string]string{"Origin": origin, "Cookie": sessionCookie + "=" + r.cookie, "X-CSRF-Token": csrf}, r
}

// TestSessionNeedsStaffCredentials: issue #13's two curl lines, and their
// variants with a forged Origin, get 401/403 and no session, no data.
func TestSessionNeedsStaffCredentials(t *testing.T) {
	a := newAuthServer(t, Config{})
	for _, tc := range []struct {
		name   string
		body   string
		hdr    map[string]string
		status int
	}{
		{"forged console origin, no body", "", map[string]string{"Origin": console}, 401},
		{"forged console origin, empty object", "{}", map[string]string{"Origin": console}, 401},
		{"forged HIS origin, staff without PIN", `{"staff":"` + staffLan + `"}`, map[string]string{"Origin": console}, 401},
		{"forged origin, wrong PIN", `{"staff":"` + staffLan + `","pin":"000000"}`, map[string]string{"Origin": console}, 401},
		{"unknown staff", `{"staff":"nobody","pin":"` + pinLan + `"}`, map[string]string{"Origin": console}, 401},
		{"disabled staff, right PIN", `{"staff":"Nghỉ Việc","pin":"111111"}`, map[string]string{"Origin": console}, 401},
		{"bad one-time code", `{"code":"0123"}`, map[string]string{"Origin": console}, 401},
		{"no origin, right PIN", `{"staff":"` + staffLan + `","pin":"` + pinLan + `"}`, nil, 403},
		{"foreign origin, right PIN", `{"staff":"` + staffLan + `","pin":"` + pinLan + `"}`, map[string]string{"Origin": "https://evil.example"}, 403},
		{"unknown field", `{"staff":"` + staffLan + `","pin":"` + pinLan + `","admin":true}`, map[string]string{"Origin": console}, 400},
	} {
		r := a.call("POST", "/api/v1/session", tc.body, tc.hdr)
		if r.status != tc.status || r.cookie != "" || r.body["csrf_token"] != nil {
			t.Errorf("%s: %d cookie %q body %v, want %d and no session", tc.name, r.status, r.cookie, r.body, tc.status)
		}
		if r.status == 400 {
			continue
		}
		if r.status != 401 && r.status != 403 {
			t.Errorf("%s: status %d", tc.name, r.status)
		}
	}
	// The second curl line: whatever cookie it holds, no data.
	if r := a.call("GET", "/api/v1/checkins", "", map[string]string{"Cookie": sessionCookie + "=forged", "Origin": console}); r.status != 401 {
		t.Fatalf("GET /api/v1/checkins with a forged cookie: %d", r.status)
	}
	if r := a.call("GET", "/api/v1/session", "", nil); r.status != 200 || r.body["signed_in"] != false {
		t.Fatalf("GET /api/v1/session without credentials: %d %v", r.status, r.body)
	}
	// A failure records the known account only, never what was typed for an unknown one.
	for _, rec := range a.audit.recs {
		if strings.Contains(rec.Staff, "nobody") {
			t.Fatalf("audit kept a typed unknown name: %+v", rec)
		}
	}
}

func TestSignInSignOut(t *testing.T) {
	a := newAuthServer(t, Config{})
	hdr, r := a.signIn(console, staffLan, pinLan)
	if hdr == nil {
		t.Fatalf("sign-in: %d %+v", r.status, r.err)
	}
	if r.body["staff"] != staffLan || r.body["signed_in"] != true || r.body["idle_lock_seconds"] != float64(900) {
		t.Fatalf("sign-in body %v", r.body)
	}
	if who := a.call("GET", "/api/v1/session", "", hdr); who.body["staff"] != staffLan || who.body["signed_in"] != true || who.body["csrf_token"] != hdr["X-CSRF-Token"] {
		t.Fatalf("who am I: %v", who.body)
	}
	if who := a.call("GET", "/api/v1/session", "", map[string]string{"Authorization": "Bearer " + testToken}); who.body["token"] != DefaultTokenName || who.body["signed_in"] != false {
		t.Fatalf("who am I with the token: %v", who.body)
	}
	if r := a.call("GET", "/api/v1/checkins", "", hdr); r.status != 200 {
		t.Fatalf("signed-in GET: %d", r.status)
	}
	noCSRF := map[string]string{"Origin": hdr["Origin"], "Cookie": hdr["Cookie"]}
	if r := a.call("DELETE", "/api/v1/session", "", noCSRF); r.status != 401 {
		t.Fatalf("sign-out without CSRF token: %d", r.status)
	}
	if r := a.call("DELETE", "/api/v1/session", "", hdr); r.status != 200 {
		t.Fatalf("sign-out: %d %+v", r.status, r.err)
	}
	if r := a.call("GET", "/api/v1/checkins", "", hdr); r.status != 401 {
		t.Fatalf("GET after sign-out: %d", r.status)
	}
	// The demo's one-time code works once.
	code := a.srv.OneTimeSignIn(staffMinh)
	if r := a.call("POST", "/api/v1/session", `{"code":"`+code+`"}`, map[string]string{"Origin": console}); r.status != 200 || r.body["staff"] != staffMinh {
		t.Fatalf("one-time code: %d %v", r.status, r.body)
	}
	if r := a.call("POST", "/api/v1/session", `{"code":"`+code+`"}`, map[string]string{"Origin": console}); r.status != 401 {
		t.Fatalf("one-time code used twice: %d", r.status)
	}
	got := strings.Join(a.audit.events(), " ")
	for _, want := range []string{"sign-in/" + staffLan + "/ok", "sign-out/" + staffLan + "/ok", "sign-in/" + staffMinh + "/ok", "sign-in-failed//bad-code"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit %q lacks %q", got, want)
		}
	}
}

// TestSignInThrottle: five wrong PINs for one account throttle it (even the
// right PIN is refused) until the lockout passes; five wrong PINs over
// several accounts from one client throttle that client.
func TestSignInThrottle(t *testing.T) {
	a := newAuthServer(t, Config{SignInFailures: 5, SignInLockout: time.Minute})
	for i := range 5 {
		if _, r := a.signIn(console, staffLan, fmt.Sprintf("00000%d", i)); r.status != 401 {
			t.Fatalf("wrong PIN %d: %d", i+1, r.status)
		}
	}
	_, r := a.signIn(console, staffLan, pinLan)
	if r.status != 429 || r.err.Code != codeThrottled || r.hdr.Get("Retry-After") != "60" {
		t.Fatalf("right PIN after five wrong ones: %d %q Retry-After %q, want 429 throttled", r.status, r.err.Code, r.hdr.Get("Retry-After"))
	}
	// Another page origin is another client, but the account is still throttled.
	if _, r := a.signIn("https://his.example.vn", staffLan, pinLan); r.status != 403 && r.status != 429 {
		t.Fatalf("throttled account from elsewhere: %d", r.status)
	}
	a.advance(61 * time.Second)
	if hdr, r := a.signIn(console, staffLan, pinLan); hdr == nil {
		t.Fatalf("after the lockout: %d %+v", r.status, r.err)
	}
	// One more run of failures from this client, spread over accounts.
	for i := range 5 {
		name := []string{staffMinh, "nobody", "x", "y", "z"}[i]
		if _, r := a.signIn(console, name, "999999"); r.status != 401 {
			t.Fatalf("spread failure %d: %d", i, r.status)
		}
	}
	if _, r := a.signIn(console, staffMinh, pinMinh); r.status != 429 {
		t.Fatalf("client after five failures over accounts: %d, want 429", r.status)
	}
	// The lockout doubles with a further failure after it.
	a.advance(61 * time.Second)
	if _, r := a.signIn(console, staffMinh, "999999"); r.status != 401 {
		t.Fatalf("sixth failure: %d", r.status)
	}
	_, r = a.signIn(console, staffMinh, pinMinh)
	if r.status != 429 || r.hdr.Get("Retry-After") != "120" {
		t.Fatalf("after a sixth failure: %d Retry-After %q, want 429 and 120", r.status, r.hdr.Get("Retry-After"))
	}
	n := 0
	for _, e := range a.audit.events() {
		if strings.HasPrefix(e, "sign-in-throttled") {
			n++
		}
	}
	if n < 3 {
		t.Fatalf("throttled attempts audited %d times: %v", n, a.audit.events())
	}
}

// TestIdleLockAndShiftLimit: with the clock injected, a session stays while
// used, locks after 15 idle minutes, and ends 12 hours after sign-in however
// busy.
func TestIdleLockAndShiftLimit(t *testing.T) {
	a := newAuthServer(t, Config{})
	hdr, r := a.signIn(console, staffLan, pinLan)
	if hdr == nil {
		t.Fatalf("sign-in: %d", r.status)
	}
	a.advance(14 * time.Minute)
	if r := a.call("GET", "/api/v1/status", "", hdr); r.status != 200 {
		t.Fatalf("after 14 idle minutes: %d", r.status)
	}
	a.advance(14 * time.Minute)
	if r := a.call("GET", "/api/v1/status", "", hdr); r.status != 200 {
		t.Fatalf("14 minutes after the last call: %d", r.status)
	}
	a.advance(15 * time.Minute)
	r = a.call("GET", "/api/v1/status", "", hdr)
	if r.status != 401 || !strings.Contains(r.err.Message, "locked") {
		t.Fatalf("after 15 idle minutes: %d %q, want 401 locked", r.status, r.err.Message)
	}
	if r := a.call("GET", "/api/v1/status", "", hdr); r.status != 401 {
		t.Fatalf("a locked session came back: %d", r.status)
	}
	hdr, _ = a.signIn(console, staffLan, pinLan)
	for elapsed := time.Duration(0); elapsed < 12*time.Hour-10*time.Minute; elapsed += 10 * time.Minute {
		a.advance(10 * time.Minute)
		if r := a.call("GET", "/api/v1/status", "", hdr); r.status != 200 {
			t.Fatalf("busy session at %v: %d", elapsed+10*time.Minute, r.status)
		}
	}
	a.advance(10 * time.Minute)
	r = a.call("GET", "/api/v1/status", "", hdr)
	if r.status != 401 || !strings.Contains(r.err.Message, "shift") {
		t.Fatalf("after 12 hours: %d %q, want 401 shift over", r.status, r.err.Message)
	}
	// The page's own polling does not keep the desk open.
	hdr, _ = a.signIn(console, staffLan, pinLan)
	bg := map[string]string{"Origin": hdr["Origin"], "Cookie": hdr["Cookie"], backgroundHeader: "1"}
	for range 14 {
		a.advance(time.Minute)
		if r := a.call("GET", "/api/v1/status", "", bg); r.status != 200 {
			t.Fatalf("background poll: %d", r.status)
		}
	}
	a.advance(time.Minute)
	if r := a.call("GET", "/api/v1/status", "", bg); r.status != 401 {
		t.Fatalf("15 minutes of background polls only: %d, want 401 locked", r.status)
	}
	got := strings.Join(a.audit.events(), " ")
	if !strings.Contains(got, "idle-locked/"+staffLan) || !strings.Contains(got, "shift-ended/"+staffLan) {
		t.Fatalf("audit %q lacks the lock and the shift end", got)
	}
}

// TestSessionCapNeverEvicts: issue #13's session eviction. With 4 sessions
// per origin, 260 more sign-ins are refused and every signed-in staff
// session keeps working; a sign-out frees a place.
func TestSessionCapNeverEvicts(t *testing.T) {
	a := newAuthServer(t, Config{MaxSessionsPerOrigin: 4, SignInFailures: 1000, AnonRateBurst: 1000})
	var sessions []map[string]string
	for range 4 {
		hdr, r := a.signIn(console, staffLan, pinLan)
		if hdr == nil {
			t.Fatalf("sign-in: %d", r.status)
		}
		sessions = append(sessions, hdr)
	}
	refused := 0
	for range 260 {
		if _, r := a.signIn(console, staffMinh, pinMinh); r.status == 429 && r.err.Code == codeTooManySessions {
			refused++
		}
	}
	alive := 0
	for _, hdr := range sessions {
		if r := a.call("GET", "/api/v1/checkins", "", hdr); r.status == 200 {
			alive++
		}
	}
	t.Logf("260 sign-ins beyond the cap of 4: %d refused with 429 too-many-sessions; %d of 4 signed-in sessions still work", refused, alive)
	if refused != 260 || alive != 4 {
		t.Fatalf("refused %d, alive %d", refused, alive)
	}
	// Another origin has its own share.
	if hdr, r := a.signIn("https://his.example.vn", staffMinh, pinMinh); hdr == nil && r.status != 403 {
		t.Fatalf("other origin: %d", r.status)
	}
	if r := a.call("DELETE", "/api/v1/session", "", sessions[0]); r.status != 200 {
		t.Fatalf("sign-out: %d", r.status)
	}
	if hdr, r := a.signIn(console, staffMinh, pinMinh); hdr == nil {
		t.Fatalf("sign-in after a sign-out: %d", r.status)
	}
	// Idle sessions make room once they lock.
	a.advance(16 * time.Minute)
	if hdr, r := a.signIn(console, staffMinh, pinMinh); hdr == nil {
		t.Fatalf("sign-in after the others locked: %d", r.status)
	}
}

// TestEventStreamEndsWithSession: a console's WebSocket is closed once its
// session is signed out, so a signed-out desk receives no more taps.
func TestEventStreamEndsWithSession(t *testing.T) {
	old := sessionRecheck
	sessionRecheck = 20 * time.Millisecond
	t.Cleanup(func() { sessionRecheck = old })
	b := &recordingBackend{hub: checkin.NewHub(), keys: map[string]string{}}
	ts := httptest.NewUnstartedServer(nil)
	origin := "http://" + ts.Listener.Addr().String()
	srv := New(Config{Listen: ts.Listener.Addr().String(), Staff: testStaff(t)}, testToken, b, nil)
	ts.Config = srv.HTTPServer()
	ts.Config.Handler = validated(t, ts.Config.Handler)
	ts.Start()
	defer ts.Close()
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/session", strings.NewReader(`{"staff":"`+staffLan+`","pin":"`+pinLan+`"}`))
	req.Header.Set("Origin", origin)
	resp, err := ts.Client().Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("sign-in: %v %v", resp, err)
	}
	var body struct {
		CSRF string `json:"csrf_token"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	cookie := resp.Cookies()[0].Name + "=" + resp.Cookies()[0].Value
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/api/v1/events",
		&websocket.DialOptions{HTTPHeader: http.Header{"Origin": {origin}, "Cookie": {cookie}}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	out, _ := http.NewRequest("DELETE", ts.URL+"/api/v1/session", nil)
	out.Header.Set("Origin", origin)
	out.Header.Set("Cookie", cookie)
	out.Header.Set("X-CSRF-Token", body.CSRF)
	if resp, err := ts.Client().Do(out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("sign-out: %v %v", resp, err)
	}
	_, _, err = conn.Read(ctx)
	if websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
		t.Fatalf("stream after sign-out: %v, want closed with policy violation", err)
	}
}

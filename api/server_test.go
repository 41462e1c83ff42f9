package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/checkin"
	"github.com/cccd-agent/cccd/verify"
)

// recordingBackend answers the API from memory and records submitted keys.
type recordingBackend struct {
	hub  *checkin.Hub
	keys map[string]string
}

func (b *recordingBackend) Status(context.Context) checkin.StatusInfo {
	return checkin.StatusInfo{Online: true}
}
func (b *recordingBackend) Readers(context.Context) []checkin.ReaderInfo {
	return []checkin.ReaderInfo{{Name: "sim"}}
}
func (b *recordingBackend) SubmitKey(_ context.Context, reader, key string) error {
	if reader != "sim" {
		return fmt.Errorf("reader %q: %w", reader, checkin.ErrNotFound)
	}
	if len(key) != 6 {
		return fmt.Errorf("key must be 6 digits: %w", checkin.ErrBadInput)
	}
	b.keys[reader] = key
	return nil
}
func (b *recordingBackend) Checkins(context.Context, uint64, int) ([]cache.Checkin, error) {
	return []cache.Checkin{}, nil
}
func (b *recordingBackend) CheckinsBefore(context.Context, uint64, int, string) ([]cache.Checkin, error) {
	return []cache.Checkin{}, nil
}
func (b *recordingBackend) CancelCheckin(_ context.Context, seq uint64) (cache.Checkin, error) {
	return cache.Checkin{}, fmt.Errorf("check-in %d: %w", seq, checkin.ErrNotFound)
}
func (b *recordingBackend) ManualLookup(context.Context, checkin.ManualPerson) (checkin.ManualResult, error) {
	return checkin.ManualResult{}, fmt.Errorf("id_number must be the 12 digits of the ID number: %w", checkin.ErrBadInput)
}
func (b *recordingBackend) Checkin(_ context.Context, seq uint64) (cache.Checkin, error) {
	return cache.Checkin{}, fmt.Errorf("check-in %d: %w", seq, checkin.ErrNotFound)
}
func (b *recordingBackend) ConfirmCheckin(_ context.Context, seq uint64) (cache.Checkin, error) {
	c := sampleCheckin(seq)
	c.Confirmed = true
	return c, nil
}
func (b *recordingBackend) ConfirmCurrent(_ context.Context, reader string, seq uint64) (cache.Checkin, error) {
	if reader != "sim" || seq != 7 {
		return cache.Checkin{}, fmt.Errorf("check-in %d is no longer the result on this reader: %w", seq, checkin.ErrConflict)
	}
	return cache.Checkin{Seq: seq, Confirmed: true}, nil
}
func (b *recordingBackend) SetEpisode(_ context.Context, seq uint64, e cache.Episode) (cache.Checkin, error) {
	if seq != 7 {
		return cache.Checkin{}, fmt.Errorf("check-in %d: %w", seq, checkin.ErrNotFound)
	}
	if err := e.Validate(); err != nil {
		return cache.Checkin{}, fmt.Errorf("%w: %w", checkin.ErrBadInput, err)
	}
	c := sampleCheckin(seq)
	c.Episode = &e
	return c, nil
}
func (b *recordingBackend) Lookup(context.Context, string) (checkin.Eligibility, error) {
	return checkin.Eligibility{Status: checkin.NotFound, Code: "050", Source: checkin.FromRoster}, nil
}

// sampleCheckin is a check-in as the agent records one (no person's data):
// the fields the OpenAPI document requires to hold one of their values.
func sampleCheckin(seq uint64) cache.Checkin {
	return cache.Checkin{Seq: seq, Key: "5f0c8e2a9d4b4c1e8a7f3b2d6e1c9a04", Reader: "sim", Facility: "79024",
		Verification: "intact-untrusted", Eligibility: cache.CheckinEligibility{Status: "not-found", Code: "050", Source: "roster"}}
}
func (b *recordingBackend) SyncNow(context.Context) (checkin.StatusInfo, error) {
	return checkin.StatusInfo{}, nil
}

// testReadID is the one recent read recordingBackend keeps.
const testReadID = "RGRRZ2SXA7L4LXTW6NPLZPBZ6Q"

func (b *recordingBackend) Read(_ context.Context, id string) (*checkin.ReadResult, error) {
	if id != testReadID {
		return nil, fmt.Errorf("read %.40q is unknown or has expired: %w", id, checkin.ErrNotFound)
	}
	return &checkin.ReadResult{Reader: "sim", Access: "PACE-CAN",
		Photo:        &checkin.Photo{Format: "jpeg", Width: 1, Height: 1, Bytes: 3, Data: []byte{0xff, 0xd8, 0xff}},
		Verification: &verify.Result{Status: verify.StatusVerified, Reasons: []string{}}}, nil
}
func (b *recordingBackend) Subscribe() (<-chan checkin.Event, func()) { return b.hub.Subscribe() }

const testToken = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func newTestServer(t *testing.T) (*httptest.Server, *recordingBackend) {
	t.Helper()
	b := &recordingBackend{hub: checkin.NewHub(), keys: map[string]string{}}
	ts := httptest.NewUnstartedServer(nil)
	cfg := Config{Listen: ts.Listener.Addr().String(), HISOrigins: []string{"https://his.example.vn"}, MaxBodyBytes: 1024, Staff: testStaff(t)}
	ts.Config.Handler = validated(t, New(cfg, testToken, b, fstest.MapFS{"index.html": {Data: []byte("<html>console</html>")}}).Handler())
	ts.Start()
	t.Cleanup(ts.Close)
	return ts, b
}

func do(t *testing.T, ts *httptest.Server, method, path, body string, hdr map[string]string) (*http.Response, apiError) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e apiError
	_ = json.NewDecoder(resp.Body).Decode(&e)
	return resp, e
}

func TestAPIGuards(t *testing.T) {
	ts, b := newTestServer(t)
	bearer := map[string]string{"Authorization": "Bearer " + testToken}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range bearer {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name       string
		method     string
		path, body string
		hdr        map[string]string
		wantStatus int
		wantCode   string
	}{
		{"healthz needs nothing", "GET", "/healthz", "", nil, 200, ""},
		{"no token", "GET", "/api/v1/status", "", nil, 401, codeUnauthorized},
		{"wrong token", "GET", "/api/v1/status", "", map[string]string{"Authorization": "Bearer nope"}, 401, codeUnauthorized},
		{"token", "GET", "/api/v1/status", "", bearer, 200, ""},
		{"foreign origin", "GET", "/api/v1/status", "", with(map[string]string{"Origin": "https://evil.example"}), 403, codeForbiddenOrigin},
		{"cross-site without origin", "GET", "/api/v1/status", "", with(map[string]string{"Sec-Fetch-Site": "cross-site"}), 403, codeForbiddenOrigin},
		{"foreign host", "GET", "/api/v1/status", "", with(map[string]string{"Host": "rebind.evil.example"}), 403, codeForbiddenHost},
		{"foreign host on console", "GET", "/", "", map[string]string{"Host": "rebind.evil.example:7400"}, 403, codeForbiddenHost},
		{"oversized body", "POST", "/api/v1/readers/sim/key", `{"key":"` + strings.Repeat("1", 2000) + `"}`, bearer, 413, codeTooLarge},
		{"malformed JSON", "POST", "/api/v1/readers/sim/key", `{"key":`, bearer, 400, codeBadRequest},
		{"unknown field", "POST", "/api/v1/readers/sim/key", `{"kee":"123456"}`, bearer, 400, codeBadRequest},
		{"bad key", "POST", "/api/v1/readers/sim/key", `{"key":"12"}`, bearer, 400, codeBadRequest},
		{"unknown reader", "POST", "/api/v1/readers/other/key", `{"key":"123456"}`, bearer, 404, codeNotFound},
		{"key accepted", "POST", "/api/v1/readers/sim/key", `{"key":"123456"}`, bearer, 200, ""},
		{"unknown endpoint", "GET", "/api/v1/nothing", "", bearer, 404, codeNotFound},
		{"bad seq", "GET", "/api/v1/checkins/x", "", bearer, 400, codeBadRequest},
		{"bad query", "GET", "/api/v1/checkins?after=-1", "", bearer, 400, codeBadRequest},
		{"session needs origin", "POST", "/api/v1/session", "", nil, 403, codeForbiddenOrigin},
		// The HIS sets its episode fields (issue 15), with the token like other writes.
		{"episode without token", "PATCH", "/api/v1/checkins/7/episode", `{"maLK":"BV_2026_1"}`, nil, 401, codeUnauthorized},
		{"episode set", "PATCH", "/api/v1/checkins/7/episode", `{"maLK":"BV_2026_1","maBN":"BN1","maLoaiKCB":"01","maDoiTuongKCB":"1.1"}`, bearer, 200, ""},
		{"episode without maLK", "PATCH", "/api/v1/checkins/7/episode", `{"maBN":"BN1"}`, bearer, 400, codeBadRequest},
		{"episode bad maLoaiKCB", "PATCH", "/api/v1/checkins/7/episode", `{"maLK":"x","maLoaiKCB":"1"}`, bearer, 400, codeBadRequest},
		{"episode bad maDoiTuongKCB", "PATCH", "/api/v1/checkins/7/episode", `{"maLK":"x","maDoiTuongKCB":"12345"}`, bearer, 400, codeBadRequest},
		{"episode maLK too long", "PATCH", "/api/v1/checkins/7/episode", `{"maLK":"` + strings.Repeat("x", 101) + `"}`, bearer, 400, codeBadRequest},
		{"episode unknown field", "PATCH", "/api/v1/checkins/7/episode", `{"maLK":"x","maThe":"y"}`, bearer, 400, codeBadRequest},
		{"episode unknown check-in", "PATCH", "/api/v1/checkins/8/episode", `{"maLK":"x"}`, bearer, 404, codeNotFound},
		{"episode wrong method", "POST", "/api/v1/checkins/7/episode", `{"maLK":"x"}`, bearer, 404, codeNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, e := do(t, ts, tc.method, tc.path, tc.body, tc.hdr)
			if resp.StatusCode != tc.wantStatus || e.Code != tc.wantCode {
				t.Fatalf("got %d %q (%s), want %d %q", resp.StatusCode, e.Code, e.Message, tc.wantStatus, tc.wantCode)
			}
			if tc.wantCode != "" && (e.Message == "" || strings.Contains(e.Message, "\n")) {
				t.Fatalf("error message %q is not one line", e.Message)
			}
		})
	}
	if b.keys["sim"] != "123456" {
		t.Fatalf("key not delivered to backend: %v", b.keys)
	}
}

func TestBrowserSession(t *testing.T) {
	ts, _ := newTestServer(t)
	const his = "https://his.example.vn"

	// Preflight from the HIS origin, with Private Network Access.
	resp, _ := do(t, ts, "OPTIONS", "/api/v1/readers/sim/key", "", map[string]string{
		"Origin": his, "Access-Control-Request-Method": "POST", "Access-Control-Request-Private-Network": "true"})
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Private-Network") != "true" || resp.Header.Get("Access-Control-Allow-Origin") != his {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	if resp, _ := do(t, ts, "OPTIONS", "/api/v1/status", "", map[string]string{"Origin": "https://evil.example"}); resp.StatusCode != 403 {
		t.Fatalf("foreign preflight: %d", resp.StatusCode)
	}

	// A HIS page on another site signs in: the browser would drop a cookie
	// of 127.0.0.1 as a third-party cookie, so the page gets a session
	// token to send in a header, and no cookie.
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/session", strings.NewReader(`{"staff":"`+staffLan+`","pin":"`+pinLan+`"}`))
	req.Header.Set("Origin", his)
	sresp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		SessionToken string `json:"session_token"`
	}
	json.NewDecoder(sresp.Body).Decode(&body)
	sresp.Body.Close()
	if sresp.StatusCode != 200 || len(sresp.Cookies()) != 0 || len(body.SessionToken) != 64 || sresp.Header.Get("Access-Control-Allow-Origin") != his {
		t.Fatalf("HIS sign-in: %d, cookies %v, token %d characters", sresp.StatusCode, sresp.Cookies(), len(body.SessionToken))
	}
	if strings.Contains(fmt.Sprint(sresp.Header), testToken) {
		t.Fatal("session response exposes the bearer token")
	}
	hdr := map[string]string{"Origin": his, sessionHeader: body.SessionToken}
	if resp, _ := do(t, ts, "GET", "/api/v1/status", "", hdr); resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != his {
		t.Fatalf("GET with the session header: %d", resp.StatusCode)
	}
	// The header is never sent by the browser on its own: no CSRF token needed.
	if resp, _ := do(t, ts, "POST", "/api/v1/readers/sim/key", `{"key":"123456"}`, hdr); resp.StatusCode != 200 {
		t.Fatalf("POST with the session header: %d", resp.StatusCode)
	}
	// Bound to the page's origin: a program sending the token without it, or
	// as a cookie from no page, gets nothing.
	if resp, _ := do(t, ts, "GET", "/api/v1/status", "", map[string]string{sessionHeader: body.SessionToken}); resp.StatusCode != 401 {
		t.Fatalf("session header without Origin: %d, want 401", resp.StatusCode)
	}
	if resp, _ := do(t, ts, "GET", "/api/v1/status", "", map[string]string{"Origin": "http://127.0.0.1:1", sessionHeader: body.SessionToken}); resp.StatusCode != 403 {
		t.Fatalf("session header from another origin: %d", resp.StatusCode)
	}
	// The event stream takes the token as a subprotocol (a page cannot set
	// headers on a WebSocket) and answers with cccd.v1.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	wsURL := "ws" + strings.TrimPrefix(ts.URL, "http") + "/api/v1/events"
	conn, wresp, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {his}},
		Subprotocols: []string{eventsProtocol, sessionProtocolPrefix + body.SessionToken}})
	if err != nil {
		t.Fatalf("events with the session subprotocol: %v", err)
	}
	if conn.Subprotocol() != eventsProtocol || wresp.Header.Get("Sec-WebSocket-Protocol") != eventsProtocol {
		t.Fatalf("subprotocol %q", conn.Subprotocol())
	}
	conn.CloseNow()
	_, _, err = websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {his}},
		Subprotocols: []string{eventsProtocol, sessionProtocolPrefix + "0000"}})
	if err == nil {
		t.Fatal("events with a wrong session token were served")
	}
}

func TestEventStream(t *testing.T) {
	ts, b := newTestServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(ts.URL, "http") + "/api/v1/events"
	if _, _, err := websocket.Dial(ctx, url, nil); err == nil {
		t.Fatal("WebSocket without credentials was accepted")
	}
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + testToken}}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	for b.hub.Subscribers() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	want := []string{"card-present", "progress", "result", "card-removed"}
	for _, typ := range want {
		b.hub.Publish(checkin.Event{Type: typ, Reader: "sim"})
	}
	for _, typ := range want {
		var ev checkin.Event
		if err := wsjson.Read(ctx, conn, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Type != typ || ev.Reader != "sim" || ev.Time == "" {
			t.Fatalf("event %+v, want type %s", ev, typ)
		}
	}
}

func TestRateLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	l := newRateLimiter(10, 2)
	l.now = func() time.Time { return now }
	if first, second, third := l.allow(), l.allow(), l.allow(); !first || !second || third {
		t.Fatal("burst of 2 not enforced")
	}
	now = now.Add(100 * time.Millisecond)
	if !l.allow() || l.allow() {
		t.Fatal("refill of 1 token per 100 ms not honoured")
	}
}

func TestTokenFile(t *testing.T) {
	dir := t.TempDir()
	tok, err := LoadOrCreateToken(dir)
	if err != nil || len(tok) != 64 {
		t.Fatalf("token %q %v", tok, err)
	}
	again, err := LoadOrCreateToken(dir)
	if err != nil || again != tok {
		t.Fatalf("second load %q %v", again, err)
	}
	st, _ := osStat(dir + "/" + TokenFile)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("token mode %o", st.Mode().Perm())
	}
	osChmod(dir+"/"+TokenFile, 0o644)
	if _, err := LoadOrCreateToken(dir); err == nil {
		t.Fatal("world-readable token accepted")
	}
}

// TestReadPull: a recent read (with its photo) is served to a token holder,
// never cached by the browser, and is gone once the agent forgot it.
func TestReadPull(t *testing.T) {
	ts, _ := newTestServer(t)
	bearer := map[string]string{"Authorization": "Bearer " + testToken}
	if resp, e := do(t, ts, "GET", "/api/v1/reads/"+testReadID, "", nil); resp.StatusCode != 401 || e.Code != codeUnauthorized {
		t.Fatalf("without a token: %d %s", resp.StatusCode, e.Code)
	}
	resp, _ := do(t, ts, "GET", "/api/v1/reads/"+testReadID, "", bearer)
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("with a token: %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	if resp, e := do(t, ts, "GET", "/api/v1/reads/NOPE", "", bearer); resp.StatusCode != 404 || e.Code != codeNotFound {
		t.Fatalf("an expired read: %d %s", resp.StatusCode, e.Code)
	}
}

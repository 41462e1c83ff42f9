package api

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/checkin"
)

// TestPeerAddress: a loopback-only agent refuses every request whose TCP peer
// is not loopback, whatever the headers say; with Remote, network callers may
// use the bearer token but never a browser session.
func TestPeerAddress(t *testing.T) {
	tests := []struct {
		name       string
		remote     bool
		peer       string
		method     string
		path       string
		hdr        map[string]string
		wantStatus int
		wantCode   string
	}{
		{"LAN peer with token", false, "192.168.1.20:40000", "GET", "/api/v1/status", map[string]string{"Authorization": "Bearer " + testToken}, 403, codeForbiddenPeer},
		{"LAN peer, healthz", false, "192.168.1.20:40000", "GET", "/healthz", nil, 403, codeForbiddenPeer},
		{"LAN peer, console", false, "[2001:db8::1]:40000", "GET", "/", nil, 403, codeForbiddenPeer},
		{"LAN peer forging loopback headers", false, "10.0.0.5:1", "GET", "/api/v1/status", map[string]string{"Authorization": "Bearer " + testToken, "X-Forwarded-For": "127.0.0.1", "Host": "127.0.0.1:7400", "Origin": "http://127.0.0.1:7400"}, 403, codeForbiddenPeer},
		{"unparsable peer", false, "", "GET", "/api/v1/status", map[string]string{"Authorization": "Bearer " + testToken}, 403, codeForbiddenPeer},
		{"mapped loopback peer", false, "[::ffff:127.0.0.1]:40000", "GET", "/api/v1/status", map[string]string{"Authorization": "Bearer " + testToken}, 200, ""},
		{"IPv6 loopback peer", false, "[::1]:40000", "GET", "/api/v1/status", map[string]string{"Authorization": "Bearer " + testToken}, 200, ""},
		{"remote: LAN peer with token", true, "192.168.1.20:40000", "GET", "/api/v1/status", map[string]string{"Authorization": "Bearer " + testToken, "Host": "192.168.1.5:7400"}, 200, ""},
		{"remote: LAN peer without token", true, "192.168.1.20:40000", "GET", "/api/v1/status", nil, 401, codeUnauthorized},
		{"remote: LAN peer opens a session", true, "192.168.1.20:40000", "POST", "/api/v1/session", map[string]string{"Origin": "http://127.0.0.1:7400"}, 403, codeForbiddenPeer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := &recordingBackend{hub: checkin.NewHub(), keys: map[string]string{}}
			srv := New(Config{Listen: "127.0.0.1:7400", Remote: tc.remote}, testToken, b, nil)
			req := httptest.NewRequest(tc.method, "http://127.0.0.1:7400"+tc.path, nil)
			req.RemoteAddr = tc.peer
			for k, v := range tc.hdr {
				if k == "Host" {
					req.Host = v
					continue
				}
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			validated(t, srv.Handler()).ServeHTTP(rec, req)
			code := ""
			if rec.Code >= 400 {
				code = decodeErr(t, rec).Code
			}
			if rec.Code != tc.wantStatus || code != tc.wantCode {
				t.Fatalf("got %d %q, want %d %q (%s)", rec.Code, code, tc.wantStatus, tc.wantCode, strings.TrimSpace(rec.Body.String()))
			}
		})
	}
}

func decodeErr(t *testing.T, rec *httptest.ResponseRecorder) apiError {
	t.Helper()
	var e apiError
	if err := jsonUnmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatalf("error body %q: %v", rec.Body.String(), err)
	}
	return e
}

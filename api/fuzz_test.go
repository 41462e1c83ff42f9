package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/checkin"
)

// FuzzRequest sends arbitrary methods, paths, headers and bodies through the
// whole handler: every answer is a deliberate status (never a panic, never
// a 500), and errors are one-line JSON.
func FuzzRequest(f *testing.F) {
	f.Add("POST", "/api/v1/readers/sim/key", `{"key":"123456"}`, "", true)
	f.Add("POST", "/api/v1/readers/sim/key", `{"key":`, "", true)
	f.Add("GET", "/api/v1/checkins?after=-1&limit=x", "", "", true)
	f.Add("GET", "/api/v1/status", "", "https://evil.example", false)
	f.Add("OPTIONS", "/api/v1/status", "", "https://his.example.vn", false)
	f.Add("POST", "/api/v1/session", "", "https://his.example.vn", false)
	f.Add("GET", "/../../etc/passwd", "", "", false)
	f.Add("POST", "/api/v1/session", `{"staff":"`+staffLan+`","pin":"`+pinLan+`"}`, "http://127.0.0.1:7400", false)
	f.Add("POST", "/api/v1/session", `{"staff":"`+staffLan+`","pin":"0"}`, "http://127.0.0.1:7400", false)
	f.Add("POST", "/api/v1/session", `{"code":"00"}`, "http://127.0.0.1:7400", false)
	f.Add("POST", "/api/v1/session", `{"staff":1}`, "http://127.0.0.1:7400", false)
	f.Add("GET", "/api/v1/session", "", "", false)
	f.Add("DELETE", "/api/v1/session", "", "http://127.0.0.1:7400", false)
	f.Add("GET", "/%ff", "", "", false)
	staff := testStaff(f)
	f.Fuzz(func(t *testing.T, method, path, body, origin string, auth bool) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t#") || strings.ContainsAny(method, " \r\n\t:/") || method == "" {
			return
		}
		if strings.Contains(path, "/api/v1/events") {
			return // the WebSocket upgrade needs a hijackable connection
		}
		b := &recordingBackend{hub: checkin.NewHub(), keys: map[string]string{}}
		srv := New(Config{Listen: "127.0.0.1:7400", HISOrigins: []string{"https://his.example.vn"}, MaxBodyBytes: 1024, Staff: staff}, testToken, b, nil)
		req, err := http.NewRequest(method, "http://127.0.0.1:7400"+path, strings.NewReader(body))
		if err != nil {
			return
		}
		req.RemoteAddr = "127.0.0.1:40000"
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if auth {
			req.Header.Set("Authorization", "Bearer "+testToken)
		}
		rec := httptest.NewRecorder()
		validated(t, srv.Handler()).ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q → %d: %s", method, path, rec.Code, rec.Body.String())
		}
		if rec.Code >= 400 && strings.Contains(strings.TrimSpace(rec.Body.String()), "\n") {
			t.Fatalf("multi-line error body %q", rec.Body.String())
		}
	})
}

package api

import (
	"io/fs"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/checkin"
)

// TestConsoleSignInScreen: the embedded console opens on a sign-in form
// (staff name and a password field for the PIN), shows who is signed in
// with a sign-out button, locks on Ctrl+L, and no longer opens a session
// without credentials. The served page keeps its CSP. (The flow in a browser
// is the console end-to-end test's.)
func TestConsoleSignInScreen(t *testing.T) {
	html, err := fs.ReadFile(Console(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	js, err := fs.ReadFile(Console(), "app.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="signin-form"`, `id="staff"`, `id="pin" name="pin" type="password"`, `id="who-name"`, `id="signout"`, `<main id="desk" class="hidden">`} {
		if !strings.Contains(string(html), want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
	for _, want := range []string{`postSession({ staff, pin })`, `postSession({ code: m[1] })`, `e.ctrlKey`, `signOut("lock")`, `"?reason=" + reason`,
		`history.replaceState(null, "", location.pathname)`, `fetch("/api/v1/session", { credentials: "same-origin" })`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("app.js lacks %s", want)
		}
	}
	if strings.Contains(string(js), "openSession") {
		t.Error("app.js still opens a session without credentials")
	}
	b := &recordingBackend{hub: checkin.NewHub(), keys: map[string]string{}}
	srv := New(Config{Listen: "127.0.0.1:7400"}, testToken, b, Console())
	req := httptest.NewRequest("GET", "http://127.0.0.1:7400/", nil)
	req.RemoteAddr = "127.0.0.1:1"
	rec := httptest.NewRecorder()
	validated(t, srv.Handler()).ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `id="signin"`) || !strings.Contains(rec.Header().Get("Content-Security-Policy"), "default-src 'self'") {
		t.Fatalf("console: %d CSP %q", rec.Code, rec.Header().Get("Content-Security-Policy"))
	}
}

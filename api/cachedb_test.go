package api

import (
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/checkin"
	"github.com/cccd-agent/cccd/internal/passhash"
)

// TestSignInWithTheDatabase wires the API to a real cache file as the agent
// does: the staff account and the audit trail live in bbolt.
func TestSignInWithTheDatabase(t *testing.T) {
	db, err := cache.Open(filepath.Join(t.TempDir(), "cccd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h, _ := passhash.Hash(pinLan, passhash.Params{MemoryKiB: 64, Time: 1, Threads: 1})
	now := time.Date(2026, 12, 5, 7, 0, 0, 0, time.UTC)
	if err := db.AddStaff(cache.Staff{Name: staffLan, CCCD: "079190001234", Hash: h, Created: now, Changed: now}); err != nil {
		t.Fatal(err)
	}
	b := &recordingBackend{hub: checkin.NewHub(), keys: map[string]string{}}
	srv := New(Config{Listen: "127.0.0.1:7400", Staff: db, Audit: db, Now: func() time.Time { return now }}, testToken, b, nil)
	call := func(method, path, body string, hdr map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "http://127.0.0.1:7400"+path, strings.NewReader(body))
		req.RemoteAddr = "127.0.0.1:1"
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		validated(t, srv.Handler()).ServeHTTP(rec, req)
		return rec
	}
	// Issue #13's curl lines: a forged Origin and no credentials.
	first := call("POST", "/api/v1/session", "", map[string]string{"Origin": console})
	if first.Code != 401 || first.Header().Get("Set-Cookie") != "" {
		t.Fatalf("POST /api/v1/session with a forged Origin: %d %q", first.Code, first.Header().Get("Set-Cookie"))
	}
	if rec := call("GET", "/api/v1/checkins", "", map[string]string{"Origin": console}); rec.Code != 401 || strings.Contains(rec.Body.String(), "soCCCD") {
		t.Fatalf("GET /api/v1/checkins without a session: %d", rec.Code)
	}
	rec := call("POST", "/api/v1/session", `{"staff":"`+staffLan+`","pin":"`+pinLan+`"}`, map[string]string{"Origin": console})
	if rec.Code != 200 {
		t.Fatalf("sign-in: %d %s", rec.Code, rec.Body.String())
	}
	cookie := rec.Result().Cookies()[0]
	if rec := call("GET", "/api/v1/checkins", "", map[string]string{"Origin": console, "Cookie": cookie.Name + "=" + cookie.Value}); rec.Code != 200 {
		t.Fatalf("signed-in GET: %d", rec.Code)
	}
	recs, err := db.AuditSince(time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, r.Event+"/"+r.Staff+"/"+r.Result+"/"+r.Client)
	}
	want := "sign-in/" + staffLan + "/ok/" + console + " checkins-listed/" + staffLan + "/ok:0/" + console
	if strings.Join(got, " ") != want {
		t.Fatalf("audit trail in the database:\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
}

package api

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// fakeAdmin records what the admin routes hand it.
type fakeAdmin struct {
	rosterBytes int
	opts        RosterImport
	refuse      bool
}

func (f *fakeAdmin) RosterStatus(context.Context) (any, error) {
	return map[string]int{"version": 3}, nil
}
func (f *fakeAdmin) RosterLookup(_ context.Context, key, lang string) (any, error) {
	return map[string]string{"status": "eligible", "lang": lang}, nil
}
func (f *fakeAdmin) TrustList(context.Context) (any, error) {
	return map[string]any{"anchors": []any{}}, nil
}
func (f *fakeAdmin) ImportRoster(_ context.Context, body io.Reader, opts RosterImport) (any, error) {
	n, err := io.Copy(io.Discard, body)
	f.rosterBytes, f.opts = int(n), opts
	if err != nil {
		return nil, err
	}
	if f.refuse {
		return nil, &RefusedError{Err: errors.New("roster file holds half the roster or less"), Lines: []string{"line 2: x", "line 3: y"},
			Result: map[string]bool{"dry_run": true}}
	}
	return map[string]any{"dry_run": opts.DryRun}, nil
}
func (f *fakeAdmin) ImportTrust(_ context.Context, name string, body []byte) (any, error) {
	return map[string]int{"certificates": 1}, nil
}

// TestAdminRoutes: the imports are for the bearer token only, take bodies
// beyond the API's usual cap, answer a refusal 422 with its lines and
// result; a roster lookup's audit record holds no number.
func TestAdminRoutes(t *testing.T) {
	fa := &fakeAdmin{}
	a := newAuthServer(t, Config{Admin: fa, MaxBodyBytes: 1024})
	bearer := map[string]string{"Authorization": "Bearer " + testToken}

	big := strings.Repeat("x", 8192)
	r := a.call("POST", "/api/v1/roster/import?name=r.csv&force=true&dry_run=true", big, bearer)
	if r.status != 200 || fa.rosterBytes != len(big) || fa.opts != (RosterImport{Name: "r.csv", Force: true, DryRun: true}) {
		t.Fatalf("roster import: %d %+v %d", r.status, fa.opts, fa.rosterBytes)
	}
	if r := a.call("POST", "/api/v1/trust/import?name=c.pem", big, bearer); r.status != 200 {
		t.Fatalf("trust import: %d %s", r.status, r.raw)
	}
	// Elsewhere the usual cap holds.
	if r := a.call("POST", "/api/v1/lookups", big, bearer); r.status != 413 {
		t.Errorf("lookups with 8 KiB: %d", r.status)
	}

	fa.refuse = true
	r = a.call("POST", "/api/v1/roster/import", "a", bearer)
	if r.status != 422 || r.err.Code != codeRefused || !strings.Contains(string(r.raw), `"lines":["line 2: x","line 3: y"]`) ||
		!strings.Contains(string(r.raw), `"result":{"dry_run":true}`) {
		t.Fatalf("refused: %d %s", r.status, r.raw)
	}

	hdr, sr := a.signIn(console, staffLan, pinLan)
	if sr.status != 200 {
		t.Fatalf("sign-in: %d", sr.status)
	}
	for _, p := range []string{"/api/v1/roster/import", "/api/v1/trust/import"} {
		if r := a.call("POST", p, "x", hdr); r.status != 403 || r.err.Code != codeForbidden {
			t.Errorf("%s from a browser session: %d %s", p, r.status, r.raw)
		}
	}
	for _, p := range []string{"/api/v1/roster", "/api/v1/trust", "/api/v1/roster/lookup?key=079190012345"} {
		if r := a.call("GET", p, "", bearer); r.status != 200 {
			t.Errorf("GET %s: %d", p, r.status)
		}
		if r := a.call("GET", p, "", nil); r.status != 401 {
			t.Errorf("GET %s without credentials: %d", p, r.status)
		}
	}
	a.audit.mu.Lock()
	defer a.audit.mu.Unlock()
	for _, rec := range a.audit.recs {
		if strings.Contains(rec.Result, "079190012345") || strings.Contains(rec.Reader, "079190012345") {
			t.Errorf("audit record holds the ID: %+v", rec)
		}
	}
}

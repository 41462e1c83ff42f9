package api

import (
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/checkin"
)

// TestNamedTokens: each named token works in a running server, is known by
// name to the request, and stops working once revoked, without a restart;
// api-token keeps working as "default".
func TestNamedTokens(t *testing.T) {
	dir := t.TempDir()
	def, err := LoadOrCreateToken(dir)
	if err != nil {
		t.Fatal(err)
	}
	his, err := CreateToken(dir, "his")
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(filepath.Join(dir, TokenDir, "his")); st.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode %o", st.Mode().Perm())
	}
	if _, err := CreateToken(dir, "his"); !errors.Is(err, ErrTokenName) {
		t.Fatalf("second token of one name: %v", err)
	}
	b := &recordingBackend{hub: checkin.NewHub(), keys: map[string]string{}}
	srv := New(Config{Listen: "127.0.0.1:7400", Tokens: NewTokenSet(dir)}, def, b, nil)
	who := func(tok string) (int, string) {
		req := httptest.NewRequest("GET", "http://127.0.0.1:7400/api/v1/session", nil)
		req.RemoteAddr = "127.0.0.1:1"
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		validated(t, srv.Handler()).ServeHTTP(rec, req)
		status := httptest.NewRecorder()
		req2 := httptest.NewRequest("GET", "http://127.0.0.1:7400/api/v1/status", nil)
		req2.RemoteAddr = "127.0.0.1:1"
		req2.Header.Set("Authorization", "Bearer "+tok)
		validated(t, srv.Handler()).ServeHTTP(status, req2)
		var info sessionInfo
		_ = jsonUnmarshal(rec.Body.Bytes(), &info)
		return status.Code, info.Token
	}
	if code, name := who(def); code != 200 || name != DefaultTokenName {
		t.Fatalf("api-token: %d %q", code, name)
	}
	if code, name := who(his); code != 200 || name != "his" {
		t.Fatalf("named token: %d %q", code, name)
	}
	// Created while the server runs: accepted at once.
	lab, err := CreateToken(dir, "lab-2")
	if err != nil {
		t.Fatal(err)
	}
	if code, name := who(lab); code != 200 || name != "lab-2" {
		t.Fatalf("token made while running: %d %q", code, name)
	}
	if err := RevokeToken(dir, "his"); err != nil {
		t.Fatal(err)
	}
	if code, _ := who(his); code != 401 {
		t.Fatalf("revoked token: %d, want 401", code)
	}
	if err := RevokeToken(dir, "his"); !errors.Is(err, ErrTokenName) {
		t.Fatalf("revoke twice: %v", err)
	}
	// A token file others may read is not trusted.
	os.Chmod(filepath.Join(dir, TokenDir, "lab-2"), 0o644)
	os.Chtimes(filepath.Join(dir, TokenDir), testNow(), testNow())
	if code, _ := who(lab); code != 401 {
		t.Fatalf("world-readable token accepted: %d", code)
	}
	list, err := ListTokens(dir)
	if err != nil || len(list) != 2 || list[0].Name != DefaultTokenName || list[1].Name != "lab-2" {
		t.Fatalf("list %+v %v", list, err)
	}
}

func TestTokenNames(t *testing.T) {
	for _, ok := range []string{"his", "lab-2", "a", "his.prod_1", strings.Repeat("a", 32)} {
		if err := ValidTokenName(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "default", "../x", "a/b", ".hidden", "-x", "HIS", "his ", strings.Repeat("a", 33), "ä"} {
		if err := ValidTokenName(bad); !errors.Is(err, ErrTokenName) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzTokenName(f *testing.F) {
	for _, s := range []string{"his", "default", "../etc", "a.b-c_d", "", "x\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if ValidTokenName(name) != nil {
			return
		}
		if filepath.Base(name) != name || strings.ContainsAny(name, "/\\\x00") || name == "." || name == ".." || name == DefaultTokenName {
			t.Fatalf("%q accepted as a file name", name)
		}
	})
}

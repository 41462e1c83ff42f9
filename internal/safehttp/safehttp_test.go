package safehttp

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		in       string
		insecure bool
		ok       bool
	}{
		{"https://egw.example.vn/", false, true},
		{"http://127.0.0.1:8080/", true, true},
		{"http://127.0.0.1:8080/", false, false},
		{"ftp://x/", true, false},
		{"https:///nohost", false, false},
		{"::", true, false},
	} {
		_, err := CheckURL(tc.in, tc.insecure)
		if (err == nil) != tc.ok {
			t.Errorf("CheckURL(%q, %v) = %v", tc.in, tc.insecure, err)
		}
		if err != nil && strings.Contains(err.Error(), "127.0.0.1") {
			t.Errorf("error repeats the URL: %v", err)
		}
	}
	if _, err := CheckURL("http://h/", false); !errors.Is(err, ErrInsecureURL) {
		t.Errorf("http without insecure: %v", err)
	}
}

// TestRedirects: a 307 to another port is not followed (the other server
// gets nothing), a same-host 307 is followed without a Referer, and
// NoRedirect follows nothing.
func TestRedirects(t *testing.T) {
	var otherHits atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { otherHits.Add(1) }))
	defer other.Close()
	var referers []string
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		referers = append(referers, r.Header.Get("Referer"))
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/steal?password=x", http.StatusTemporaryRedirect)
		case "/here":
			http.Redirect(w, r, srv.URL+"/done", http.StatusTemporaryRedirect)
		default:
			io.WriteString(w, "ok")
		}
	}))
	defer srv.Close()
	want, _ := CheckURL(srv.URL, true)
	get := func(c *http.Client, path string) *http.Response {
		t.Helper()
		resp, err := c.Post(srv.URL+path+"?token=secret", "text/plain", strings.NewReader("body"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	same := Client(nil, SameHost)
	if resp := get(same, "/away"); resp.StatusCode != http.StatusTemporaryRedirect || otherHits.Load() != 0 {
		t.Errorf("cross-host redirect: status %d, other host hit %d times", resp.StatusCode, otherHits.Load())
	}
	if resp := get(same, "/here"); resp.StatusCode != 200 || !FromOrigin(resp, want) {
		t.Errorf("same-host redirect: status %d", resp.StatusCode)
	}
	if resp := get(Client(nil, NoRedirect), "/here"); resp.StatusCode != http.StatusTemporaryRedirect {
		t.Errorf("NoRedirect followed: %d", resp.StatusCode)
	}
	for _, r := range referers {
		if r != "" {
			t.Errorf("Referer sent: %q", r)
		}
	}
	if len(referers) != 4 {
		t.Errorf("%d requests reached the server, want 4", len(referers))
	}
	otherURL, _ := CheckURL(other.URL, true)
	if FromOrigin(&http.Response{Request: &http.Request{URL: want}}, otherURL) {
		t.Error("FromOrigin matched another port")
	}
}

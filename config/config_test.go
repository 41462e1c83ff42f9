package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaultRoundTrips(t *testing.T) {
	def := Default()
	b, err := def.Print()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cccd.json")
	os.WriteFile(path, b, 0o600)
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Listen != def.Listen || got.Read.KeyTimeout != def.Read.KeyTimeout || time.Duration(got.Checkins.RetapWindow) != 10*time.Minute || time.Duration(got.Roster.SyncInterval) != 6*time.Hour {
		t.Fatalf("round trip changed the defaults: %+v", got)
	}
	if !strings.Contains(string(b), `"sync_interval": "6h0m0s"`) {
		t.Fatalf("durations not printed as text: %s", b)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		json string
		ok   bool
	}{
		{"empty object", `{}`, true},
		{"partial override", `{"listen":"127.0.0.1:8000","facility":{"code":"79024"}}`, true},
		{"unknown field", `{"lisen":"127.0.0.1:1"}`, false},
		{"all interfaces", `{"listen":"0.0.0.0:7400"}`, false},
		{"no port", `{"listen":"127.0.0.1"}`, false},
		{"wildcard origin", `{"api":{"his_origins":["https://*.example.vn"]}}`, false},
		{"origin with path", `{"api":{"his_origins":["https://his.example.vn/app"]}}`, false},
		{"good origin", `{"api":{"his_origins":["https://his.example.vn"]}}`, true},
		{"feed without key", `{"roster":{"feed_url":"https://feed.example.vn/"}}`, false},
		{"bad duration", `{"read":{"key_timeout":"soon"}}`, false},
		{"bad level", `{"log":{"level":"loud"}}`, false},
		{"gateway per-user", `{"gateway":{"url":"https://gw.example.vn"}}`, true},
		{"shared gateway without credentials", `{"gateway":{"url":"https://gw.example.vn","shared_account":true}}`, false},
		{"facility account without shared_account", `{"gateway":{"url":"https://gw.example.vn","username":"u","password_file":"p","staff_id":"030181000001"}}`, false},
		{"shared_account without url", `{"gateway":{"shared_account":true}}`, false},
		{"check-in without gateway", `{"gateway":{"checkin":{"enabled":true}},"facility":{"code":"79024"}}`, false},
		{"check-in without facility", `{"gateway":{"url":"https://gw.example.vn","checkin":{"enabled":true}}}`, false},
		{"check-in", `{"gateway":{"url":"https://gw.example.vn","checkin":{"enabled":true}},"facility":{"code":"79024"}}`, true},
		{"check-in, QĐ 3176 path", `{"gateway":{"url":"https://gw.example.vn","checkin":{"enabled":true,"path":"api/qd130/checkInKcbQd3176"}},"facility":{"code":"79024"}}`, true},
		{"check-in, foreign path", `{"gateway":{"url":"https://gw.example.vn","checkin":{"enabled":true,"path":"https://evil.example/x"}},"facility":{"code":"79024"}}`, false},
		{"not JSON", `listen = 1`, false},
		{"retap window off", `{"checkins":{"retap_window":"0s"}}`, true},
		{"retap window", `{"checkins":{"retap_window":"30m"}}`, true},
		{"retap window too long", `{"checkins":{"retap_window":"13h"}}`, false},
		{"retap window negative", `{"checkins":{"retap_window":"-1m"}}`, false},
		{"http webhook", `{"webhook":{"url":"http://his.example.vn/hook"}}`, false},
		{"http webhook, insecure_http", `{"webhook":{"url":"http://127.0.0.1:9/hook","insecure_http":true}}`, true},
		{"https webhook", `{"webhook":{"url":"https://his.example.vn/hook"}}`, true},
		{"http gateway", `{"gateway":{"url":"http://gw.example.vn","shared_account":true,"username":"u","password_file":"p","staff_id":"030181000001"}}`, false},
		{"http gateway, insecure_http", `{"gateway":{"url":"http://127.0.0.1:9","shared_account":true,"username":"u","password_file":"p","staff_id":"030181000001","insecure_http":true}}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Default()
			err := Decode([]byte(tc.json), &cfg)
			if tc.ok && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	b, _ := Default().Print()
	f.Add(b)
	f.Add([]byte(`{"listen":"127.0.0.1:1","read":{"key_timeout":"1s"}}`))
	f.Add([]byte(`{"api":{"his_origins":["https://a.b"]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg := Default()
		if err := Decode(b, &cfg); err == nil {
			if err := cfg.Validate(); err != nil {
				t.Fatalf("Decode accepted a config Validate refuses: %v", err)
			}
		}
	})
}

func TestParseListen(t *testing.T) {
	tests := []struct {
		listen     string
		loopbackOK bool   // accepted without api.remote
		remoteOK   bool   // accepted with api.remote
		want       string // the parsed address when accepted
	}{
		{"[::0]:7400", false, true, "[::]:7400"},
		{"[::ffff:0.0.0.0]:7400", false, true, "0.0.0.0:7400"},
		{"0:7400", false, false, ""},
		{"192.168.1.10:7400", false, true, "192.168.1.10:7400"},
		{"localhost:7400", false, false, ""},
		{"example.org:7400", false, false, ""},
		{"127.0.0.1:7400", true, true, "127.0.0.1:7400"},
		{"[::1]:7400", true, true, "[::1]:7400"},
		{"[::ffff:127.0.0.1]:7400", true, true, "127.0.0.1:7400"},
		{"0.0.0.0:7400", false, true, "0.0.0.0:7400"},
		{":7400", false, false, ""},
		{"127.0.0.1:http", false, false, ""},
		{"127.0.0.1:70000", false, false, ""},
		{"[fe80::1%eth0]:7400", false, false, ""},
		{"127.0.0.1", false, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.listen, func(t *testing.T) {
			for _, remote := range []bool{false, true} {
				ok := tc.loopbackOK
				if remote {
					ok = tc.remoteOK
				}
				ap, err := ParseListen(tc.listen, remote)
				if ok != (err == nil) {
					t.Fatalf("remote=%v: err = %v, want accepted=%v", remote, err, ok)
				}
				if err != nil {
					if !errors.Is(err, ErrInvalid) || strings.Contains(err.Error(), "\n") {
						t.Fatalf("remote=%v: error %q is not a one-line ErrInvalid", remote, err)
					}
					continue
				}
				if ap.String() != tc.want {
					t.Fatalf("remote=%v: parsed %s, want %s", remote, ap, tc.want)
				}
			}
		})
	}
}

func TestRemoteNeedsTLS(t *testing.T) {
	for _, tc := range []struct {
		json string
		ok   bool
	}{
		{`{"listen":"192.168.1.10:7400"}`, false},
		{`{"listen":"192.168.1.10:7400","api":{"remote":true}}`, false},
		{`{"listen":"192.168.1.10:7400","api":{"remote":true,"tls_cert":"c.pem"}}`, false},
		{`{"listen":"[::0]:7400","api":{"remote":true,"tls_cert":"c.pem","tls_key":"k.pem"}}`, true},
		{`{"listen":"example.org:7400","api":{"remote":true,"tls_cert":"c.pem","tls_key":"k.pem"}}`, false},
	} {
		cfg := Default()
		err := Decode([]byte(tc.json), &cfg)
		if tc.ok != (err == nil) {
			t.Errorf("%s: err = %v, want accepted=%v", tc.json, err, tc.ok)
		}
	}
}

func FuzzParseListen(f *testing.F) {
	for _, s := range []string{"[::0]:7400", "[::ffff:0.0.0.0]:7400", "0:7400", "192.168.1.10:7400", "localhost:7400",
		"example.org:7400", "127.0.0.1:7400", "[::1]:7400", "[fe80::1%eth0]:1", ":0", "[::ffff:127.0.0.1]:1"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, remote bool) {
		ap, err := ParseListen(s, remote)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if !remote && !ap.Addr().IsLoopback() {
			t.Fatalf("%q accepted as %s without remote, not loopback", s, ap)
		}
		if ap.Addr().Is4In6() {
			t.Fatalf("%q: mapped address %s not unmapped", s, ap)
		}
	})
}

func TestTrailingDataRefused(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{`{"listen":"127.0.0.1:7400"}`, true},
		{"{\"listen\":\"127.0.0.1:7400\"}\n \t\n", true},
		{`{"listen":"127.0.0.1:7400"}{"listen":"0.0.0.0:80"}`, false},
		{"{}\n{\"log\":{\"level\":\"debug\"}}", false},
		{`{} x`, false},
		{`{} ]`, false},
		{`{} 1`, false},
	} {
		cfg := Default()
		err := Decode([]byte(tc.in), &cfg)
		if (err == nil) != tc.ok {
			t.Errorf("Decode(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("Decode(%q): %v does not match ErrInvalid", tc.in, err)
		}
	}
}

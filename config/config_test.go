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
	if got.Listen != def.Listen || got.Read.KeyTimeout != def.Read.KeyTimeout || time.Duration(got.Roster.SyncInterval) != 6*time.Hour {
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
		{"gateway without credentials", `{"gateway":{"url":"https://gw.example.vn"}}`, false},
		{"not JSON", `listen = 1`, false},
		{"http webhook", `{"webhook":{"url":"http://his.example.vn/hook"}}`, false},
		{"http webhook, insecure_http", `{"webhook":{"url":"http://127.0.0.1:9/hook","insecure_http":true}}`, true},
		{"https webhook", `{"webhook":{"url":"https://his.example.vn/hook"}}`, true},
		{"http gateway", `{"gateway":{"url":"http://gw.example.vn","username":"u","password_file":"p","staff_id":"030181000001"}}`, false},
		{"http gateway, insecure_http", `{"gateway":{"url":"http://127.0.0.1:9","username":"u","password_file":"p","staff_id":"030181000001","insecure_http":true}}`, true},
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

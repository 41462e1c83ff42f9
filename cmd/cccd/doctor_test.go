package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/config"
	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/reader/sim"
)

// doctorSetup is a data directory made as the packages make it and a
// configuration without PC/SC (the machine's pcscd is other tests'), with
// the simulated reader.
func doctorSetup(t *testing.T, edit func(dir string, c *config.Config)) (dir, cfgPath string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := initDataDir(dir); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Readers.PCSC, cfg.Readers.Sim = false, true
	cfg.Listen = testenv.FreeAddr(t) // nothing answers there
	if edit != nil {
		edit(dir, &cfg)
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfgPath = filepath.Join(t.TempDir(), "cccd.json")
	if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, cfgPath
}

func runDoctor(t *testing.T, dir, cfgPath string, args ...string) (doctorReport, int, string) {
	t.Helper()
	out, errOut, code := runCLI(t, dir, append([]string{"--config", cfgPath, "doctor", "--json"}, args...)...)
	var rep doctorReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("doctor --json: %v\n%s%s", err, out, errOut)
	}
	return rep, code, errOut
}

func findCheck(rep doctorReport, name, status string) (doctorCheck, bool) {
	for _, c := range rep.Checks {
		if c.Name == name && c.Status == status {
			return c, true
		}
	}
	return doctorCheck{}, false
}

// TestDoctorNamesEachBrokenThing breaks one thing at a time and expects the
// doctor to name it, say how to fix it, and exit with its code.
func TestDoctorNamesEachBrokenThing(t *testing.T) {
	dead := "http://" + testenv.FreeAddr(t) + "/"
	junkFeed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, `{"not":"signed"}`) }))
	t.Cleanup(junkFeed.Close)
	pubKey := filepath.Join(t.TempDir(), "pub.pem")
	writeTestPublisherKey(t, pubKey)

	base, baseCfg := doctorSetup(t, nil)
	rep, code, errOut := runDoctor(t, base, baseCfg)
	if code != exitOK || !rep.Healthy {
		t.Fatalf("doctor on a sound setup: exit %d, %s\n%+v", code, errOut, rep.Checks)
	}
	for _, want := range []string{"data-dir", "secrets", "disk", "agent", "database", "roster", "trust"} {
		found := false
		for _, c := range rep.Checks {
			found = found || c.Name == want
		}
		if !found {
			t.Errorf("doctor does not look at %s", want)
		}
	}

	tests := []struct {
		name   string
		edit   func(dir string, c *config.Config)
		check  string
		status string
		fix    string
		exit   int
	}{
		{"data directory open to others", func(dir string, _ *config.Config) { os.Chmod(dir, 0o750) }, "data-dir", "fail", "chmod 700", exitFailure},
		{"token readable by others", func(dir string, _ *config.Config) { os.Chmod(filepath.Join(dir, "api-token"), 0o644) }, "secrets", "fail", "chmod 600", exitFailure},
		{"gateway password is a symlink", func(dir string, c *config.Config) {
			target := filepath.Join(dir, "real")
			os.WriteFile(target, []byte("x"), 0o600)
			link := filepath.Join(dir, "gw-password")
			os.Symlink(target, link)
			c.Gateway.PasswordFile = link
		}, "secrets", "fail", "regular file", exitFailure},
		{"PN532 port missing", func(_ string, c *config.Config) { c.Readers.PN532 = []string{"/dev/ttyNOPE-cccd"} }, "pn532", "fail", "/dev/serial/by-id", exitNoCard},
		{"PN532 port that answers nothing", func(_ string, c *config.Config) { c.Readers.PN532 = []string{"/dev/null"} }, "pn532", "fail", "HSU", exitNoCard},
		{"QR port missing", func(_ string, c *config.Config) {
			c.Readers.QR = []config.QR{{Port: "/dev/ttyNOPE-qr", Reader: "sim:demo"}}
		}, "qr", "fail", "port", exitNoCard},
		{"database corrupt", func(dir string, _ *config.Config) {
			os.WriteFile(filepath.Join(dir, cacheFileName), []byte("not a database"), 0o600)
		}, "database", "fail", "backup", exitFailure},
		{"roster old", func(dir string, c *config.Config) { seedOldRoster(t, dir) }, "roster", "warn", "newer roster", exitOK},
		{"feed unreachable", func(_ string, c *config.Config) { c.Roster.FeedURL, c.Roster.PublisherKey = dead+"feed/", pubKey }, "feed", "fail", "network", exitRoster},
		{"feed unsigned", func(_ string, c *config.Config) { c.Roster.FeedURL, c.Roster.PublisherKey = junkFeed.URL+"/", pubKey }, "feed", "fail", "publisher_key", exitRoster},
		{"trust path missing", func(_ string, c *config.Config) { c.Trust.Paths = []string{"/nonexistent/csca.pem"} }, "trust", "fail", "path", exitFailure},
		{"gateway unreachable", func(dir string, c *config.Config) {
			pw := filepath.Join(dir, "gw-password")
			os.WriteFile(pw, []byte("x"), 0o600)
			c.Gateway = config.Gateway{URL: dead, InsecureHTTP: true, SharedAccount: true, Username: "79024_BV", PasswordFile: pw, StaffName: "Lễ tân", StaffID: "079199000001", Timeout: c.Gateway.Timeout}
		}, "gateway", "fail", "network", exitFailure},
		{"webhook unreachable", func(_ string, c *config.Config) { c.Webhook.URL, c.Webhook.InsecureHTTP = dead+"hook", true }, "webhook", "fail", "HIS", exitFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, cfgPath := doctorSetup(t, tt.edit)
			rep, code, errOut := runDoctor(t, dir, cfgPath)
			c, ok := findCheck(rep, tt.check, tt.status)
			if !ok {
				t.Fatalf("no %s %s check:\n%+v", tt.status, tt.check, rep.Checks)
			}
			if !strings.Contains(c.Fix, tt.fix) {
				t.Errorf("%s: fix %q lacks %q", tt.check, c.Fix, tt.fix)
			}
			if code != tt.exit {
				t.Errorf("exit %d, want %d (%s)", code, tt.exit, errOut)
			}
			if tt.status == "fail" && rep.Healthy {
				t.Error("healthy with a failed check")
			}
		})
	}
}

func seedOldRoster(t *testing.T, dir string) {
	t.Helper()
	db, err := cache.Open(filepath.Join(dir, cacheFileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	old := clock.Now().Add(-30 * 24 * time.Hour)
	err = db.ReplaceRoster(cache.RosterMeta{Version: 1, Published: old, Synced: old, Source: "test"}, func(yield func(cache.RosterRecord) error) error {
		return yield(cache.RosterRecord{SoCCCD: "001085004321", HoTen: "Trần Văn Bình", NgaySinh: "03/11/1985", MaThe: "HT3010000000001",
			GtTheTu: "01/01/2020", GtTheDen: "31/12/2099", MaDKBD: "01001", TrangThai: "000", MucHuong: "80"})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDoctorBundle: with the demo agent running after a tap, the doctor
// finds the agent and the bundle holds versions, config, report, readers and
// the agent's recent log, and nothing of the patient.
func TestDoctorBundle(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	a := startDemoIn(t, dir)
	reader := "/api/v1/readers/" + sim.SlotPrefix + "demo"
	if code := apiPost(t, a, reader+"/key", `{"key":"`+sim.DemoCAN+`"}`); code != 200 {
		t.Fatalf("submit key: %d", code)
	}
	if code := apiPost(t, a, reader+"/sim/insert", ""); code != 200 {
		t.Fatalf("insert: %d", code)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(a.Log(), "card read") {
		if time.Now().After(deadline) {
			t.Fatalf("no read logged:\n%s", a.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cfgPath := filepath.Join(t.TempDir(), "cccd.json")
	cfg := config.Default()
	cfg.Readers.PCSC, cfg.Readers.Sim = false, true
	cfg.Roster.FeedURL = "https://user:secret@feed.example.vn/roster/?token=abc"
	cfg.Roster.PublisherKey = filepath.Join(t.TempDir(), "missing.pem")
	b, _ := json.Marshal(cfg)
	os.WriteFile(cfgPath, b, 0o600)
	bundle := filepath.Join(t.TempDir(), "bundle.tar.gz")
	out, errOut, _ := runCLI(t, dir, "--config", cfgPath, "doctor", "--bundle", bundle)
	if !strings.Contains(out, "ok   agent") {
		t.Errorf("doctor did not find the running agent:\n%s%s", out, errOut)
	}
	f, err := os.Open(bundle)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if fi, _ := f.Stat(); fi.Mode().Perm() != 0o600 {
		t.Errorf("bundle mode %o, want 0600", fi.Mode().Perm())
	}
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	files := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		files[strings.TrimPrefix(h.Name, "cccd-doctor/")] = string(body)
	}
	for _, name := range []string{"versions.txt", "config.json", "doctor.json", "readers.txt", "agent-log.txt"} {
		if files[name] == "" {
			t.Errorf("bundle lacks %s", name)
		}
	}
	if !strings.Contains(files["agent-log.txt"], "card read") {
		t.Errorf("the bundle's agent log lacks the read:\n%s", files["agent-log.txt"])
	}
	all := strings.Join([]string{files["versions.txt"], files["config.json"], files["doctor.json"], files["readers.txt"], files["agent-log.txt"]}, "\n")
	assertNoPatientData(t, "the diagnostic bundle", all)
	for _, secret := range []string{"user:secret", "token=abc", a.Token} {
		if strings.Contains(all, secret) {
			t.Errorf("the bundle holds the secret %q", secret)
		}
	}
}

// writeTestPublisherKey writes a fresh Ed25519 public key (PEM) to path.
func writeTestPublisherKey(t *testing.T, path string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

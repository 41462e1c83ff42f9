package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"time"

	"github.com/cccd-agent/cccd/internal/fsutil"
	"github.com/cccd-agent/cccd/internal/logging"
)

// writeBundle writes the diagnostic archive of `cccd doctor --bundle`: what
// a technician needs to see the machine's state, and nothing of a patient.
// The configuration goes without its secrets (reader keys, credentials in
// URLs); secret files are named, never read; the agent's log is its recent
// lines, which never carry personal data and are scrubbed once more here.
func writeBundle(ctx context.Context, path string, d *doctor, rep doctorReport) error {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	now := d.now
	add := func(name string, body []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: "cccd-doctor/" + name, Mode: 0o600, Size: int64(len(body)), ModTime: now}); err != nil {
			return err
		}
		_, err := tw.Write(body)
		return err
	}
	versions := fmt.Sprintf("cccd %s\ngo %s\nos %s/%s\nwritten %s\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH, now.UTC().Format(time.RFC3339))
	cfg := d.cfg
	if cfg.Readers.BLE.MasterKey != "" {
		cfg.Readers.BLE.MasterKey = "(set, not shown)"
	}
	cfg.Roster.FeedURL = redactURL(cfg.Roster.FeedURL)
	cfg.Gateway.URL = redactURL(cfg.Gateway.URL)
	cfg.Webhook.URL = redactURL(cfg.Webhook.URL)
	cfgJSON, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	repJSON, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	var readers bytes.Buffer
	for _, r := range rep.Readers {
		fmt.Fprintf(&readers, "%s\tcard=%v\tATR=%s\n", r.Name, r.CardPresent, r.ATR)
	}
	if readers.Len() == 0 {
		readers.WriteString("no PC/SC reader listed\n")
	}
	agentLog := []byte("the agent did not answer; on Linux its log is in `journalctl -u cccd`, on Windows in the Event Log\n")
	if d.token != "" {
		if b, err := d.agentRaw(ctx, "api/v1/diagnostics/log"); err == nil {
			agentLog = []byte(logging.Scrub(string(b)))
		}
	}
	for _, f := range []struct {
		name string
		body []byte
	}{
		{"versions.txt", []byte(versions)},
		{"config.json", append(cfgJSON, '\n')},
		{"doctor.json", append(repJSON, '\n')},
		{"readers.txt", readers.Bytes()},
		{"agent-log.txt", agentLog},
	} {
		if err := add(f.name, f.body); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	return fsutil.WriteFile(path, buf.Bytes(), 0o600)
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/checkin"
	"github.com/cccd-agent/cccd/config"
	"github.com/cccd-agent/cccd/internal/safehttp"
	"github.com/cccd-agent/cccd/reader/pcsc"
	"github.com/cccd-agent/cccd/reader/pn532"
	"github.com/cccd-agent/cccd/sync/feed"
	"github.com/cccd-agent/cccd/sync/gateway"
	"github.com/cccd-agent/cccd/verify"
)

// doctor runs the checks of `cccd doctor` for one configuration and data
// directory. It changes nothing: the database is opened read-only, the
// agent only asked.
type doctor struct {
	cfg             config.Config
	dir             string
	now             time.Time
	gatewayUser     string
	gatewayPassword string

	checks  []doctorCheck
	readers []pcsc.ReaderInfo
	agent   *checkin.StatusInfo // the running agent's status, when it answered
	agentAt string              // its URL
	token   string              // the default API token, to ask the agent
}

func (d *doctor) add(c doctorCheck) { d.checks = append(d.checks, c) }
func (d *doctor) ok(name, detail string) {
	d.add(doctorCheck{Name: name, Status: pcsc.CheckOK, Detail: detail})
}
func (d *doctor) warn(name, detail, fix string) {
	d.add(doctorCheck{Name: name, Status: pcsc.CheckWarn, Detail: detail, Fix: fix})
}
func (d *doctor) fail(name, detail, fix string, exit int) {
	d.add(doctorCheck{Name: name, Status: pcsc.CheckFail, Detail: detail, Fix: fix, exit: exit})
}

// run does every check, in the order a technician would look.
func (d *doctor) run(ctx context.Context) doctorReport {
	d.checkDataDir()
	d.checkSecrets()
	d.checkDisk()
	d.checkAgent(ctx)
	inspection := d.checkDatabase()
	d.checkReaders(ctx)
	d.checkRoster(inspection)
	d.checkFeed(ctx)
	d.checkTrust()
	d.checkGateway(ctx)
	d.checkWebhook(ctx)
	rep := doctorReport{Healthy: true, Version: version, DataDir: d.dir, Checks: d.checks, Readers: d.readers}
	if rep.Readers == nil {
		rep.Readers = []pcsc.ReaderInfo{}
	}
	for _, c := range d.checks {
		if c.Status == pcsc.CheckFail {
			rep.Healthy = false
		}
	}
	return rep
}

// tooOpen reports a file or directory others may read (Unix modes only:
// Windows protects the data directory with its ACL at install).
func tooOpen(fi os.FileInfo) bool { return runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 }

func (d *doctor) checkDataDir() {
	fi, err := os.Stat(d.dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		d.warn("data-dir", d.dir+" does not exist yet", "run `cccd serve --init` (the packages do) or start the agent")
	case err != nil:
		d.fail("data-dir", err.Error(), "check the path and its permissions", exitFailure)
	case !fi.IsDir():
		d.fail("data-dir", d.dir+" is not a directory", "point --data (or data_dir) at a directory", exitFailure)
	case tooOpen(fi):
		d.fail("data-dir", fmt.Sprintf("%s is mode %o: other users can read patients' data", d.dir, fi.Mode().Perm()),
			"chmod 700 "+d.dir, exitFailure)
	default:
		d.ok("data-dir", d.dir)
	}
}

// checkSecrets looks at every file that holds a credential: the API tokens,
// the gateway password and the webhook authorization.
func (d *doctor) checkSecrets() {
	files := []string{filepath.Join(d.dir, "api-token")}
	if names, err := filepath.Glob(filepath.Join(d.dir, "tokens", "*")); err == nil {
		files = append(files, names...)
	}
	for _, f := range []string{d.cfg.Gateway.PasswordFile, d.cfg.Webhook.AuthorizationFile, d.cfg.Roster.FeedAuthFile, d.cfg.Roster.IdentityFile, d.cfg.API.TLSKey} {
		if f != "" {
			files = append(files, f)
		}
	}
	bad := 0
	for _, f := range files {
		fi, err := os.Lstat(f)
		switch {
		case errors.Is(err, os.ErrNotExist) && strings.HasPrefix(f, d.dir):
			continue // not made yet: the agent writes its token at first start
		case err != nil:
			d.fail("secrets", f+": "+err.Error(), "create the file or fix the path in the configuration", exitFailure)
		case !fi.Mode().IsRegular():
			d.fail("secrets", f+" is not a regular file (a symlink?)", "replace it with a regular file, mode 0600", exitFailure)
		case tooOpen(fi):
			d.fail("secrets", fmt.Sprintf("%s is mode %o: other users can read it", f, fi.Mode().Perm()), "chmod 600 "+f, exitFailure)
		default:
			continue
		}
		bad++
	}
	if bad == 0 {
		d.ok("secrets", fmt.Sprintf("%d secret files, none readable by others", len(files)))
	}
}

func (d *doctor) checkDisk() {
	free, err := freeBytes(d.dir)
	switch {
	case err != nil:
		d.warn("disk", "free space unknown: "+err.Error(), "")
	case free < 100<<20:
		d.fail("disk", fmt.Sprintf("%d MiB free on the data directory's disk", free>>20), "free disk space: check-ins cannot be saved", exitFailure)
	case free < 1<<30:
		d.warn("disk", fmt.Sprintf("%d MiB free on the data directory's disk", free>>20), "free some disk space soon")
	default:
		d.ok("disk", fmt.Sprintf("%.1f GiB free", float64(free)/(1<<30)))
	}
}

// checkAgent asks the running agent for its status, where its agent file
// (or else the configuration) says it listens.
func (d *doctor) checkAgent(ctx context.Context) {
	base := "http://" + d.cfg.Listen + "/"
	if f, ok := readAgentFile(d.dir); ok {
		base = f.URL
	}
	d.agentAt = base
	tok, err := os.ReadFile(filepath.Join(d.dir, "api-token"))
	if err != nil {
		d.warn("agent", "no API token in the data directory: the agent has not run here", "start it: `systemctl start cccd` (Windows: the cccd service)")
		return
	}
	d.token = strings.TrimSpace(string(tok))
	var st checkin.StatusInfo
	if err := d.agentGet(ctx, "api/v1/status", &st); err != nil {
		d.warn("agent", "not answering at "+base+": "+err.Error(), "start it: `systemctl start cccd` (Windows: the cccd service)")
		return
	}
	d.agent = &st
	d.ok("agent", fmt.Sprintf("version %s at %s, %d readers, %d check-ins waiting for the HIS", st.Version, base, st.Readers, st.OutboxDepth))
}

// agentGet GETs path from the running agent with the default token.
func (d *doctor) agentGet(ctx context.Context, path string, v any) error {
	body, err := d.agentRaw(ctx, path)
	if err != nil {
		return err
	}
	return json.Unmarshal(body, v)
}

func (d *doctor) agentRaw(ctx context.Context, path string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.agentAt+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+d.token)
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		return nil, errors.New("no answer")
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return body, nil
}

func (d *doctor) checkDatabase() *cache.Inspection {
	path := filepath.Join(d.dir, cacheFileName)
	in, err := cache.Inspect(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		d.warn("database", "no database yet at "+path, "run `cccd serve --init` or start the agent")
		return nil
	case errors.Is(err, cache.ErrLocked):
		if d.agent != nil {
			d.ok("database", "held by the running agent (figures from its status)")
		} else {
			d.fail("database", path+" is held by a process that does not answer as the agent", "stop the other cccd process holding it", exitFailure)
		}
		return nil
	case errors.Is(err, cache.ErrSchemaTooNew):
		d.fail("database", fmt.Sprintf("schema %d is newer than this cccd (%d)", in.Schema, cache.SchemaVersion), "install the cccd version that wrote it", exitFailure)
		return nil
	case err != nil:
		d.fail("database", err.Error(), "restore the database from a backup, or move it away and re-sync the roster", exitFailure)
		return nil
	}
	detail := fmt.Sprintf("schema %d, %.1f MiB, %d free pages, %d check-ins (%d not yet delivered), %d trust entries",
		in.Schema, float64(in.SizeBytes)/(1<<20), in.FreePages, in.Checkins, in.Pending, in.Trust)
	if in.PageSize > 0 && int64(in.FreePages)*int64(in.PageSize) > in.SizeBytes/2 && in.SizeBytes > 64<<20 {
		d.warn("database", detail, "more than half the file is free pages: compact it with the agent stopped")
		return &in
	}
	d.ok("database", detail)
	return &in
}

func (d *doctor) checkReaders(ctx context.Context) {
	r := d.cfg.Readers
	if r.PCSC {
		rep := pcsc.Diagnose(ctx)
		for _, c := range rep.Checks {
			d.add(doctorCheck{Name: c.Name, Status: c.Status, Detail: c.Detail, Fix: c.Fix, exit: exitNoCard})
		}
		d.readers = rep.Readers
	}
	for _, port := range r.PN532 {
		if d.checkPort("pn532", port) {
			d.probePN532(ctx, port)
		}
	}
	for _, q := range r.QR {
		if d.checkPort("qr", q.Port) {
			d.ok("qr", q.Port)
		}
	}
	if r.BLE.Enabled {
		if runtime.GOOS != "linux" {
			d.warn("ble", "the Bluetooth adapter is not checked on "+runtime.GOOS, "")
		} else if adapters, _ := filepath.Glob("/sys/class/bluetooth/hci*"); len(adapters) == 0 {
			d.fail("ble", "no Bluetooth adapter (no /sys/class/bluetooth/hci*)", "plug in or enable the Bluetooth adapter, or set readers.ble.enabled to false", exitNoCard)
		} else {
			d.ok("ble", fmt.Sprintf("%d Bluetooth adapter(s)", len(adapters)))
		}
	}
	if !r.PCSC && len(r.PN532) == 0 && !r.BLE.Enabled && !r.Sim {
		d.fail("readers", "no reader backend is configured", "set readers.pcsc, readers.pn532 or readers.ble", exitNoCard)
	}
}

// checkPort checks that a configured serial port exists; true when it is
// worth asking the device behind it.
func (d *doctor) checkPort(kind, port string) bool {
	if port == "auto" {
		d.ok(kind, "ports found by USB ID at start")
		return false
	}
	fi, err := os.Stat(port)
	switch {
	case runtime.GOOS == "windows":
		d.ok(kind, port+" (not checked on Windows)")
		return false
	case err != nil:
		d.fail(kind, port+" does not exist", "plug the device in, or fix the port in the configuration (ls /dev/serial/by-id)", exitNoCard)
		return false
	case fi.Mode()&os.ModeCharDevice == 0:
		d.fail(kind, port+" is not a serial device", "fix the port in the configuration (ls /dev/serial/by-id)", exitNoCard)
		return false
	}
	return true
}

// probePN532 asks the board on port for its firmware. A running agent
// holds the port, so then its reader list is the witness instead.
func (d *doctor) probePN532(ctx context.Context, port string) {
	if d.agent != nil {
		d.ok("pn532", port+" (in use by the running agent: see `cccd readers` or the console)")
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	r, err := pn532.New(pn532.Config{Path: port, Retries: 1})
	if err != nil {
		d.fail("pn532", port+": "+err.Error(), "check the port's permissions (the dialout group) and that no other program holds it", exitNoCard)
		return
	}
	defer r.Close()
	fw, err := r.Firmware(ctx)
	if err != nil {
		d.fail("pn532", port+" exists but no PN532 answers: "+err.Error(), "check the board's HSU mode switches and its cable, or that this is the right port", exitNoCard)
		return
	}
	d.ok("pn532", fmt.Sprintf("%s: PN532 firmware %d.%d answers", port, fw.Version, fw.Revision))
}

func (d *doctor) checkRoster(in *cache.Inspection) {
	var (
		records int
		age     time.Duration
		known   bool
		lastErr string
	)
	switch {
	case d.agent != nil:
		records, lastErr = d.agent.Roster.Records, d.agent.Roster.LastError
		age, known = time.Duration(d.agent.Roster.AgeSeconds)*time.Second, d.agent.Roster.AgeSeconds > 0
	case in != nil:
		records, lastErr = in.Roster.Records, in.Roster.LastError
		if at := in.Roster.AsOf(); !at.IsZero() {
			age, known = d.now.Sub(at), true
		}
	default:
		d.warn("roster", "not known (no database, no agent)", "")
		return
	}
	fresh := time.Duration(d.cfg.Roster.Freshness)
	switch {
	case records == 0:
		d.warn("roster", "no roster: every answer comes from the gateway or is not-found", "import one (`cccd roster import FILE`) or set roster.feed_url")
	case known && age > fresh:
		d.warn("roster", fmt.Sprintf("%d records, %s old (roster.freshness %s): answers are provisional", records, age.Round(time.Minute), fresh),
			"check the feed (below) or import a newer roster")
	default:
		d.ok("roster", fmt.Sprintf("%d records, %s old", records, age.Round(time.Minute)))
	}
	if lastErr != "" {
		d.warn("roster", "last sync failed: "+lastErr, "see the feed check")
	}
}

func (d *doctor) checkFeed(ctx context.Context) {
	url := d.cfg.Roster.FeedURL
	if url == "" {
		return
	}
	pub, err := readPublicKey(d.cfg.Roster.PublisherKey)
	if err != nil {
		d.fail("feed", "roster.publisher_key: "+err.Error(), "set roster.publisher_key to the feed publisher's Ed25519 public key (PEM)", exitRoster)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	shown := redactURL(url)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(url, "/")+"/"+feed.ManifestName, nil)
	if err != nil {
		d.fail("feed", "roster.feed_url: "+err.Error(), "fix roster.feed_url", exitRoster)
		return
	}
	resp, err := safehttp.Client(&http.Client{Timeout: 10 * time.Second}, safehttp.NoRedirect).Do(req)
	if err != nil {
		d.fail("feed", shown+" cannot be reached: "+netReason(err), "check the network and roster.feed_url", exitRoster)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if resp.StatusCode != http.StatusOK {
		d.fail("feed", fmt.Sprintf("%s answered HTTP %d for the manifest", shown, resp.StatusCode), "check roster.feed_url and the feed's credentials", exitRoster)
		return
	}
	m, err := feed.Open(body, pub)
	if err != nil {
		d.fail("feed", "the manifest does not verify: "+err.Error(), "check roster.publisher_key: is it this feed's key?", exitRoster)
		return
	}
	switch {
	case m.Encryption == "":
		d.warn("feed", fmt.Sprintf("%s reachable, manifest signed, version %d, but not encrypted: anyone with its URL can read the roster", shown, m.Version),
			"ask the publisher to encrypt the feed to this clinic (cccd roster keygen, docs/FEED.md)")
	case d.cfg.Roster.IdentityFile == "":
		d.fail("feed", "the feed is encrypted and roster.identity_file is not set", "set roster.identity_file to this clinic's identity (cccd roster keygen)", exitRoster)
	default:
		d.ok("feed", fmt.Sprintf("%s reachable, manifest signed, version %d, encrypted", shown, m.Version))
	}
}

// redactURL drops credentials from a URL before it is shown: the password
// of user:password@ and the whole query (it may carry a token).
func redactURL(s string) string {
	u, err := neturl.Parse(s)
	if err != nil {
		return "(a URL that does not parse)"
	}
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	return u.Redacted()
}

// checkTrust loads the anchors the agent would (imported ones and
// trust.paths) and looks at their validity and their CRLs.
func (d *doctor) checkTrust() {
	store := verify.NewTrustStore()
	entries, err := cache.InspectTrust(filepath.Join(d.dir, cacheFileName))
	switch {
	case errors.Is(err, cache.ErrLocked):
		// The agent holds the file: ask it how many anchors it loaded.
		if d.agent != nil && d.agent.TrustAnchors > 0 {
			d.ok("trust", fmt.Sprintf("%d anchors loaded by the agent", d.agent.TrustAnchors))
			return
		}
	case err == nil:
		files := make([]verify.TrustFile, 0, len(entries))
		for _, e := range entries {
			files = append(files, verify.TrustFile{Name: e.Source, Items: []verify.TrustItem{{Kind: e.Kind, DER: e.DER}}})
		}
		if st, err := verify.StoreFromFiles(files); err == nil {
			store = st
		} else {
			d.fail("trust", "imported anchors: "+err.Error(), "re-import them with `cccd trust import`", exitFailure)
		}
	}
	for _, p := range d.cfg.Trust.Paths {
		if err := store.LoadPath(p); err != nil {
			d.fail("trust", "trust.paths "+p+": "+err.Error(), "fix or remove the path", exitFailure)
		}
	}
	anchors := store.Anchors()
	if len(anchors) == 0 {
		d.warn("trust", "no trust anchor: genuine cards read as intact-untrusted (amber)",
			"import Vietnam's CCCD issuer certificate: `cccd trust import FILE`")
		return
	}
	soonest, expired := time.Time{}, 0
	for _, a := range anchors {
		na := a.Cert.NotAfter
		if na.Before(d.now) {
			expired++
			continue
		}
		if soonest.IsZero() || na.Before(soonest) {
			soonest = na
		}
	}
	detail := fmt.Sprintf("%d anchors", len(anchors))
	switch {
	case soonest.IsZero():
		d.warn("trust", detail+", all expired", "import current CSCA certificates or a new master list")
	case soonest.Sub(d.now) < 90*24*time.Hour:
		d.warn("trust", fmt.Sprintf("%s, the first expires on %s", detail, soonest.Format(time.DateOnly)), "import the issuer's new certificate before then")
	default:
		d.ok("trust", fmt.Sprintf("%s (%d expired), the first expires on %s", detail, expired, soonest.Format(time.DateOnly)))
	}
	for _, c := range store.CRLs() {
		if !c.NextUpdate.IsZero() && c.NextUpdate.Before(d.now) {
			d.warn("crl", fmt.Sprintf("the CRL of %s was due on %s", c.Issuer, c.NextUpdate.Format(time.DateOnly)), "import the issuer's current CRL")
		}
	}
}

func (d *doctor) checkGateway(ctx context.Context) {
	g := d.cfg.Gateway
	if g.URL == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := reachable(ctx, g.URL); err != nil {
		d.fail("gateway", redactURL(g.URL)+" cannot be reached: "+err.Error(), "check the network, or whether BHXH's gateway is down", exitFailure)
		return
	}
	if d.gatewayUser == "" {
		d.ok("gateway", redactURL(g.URL)+" reachable (token not tried: --gateway-user NAME)")
		return
	}
	if d.gatewayPassword == "" {
		d.fail("gateway", "--gateway-user without a password", "put the password in CCCD_GATEWAY_PASSWORD for this command", exitUsage)
		return
	}
	c, err := gateway.New(gateway.Config{URL: g.URL, Username: d.gatewayUser, Password: d.gatewayPassword, InsecureHTTP: g.InsecureHTTP,
		Timeout: time.Duration(g.Timeout)})
	if err != nil {
		d.fail("gateway", err.Error(), "fix gateway.url", exitUsage)
		return
	}
	if err := c.CheckToken(ctx); err != nil {
		d.fail("gateway", "token for "+d.gatewayUser+": "+err.Error(), "check the account's username and password with BHXH", exitFailure)
		return
	}
	d.ok("gateway", redactURL(g.URL)+" reachable, token taken for "+d.gatewayUser)
}

func (d *doctor) checkWebhook(ctx context.Context) {
	w := d.cfg.Webhook
	if w.URL == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := reachable(ctx, w.URL); err != nil {
		d.fail("webhook", redactURL(w.URL)+" cannot be reached: "+err.Error(), "check that the HIS is up and webhook.url", exitFailure)
		return
	}
	d.ok("webhook", redactURL(w.URL)+" reachable")
}

// reachable makes a HEAD request carrying nothing (no credentials, no
// data) and following no redirect: any HTTP answer means the host is there.
func reachable(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, url, nil)
	if err != nil {
		return err
	}
	resp, err := safehttp.Client(&http.Client{Timeout: 10 * time.Second}, safehttp.NoRedirect).Do(req)
	if err != nil {
		return errors.New(netReason(err))
	}
	resp.Body.Close()
	return nil
}

// netReason says why a request got no answer, in one line without the URL
// (which may carry credentials).
func netReason(err error) string {
	var ue *neturl.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	return err.Error()
}

// Package config is the agent's configuration file: its fields, their
// defaults, loading and validation. The file is JSON; `cccd serve
// --print-config` prints every field with its default, which is the
// documentation an admin starts from. Unknown fields are refused so that a
// typo never silently turns a setting off.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// ErrInvalid marks a configuration that cannot be used.
var ErrInvalid = errors.New("config: invalid")

// Duration is a time.Duration written as "90s", "6h" in the file.
type Duration time.Duration

// MarshalJSON writes the duration as Go's duration text.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "90s", "6h", "1h30m".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string like \"90s\" or \"6h\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return fmt.Errorf("duration %q: use a form like \"90s\" or \"6h\"", s)
	}
	*d = Duration(v)
	return nil
}

// Config is the whole configuration file.
type Config struct {
	// Listen is the API and console address; keep it on loopback.
	Listen string `json:"listen"`
	// DataDir holds the database, the API token and downloads ("" = per OS).
	DataDir  string   `json:"data_dir"`
	Facility Facility `json:"facility"`
	API      API      `json:"api"`
	Readers  Readers  `json:"readers"`
	Trust    Trust    `json:"trust"`
	Roster   Roster   `json:"roster"`
	Gateway  Gateway  `json:"gateway"`
	Webhook  Webhook  `json:"webhook"`
	Read     Read     `json:"read"`
	Checkins Checkins `json:"checkins"`
	Audit    Audit    `json:"audit"`
	Log      Log      `json:"log"`
}

// Checkins configures how check-ins are recorded and how long they are kept.
type Checkins struct {
	// Retention: delivered check-ins older than this are deleted at start
	// and daily; undelivered ones are kept (and counted in /metrics).
	Retention Duration `json:"retention"`
	// RetapWindow: the same card read again within it after a check-in
	// (not cancelled) records no new check-in; the result names the earlier
	// one. 0 turns it off.
	RetapWindow Duration `json:"retap_window"`
}

// Audit configures the audit trail kept in the database.
type Audit struct {
	// Retention is how long records are kept; older ones are deleted at
	// start and daily.
	Retention Duration `json:"retention"`
}

// Facility identifies the clinic: its code decides "registered here".
type Facility struct {
	Code string `json:"code"` // maDKBD of this facility, e.g. "79024"
	Name string `json:"name"`
}

// API configures the local HTTP API.
type API struct {
	HISOrigins    []string `json:"his_origins"` // exact browser origins of the HIS, no wildcards
	MaxBodyBytes  int64    `json:"max_body_bytes"`
	RatePerSecond float64  `json:"rate_per_second"`
	// Remote allows a listen address that is not loopback. It needs TLSCert
	// and TLSKey; callers from the network may then use tokens only, never
	// browser sessions.
	Remote  bool   `json:"remote"`
	TLSCert string `json:"tls_cert"` // PEM certificate chain file (with remote)
	TLSKey  string `json:"tls_key"`  // PEM private key file (with remote)
	// IdleLock signs a console out after this long without use; ShiftLimit
	// after this long whatever.
	IdleLock   Duration `json:"idle_lock"`
	ShiftLimit Duration `json:"shift_limit"`
	// ReadTTL is how long a read (photo, QĐ 4750 fields) can be pulled with
	// GET /api/v1/reads/{id} after the tap; it is kept in memory only.
	ReadTTL Duration `json:"read_ttl"`
}

// Readers selects the reader backends.
type Readers struct {
	PCSC  bool     `json:"pcsc"`
	PN532 []string `json:"pn532"` // serial ports, or "auto" to detect by USB VID/PID
	BLE   BLE      `json:"ble"`
	QR    []QR     `json:"qr"`
	// Sim adds a simulated reader with the demo card (tests and demos only).
	Sim bool `json:"sim"`
}

// BLE configures a Bluetooth LE reader (ACR1255U-J1 class).
type BLE struct {
	Enabled   bool   `json:"enabled"`
	Address   string `json:"address"`
	MasterKey string `json:"master_key"` // hex; "" = the reader's documented default
}

// QR pairs a serial 2D scanner with a reader: a scanned card QR becomes the
// key of the next card on that reader.
type QR struct {
	Port   string `json:"port"`
	Reader string `json:"reader"`
}

// Trust lists trust anchors loaded at start besides those imported with
// `cccd trust import` (files or directories: certificates, .ml, CRLs).
type Trust struct {
	Paths []string `json:"paths"`
}

// Roster configures the insurance roster feed.
type Roster struct {
	FeedURL string `json:"feed_url"` // "" = no automatic sync
	// PublisherKey is the path of the publisher's Ed25519 public key (PEM).
	PublisherKey string `json:"publisher_key"`
	// FeedAuthFile holds the Authorization header value the feed server
	// wants (e.g. "Basic …", "Bearer …"): credentials stay out of feed_url
	// and of the database; a secret file.
	FeedAuthFile string `json:"feed_auth_file"`
	// IdentityFile is this clinic's age identity (`cccd roster keygen`),
	// which opens an encrypted feed; a secret file, mode 0600.
	IdentityFile string   `json:"identity_file"`
	SyncInterval Duration `json:"sync_interval"`
	// Freshness: answers from a roster or cache older than this are provisional.
	Freshness Duration `json:"freshness"`
	// SyncTimeout bounds one sync (scheduled, `cccd roster sync` or POST
	// /api/v1/sync) from start to end.
	SyncTimeout Duration `json:"sync_timeout"`
	// MaxShrink is the largest fraction of the roster a publication may drop
	// (0.5: fewer than half the records held is refused); 1 = no check.
	MaxShrink float64 `json:"max_shrink"`
}

// Gateway configures the BHXH card-check gateway (optional). Since
// 01/08/2024 (CV 1923) every lookup runs under the account of the staff
// member making it: each receptionist types their own gateway password at
// sign-in (per-user, the default). SharedAccount keeps the earlier way, one
// facility account for everyone, for deployments without per-user accounts.
type Gateway struct {
	URL string `json:"url"` // "" = not used
	// SharedAccount: every lookup under Username/PasswordFile with
	// StaffName/StaffID as hoTenCb/cccdCb (the way before 01/08/2024).
	SharedAccount bool     `json:"shared_account"`
	Username      string   `json:"username"`      // shared account only
	PasswordFile  string   `json:"password_file"` // shared account only; the password stays out of the config file
	StaffName     string   `json:"staff_name"`    // shared account only: hoTenCb
	StaffID       string   `json:"staff_id"`      // shared account only: cccdCb
	Timeout       Duration `json:"timeout"`
	// InsecureHTTP allows an http:// url (tests, a lab): the calls carry the
	// password's MD5, tokens and patients' data, so https is the rule.
	InsecureHTTP bool `json:"insecure_http"`
	// Checkin sends confirmed check-ins to BHXH's check-in endpoint.
	Checkin GatewayCheckin `json:"checkin"`
}

// GatewayCheckin configures the direct check-in to BHXH (CV 1245/BHXH-CNTT
// §2): a confirmed check-in whose episode the HIS has set is sent as its
// XML0 file under the gateway session of the staff member who confirmed it.
type GatewayCheckin struct {
	Enabled bool   `json:"enabled"`
	Path    string `json:"path"` // relative to gateway.url; QĐ 3176 gateways: "api/qd130/checkInKcbQd3176"
}

// Webhook configures delivery of check-ins to the HIS.
type Webhook struct {
	URL string `json:"url"` // "" = the HIS polls the API instead
	// AuthorizationFile holds the value of the Authorization header the HIS
	// expects (e.g. "Bearer …"), kept out of the config file; "" sends none.
	AuthorizationFile string `json:"authorization_file"`
	// InsecureHTTP allows an http:// url (tests, a lab); https is the rule.
	InsecureHTTP bool `json:"insecure_http"`
}

// Read configures the card reading flow.
type Read struct {
	// KeyTimeout is how long a card waits for a key, and how long a key typed
	// before the tap stays valid.
	KeyTimeout Duration `json:"key_timeout"`
	AllowBAC   bool     `json:"allow_bac"` // allow BAC after a failed PACE (chips without PACE use BAC anyway)
	NoPhoto    bool     `json:"no_photo"`
}

// Log configures logging.
type Log struct {
	Level  string `json:"level"`  // debug, info, warn, error
	Format string `json:"format"` // json or text
}

// Default returns the configuration used when no file is given.
func Default() Config {
	return Config{
		Listen: "127.0.0.1:7400",
		API: API{HISOrigins: []string{}, MaxBodyBytes: 64 << 10, RatePerSecond: 2000,
			IdleLock: Duration(15 * time.Minute), ShiftLimit: Duration(12 * time.Hour), ReadTTL: Duration(5 * time.Minute)},
		Readers: Readers{PCSC: true, PN532: []string{}, QR: []QR{}},
		Trust:   Trust{Paths: []string{}},
		Roster: Roster{SyncInterval: Duration(6 * time.Hour), Freshness: Duration(7 * 24 * time.Hour),
			SyncTimeout: Duration(30 * time.Minute), MaxShrink: 0.5},
		Gateway:  Gateway{Timeout: Duration(10 * time.Second), Checkin: GatewayCheckin{Path: "api/qd130/checkInKcbQd4750"}},
		Read:     Read{KeyTimeout: Duration(2 * time.Minute)},
		Checkins: Checkins{Retention: Duration(90 * 24 * time.Hour), RetapWindow: Duration(10 * time.Minute)},
		Audit:    Audit{Retention: Duration(365 * 24 * time.Hour)},
		Log:      Log{Level: "info", Format: "json"},
	}
}

// Load reads path over the defaults ("" = defaults alone) and validates.
func Load(path string) (Config, error) {
	cfg := Default()
	if path == "" {
		return cfg, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	if err := Decode(b, &cfg); err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// Decode parses b over cfg (strictly: unknown fields are errors) and validates.
func Decode(b []byte, cfg *Config) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	// A second object (two configs pasted together, a merge gone wrong) would
	// otherwise be ignored silently.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: data after the configuration object (offset %d): the file must hold one JSON object", ErrInvalid, dec.InputOffset())
	}
	return cfg.Validate()
}

// Validate checks the values that would otherwise fail later and obscurely.
func (c *Config) Validate() error {
	if _, err := ParseListen(c.Listen, c.API.Remote); err != nil {
		return err
	}
	if c.API.Remote && (c.API.TLSCert == "" || c.API.TLSKey == "") {
		return fmt.Errorf("%w: api.remote needs api.tls_cert and api.tls_key: the API is not served to the network without TLS", ErrInvalid)
	}
	for _, o := range c.API.HISOrigins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || strings.Contains(o, "*") {
			return fmt.Errorf("%w: api.his_origins entry %q must be an exact origin like https://his.example.vn", ErrInvalid, o)
		}
	}
	for _, u := range []struct {
		name, v     string
		httpsOnly   bool
		insecureKey string
	}{
		{"roster.feed_url", c.Roster.FeedURL, false, ""},
		{"gateway.url", c.Gateway.URL, !c.Gateway.InsecureHTTP, "gateway.insecure_http"},
		{"webhook.url", c.Webhook.URL, !c.Webhook.InsecureHTTP, "webhook.insecure_http"},
	} {
		if u.v == "" {
			continue
		}
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return fmt.Errorf("%w: %s %q must be an http(s) URL", ErrInvalid, u.name, u.v)
		}
		if u.httpsOnly && p.Scheme != "https" {
			// The URL is not echoed: a webhook URL may carry a secret.
			return fmt.Errorf("%w: %s must be https (set %s only for tests)", ErrInvalid, u.name, u.insecureKey)
		}
	}
	if c.Roster.FeedURL != "" && c.Roster.PublisherKey == "" {
		return fmt.Errorf("%w: roster.feed_url needs roster.publisher_key (the feed publisher's Ed25519 public key)", ErrInvalid)
	}
	if err := c.Gateway.validate(c.Facility.Code); err != nil {
		return err
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("%w: log.level %q must be debug, info, warn or error", ErrInvalid, c.Log.Level)
	}
	if c.Log.Format != "json" && c.Log.Format != "text" {
		return fmt.Errorf("%w: log.format %q must be json or text", ErrInvalid, c.Log.Format)
	}
	if c.API.IdleLock <= 0 || c.API.ShiftLimit <= 0 || c.API.IdleLock > c.API.ShiftLimit {
		return fmt.Errorf("%w: api.idle_lock and api.shift_limit must be positive, the idle lock no longer than the shift", ErrInvalid)
	}
	if c.API.ReadTTL <= 0 || time.Duration(c.API.ReadTTL) > time.Hour {
		return fmt.Errorf("%w: api.read_ttl must be positive and at most an hour (a read holds the photo)", ErrInvalid)
	}
	if time.Duration(c.Checkins.Retention) < 24*time.Hour {
		return fmt.Errorf("%w: checkins.retention must be at least a day (\"24h\")", ErrInvalid)
	}
	if time.Duration(c.Audit.Retention) < 24*time.Hour {
		return fmt.Errorf("%w: audit.retention must be at least a day (\"24h\")", ErrInvalid)
	}
	if time.Duration(c.Roster.SyncTimeout) < 10*time.Second {
		return fmt.Errorf("%w: roster.sync_timeout must be at least \"10s\"", ErrInvalid)
	}
	if !(c.Roster.MaxShrink > 0 && c.Roster.MaxShrink <= 1) {
		return fmt.Errorf("%w: roster.max_shrink must be a fraction above 0 and at most 1 (0.5: a publication may not drop more than half the roster; 1: no check)", ErrInvalid)
	}
	if c.Checkins.RetapWindow < 0 || time.Duration(c.Checkins.RetapWindow) > 12*time.Hour {
		return fmt.Errorf("%w: checkins.retap_window must be between \"0s\" (off) and \"12h\"", ErrInvalid)
	}
	if c.Read.KeyTimeout <= 0 {
		return fmt.Errorf("%w: read.key_timeout must be positive", ErrInvalid)
	}
	return nil
}

// ParseListen parses a listen address "IP:port". Host names are refused (a
// name may resolve to any interface), and so is every address that is not
// loopback ("0", "[::0]", "[::ffff:0.0.0.0]", a LAN address) unless remote is
// set. An IPv4 address written in IPv6 form is judged as the IPv4 address.
func ParseListen(s string, remote bool) (netip.AddrPort, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%w: listen %q must be IP:port, e.g. 127.0.0.1:7400", ErrInvalid, s)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%w: listen %q: the port must be a number from 0 to 65535", ErrInvalid, s)
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || addr.Zone() != "" {
		return netip.AddrPort{}, fmt.Errorf("%w: listen %q: give an IP address such as 127.0.0.1 or [::1], not a host name", ErrInvalid, s)
	}
	addr = addr.Unmap()
	if !addr.IsLoopback() && !remote {
		return netip.AddrPort{}, fmt.Errorf("%w: listen %q is not a loopback address and would expose the API to the network; bind 127.0.0.1 (or set api.remote with TLS)", ErrInvalid, s)
	}
	return netip.AddrPortFrom(addr, uint16(p)), nil
}

// Print writes cfg as indented JSON, the form Load reads.
func (c Config) Print() ([]byte, error) {
	b, err := json.MarshalIndent(c, "", "  ")
	return append(b, '\n'), err
}

func (g Gateway) validate(facility string) error {
	shared := g.Username != "" || g.PasswordFile != "" || g.StaffName != "" || g.StaffID != ""
	switch {
	case g.URL == "" && (g.SharedAccount || g.Checkin.Enabled):
		return fmt.Errorf("%w: gateway.shared_account and gateway.checkin need gateway.url", ErrInvalid)
	case g.URL != "" && g.SharedAccount && (g.Username == "" || g.PasswordFile == "" || g.StaffID == ""):
		return fmt.Errorf("%w: gateway.shared_account needs gateway.username, gateway.password_file and gateway.staff_id", ErrInvalid)
	case g.URL != "" && !g.SharedAccount && shared:
		return fmt.Errorf("%w: gateway.username, password_file, staff_name and staff_id are for gateway.shared_account (one account for all, before 01/08/2024); per-user accounts are set with cccd staff add --gateway-user", ErrInvalid)
	}
	if g.Checkin.Enabled {
		if len(facility) < 2 || strings.Trim(facility[:2], "0123456789") != "" {
			return fmt.Errorf("%w: gateway.checkin needs facility.code (maCSKCB; its first two digits are maTinh)", ErrInvalid)
		}
		p := g.Checkin.Path
		if p == "" || strings.Contains(p, "://") || strings.Contains(p, "..") || strings.ContainsAny(p, "?# ") {
			return fmt.Errorf("%w: gateway.checkin.path must be a path relative to gateway.url, e.g. api/qd130/checkInKcbQd4750", ErrInvalid)
		}
	}
	return nil
}

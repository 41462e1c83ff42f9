package gateway

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/internal/safehttp"

	"golang.org/x/text/unicode/norm"
)

// Endpoints, relative to the gateway base URL.
const (
	epToken  = "token/take"
	epLookup = "KQNhanLichSuKCB2024"

	pathToken  = "api/token/take"
	pathLookup = "api/egw/KQNhanLichSuKCB2024"

	// DefaultURL is the production gateway.
	DefaultURL = "https://egw.baohiemxahoi.gov.vn/"

	maxBody = 1 << 20
)

// Config configures a Client.
type Config struct {
	URL       string // gateway base URL; "" means DefaultURL
	Username  string // facility account, e.g. "79024_BV"
	Password  string // plain text; only its MD5 is ever sent
	StaffName string // default hoTenCb: the staff member doing lookups
	StaffID   string // default cccdCb: that staff member's 12-digit CCCD
	// InsecureHTTP allows an http:// URL (tests, a lab); otherwise https
	// is required, since every call carries the password's MD5 and tokens.
	InsecureHTTP bool
	// Client's transport and timeouts are used; its redirect policy is
	// replaced (same host only; the token call is never redirected).
	Client   *http.Client  // nil means a client over http.DefaultTransport
	Timeout  time.Duration // per request; 0 means 10 s
	TokenTTL time.Duration // reuse a token this long at most; 0 means 50 min
	Logger   *slog.Logger  // nil means slog.Default()
	Now      func() time.Time
}

// Query is one card check. Staff fields default to the Config's; a
// deployment with per-user accounts sets them to the logged-in receptionist.
type Query struct {
	MaThe     string // BHYT card number (10 or 15 characters) or the 12-digit CCCD
	HoTen     string // name as on the card
	NgaySinh  string // dd/MM/yyyy, ddMMyyyy, yyyy-MM-dd, MM/yyyy or yyyy
	StaffName string
	StaffID   string
}

// Client talks to the gateway. It is safe for concurrent use; it keeps one
// token and refreshes it when it expires or the gateway rejects it.
type Client struct {
	cfg   Config
	base  *url.URL
	md5pw string
	log   *slog.Logger

	lookupHTTP *http.Client // follows same-host redirects only
	tokenHTTP  *http.Client // follows none

	mu   sync.Mutex
	tok  *token
	form map[string]bool // endpoints that refused JSON and take form fields
	// legacyToken: the token call worked only as JSON with a lower-case MD5
	// (seen in the field), not as the CV 1245/3190 form with upper-case MD5.
	legacyToken bool
}

type token struct {
	access, id string
	password   string // the MD5 form the token was taken with
	expires    time.Time
}

// New returns a client for cfg.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" {
		cfg.URL = DefaultURL
	}
	u, err := safehttp.CheckURL(cfg.URL, cfg.InsecureHTTP)
	if err != nil {
		return nil, fmt.Errorf("%w: gateway URL: %v", ErrConfig, err)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawQuery, u.User = "", nil
	if cfg.Username == "" || cfg.Password == "" {
		return nil, fmt.Errorf("%w: set the gateway username and password", ErrConfig)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = 50 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	sum := md5.Sum([]byte(cfg.Password))
	// CV 1245 §1 and CV 3190 §1: the password as MD5 in upper-case hex.
	pw := strings.ToUpper(hex.EncodeToString(sum[:]))
	cfg.Password = "" // only its MD5 is kept, which every call carries anyway
	return &Client{cfg: cfg, base: u, md5pw: pw, log: cfg.Logger, form: map[string]bool{},
		lookupHTTP: safehttp.Client(cfg.Client, safehttp.SameHost),
		tokenHTTP:  safehttp.Client(cfg.Client, safehttp.NoRedirect)}, nil
}

// CheckToken takes a fresh token for the configured account and makes no
// lookup (`cccd doctor --gateway-user`).
func (c *Client) CheckToken(ctx context.Context) error {
	_, err := c.token(ctx, true)
	return err
}

// Check looks a card up. A result about the patient (eligible, manual
// check, not eligible, not found) is an Answer with a nil error; a result
// about the setup or the server is a *ResultError (ErrConfig, ErrAuth,
// ErrUnavailable) and no Answer.
func (c *Client) Check(ctx context.Context, q Query) (*Answer, error) {
	fields, err := c.lookupFields(q)
	if err != nil {
		return nil, err
	}
	start := c.cfg.Now()
	a, err := c.checkOnce(ctx, fields, false)
	if errors.Is(err, errTokenRejected) {
		a, err = c.checkOnce(ctx, fields, true)
		if errors.Is(err, errTokenRejected) {
			err = &ResultError{Endpoint: epLookup, Code: "401", Class: ClassConfig, Meaning: "token refused right after it was issued"}
		}
	}
	if err != nil {
		c.log.Warn("gateway check failed", "err", err, "ms", c.cfg.Now().Sub(start).Milliseconds())
		return nil, err
	}
	c.log.Info("gateway check", "code", a.MaKetQua, "class", a.Class, "ms", c.cfg.Now().Sub(start).Milliseconds())
	return a, nil
}

// errTokenRejected: the lookup said the token is invalid or expired.
var errTokenRejected = errors.New("token rejected")

func (c *Client) checkOnce(ctx context.Context, fields []field, fresh bool) (*Answer, error) {
	tok, err := c.token(ctx, fresh)
	if err != nil {
		return nil, err
	}
	q := url.Values{"token": {tok.access}, "id_token": {tok.id}, "username": {c.cfg.Username}, "password": {tok.password}}
	status, body, err := c.post(ctx, epLookup, pathLookup, q, fields)
	if err != nil {
		return nil, err
	}
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		c.dropToken(tok)
		return nil, errTokenRejected
	}
	a, err := DecodeAnswer(body)
	if err != nil {
		return nil, err
	}
	a.At = c.cfg.Now()
	switch {
	case a.MaKetQua == "401" || a.MaKetQua == "501":
		c.dropToken(tok)
		return nil, errTokenRejected
	case a.Class == ClassConfig || a.Class == ClassServer:
		return nil, &ResultError{Endpoint: epLookup, Code: a.MaKetQua, Class: a.Class, Meaning: a.Meaning}
	}
	return a, nil
}

// lookupFields validates and normalises a query into the request body.
func (c *Client) lookupFields(q Query) ([]field, error) {
	if q.StaffName == "" {
		q.StaffName = c.cfg.StaffName
	}
	if q.StaffID == "" {
		q.StaffID = c.cfg.StaffID
	}
	maThe := strings.ToUpper(strings.TrimSpace(q.MaThe))
	switch {
	case len(maThe) != 10 && len(maThe) != 12 && len(maThe) != 15:
		return nil, fmt.Errorf("%w: maThe must be a 10- or 15-character card number or a 12-digit CCCD", ErrInvalidRequest)
	case strings.TrimSpace(q.HoTen) == "":
		return nil, fmt.Errorf("%w: hoTen is required", ErrInvalidRequest)
	case strings.TrimSpace(q.StaffName) == "" || len(q.StaffID) != 12:
		return nil, fmt.Errorf("%w: the staff member's name (hoTenCb) and 12-digit CCCD (cccdCb) are required since 01/08/2024", ErrInvalidRequest)
	}
	dob, err := NormalizeDOB(q.NgaySinh)
	if err != nil {
		return nil, err
	}
	return []field{
		{"maThe", maThe},
		{"hoTen", norm.NFC.String(strings.TrimSpace(q.HoTen))},
		{"ngaySinh", dob},
		{"hoTenCb", norm.NFC.String(strings.TrimSpace(q.StaffName))},
		{"cccdCb", q.StaffID},
	}, nil
}

// NormalizeDOB turns the date forms met at reception into the gateway's
// dd/MM/yyyy, or MM/yyyy and yyyy when the birth day or month is unknown
// (the read result's ISO yyyy-mm / yyyy, the QR's MMyyyy / yyyy, DG13's
// 00/mm/yyyy and 00/00/yyyy).
func NormalizeDOB(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) == 10 && (s[2] == '/' || s[2] == '-') && s[5] == s[2] && s[0:2] == "00" {
		// DG13's unknown day (00/mm/yyyy) or day and month (00/00/yyyy).
		if s[3:5] == "00" {
			s = s[6:]
		} else {
			s = s[3:5] + "/" + s[6:]
		}
	}
	for _, layout := range []struct{ in, out string }{
		{"02/01/2006", "02/01/2006"}, {"02012006", "02/01/2006"}, {"2006-01-02", "02/01/2006"},
		{"01/2006", "01/2006"}, {"2006-01", "01/2006"}, {"012006", "01/2006"}, {"2006", "2006"},
	} {
		if t, err := time.Parse(layout.in, s); err == nil && len(s) == len(layout.in) && t.Year() >= 1800 {
			return t.Format(layout.out), nil
		}
	}
	return "", fmt.Errorf("%w: ngaySinh must be dd/MM/yyyy, ddMMyyyy, yyyy-MM-dd, MM/yyyy, yyyy-MM, MMyyyy or yyyy", ErrInvalidRequest)
}

// token returns a valid token, taking a new one when needed (or when fresh).
func (c *Client) token(ctx context.Context, fresh bool) (*token, error) {
	c.mu.Lock()
	tok, legacy := c.tok, c.legacyToken
	c.mu.Unlock()
	if tok != nil && !fresh && c.cfg.Now().Before(tok.expires) {
		return tok, nil
	}
	// CV 1245 §1 / CV 3190 §1: form fields, MD5 in upper-case hex. Field
	// clients also send JSON with a lower-case MD5; on an authentication
	// failure the other form is tried once, and the one that worked is kept.
	tok, err := c.takeToken(ctx, legacy)
	if errors.Is(err, errTokenForm) {
		tok, err = c.takeToken(ctx, !legacy)
		if err == nil {
			c.mu.Lock()
			c.legacyToken = !legacy
			c.mu.Unlock()
			form := "form-urlencoded with upper-case MD5 (CV 1245)"
			if !legacy {
				form = "JSON with lower-case MD5 (not the CV 1245 form)"
			}
			c.log.Warn("gateway token: the first form was refused; this one worked", "form", form)
		}
	}
	if errors.Is(err, errTokenForm) {
		return nil, &ResultError{Endpoint: epToken, Code: "401", Class: ClassConfig, Meaning: "facility username or password refused"}
	}
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.tok = tok
	c.mu.Unlock()
	return tok, nil
}

// errTokenForm: the token call failed authentication in one form (which
// may be the form, not the credentials).
var errTokenForm = errors.New("token form refused")

// takeToken makes one api/token/take call: the spec's form (form fields,
// upper-case MD5) or, if legacy, JSON with a lower-case MD5.
func (c *Client) takeToken(ctx context.Context, legacy bool) (*token, error) {
	pw := c.md5pw
	if legacy {
		pw = strings.ToLower(pw)
	}
	fields := []field{{"username", c.cfg.Username}, {"password", pw}}
	status, body, err := c.send(ctx, c.tokenHTTP, epToken, pathToken, nil, fields, !legacy)
	if err != nil {
		return nil, err
	}
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusBadRequest, http.StatusUnsupportedMediaType:
		return nil, errTokenForm
	}
	tr, err := decodeToken(body)
	if err != nil {
		return nil, err
	}
	switch tr.MaKetQua {
	case "200":
	case "401", "402", "403", "205":
		return nil, errTokenForm
	default:
		return nil, &ResultError{Endpoint: epToken, Code: string(tr.MaKetQua), Class: ClassServer, Meaning: "token refused"}
	}
	now := c.cfg.Now()
	expires := now.Add(c.cfg.TokenTTL)
	if exp, ok := tokenExpiry(string(tr.APIKey.ExpiresIn), now); ok && exp.Sub(now) > 2*time.Minute {
		// Renew a minute early: the two clocks differ.
		expires = minTime(expires, exp.Add(-time.Minute))
	}
	return &token{access: tr.APIKey.AccessToken, id: tr.APIKey.IDToken, password: pw, expires: expires}, nil
}

// tokenExpiry reads APIKey.expires_in: a UTC datetime per CV 1245/3190
// (e.g. "2024-05-03T10:00:00Z", also without the zone or with a space), or,
// from gateways that answer like OAuth, a number of seconds from now.
func tokenExpiry(s string, now time.Time) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "02/01/2006 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			// "0001-01-01 00:00:00" is a .NET default, not an expiry.
			return t, !t.IsZero()
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 && n < 366*24*3600 {
		return now.Add(time.Duration(n) * time.Second), true
	}
	return time.Time{}, false
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// dropToken forgets tok if it is still the current one.
func (c *Client) dropToken(tok *token) {
	c.mu.Lock()
	if c.tok == tok {
		c.tok = nil
	}
	c.mu.Unlock()
}

// tokenResponse is the api/token/take answer.
type tokenResponse struct {
	MaKetQua flexString `json:"maKetQua"`
	APIKey   struct {
		AccessToken string     `json:"access_token"`
		IDToken     string     `json:"id_token"`
		TokenType   string     `json:"token_type"`
		Username    string     `json:"username"`
		ExpiresIn   flexString `json:"expires_in"`
	} `json:"APIKey"`
}

func decodeToken(body []byte) (*tokenResponse, error) {
	var tr tokenResponse
	if err := json.Unmarshal(bytes.TrimSpace(body), &tr); err != nil {
		return nil, fmt.Errorf("%w: token answer is not the expected JSON", ErrBadResponse)
	}
	if tr.MaKetQua == "200" && tr.APIKey.AccessToken == "" {
		return nil, fmt.Errorf("%w: token answer without access_token", ErrBadResponse)
	}
	return &tr, nil
}

// field is one request body field; order is kept for readability of traces.
type field struct{ name, value string }

// post sends fields to an endpoint as JSON, or as form fields when the
// endpoint refused JSON before (HTTP 400/415 or result 205 to a JSON body;
// the specification asks clients to support both). It returns the status and the body.
func (c *Client) post(ctx context.Context, ep, path string, query url.Values, fields []field) (int, []byte, error) {
	c.mu.Lock()
	form := c.form[ep]
	c.mu.Unlock()
	status, body, err := c.send(ctx, c.lookupHTTP, ep, path, query, fields, form)
	if err != nil || form || !refusedJSON(status, body) {
		return status, body, err
	}
	status2, body2, err := c.send(ctx, c.lookupHTTP, ep, path, query, fields, true)
	if err != nil {
		return 0, nil, err
	}
	if !refusedJSON(status2, body2) {
		c.mu.Lock()
		c.form[ep] = true
		c.mu.Unlock()
		c.log.Info("gateway endpoint takes form fields, not JSON", "endpoint", ep)
	}
	return status2, body2, nil
}

// refusedJSON reports an answer that means "wrong body format".
func refusedJSON(status int, body []byte) bool {
	if status == http.StatusBadRequest || status == http.StatusUnsupportedMediaType {
		return true
	}
	var r struct {
		MaKetQua flexString `json:"maKetQua"`
	}
	return status == http.StatusOK && json.Unmarshal(body, &r) == nil && r.MaKetQua == "205"
}

func (c *Client) send(ctx context.Context, hc *http.Client, ep, path string, query url.Values, fields []field, form bool) (int, []byte, error) {
	return c.sendWith(ctx, hc, ep, path, query, nil, fields, form)
}

// sendWith is send with extra request headers (the check-in call carries
// its token in headers), written with the specification's spelling.
func (c *Client) sendWith(ctx context.Context, hc *http.Client, ep, path string, query url.Values, hdr http.Header, fields []field, form bool) (int, []byte, error) {
	u := *c.base
	u.Path += path
	u.RawQuery = query.Encode()
	var body []byte
	ctype := "application/json; charset=utf-8"
	if form {
		v := url.Values{}
		for _, f := range fields {
			v.Set(f.name, f.value)
		}
		body, ctype = []byte(v.Encode()), "application/x-www-form-urlencoded"
	} else {
		m := make(map[string]string, len(fields))
		for _, f := range fields {
			m[f.name] = f.value
		}
		body, _ = json.Marshal(m)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %s: cannot build the request", ErrConfig, ep)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		// *url.Error would print the URL, which carries the password and token.
		return 0, nil, fmt.Errorf("%w: %s: %v", ErrUnavailable, ep, causeOf(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %s: reading the answer: %v", ErrUnavailable, ep, causeOf(err))
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return 0, nil, fmt.Errorf("%w: %s: %s", ErrBadResponse, ep, safehttp.Describe(resp.StatusCode))
	}
	if resp.StatusCode >= 500 {
		return 0, nil, fmt.Errorf("%w: %s answered HTTP %d", ErrUnavailable, ep, resp.StatusCode)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusUnauthorized &&
		resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusBadRequest &&
		resp.StatusCode != http.StatusUnsupportedMediaType {
		return 0, nil, fmt.Errorf("%w: %s answered HTTP %d", ErrBadResponse, ep, resp.StatusCode)
	}
	return resp.StatusCode, data, nil
}

// causeOf strips *url.Error down to its cause, which never holds the URL.
func causeOf(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return errors.New("timed out")
		}
		return ue.Err
	}
	return err
}

// Authenticate takes a fresh token for the configured account: at a staff
// member's sign-in it tells at once whether the gateway takes their
// password. An error unwraps to ErrAuth (refused), ErrUnavailable or
// ErrBadResponse.
func (c *Client) Authenticate(ctx context.Context) error {
	_, err := c.token(ctx, true)
	if err != nil {
		c.log.Warn("gateway sign-in failed", "err", err)
	}
	return err
}

// Username is the gateway account the client uses.
func (c *Client) Username() string { return c.cfg.Username }

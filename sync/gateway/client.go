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
	"strings"
	"sync"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"

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
	// UppercaseMD5 sends the password hash in upper-case hex (one set of
	// integration notes says the gateway wants that; the default is lower).
	UppercaseMD5 bool
	Client       *http.Client  // nil means http.DefaultClient
	Timeout      time.Duration // per request; 0 means 10 s
	TokenTTL     time.Duration // reuse a token this long at most; 0 means 50 min
	Logger       *slog.Logger  // nil means slog.Default()
	Now          func() time.Time
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

	mu   sync.Mutex
	tok  *token
	form map[string]bool // endpoints that refused JSON and take form fields
}

type token struct {
	access, id string
	expires    time.Time
}

// New returns a client for cfg.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" {
		cfg.URL = DefaultURL
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: gateway URL must be http(s)://host/", ErrConfig)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawQuery, u.User = "", nil
	if cfg.Username == "" || cfg.Password == "" {
		return nil, fmt.Errorf("%w: set the gateway username and password", ErrConfig)
	}
	if cfg.Client == nil {
		cfg.Client = http.DefaultClient
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
	pw := hex.EncodeToString(sum[:])
	if cfg.UppercaseMD5 {
		pw = strings.ToUpper(pw)
	}
	return &Client{cfg: cfg, base: u, md5pw: pw, log: cfg.Logger, form: map[string]bool{}}, nil
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
	q := url.Values{"token": {tok.access}, "id_token": {tok.id}, "username": {c.cfg.Username}, "password": {c.md5pw}}
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
// dd/MM/yyyy (or MM/yyyy, yyyy when only those are known).
func NormalizeDOB(s string) (string, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []struct{ in, out string }{
		{"02/01/2006", "02/01/2006"}, {"02012006", "02/01/2006"}, {"2006-01-02", "02/01/2006"},
		{"01/2006", "01/2006"}, {"2006", "2006"},
	} {
		if t, err := time.Parse(layout.in, s); err == nil {
			return t.Format(layout.out), nil
		}
	}
	return "", fmt.Errorf("%w: ngaySinh must be dd/MM/yyyy, ddMMyyyy, yyyy-MM-dd, MM/yyyy or yyyy", ErrInvalidRequest)
}

// token returns a valid token, taking a new one when needed (or when fresh).
func (c *Client) token(ctx context.Context, fresh bool) (*token, error) {
	c.mu.Lock()
	tok := c.tok
	c.mu.Unlock()
	if tok != nil && !fresh && c.cfg.Now().Before(tok.expires) {
		return tok, nil
	}
	fields := []field{{"username", c.cfg.Username}, {"password", c.md5pw}}
	status, body, err := c.post(ctx, epToken, pathToken, nil, fields)
	if err != nil {
		return nil, err
	}
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		return nil, &ResultError{Endpoint: epToken, Code: "401", Class: ClassConfig, Meaning: "HTTP " + http.StatusText(status)}
	}
	tr, err := decodeToken(body)
	if err != nil {
		return nil, err
	}
	if tr.MaKetQua != "200" {
		class, meaning := ClassServer, "token refused"
		switch tr.MaKetQua {
		case "401", "402", "403":
			class, meaning = ClassConfig, "facility username or password refused"
		}
		return nil, &ResultError{Endpoint: epToken, Code: string(tr.MaKetQua), Class: class, Meaning: meaning}
	}
	ttl := c.cfg.TokenTTL
	if secs, err := tr.APIKey.ExpiresIn.seconds(); err == nil && secs > 120 {
		ttl = min(ttl, time.Duration(secs-60)*time.Second)
	}
	tok = &token{access: tr.APIKey.AccessToken, id: tr.APIKey.IDToken, expires: c.cfg.Now().Add(ttl)}
	c.mu.Lock()
	c.tok = tok
	c.mu.Unlock()
	return tok, nil
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

func (f flexString) seconds() (int64, error) {
	var n int64
	_, err := fmt.Sscan(string(f), &n)
	return n, err
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
	status, body, err := c.send(ctx, ep, path, query, fields, form)
	if err != nil || form || !refusedJSON(status, body) {
		return status, body, err
	}
	status2, body2, err := c.send(ctx, ep, path, query, fields, true)
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

func (c *Client) send(ctx context.Context, ep, path string, query url.Values, fields []field, form bool) (int, []byte, error) {
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
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Accept", "application/json")
	resp, err := c.cfg.Client.Do(req)
	if err != nil {
		// *url.Error would print the URL, which carries the password and token.
		return 0, nil, fmt.Errorf("%w: %s: %v", ErrUnavailable, ep, causeOf(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %s: reading the answer: %v", ErrUnavailable, ep, causeOf(err))
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

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cccd-agent/cccd/api"
	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/internal/fsutil"
)

// agentClient talks to the agent running on the data directory, found by
// its DATA_DIR/agent.json, with the default token (DATA_DIR/api-token) or
// the one --token names (DATA_DIR/tokens/NAME). While an agent holds the
// database, the CLI's read and import commands go through its API instead
// of waiting for the file lock.
type agentClient struct {
	base  string // e.g. http://127.0.0.1:7400/
	token string
	http  *http.Client
}

// findAgent returns a client for the agent running on the data directory,
// or nil when none answers there (no agent.json, or a stale one): then the
// command opens the database itself.
func findAgent(ctx context.Context) (*agentClient, error) {
	dir, err := dataDirPath()
	if err != nil {
		return nil, err
	}
	f, ok := readAgentFile(dir)
	if !ok {
		if global.token != "" {
			return nil, usagef("--token %s: no agent runs on %s (no %s there)", global.token, dir, agentFileName)
		}
		return nil, nil
	}
	base := strings.TrimSuffix(f.URL, "/") + "/"
	// The agent is on this computer: a short dial timeout tells a stale
	// agent.json; an import may take minutes once connected.
	c := &agentClient{base: base, http: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	probe, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := c.do(probe, http.MethodGet, "healthz", nil, "", nil); err != nil {
		var he *agentHTTPError
		if !errors.As(err, &he) {
			return nil, nil // nothing listens there: agent.json is left from a crash
		}
	}
	tokPath := filepath.Join(dir, api.TokenFile)
	if global.token != "" {
		if err := api.ValidTokenName(global.token); err != nil {
			return nil, usageError(err)
		}
		tokPath = filepath.Join(dir, api.TokenDir, global.token)
	}
	tok, err := fsutil.ReadSecret(tokPath, 4096, false)
	if err != nil {
		return nil, fmt.Errorf("the agent at %s holds the database, but its token could not be read (run as the agent's user, or pass --token NAME): %w", base, err)
	}
	c.token = strings.TrimSpace(string(tok))
	return c, nil
}

// agentHTTPError is an error answer of the agent.
type agentHTTPError struct {
	Status  int
	Code    string
	Message string
	Lines   []string
	Result  json.RawMessage
}

func (e *agentHTTPError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("the agent answered HTTP %d", e.Status)
	}
	return "the agent: " + e.Message
}

// exitCodeFor maps an error answer to the exit code the same failure has
// without an agent: bad input 2, anything else (a refused token, a cache
// failure) the command's own code. A refused import is coded by the command.
func (e *agentHTTPError) coded() error {
	if e.Status == http.StatusBadRequest || e.Status == http.StatusRequestEntityTooLarge {
		return usageError(e)
	}
	return e
}

// do sends one request; v (if not nil) receives the JSON answer.
func (c *agentClient) do(ctx context.Context, method, path string, body io.Reader, contentType string, v any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("the agent at %s did not answer: %w", c.base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		he := &agentHTTPError{Status: resp.StatusCode}
		var eb struct {
			Code    string          `json:"code"`
			Message string          `json:"message"`
			Lines   []string        `json:"lines"`
			Result  json.RawMessage `json:"result"`
		}
		if b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20)); json.Unmarshal(b, &eb) == nil {
			he.Code, he.Message, he.Lines, he.Result = eb.Code, eb.Message, eb.Lines, eb.Result
		}
		if resp.StatusCode == http.StatusUnauthorized {
			he.Message = "the agent at " + c.base + " refused the token (HTTP 401): " + he.Message
		}
		return he.coded()
	}
	if v == nil {
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<30)).Decode(v); err != nil {
		return fmt.Errorf("the agent's answer to %s: %w", path, err)
	}
	return nil
}

func (c *agentClient) get(ctx context.Context, path string, v any) error {
	return c.do(ctx, http.MethodGet, path, nil, "", v)
}

// checkins pages through GET /api/v1/checkins from after, oldest first, up
// to limit (0: all).
func (c *agentClient) checkins(ctx context.Context, after uint64, limit int) ([]cache.Checkin, error) {
	var all []cache.Checkin
	for {
		page := 500
		if limit > 0 {
			page = min(page, limit-len(all))
		}
		var cs []cache.Checkin
		q := url.Values{"after": {strconv.FormatUint(after, 10)}, "limit": {strconv.Itoa(page)}}
		if err := c.get(ctx, "api/v1/checkins?"+q.Encode(), &cs); err != nil {
			return nil, err
		}
		all = append(all, cs...)
		if len(cs) < page || (limit > 0 && len(all) >= limit) {
			return all, nil
		}
		after = cs[len(cs)-1].Seq
	}
}

// importRoster sends a roster CSV to POST /api/v1/roster/import; a refused
// file comes back as an *api.RefusedError like the local import's.
func (c *agentClient) importRoster(ctx context.Context, body io.Reader, name string, force, dryRun bool) (rosterImportResult, error) {
	q := url.Values{"name": {name}, "force": {strconv.FormatBool(force)}, "dry_run": {strconv.FormatBool(dryRun)}}
	var res rosterImportResult
	err := c.do(ctx, http.MethodPost, "api/v1/roster/import?"+q.Encode(), body, "text/csv", &res)
	return res, refusedFromAgent(err, &res)
}

// importTrust sends one trust file to POST /api/v1/trust/import.
func (c *agentClient) importTrust(ctx context.Context, name string, b []byte) (trustImportResult, error) {
	var res trustImportResult
	err := c.do(ctx, http.MethodPost, "api/v1/trust/import?"+url.Values{"name": {name}}.Encode(), bytes.NewReader(b), "application/octet-stream", &res)
	return res, refusedFromAgent(err, &res)
}

// refusedFromAgent turns a 422 "refused" answer into an *api.RefusedError
// (its result decoded into res); other errors pass.
func refusedFromAgent(err error, res any) error {
	var he *agentHTTPError
	if !errors.As(err, &he) || he.Status != http.StatusUnprocessableEntity {
		return err
	}
	if len(he.Result) > 0 {
		_ = json.Unmarshal(he.Result, res)
	}
	return &api.RefusedError{Err: errors.New(he.Message), Lines: he.Lines}
}

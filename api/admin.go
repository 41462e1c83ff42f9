package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/cccd-agent/cccd/cache"
)

// Admin is what the CLI needs from the agent while the agent holds the
// database: the roster's state, the trust anchors, and the two imports.
// Values returned are marshalled to JSON as they are. An import the agent
// checks and refuses returns a *RefusedError (HTTP 422, code "refused").
type Admin interface {
	// RosterStatus describes the local roster as `cccd roster status --json` prints it.
	RosterStatus(ctx context.Context) (any, error)
	// RosterLookup answers eligibility from the roster alone for an ID, card
	// or BHXH number as `cccd roster lookup --json` prints it.
	RosterLookup(ctx context.Context, key, lang string) (any, error)
	// TrustList lists the trust anchors and CRLs as `cccd trust list` shows them.
	TrustList(ctx context.Context) (any, error)
	// ImportRoster replaces the roster with the CSV in body, all or nothing,
	// under the CLI's rules (refusing a shrink to half or less without
	// Force; DryRun counts and writes nothing).
	ImportRoster(ctx context.Context, body io.Reader, opts RosterImport) (any, error)
	// ImportTrust checks one trust file (certificate, master list, CRL) and
	// stores it, the live trust store taking it at once.
	ImportTrust(ctx context.Context, name string, body []byte) (any, error)
}

// RosterImport are the options of POST /api/v1/roster/import.
type RosterImport struct {
	Name   string // the file's base name, recorded as the roster's source
	Force  bool
	DryRun bool
}

// RefusedError is an import the agent refused: the message, the bad lines
// (no personal data: line numbers and field names) and, for a dry run, its
// counts.
type RefusedError struct {
	Err    error
	Lines  []string
	Result any
}

func (e *RefusedError) Error() string { return e.Err.Error() }
func (e *RefusedError) Unwrap() error { return e.Err }

// Body caps of the import routes: a roster is streamed and may be large;
// a trust file is read whole.
const (
	MaxRosterImportBytes = 1 << 30
	MaxTrustImportBytes  = 64 << 20
)

// refusedBody is the JSON of a 422 from an import.
type refusedBody struct {
	apiError
	Lines  []string `json:"lines,omitempty"`
	Result any      `json:"result,omitempty"`
}

func (s *Server) adminRoutes() {
	if s.cfg.Admin == nil {
		return
	}
	ad := s.cfg.Admin
	route := func(pattern string, limit int64, h func(http.ResponseWriter, *http.Request)) {
		s.patterns = append(s.patterns, pattern)
		s.apiMux.Handle(pattern, s.protect(http.HandlerFunc(h), limit))
	}
	route("GET /api/v1/roster", s.cfg.MaxBodyBytes, func(w http.ResponseWriter, r *http.Request) {
		s.reply(w, r, func() (any, error) { return ad.RosterStatus(r.Context()) })
	})
	route("GET /api/v1/roster/lookup", s.cfg.MaxBodyBytes, func(w http.ResponseWriter, r *http.Request) {
		lang := r.URL.Query().Get("lang")
		if lang == "" {
			lang = "vi"
		}
		// The number looked up is personal data: only the answer's code is recorded.
		code := s.replyCode(w, r, func() (any, error) { return ad.RosterLookup(r.Context(), r.URL.Query().Get("key"), lang) })
		s.audit(r, cache.AuditRecord{Event: "roster-lookup", Result: code})
	})
	route("GET /api/v1/trust", s.cfg.MaxBodyBytes, func(w http.ResponseWriter, r *http.Request) {
		s.reply(w, r, func() (any, error) { return ad.TrustList(r.Context()) })
	})
	route("POST /api/v1/roster/import", MaxRosterImportBytes, func(w http.ResponseWriter, r *http.Request) {
		if !tokenOnly(w, r, "a roster import is for the bearer token (cccd roster import)") {
			return
		}
		q := r.URL.Query()
		opts := RosterImport{Name: q.Get("name"), Force: q.Get("force") == "true", DryRun: q.Get("dry_run") == "true"}
		// A large roster takes longer to send than the server's read timeout.
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(30 * time.Minute))
		code := s.replyAdmin(w, r, func() (any, error) { return ad.ImportRoster(r.Context(), r.Body, opts) })
		s.audit(r, cache.AuditRecord{Event: "roster-imported", Result: code + ":dry_run=" + strconv.FormatBool(opts.DryRun)})
	})
	route("POST /api/v1/trust/import", MaxTrustImportBytes, func(w http.ResponseWriter, r *http.Request) {
		if !tokenOnly(w, r, "a trust import is for the bearer token (cccd trust import)") {
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			writeBodyError(w, err)
			return
		}
		code := s.replyAdmin(w, r, func() (any, error) { return ad.ImportTrust(r.Context(), r.URL.Query().Get("name"), body) })
		s.audit(r, cache.AuditRecord{Event: "trust-imported", Result: code})
	})
}

// tokenOnly refuses a caller without the bearer token (a signed-in
// browser) with 403.
func tokenOnly(w http.ResponseWriter, r *http.Request, msg string) bool {
	if c, _ := CallerFrom(r.Context()); c.Token == "" {
		writeError(w, http.StatusForbidden, codeForbidden, msg)
		return false
	}
	return true
}

// replyAdmin is replyCode with a refused import answered 422.
func (s *Server) replyAdmin(w http.ResponseWriter, r *http.Request, call func() (any, error)) string {
	v, err := call()
	var refused *RefusedError
	if errors.As(err, &refused) {
		writeJSON(w, http.StatusUnprocessableEntity, refusedBody{apiError: apiError{Code: codeRefused, Message: refused.Error()}, Lines: refused.Lines, Result: refused.Result})
		return codeRefused
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeBodyError(w, err)
		return codeTooLarge
	}
	return s.replyCode(w, r, func() (any, error) { return v, err })
}

// writeBodyError answers a body that could not be read: too large, or cut off.
func writeBodyError(w http.ResponseWriter, err error) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, codeTooLarge, "request body over "+strconv.FormatInt(tooBig.Limit, 10)+" bytes")
		return
	}
	writeError(w, http.StatusBadRequest, codeBadRequest, "request body: "+err.Error())
}

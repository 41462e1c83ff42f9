package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/checkin"
	"github.com/cccd-agent/cccd/internal/errtext"
)

// Server is the local HTTP API. Create it with New and serve Handler().
type Server struct {
	cfg     Config
	backend Backend
	guard   *guard
	limits  *limiters
	console fs.FS
	mux     *http.ServeMux
	apiMux  *http.ServeMux // /api/ routes alone: tells 404 from 405
	subs    atomic.Int32   // WebSocket subscribers now
	// throttle counts wrong PINs per account and per client.
	throttle *throttle
	oneTime  oneTimeCodes
	tokenUse tokenUse
	// patterns lists the routes registered, for the test that holds them
	// to the OpenAPI document.
	patterns []string
}

// New builds the server. token is the bearer token programs use; console is
// the file system of the reception console served at / (nil: none).
func New(cfg Config, token string, backend Backend, console fs.FS) *Server {
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:     cfg,
		backend: backend,
		guard:   newGuard(cfg, token),
		limits:  newLimiters(cfg),
		console: console,
		mux:     http.NewServeMux(),
		apiMux:  http.NewServeMux(),
	}
	s.throttle = newThrottle(cfg.SignInFailures, cfg.SignInLockout, cfg.Now)
	s.routes()
	return s
}

// HTTPServer returns an http.Server for Handler with the connection time
// limits set: a client that sends its headers or body slowly, or idles, is
// cut off instead of holding a connection.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    32 << 10,
	}
}

// Handler returns the root handler: every request passes the peer check and
// the Host check first.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		loopback := peerLoopback(r)
		if !loopback && !s.cfg.Remote {
			writeError(w, http.StatusForbidden, codeForbiddenPeer, "this agent answers only to programs on this computer")
			return
		}
		// From the network (api.remote) only bearer tokens count, and no
		// browser session can exist, so the DNS-rebinding Host check guards
		// nothing there; on loopback it stays.
		if loopback && !s.guard.hostAllowed(r) {
			writeError(w, http.StatusForbidden, codeForbiddenHost, "this agent answers only to localhost; open it as http://127.0.0.1")
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		// An API path with "." or ".." segments or doubled slashes would get
		// the mux's redirect to its clean form: it names no endpoint as sent.
		if strings.HasPrefix(r.URL.Path, "/api/") && cleanPath(r.URL.Path) != r.URL.Path {
			writeError(w, http.StatusBadRequest, codeBadRequest, "malformed path")
			return
		}
		s.mux.ServeHTTP(w, r)
	})
}

func (s *Server) routes() {
	s.patterns = append(s.patterns, "GET /healthz")
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	if s.cfg.Metrics != nil {
		s.patterns = append(s.patterns, "GET /metrics")
		s.mux.Handle("GET /metrics", s.programOnly(s.cfg.Metrics))
	}
	api := func(pattern string, h func(http.ResponseWriter, *http.Request)) {
		s.patterns = append(s.patterns, pattern)
		s.apiMux.Handle(pattern, s.protect(http.HandlerFunc(h), s.cfg.MaxBodyBytes))
	}
	s.adminRoutes()
	// The API's own description: public, like /healthz (no data in it).
	s.patterns = append(s.patterns, "GET /api/v1/openapi.json")
	s.apiMux.HandleFunc("GET /api/v1/openapi.json", handleOpenAPI)
	api("POST /api/v1/session", s.handleSignIn)
	api("GET /api/v1/session", s.handleWhoAmI)
	api("DELETE /api/v1/session", s.handleSignOut)
	api("GET /api/v1/status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.backend.Status(r.Context()))
	})
	api("GET /api/v1/readers", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.backend.Readers(r.Context()))
	})
	api("POST /api/v1/readers/{reader}/key", s.handleSubmitKey)
	api("GET /api/v1/checkins", s.handleCheckins)
	api("GET /api/v1/checkins/{seq}", s.handleCheckin)
	api("GET /api/v1/reads/{id}", s.handleRead)
	api("POST /api/v1/checkins/{seq}/confirm", s.handleConfirm)
	api("POST /api/v1/checkins/{seq}/cancel", s.handleCancel)
	api("POST /api/v1/lookups", s.handleManualLookup)
	api("PATCH /api/v1/checkins/{seq}/episode", s.handleEpisode)
	api("GET /api/v1/roster/{id}", func(w http.ResponseWriter, r *http.Request) {
		// The ID number looked up is personal data: only the answer's status is recorded.
		status := ""
		code := s.replyCode(w, r, func() (any, error) {
			e, err := s.backend.Lookup(r.Context(), r.PathValue("id"))
			status = string(e.Status)
			return e, err
		})
		if code == "ok" {
			code = status
		}
		s.audit(r, cache.AuditRecord{Event: "roster-lookup", Result: code})
	})
	api("POST /api/v1/sync", func(w http.ResponseWriter, r *http.Request) {
		s.reply(w, r, func() (any, error) { return s.backend.SyncNow(r.Context()) })
	})
	api("GET /api/v1/events", s.handleEvents)
	if s.cfg.RecentLog != nil {
		api("GET /api/v1/diagnostics/log", func(w http.ResponseWriter, r *http.Request) {
			// For programs (cccd doctor) only: a console has no use for it.
			if c, _ := CallerFrom(r.Context()); c.Token == "" {
				writeError(w, http.StatusForbidden, codeForbidden, "the agent's log is for the bearer token (cccd doctor --bundle)")
				return
			}
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.Write(s.cfg.RecentLog())
			s.audit(r, cache.AuditRecord{Event: "log-read", Result: "ok"})
		})
	}
	if sim, ok := s.backend.(SimControl); ok {
		api("POST /api/v1/readers/{reader}/sim/insert", func(w http.ResponseWriter, r *http.Request) {
			s.reply(w, r, func() (any, error) {
				return map[string]string{"status": "inserted"}, sim.SimInsert(r.Context(), r.PathValue("reader"))
			})
		})
		api("POST /api/v1/readers/{reader}/sim/remove", func(w http.ResponseWriter, r *http.Request) {
			s.reply(w, r, func() (any, error) {
				return map[string]string{"status": "removed"}, sim.SimRemove(r.Context(), r.PathValue("reader"))
			})
		})
	}
	s.apiMux.Handle("OPTIONS /api/v1/", http.HandlerFunc(s.handlePreflight))
	notFound := s.protect(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, codeNotFound, "no such API endpoint; see docs/API.md")
	}), s.cfg.MaxBodyBytes)
	s.mux.Handle("/api/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The preflight's subtree pattern would answer "/api/v1" with a
		// redirect to "/api/v1/": that path is simply not an endpoint.
		if _, pattern := s.apiMux.Handler(r); pattern != "" && (pattern != "OPTIONS /api/v1/" || strings.HasPrefix(r.URL.Path, "/api/v1/")) {
			s.apiMux.ServeHTTP(w, r)
			return
		}
		if allow := s.allowedMethods(r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeError(w, http.StatusMethodNotAllowed, codeMethod, r.Method+" is not allowed here; use "+strings.Join(allow, " or "))
			return
		}
		notFound.ServeHTTP(w, r)
	}))
	if s.console != nil {
		files := http.FileServerFS(s.console)
		s.mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				w.Header().Set("Allow", "GET, HEAD")
				writeError(w, http.StatusMethodNotAllowed, codeMethod, "the console only answers GET")
				return
			}
			// The file server answers a path that is not a valid file name
			// (invalid UTF-8 such as /%ff) with 500; it is the caller's error.
			if name := strings.TrimPrefix(path.Clean(r.URL.Path), "/"); !utf8.ValidString(r.URL.Path) || (name != "" && !fs.ValidPath(name)) {
				writeError(w, http.StatusBadRequest, codeBadRequest, "malformed path")
				return
			}
			w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'")
			w.Header().Set("X-Frame-Options", "DENY")
			files.ServeHTTP(w, r)
		}))
	}
}

// routePatterns lists the method and path of every route registered.
func (s *Server) routePatterns() []string { return s.patterns }

// cleanPath is path.Clean keeping a trailing slash, as net/http's mux
// cleans request paths.
func cleanPath(p string) string {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

// allowedMethods lists the methods an /api/ path answers to, for a 405.
func (s *Server) allowedMethods(r *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.apiMux.Handler(probe); pattern != "" && pattern != "OPTIONS /api/v1/" {
			allow = append(allow, m)
		}
	}
	return allow
}

// protect applies the browser and program rules to an /api/v1 handler:
// origin policy, rate limit, body cap (maxBody bytes), then authentication.
func (s *Server) protect(next http.Handler, maxBody int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && !s.guard.originAllowed(origin) {
			writeError(w, http.StatusForbidden, codeForbiddenOrigin, "origin "+origin+" is not allowed; add it to api.his_origins in the config")
			return
		}
		if origin == "" && crossSite(r) {
			writeError(w, http.StatusForbidden, codeForbiddenOrigin, "cross-site request without an allowed origin")
			return
		}
		setCORS(w, r)
		class, caller, sc := s.identify(r)
		if !s.limits.allow(class) {
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusTooManyRequests, codeRateLimited, "too many requests; slow down")
			return
		}
		if r.ContentLength > maxBody {
			writeError(w, http.StatusRequestEntityTooLarge, codeTooLarge, fmt.Sprintf("request body over %d bytes", maxBody))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if sc.ended != "" {
			s.auditAs(r, Caller{Staff: sc.sess.staff, Origin: sc.sess.origin}, cache.AuditRecord{Event: sc.ended, Result: "ok"})
			if sc.ended == "shift-ended" && s.cfg.Desks != nil {
				s.cfg.Desks.SignOut(sc.sess.staff) // the gateway session ends with the shift
			}
		}
		if class == classAnon && !isPublic(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cccd"`)
			msg := "missing or invalid credentials: send the bearer token from the data directory's api-token file, or sign in"
			switch sc.ended {
			case "idle-locked":
				msg = "the session locked after " + s.cfg.IdleLock.String() + " without use; sign in again"
			case "shift-ended":
				msg = "the shift limit of " + s.cfg.ShiftLimit.String() + " is over; sign in again"
			}
			writeError(w, http.StatusUnauthorized, codeUnauthorized, msg)
			return
		}
		ctx := context.WithValue(r.Context(), callerKey{}, caller)
		if caller.Staff != "" {
			// Lookups and confirmations are made by this staff member.
			ctx = checkin.WithStaff(ctx, caller.Staff)
		}
		if caller.Token != "" && s.tokenUse.due(caller.Token, s.cfg.Now()) {
			s.auditAs(r, caller, cache.AuditRecord{Event: "token-used", Result: "ok"})
		}
		if sc.ok {
			ctx = context.WithValue(ctx, sessionStartKey{}, sc.sess.started)
			ctx = context.WithValue(ctx, sessionCookieKey{}, sc.cookie)
			ctx = context.WithValue(ctx, sessionCSRFKey{}, sc.sess.csrf)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// identify authenticates r and names the rate-limit bucket it draws from:
// the token's, the browser sessions', the sign-in attempts' or, without a
// valid credential, the anonymous one.
func (s *Server) identify(r *http.Request) (string, Caller, sessionCheck) {
	if name, ok := s.guard.bearer(r); ok {
		return "token:" + name, Caller{Token: name}, sessionCheck{}
	}
	if r.Method == http.MethodPost && r.URL.Path == "/api/v1/session" {
		return classSignIn, Caller{}, sessionCheck{}
	}
	stateChanging := r.Method != http.MethodGet && r.Method != http.MethodHead
	// Browser sessions are for this computer's console and HIS pages only.
	if !peerLoopback(r) {
		return classAnon, Caller{}, sessionCheck{}
	}
	sc := s.guard.sessions.check(r, stateChanging)
	if sc.ok {
		return classSession, Caller{Staff: sc.sess.staff, Origin: sc.sess.origin}, sc
	}
	return classAnon, Caller{}, sc
}

// programOnly admits only callers holding the bearer token (e.g. Prometheus).
func (s *Server) programOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := s.guard.bearer(r); !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cccd"`)
			writeError(w, http.StatusUnauthorized, codeUnauthorized, "missing or invalid bearer token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) handlePreflight(w http.ResponseWriter, r *http.Request) {
	if !s.guard.originAllowed(r.Header.Get("Origin")) {
		writeError(w, http.StatusForbidden, codeForbiddenOrigin, "origin not allowed")
		return
	}
	preflight(w, r)
}

func (s *Server) handleSubmitKey(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Key string `json:"key"`
	}
	if !decodeJSON(w, r, &body) {
		return
	}
	if body.Key == "" {
		writeError(w, http.StatusBadRequest, codeBadRequest, `field "key" is required: the 6-digit CAN, the 12-digit ID number, the MRZ or the QR text`)
		return
	}
	code := s.replyCode(w, r, func() (any, error) {
		if err := s.backend.SubmitKey(r.Context(), r.PathValue("reader"), body.Key); err != nil {
			return nil, err
		}
		return map[string]string{"status": "accepted"}, nil
	})
	// The key (a CAN, an ID number, the QR text) is never recorded.
	s.audit(r, cache.AuditRecord{Event: "key-submitted", Reader: r.PathValue("reader"), Result: code})
}

func (s *Server) handleCheckins(w http.ResponseWriter, r *http.Request) {
	query := r.URL.Query()
	if query.Has("before") {
		s.handleCheckinsBefore(w, r)
		return
	}
	after, err1 := queryUint(r, "after", 0)
	limit, err2 := queryUint(r, "limit", 50)
	if err := errors.Join(err1, err2); err != nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, err.Error())
		return
	}
	if limit == 0 || limit > 500 {
		limit = 500
	}
	var n int
	code := s.replyCode(w, r, func() (any, error) {
		list, err := s.backend.Checkins(r.Context(), after, int(limit))
		n = len(list)
		return list, err
	})
	// The list holds each person's data: who saw which range is recorded.
	s.audit(r, cache.AuditRecord{Event: "checkins-listed", Checkin: after, Result: code + ":" + strconv.Itoa(n)})
}

// Page sizes of the newest-first list (?before=).
const (
	defaultPageSize = 20
	maxPageSize     = 500
)

// handleCheckinsBefore serves the desk's list: newest first below before,
// filtered by q. The search text is never recorded (it is a name, an ID or
// a date of birth).
func (s *Server) handleCheckinsBefore(w http.ResponseWriter, r *http.Request) {
	query := r.URL.Query()
	if query.Has("after") {
		writeError(w, http.StatusBadRequest, codeBadRequest, "use either after (oldest first) or before (newest first), not both")
		return
	}
	before, err1 := queryUint(r, "before", 0)
	limit, err2 := queryUint(r, "limit", defaultPageSize)
	if err := errors.Join(err1, err2); err != nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, err.Error())
		return
	}
	if query.Get("before") == "" {
		writeError(w, http.StatusBadRequest, codeBadRequest, "query parameter before must be a non-negative integer (0 = from the newest)")
		return
	}
	if limit == 0 {
		limit = defaultPageSize
	}
	limit = min(limit, maxPageSize)
	q := query.Get("q")
	var n int
	code := s.replyCode(w, r, func() (any, error) {
		list, err := s.backend.CheckinsBefore(r.Context(), before, int(limit), q)
		n = len(list)
		return list, err
	})
	result := code + ":" + strconv.Itoa(n)
	if q != "" {
		result += ":search"
	}
	s.audit(r, cache.AuditRecord{Event: "checkins-browsed", Checkin: before, Result: result})
}

func (s *Server) handleCheckin(w http.ResponseWriter, r *http.Request) {
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, "check-in number must be a positive integer")
		return
	}
	code := s.replyCode(w, r, func() (any, error) { return s.backend.Checkin(r.Context(), seq) })
	s.audit(r, cache.AuditRecord{Event: "checkin-viewed", Checkin: seq, Result: code})
}

// handleRead serves a recent read (its photo and the fields an HIS needs)
// to a token holder or signed-in staff; events only name it.
func (s *Server) handleRead(w http.ResponseWriter, r *http.Request) {
	code := s.replyCode(w, r, func() (any, error) { return s.backend.Read(r.Context(), r.PathValue("id")) })
	s.audit(r, cache.AuditRecord{Event: "read-viewed", Result: code})
}

func (s *Server) handleConfirm(w http.ResponseWriter, r *http.Request) {
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, "check-in number must be a positive integer")
		return
	}
	// A console confirms the result it shows for a reader: {"reader": name}
	// makes the confirmation hold only while that is the reader's current
	// result. Without a body (the HIS, the check-in list) any check-in.
	var body struct {
		Reader string `json:"reader"`
	}
	if !emptyBody(r) && !decodeJSON(w, r, &body) {
		return
	}
	code := s.replyCode(w, r, func() (any, error) {
		if body.Reader != "" {
			return s.backend.ConfirmCurrent(r.Context(), body.Reader, seq)
		}
		return s.backend.ConfirmCheckin(r.Context(), seq)
	})
	s.audit(r, cache.AuditRecord{Event: "checkin-confirmed", Reader: body.Reader, Checkin: seq, Result: code})
}

func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request) {
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, "check-in number must be a positive integer")
		return
	}
	code := s.replyCode(w, r, func() (any, error) { return s.backend.CancelCheckin(r.Context(), seq) })
	s.audit(r, cache.AuditRecord{Event: "checkin-cancelled", Checkin: seq, Result: code})
}

// handleManualLookup checks a patient without a card from what the
// receptionist typed and records the check-in. Only the eligibility status
// (or the error code) is audited, never the person.
func (s *Server) handleManualLookup(w http.ResponseWriter, r *http.Request) {
	var body checkin.ManualPerson
	if !decodeJSON(w, r, &body) {
		s.audit(r, cache.AuditRecord{Event: "manual-lookup", Result: codeBadRequest})
		return
	}
	var res checkin.ManualResult
	code := s.replyCode(w, r, func() (any, error) {
		var err error
		res, err = s.backend.ManualLookup(r.Context(), body)
		return res, err
	})
	if code == "ok" {
		code = string(res.Eligibility.Status)
	}
	s.audit(r, cache.AuditRecord{Event: "manual-lookup", Checkin: res.Seq, Result: code})
}

// handleEpisode lets the HIS set the episode fields it owns on a check-in.
func (s *Server) handleEpisode(w http.ResponseWriter, r *http.Request) {
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, "check-in number must be a positive integer")
		return
	}
	var body cache.Episode
	if !decodeJSON(w, r, &body) {
		return
	}
	s.reply(w, r, func() (any, error) { return s.backend.SetEpisode(r.Context(), seq, body) })
}

// reply runs a backend call and maps its error onto a status and code.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, call func() (any, error)) {
	s.replyCode(w, r, call)
}

// replyCode is reply, returning the code answered ("ok" on success) for the
// audit trail.
func (s *Server) replyCode(w http.ResponseWriter, r *http.Request, call func() (any, error)) string {
	v, err := call()
	status, code := http.StatusOK, "ok"
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, v)
		return code
	case errors.Is(err, checkin.ErrNotFound):
		status, code = http.StatusNotFound, codeNotFound
	case errors.Is(err, checkin.ErrBadInput):
		status, code = http.StatusBadRequest, codeBadRequest
	case errors.Is(err, checkin.ErrConflict):
		status, code = http.StatusConflict, codeConflict
	case errors.Is(err, checkin.ErrUnavailable):
		status, code = http.StatusServiceUnavailable, codeUnavailable
	case r.Context().Err() != nil:
		writeError(w, http.StatusServiceUnavailable, codeUnavailable, "request cancelled")
		return codeUnavailable
	default:
		status, code = http.StatusInternalServerError, codeInternal
	}
	writeError(w, status, code, errtext.OneLine(err))
	return code
}

// emptyBody reports whether r has no body at all (a chunked request may not
// say so in Content-Length), leaving the body readable either way.
func emptyBody(r *http.Request) bool {
	br := bufio.NewReader(r.Body)
	_, err := br.Peek(1)
	r.Body = io.NopCloser(br)
	return err == io.EOF
}

// decodeJSON reads exactly one JSON object with known fields, answering 413
// or 400 itself when it cannot.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			err = errors.New("trailing data after the JSON object")
		}
	}
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, codeTooLarge, fmt.Sprintf("request body over %d bytes", tooBig.Limit))
		return false
	}
	writeError(w, http.StatusBadRequest, codeBadRequest, "malformed JSON: "+errtext.OneLine(err))
	return false
}

func queryUint(r *http.Request, name string, def uint64) (uint64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("query parameter %s must be a non-negative integer", name)
	}
	return n, nil
}

// tokenUse remembers when each token's use was last recorded: a program
// polling twice a second would otherwise fill the audit trail; the calls
// that touch a person's data are recorded each time anyway.
type tokenUse struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// tokenUseEvery is how often a token's use is recorded at most.
const tokenUseEvery = time.Hour

func (u *tokenUse) due(name string, now time.Time) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.last == nil {
		u.last = map[string]time.Time{}
	}
	if t, ok := u.last[name]; ok && now.Sub(t) < tokenUseEvery && !now.Before(t) {
		return false
	}
	u.last[name] = now
	return true
}

package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/internal/passhash"
)

// Caller is who made a request, as the API authenticated it: a named bearer
// token or a staff member's browser session. Handlers and the audit trail
// read it with CallerFrom.
type Caller struct {
	Token  string // the bearer token's name ("default" for api-token); "" for a session
	Staff  string // the signed-in staff member of a browser session
	Origin string // the page origin of a browser session
}

type callerKey struct{}

// CallerFrom returns the caller of the request whose context ctx is.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// dummyHash is checked when the account does not exist or is disabled, so
// that a wrong name costs as long as a wrong PIN. Made on first use: every
// CLI command links this package.
var dummyHash = sync.OnceValue(func() string {
	h, err := passhash.Hash("no such account", passhash.Default)
	if err != nil {
		panic(err) // only fails on bad constant parameters
	}
	return h
})

// hashSlots bounds concurrent argon2id checks: each takes its memory cost.
var hashSlots = make(chan struct{}, 2)

// signIn is the body of POST /api/v1/session.
type signIn struct {
	Staff string `json:"staff"`
	PIN   string `json:"pin"`
	Code  string `json:"code"` // a one-time sign-in code (cccd demo)
	// Reader is the reader at this desk: taps there are made by this staff
	// member (lookups under their gateway session). Optional.
	Reader string `json:"reader"`
	// GatewayPassword is the staff member's own BHXH gateway password,
	// typed once per shift; kept in memory only (its MD5, in the gateway
	// client), never logged or stored. Optional.
	GatewayPassword string `json:"gateway_password"`
}

// handleSignIn opens a browser session for a staff member whose name and PIN
// are right. Nothing else opens one: the Origin header is checked too, but
// any local program can forge it.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	if !peerLoopback(r) {
		writeError(w, http.StatusForbidden, codeForbiddenPeer, "browser sessions are open to this computer only; programs on the network use a bearer token")
		return
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		writeError(w, http.StatusForbidden, codeForbiddenOrigin, "sessions are for browser pages; programs use the bearer token")
		return
	}
	// No body at all is a request without credentials, like any other.
	if emptyBody(r) {
		writeError(w, http.StatusUnauthorized, codeUnauthorized, `sign in with {"staff": "your name", "pin": "your PIN"}`)
		return
	}
	var body signIn
	if !decodeJSON(w, r, &body) {
		return
	}
	if len(body.Reader) > 256 || strings.IndexFunc(body.Reader, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
		writeError(w, http.StatusBadRequest, codeBadRequest, "reader must be a reader's name, at most 256 bytes without control characters")
		return
	}
	client := "client:" + origin
	var staffName string
	var account cache.Staff
	switch {
	case body.Code != "" && body.Staff == "" && body.PIN == "":
		if blocked, wait := s.throttle.blocked(client); blocked {
			s.refuseThrottled(w, r, "", wait)
			return
		}
		name, ok := s.oneTime.take(body.Code)
		if !ok {
			s.throttle.fail(client)
			s.audit(r, cache.AuditRecord{Event: "sign-in-failed", Result: "bad-code"})
			writeError(w, http.StatusUnauthorized, codeUnauthorized, "this sign-in link was used already or is not valid; sign in with your name and PIN")
			return
		}
		staffName = name
		if s.cfg.Staff != nil {
			account, _ = s.cfg.Staff.StaffByName(name)
		}
	case body.Staff != "" && body.PIN != "" && body.Code == "":
		bucket := "staff:" + cache.StaffKey(body.Staff)
		if blocked, wait := s.throttle.blocked(bucket, client); blocked {
			s.refuseThrottled(w, r, body.Staff, wait)
			return
		}
		st, ok := s.checkPIN(r.Context(), body.Staff, body.PIN)
		if !ok {
			s.throttle.fail(bucket, client)
			rec := cache.AuditRecord{Event: "sign-in-failed", Result: "wrong-pin"}
			if st.Name != "" {
				rec.Staff = st.Name // a known account; an unknown name may be anything typed, so it is not kept
			} else {
				rec.Result = "unknown-account"
			}
			s.audit(r, rec)
			w.Header().Set("WWW-Authenticate", `Bearer realm="cccd"`)
			writeError(w, http.StatusUnauthorized, codeUnauthorized, "wrong staff name or PIN")
			return
		}
		s.throttle.succeed(bucket, client)
		staffName = st.Name
		account = st
	default:
		writeError(w, http.StatusUnauthorized, codeUnauthorized, `sign in with {"staff": "your name", "pin": "your PIN"}`)
		return
	}
	id, csrf, err := s.guard.sessions.create(origin, staffName)
	if err != nil {
		s.audit(r, cache.AuditRecord{Event: "sign-in-failed", Staff: staffName, Result: "too-many-sessions"})
		w.Header().Set("Retry-After", "60")
		writeError(w, http.StatusTooManyRequests, codeTooManySessions, "too many people are signed in on this page; sign one out or wait for an idle session to lock")
		return
	}
	caller := Caller{Staff: staffName, Origin: origin}
	info := sessionInfo{CSRF: csrf, SignedIn: true, Staff: staffName, Reader: body.Reader,
		IdleLockSeconds: int(s.cfg.IdleLock.Seconds()), ShiftEnds: s.cfg.Now().Add(s.cfg.ShiftLimit).Format(time.RFC3339)}
	if s.guard.console[origin] {
		// The console keeps its session in an HttpOnly cookie its script
		// never sees.
		http.SetCookie(w, &http.Cookie{
			Name: sessionCookie, Value: id, Path: "/api/", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, MaxAge: int(s.cfg.ShiftLimit.Seconds()),
		})
	} else {
		// A HIS page on its own site: the browser would drop our cookie as
		// a third-party cookie, so the page holds the token and sends it in
		// X-CCCD-Session. CORS lets only that origin read this answer.
		info.SessionToken = id
	}
	s.auditAs(r, caller, cache.AuditRecord{Event: "sign-in", Result: "ok"})
	if s.cfg.Desks != nil && account.Name != "" {
		// A gateway password the gateway refuses does not undo the PIN
		// sign-in: the answer says so, and lookups at this desk stay
		// provisional until the staff member signs in again with the right one.
		info.Gateway = s.cfg.Desks.SignIn(r.Context(), account, body.Reader, body.GatewayPassword)
		if body.GatewayPassword != "" {
			s.auditAs(r, caller, cache.AuditRecord{Event: "gateway-sign-in", Reader: body.Reader, Result: info.Gateway})
		}
	}
	writeJSON(w, http.StatusOK, info)
}

func (s *Server) refuseThrottled(w http.ResponseWriter, r *http.Request, staff string, wait time.Duration) {
	rec := cache.AuditRecord{Event: "sign-in-throttled", Result: "throttled"}
	if st, err := s.cfg.Staff.StaffByName(staff); staff != "" && err == nil {
		rec.Staff = st.Name
	}
	s.audit(r, rec)
	secs := int(wait.Seconds() + 0.999)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeError(w, http.StatusTooManyRequests, codeThrottled, "too many wrong PINs; try again in "+strconv.Itoa(secs)+" s")
}

// checkPIN looks the account up and checks the PIN, spending the same time
// whether or not the account exists. The Staff returned names the account
// when it exists (also when the PIN is wrong).
func (s *Server) checkPIN(ctx context.Context, name, pin string) (cache.Staff, bool) {
	if s.cfg.Staff == nil {
		_, _ = passhash.Verify(pin, dummyHash())
		return cache.Staff{}, false
	}
	select {
	case hashSlots <- struct{}{}:
		defer func() { <-hashSlots }()
	case <-ctx.Done():
		return cache.Staff{}, false
	}
	st, err := s.cfg.Staff.StaffByName(name)
	hash := st.Hash
	if err != nil || st.Disabled {
		hash = dummyHash()
	}
	ok, verr := passhash.Verify(pin, hash)
	if err != nil {
		return cache.Staff{}, false
	}
	return st, ok && verr == nil && !st.Disabled
}

// sessionInfo answers the session calls.
type sessionInfo struct {
	CSRF            string `json:"csrf_token,omitempty"`
	SessionToken    string `json:"session_token,omitempty"` // for a HIS page's X-CCCD-Session header
	SignedIn        bool   `json:"signed_in"`
	Staff           string `json:"staff,omitempty"`
	Token           string `json:"token,omitempty"`
	Reader          string `json:"reader,omitempty"`  // the reader named at sign-in
	Gateway         string `json:"gateway,omitempty"` // what the sign-in did with the gateway password (checkin.Gateway*)
	IdleLockSeconds int    `json:"idle_lock_seconds,omitempty"`
	ShiftEnds       string `json:"shift_ends,omitempty"`
}

// handleWhoAmI says who the caller is: the signed-in staff member, the
// token's name, or nobody. It never opens or extends anything but the idle
// timer of the session it names.
func (s *Server) handleWhoAmI(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	info := sessionInfo{SignedIn: c.Staff != "", Staff: c.Staff, Token: c.Token}
	if c.Staff != "" {
		// The page that holds the session cookie gets its CSRF token back
		// after a reload; CORS keeps other pages from reading it.
		info.CSRF, _ = r.Context().Value(sessionCSRFKey{}).(string)
		info.IdleLockSeconds = int(s.cfg.IdleLock.Seconds())
		if started, ok := r.Context().Value(sessionStartKey{}).(time.Time); ok {
			info.ShiftEnds = started.Add(s.cfg.ShiftLimit).Format(time.RFC3339)
		}
	}
	writeJSON(w, http.StatusOK, info)
}

type sessionStartKey struct{}
type sessionCookieKey struct{}
type sessionCSRFKey struct{}

// handleSignOut ends the caller's session (sign-out, or the console's lock
// with ?reason=lock).
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) {
	cookie, _ := r.Context().Value(sessionCookieKey{}).(string)
	if cookie == "" {
		writeError(w, http.StatusBadRequest, codeBadRequest, "no browser session to end; tokens are revoked with cccd token revoke")
		return
	}
	s.guard.sessions.remove(cookie)
	event := "sign-out"
	if r.URL.Query().Get("reason") == "lock" {
		// A lock keeps the staff member's gateway session: they are still
		// on shift and sign in again with their PIN alone.
		event = "lock"
	} else if c, _ := CallerFrom(r.Context()); c.Staff != "" && s.cfg.Desks != nil {
		s.cfg.Desks.SignOut(c.Staff)
	}
	s.audit(r, cache.AuditRecord{Event: event, Result: "ok"})
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/api/", HttpOnly: true, MaxAge: -1,
		SameSite: http.SameSiteStrictMode})
	writeJSON(w, http.StatusOK, sessionInfo{SignedIn: false})
}

// audit records rec for the caller of r.
func (s *Server) audit(r *http.Request, rec cache.AuditRecord) {
	c, _ := CallerFrom(r.Context())
	s.auditAs(r, c, rec)
}

func (s *Server) auditAs(r *http.Request, c Caller, rec cache.AuditRecord) {
	if s.cfg.Audit == nil {
		return
	}
	rec.Time = s.cfg.Now()
	if rec.Staff == "" {
		rec.Staff = c.Staff
	}
	if rec.Token == "" {
		rec.Token = c.Token
	}
	if rec.Client == "" {
		rec.Client = c.Origin
		if rec.Client == "" {
			rec.Client = r.Header.Get("Origin")
		}
	}
	if err := s.cfg.Audit.AppendAudit(rec); err != nil {
		s.cfg.Log.Error("audit record not written", "event", rec.Event, "err", err)
	}
}

// oneTimeCodes are single-use sign-in codes (cccd demo signs its console in
// with one, carried in the URL fragment, which the browser never sends).
type oneTimeCodes struct {
	mu    sync.Mutex
	codes map[[32]byte]string // SHA-256 of the code → staff name
}

// OneTimeSignIn makes a single-use code that signs staff in once, for the
// demo's console. The code is the secret: only the demo prints it.
func (s *Server) OneTimeSignIn(staff string) string {
	code := randomHex(24)
	s.oneTime.mu.Lock()
	defer s.oneTime.mu.Unlock()
	if s.oneTime.codes == nil {
		s.oneTime.codes = map[[32]byte]string{}
	}
	s.oneTime.codes[sha256.Sum256([]byte(code))] = staff
	return code
}

func (o *oneTimeCodes) take(code string) (string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	want := sha256.Sum256([]byte(code))
	for k, staff := range o.codes {
		if subtle.ConstantTimeCompare(k[:], want[:]) == 1 {
			delete(o.codes, k)
			return staff, true
		}
	}
	return "", false
}

// isPublic marks the calls that need no credential: signing in and asking
// who one is.
func isPublic(r *http.Request) bool {
	return r.URL.Path == "/api/v1/session" && (r.Method == http.MethodPost || r.Method == http.MethodGet)
}

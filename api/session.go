package api

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"
)

// sessionCookie is the HttpOnly cookie that identifies a browser session.
const sessionCookie = "cccd_session"

// sessionHeader carries the session token of a HIS page on another site,
// where the browser drops the agent's cookie as a third-party cookie. A
// WebSocket, which cannot send headers from a page, offers the token as
// the subprotocol sessionProtocolPrefix+token beside eventsProtocol.
const (
	sessionHeader         = "X-CCCD-Session"
	sessionProtocolPrefix = "cccd-session."
	eventsProtocol        = "cccd.v1"
)

// How a request carried its session id.
const (
	byCookie = iota + 1
	byHeader
)

// sessionIDOf returns the session id r carries and how: the header (or the
// WebSocket subprotocol) first, then the cookie.
func sessionIDOf(r *http.Request) (string, int) {
	if v := r.Header.Get(sessionHeader); v != "" {
		return v, byHeader
	}
	for _, list := range r.Header.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(list, ",") {
			if id, ok := strings.CutPrefix(strings.TrimSpace(p), sessionProtocolPrefix); ok && id != "" {
				return id, byHeader
			}
		}
	}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		return c.Value, byCookie
	}
	return "", 0
}

// backgroundHeader marks a call a page makes by itself (a poll, a refresh
// after an event); it does not reset the idle lock.
const backgroundHeader = "X-CCCD-Background"

// errTooManySessions: the origin has its full share of signed-in sessions.
var errTooManySessions = errors.New("too many sessions")

// browserSession is what the server remembers of one signed-in browser page.
type browserSession struct {
	csrf     string
	origin   string
	staff    string
	started  time.Time // sign-in: the shift limit counts from here
	lastSeen time.Time // last authenticated call: the idle lock counts from here
}

// sessionStore keeps signed-in browser sessions in memory: a restart of the
// agent signs everyone out. Sessions are keyed by the SHA-256 of the cookie,
// so a lookup's timing says nothing about a valid cookie.
type sessionStore struct {
	mu        sync.Mutex
	max       int // all origins together
	perOrigin int
	idle      time.Duration
	shift     time.Duration
	byID      map[[32]byte]*browserSession
	now       func() time.Time
}

func newSessionStore(cfg Config) *sessionStore {
	return &sessionStore{max: cfg.MaxSessions, perOrigin: cfg.MaxSessionsPerOrigin, idle: cfg.IdleLock,
		shift: cfg.ShiftLimit, byID: map[[32]byte]*browserSession{}, now: cfg.Now}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func sessionKey(cookie string) [32]byte { return sha256.Sum256([]byte(cookie)) }

// expired says why sess may no longer be used at now ("" = it may).
func (s *sessionStore) expired(sess *browserSession, now time.Time) string {
	switch {
	case now.Sub(sess.started) >= s.shift:
		return "shift-ended"
	case now.Sub(sess.lastSeen) >= s.idle:
		return "idle-locked"
	}
	return ""
}

// create opens a session for staff signed in at origin. Sessions that have
// ended are dropped first; a live one is never evicted: when origin has its
// share (or the store is full) the new one is refused.
func (s *sessionStore) create(origin, staff string) (id, csrf string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	n := 0
	for k, v := range s.byID {
		if s.expired(v, now) != "" {
			delete(s.byID, k)
			continue
		}
		if v.origin == origin {
			n++
		}
	}
	if n >= s.perOrigin || len(s.byID) >= s.max {
		return "", "", errTooManySessions
	}
	id, csrf = randomHex(32), randomHex(32)
	s.byID[sessionKey(id)] = &browserSession{csrf: csrf, origin: origin, staff: staff, started: now, lastSeen: now}
	return id, csrf, nil
}

// sessionCheck is the outcome of check.
type sessionCheck struct {
	ok     bool
	sess   browserSession // a copy, when ok or ended
	cookie string         // the session id, however it was carried
	ended  string         // "idle-locked" or "shift-ended" when the session ended just now
}

// check validates the session cookie of r: the session exists, has not ended,
// is used from the origin that opened it, and (for state-changing requests)
// carries its CSRF token. A valid call resets the idle lock.
func (s *sessionStore) check(r *http.Request, needCSRF bool) sessionCheck {
	id, carried := sessionIDOf(r)
	if id == "" {
		return sessionCheck{}
	}
	k := sessionKey(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.byID[k]
	if !ok {
		return sessionCheck{}
	}
	now := s.now()
	if why := s.expired(sess, now); why != "" {
		delete(s.byID, k)
		return sessionCheck{sess: *sess, ended: why}
	}
	origin := r.Header.Get("Origin")
	switch carried {
	case byCookie:
		// Bound to the origin that signed in. (Browsers leave Origin out of
		// same-origin GETs, so its absence is allowed; the cookie is the
		// secret, and only a correct sign-in makes one.) The browser sends
		// a cookie by itself, so a state change must prove the page read
		// the CSRF token.
		if origin != "" && origin != sess.origin {
			return sessionCheck{}
		}
		if needCSRF && subtle.ConstantTimeCompare([]byte(r.Header.Get("X-CSRF-Token")), []byte(sess.csrf)) != 1 {
			return sessionCheck{}
		}
	default:
		// A session token in a header is sent only by the page's own script
		// (a browser never attaches it), so it needs no CSRF token; it is
		// bound to the page's origin, which browsers always send across
		// origins.
		if origin != sess.origin {
			return sessionCheck{}
		}
	}
	// A page's own polling (marked by backgroundHeader) is not use: only
	// what the receptionist does keeps the desk from locking.
	if r.Header.Get(backgroundHeader) != "1" {
		sess.lastSeen = now
	}
	return sessionCheck{ok: true, sess: *sess, cookie: id}
}

// remove ends the session of cookie.
func (s *sessionStore) remove(cookie string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, sessionKey(cookie))
}

// alive reports whether the session of cookie still stands, without counting
// as use: an open event stream must not keep a desk from locking.
func (s *sessionStore) alive(cookie string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.byID[sessionKey(cookie)]
	return ok && s.expired(sess, s.now()) == ""
}

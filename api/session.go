package api

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"sync"
	"time"
)

// sessionCookie is the HttpOnly cookie that identifies a browser session.
const sessionCookie = "cccd_session"

// browserSession is what the server remembers of one browser page.
type browserSession struct {
	csrf    string
	origin  string
	expires time.Time
}

// sessionStore keeps browser sessions in memory: a restart of the agent asks
// pages to open a new one, which the console does by itself.
type sessionStore struct {
	mu   sync.Mutex
	max  int
	ttl  time.Duration
	byID map[string]*browserSession
	now  func() time.Time
}

func newSessionStore(max int, ttl time.Duration) *sessionStore {
	if max <= 0 {
		max = 256
	}
	if ttl <= 0 {
		ttl = 12 * time.Hour
	}
	return &sessionStore{max: max, ttl: ttl, byID: map[string]*browserSession{}, now: time.Now}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// create opens a session for origin and returns its id and CSRF token. When
// the store is full, expired sessions go first, then the oldest.
func (s *sessionStore) create(origin string) (id, csrf string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if len(s.byID) >= s.max {
		var oldestID string
		var oldest time.Time
		for k, v := range s.byID {
			if now.After(v.expires) {
				delete(s.byID, k)
				continue
			}
			if oldestID == "" || v.expires.Before(oldest) {
				oldestID, oldest = k, v.expires
			}
		}
		if len(s.byID) >= s.max {
			delete(s.byID, oldestID)
		}
	}
	id, csrf = randomHex(32), randomHex(32)
	s.byID[id] = &browserSession{csrf: csrf, origin: origin, expires: now.Add(s.ttl)}
	return id, csrf
}

// check validates the session cookie of r. State-changing requests must also
// carry the session's CSRF token. A valid session slides its expiry.
func (s *sessionStore) check(r *http.Request, needCSRF bool) bool {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.byID[c.Value]
	if !ok {
		return false
	}
	now := s.now()
	if now.After(sess.expires) {
		delete(s.byID, c.Value)
		return false
	}
	if origin := r.Header.Get("Origin"); origin != "" && origin != sess.origin {
		return false
	}
	if needCSRF && subtle.ConstantTimeCompare([]byte(r.Header.Get("X-CSRF-Token")), []byte(sess.csrf)) != 1 {
		return false
	}
	sess.expires = now.Add(s.ttl)
	return true
}

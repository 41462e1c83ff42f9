package api

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// guard decides who may call what. It is built once from the configuration
// and is safe for concurrent use.
type guard struct {
	token    string
	tokens   TokenSource     // named tokens; nil = none
	hosts    map[string]bool // allowed Host header host names (lower case, no port)
	origins  map[string]bool // allowed browser origins, exact
	console  map[string]bool // the console's own origins (the agent's address): the rest are HIS pages
	sessions *sessionStore
}

func newGuard(cfg Config, token string) *guard {
	g := &guard{
		token:    token,
		tokens:   cfg.Tokens,
		hosts:    map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true},
		origins:  map[string]bool{},
		sessions: newSessionStore(cfg),
	}
	host, port, err := net.SplitHostPort(cfg.Listen)
	if err == nil {
		if host != "" && host != "0.0.0.0" && host != "::" {
			g.hosts[strings.ToLower(host)] = true
		}
		g.console = map[string]bool{}
		for h := range g.hosts {
			g.origins["http://"+hostForURL(h)+":"+port] = true
			g.console["http://"+hostForURL(h)+":"+port] = true
		}
	}
	for _, o := range cfg.HISOrigins {
		g.origins[strings.TrimRight(o, "/")] = true
	}
	return g
}

func hostForURL(h string) string {
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}

// hostAllowed refuses requests addressed to any other name: a page on an
// attacker's domain that rebinds its DNS to 127.0.0.1 still sends its own
// name in Host.
func (g *guard) hostAllowed(r *http.Request) bool {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(strings.ToLower(host), "[]")
	return g.hosts[host]
}

// originAllowed reports whether a browser origin may use the API.
func (g *guard) originAllowed(origin string) bool { return g.origins[origin] }

// bearer checks the Authorization header in constant time and names the
// token it carries.
func (g *guard) bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	presented := h[len(prefix):]
	if subtle.ConstantTimeCompare([]byte(presented), []byte(g.token)) == 1 {
		return DefaultTokenName, true
	}
	if g.tokens != nil {
		return g.tokens.Match(presented)
	}
	return "", false
}

// crossSite reports a browser request that came from another site than the
// one it is addressed to, by the Fetch Metadata header browsers send.
func crossSite(r *http.Request) bool {
	s := r.Header.Get("Sec-Fetch-Site")
	return s == "cross-site" || s == "same-site"
}

// setCORS answers an allowed origin so that its page may read the response
// and send credentials; other origins get no CORS headers at all.
func setCORS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin == "" {
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
}

// preflight answers an OPTIONS request from an allowed origin, including the
// Private Network Access header Chromium sends before a public page may
// reach a loopback address.
func preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	setCORS(w, r)
	h.Set("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-CSRF-Token, "+sessionHeader+", "+backgroundHeader)
	h.Set("Access-Control-Max-Age", "600")
	if r.Header.Get("Access-Control-Request-Private-Network") == "true" {
		h.Set("Access-Control-Allow-Private-Network", "true")
	}
	w.WriteHeader(http.StatusNoContent)
}

// peerLoopback reports whether the TCP peer of r is a loopback address
// (IPv4 in IPv6 form judged as IPv4). An address that does not parse is not
// loopback.
func peerLoopback(r *http.Request) bool {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	return ap.Addr().Unmap().IsLoopback()
}

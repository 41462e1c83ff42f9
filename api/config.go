package api

import (
	"net/http"
	"time"
)

// Config holds the API's settings. The zero value of every field but Listen
// means "use the documented default".
type Config struct {
	// Listen is the address the server binds, e.g. "127.0.0.1:7400".
	Listen string
	// Remote admits callers that are not on loopback (api.remote, served
	// with TLS): they may use bearer tokens only, never browser sessions.
	// Without it a request from any other peer address is refused.
	Remote bool
	// HISOrigins are the browser origins of the hospital system allowed to use
	// the API, exact ("https://his.example.vn"); no wildcards.
	HISOrigins []string
	// MaxBodyBytes caps request bodies (default 64 KiB).
	MaxBodyBytes int64
	// RatePerSecond and RateBurst limit calls to /api/v1 (default 2000/s, burst 4000).
	RatePerSecond float64
	RateBurst     int
	// MaxSessions and SessionTTL bound browser sessions (default 256, 12 h).
	MaxSessions int
	SessionTTL  time.Duration
	// Metrics serves /metrics (a Prometheus handler); nil leaves it out.
	Metrics http.Handler
}

func (c Config) withDefaults() Config {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 64 << 10
	}
	if c.RatePerSecond <= 0 {
		c.RatePerSecond = 2000
	}
	if c.RateBurst <= 0 {
		c.RateBurst = 4000
	}
	return c
}

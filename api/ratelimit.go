package api

import (
	"sync"
	"time"
)

// rateLimiter is one token bucket. Callers on this machine all share one
// address, so buckets are kept per credential instead (see limiters): a
// runaway script, or a flood without a valid credential, empties its own
// bucket and no one else's.
type rateLimiter struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
	now    func() time.Time
}

func newRateLimiter(rate float64, burst int) *rateLimiter {
	return &rateLimiter{rate: rate, burst: float64(burst), tokens: float64(burst), now: time.Now}
}

// allow takes one token, reporting false when the bucket is empty.
func (l *rateLimiter) allow() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if !l.last.IsZero() {
		l.tokens += now.Sub(l.last).Seconds() * l.rate
		if l.tokens > l.burst {
			l.tokens = l.burst
		}
	}
	l.last = now
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}

// limiters keeps one bucket per caller class: "anon" (no valid credential),
// "sign-in" (session sign-in attempts), "session" (browser sessions) and
// "token:NAME" per named token. Their number is bounded by the number of
// tokens.
type limiters struct {
	mu        sync.Mutex
	rate      float64
	burst     int
	anonRate  float64
	anonBurst int
	now       func() time.Time
	byClass   map[string]*rateLimiter
}

func newLimiters(cfg Config) *limiters {
	return &limiters{rate: cfg.RatePerSecond, burst: cfg.RateBurst, anonRate: cfg.AnonRatePerSecond,
		anonBurst: cfg.AnonRateBurst, now: cfg.Now, byClass: map[string]*rateLimiter{}}
}

// allow takes a token from class's bucket.
func (ls *limiters) allow(class string) bool {
	ls.mu.Lock()
	l, ok := ls.byClass[class]
	if !ok {
		if class == classAnon || class == classSignIn {
			l = newRateLimiter(ls.anonRate, ls.anonBurst)
		} else {
			l = newRateLimiter(ls.rate, ls.burst)
		}
		l.now = ls.now
		ls.byClass[class] = l
	}
	ls.mu.Unlock()
	return l.allow()
}

const (
	classAnon    = "anon"
	classSignIn  = "sign-in"
	classSession = "session"
)

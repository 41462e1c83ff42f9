package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/internal/clock"
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
	// RatePerSecond and RateBurst limit calls to /api/v1 by each
	// authenticated caller: each named token has its own bucket, browser
	// sessions share one (default 2000/s, burst 4000).
	RatePerSecond float64
	RateBurst     int
	// AnonRatePerSecond and AnonRateBurst limit unauthenticated calls (a
	// missing or wrong credential) in one bucket of their own, so that a
	// tokenless flood never takes the token holders' share (default 50/s,
	// burst 100). Sign-in attempts have a bucket of the same size apart.
	AnonRatePerSecond float64
	AnonRateBurst     int
	// ReadHeaderTimeout, ReadTimeout and IdleTimeout bound a connection
	// that sends its request slowly or idles (default 5 s, 15 s, 2 min).
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	IdleTimeout       time.Duration
	// MaxSubscribers caps concurrent WebSocket event subscribers (default 32).
	MaxSubscribers int
	// Now is the clock (default clock.Now); tests inject one.
	Now func() time.Time
	// Tokens holds the named tokens besides the default one (NewTokenSet);
	// nil: the default token only.
	Tokens TokenSource
	// Staff holds the staff accounts a browser session signs in with; nil
	// refuses every sign-in.
	Staff StaffStore
	// Audit receives the audit trail; nil keeps none.
	Audit Auditor
	// Log receives what the operator should know (never secrets or personal
	// data); default slog.Default().
	Log *slog.Logger
	// MaxSessions bounds signed-in browser sessions in all (default 256) and
	// MaxSessionsPerOrigin per page origin (default 16). A live session is
	// never evicted: beyond the cap a new sign-in is refused.
	MaxSessions          int
	MaxSessionsPerOrigin int
	// IdleLock ends a session after this long without a call (default 15
	// min); ShiftLimit ends it this long after sign-in whatever (default 12 h).
	IdleLock   time.Duration
	ShiftLimit time.Duration
	// SignInFailures wrong PINs in a row for one account, or from one client,
	// refuse further attempts for SignInLockout, doubling with every further
	// failure (default 5, 1 min).
	SignInFailures int
	SignInLockout  time.Duration
	// Desks is told of sign-ins and sign-outs: it ties a reader to the
	// staff member who signed in there and keeps their gateway session
	// (checkin.Desks); nil: sign-ins do neither.
	Desks Desks
	// Metrics serves /metrics (a Prometheus handler); nil leaves it out.
	Metrics http.Handler
	// RecentLog returns the agent's last log lines (already scrubbed of
	// ID-shaped numbers), served to token holders at
	// GET /api/v1/diagnostics/log for `cccd doctor --bundle`; nil = none.
	RecentLog func() []byte
	// Admin serves the roster and trust routes the CLI uses while the agent
	// holds the database (GET /api/v1/roster, GET /api/v1/trust, POST
	// /api/v1/roster/import, POST /api/v1/trust/import); nil leaves them out.
	Admin Admin
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
	if c.AnonRatePerSecond <= 0 {
		c.AnonRatePerSecond = 50
	}
	if c.AnonRateBurst <= 0 {
		c.AnonRateBurst = 100
	}
	if c.ReadHeaderTimeout <= 0 {
		c.ReadHeaderTimeout = 5 * time.Second
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = 15 * time.Second
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 2 * time.Minute
	}
	if c.MaxSubscribers <= 0 {
		c.MaxSubscribers = 32
	}
	if c.Now == nil {
		c.Now = clock.Now
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.MaxSessions <= 0 {
		c.MaxSessions = 256
	}
	if c.MaxSessionsPerOrigin <= 0 {
		c.MaxSessionsPerOrigin = 16
	}
	if c.IdleLock <= 0 {
		c.IdleLock = 15 * time.Minute
	}
	if c.ShiftLimit <= 0 {
		c.ShiftLimit = 12 * time.Hour
	}
	if c.SignInFailures <= 0 {
		c.SignInFailures = 5
	}
	if c.SignInLockout <= 0 {
		c.SignInLockout = time.Minute
	}
	return c
}

// StaffStore looks staff accounts up by name (cache.DB implements it).
type StaffStore interface {
	StaffByName(name string) (cache.Staff, error)
}

// Desks ties readers and gateway sessions to signed-in staff
// (*checkin.Desks implements it).
type Desks interface {
	// SignIn records st's sign-in at reader ("" = none named) and opens
	// their gateway session with password ("" = keep one from earlier);
	// it returns what happened to the gateway session (checkin.Gateway*).
	SignIn(ctx context.Context, st cache.Staff, reader, password string) string
	// SignOut ends st's gateway session and frees their readers.
	SignOut(staff string)
}

// Auditor appends to the audit trail (cache.DB implements it).
type Auditor interface {
	AppendAudit(cache.AuditRecord) error
}

// TokenSource names the token a program presented (TokenSet implements it).
type TokenSource interface {
	Match(presented string) (name string, ok bool)
}

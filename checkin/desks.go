package checkin

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/sync/gateway"
)

// StaffGateway is one staff member's own gateway account (a
// *gateway.Client made with their username, password, name and CCCD).
type StaffGateway interface {
	Gateway
	// Authenticate takes a token now: it tells at sign-in whether the
	// gateway takes the password.
	Authenticate(ctx context.Context) error
	// SubmitCheckin sends one XML0 file to BHXH's check-in endpoint.
	SubmitCheckin(ctx context.Context, req gateway.CheckinRequest) (*gateway.CheckinAnswer, error)
}

// What a sign-in did with the gateway password (the "gateway" field of the
// sign-in answer, docs/API.md).
const (
	GatewaySignedIn    = "signed-in"   // the gateway took the password: lookups run under this account
	GatewayKept        = "kept"        // no password typed; the session from an earlier sign-in of this shift goes on
	GatewayRefused     = "refused"     // the gateway refused the username or password; nothing is kept
	GatewayUnavailable = "unavailable" // the gateway could not be reached; the password is kept and tried at the first lookup
	GatewayNoAccount   = "no-account"  // the staff account has no gateway username (cccd staff add --gateway-user)
	GatewayNone        = "none"        // no password typed and no session from earlier
	GatewayOff         = "not-configured"
)

// Desks ties readers (desks) to the staff member who signed in there, and
// keeps each staff member's gateway session (their own account, CV 1923:
// per-user accounts from 01/08/2024) in memory only: the plain password is
// not kept at all, the client keeps its MD5 and the token. A gateway
// session ends at sign-out or Shift after the sign-in that typed the
// password; an idle lock does not end it (the receptionist is still on
// shift, and re-checks of their check-ins go on). Safe for concurrent use.
type Desks struct {
	// NewGateway makes the client for st's own account; nil when no
	// gateway is configured (sign-ins then only claim readers).
	NewGateway func(st cache.Staff, password string) (StaffGateway, error)
	Shift      time.Duration // how long a gateway session or reader claim lasts; 0 means 12 h
	Now        func() time.Time
	Log        *slog.Logger
	// AfterSignIn is called when a gateway session opens (the outboxes'
	// Kick: check-ins may wait for it); it must not block.
	AfterSignIn func()

	mu       sync.Mutex
	sessions map[string]*staffSession // cache.StaffKey → gateway session
	readers  map[string]readerClaim   // reader name → who signed in there last
}

type staffSession struct {
	name    string
	gw      StaffGateway
	started time.Time
}

type readerClaim struct {
	staff string // the name as stored
	at    time.Time
}

func (d *Desks) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return clock.Now()
}

func (d *Desks) shift() time.Duration {
	if d.Shift > 0 {
		return d.Shift
	}
	return 12 * time.Hour
}

// SignIn records that st signed in, at reader ("" = no reader named) and,
// when password is not empty, opens their gateway session with it. It
// returns what happened to the gateway session (Gateway* constants). A
// reader is claimed by the last staff member who named it at sign-in.
func (d *Desks) SignIn(ctx context.Context, st cache.Staff, reader, password string) string {
	now := d.now()
	d.mu.Lock()
	if d.sessions == nil {
		d.sessions, d.readers = map[string]*staffSession{}, map[string]readerClaim{}
	}
	if reader != "" {
		d.readers[reader] = readerClaim{staff: st.Name, at: now}
	}
	key := cache.StaffKey(st.Name)
	_, live := d.liveLocked(key, now)
	d.mu.Unlock()
	switch {
	case password == "" && live:
		return GatewayKept
	case password == "":
		return GatewayNone
	case d.NewGateway == nil:
		return GatewayOff
	case st.GatewayUser == "":
		return GatewayNoAccount
	}
	gw, err := d.NewGateway(st, password)
	if err != nil {
		d.logWarn("gateway client for a staff account not made", err)
		return GatewayRefused
	}
	state := GatewaySignedIn
	if err := gw.Authenticate(ctx); err != nil {
		if !errors.Is(err, gateway.ErrUnavailable) {
			return GatewayRefused
		}
		state = GatewayUnavailable
	}
	d.mu.Lock()
	d.sessions[key] = &staffSession{name: st.Name, gw: gw, started: now}
	d.mu.Unlock()
	if d.AfterSignIn != nil {
		d.AfterSignIn()
	}
	return state
}

// SignOut ends staff's gateway session and frees the readers they claimed:
// the session is the staff member's, not the page's.
func (d *Desks) SignOut(staff string) {
	key := cache.StaffKey(staff)
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.sessions, key)
	for r, c := range d.readers {
		if cache.StaffKey(c.staff) == key {
			delete(d.readers, r)
		}
	}
}

// StaffAt names the staff member signed in at reader, if any.
func (d *Desks) StaffAt(reader string) (string, bool) {
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := d.readers[reader]
	if !ok {
		return "", false
	}
	if now.Sub(c.at) >= d.shift() {
		delete(d.readers, reader)
		return "", false
	}
	return c.staff, true
}

// Gateway returns staff's gateway session while it lives.
func (d *Desks) Gateway(staff string) (StaffGateway, bool) {
	if staff == "" {
		return nil, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.liveLocked(cache.StaffKey(staff), d.now())
}

func (d *Desks) liveLocked(key string, now time.Time) (StaffGateway, bool) {
	s, ok := d.sessions[key]
	if !ok {
		return nil, false
	}
	if now.Sub(s.started) >= d.shift() {
		delete(d.sessions, key) // the shift is over: the token and the password's MD5 go
		return nil, false
	}
	return s.gw, true
}

func (d *Desks) logWarn(msg string, err error) {
	if d.Log != nil {
		d.Log.Warn(msg, "err", err)
	}
}

type staffKey struct{}

// WithStaff returns ctx naming the staff member a lookup or a change is made
// for (the API sets it for a signed-in session; the agent for a tap at a
// reader someone signed in at).
func WithStaff(ctx context.Context, staff string) context.Context {
	return context.WithValue(ctx, staffKey{}, staff)
}

// StaffFrom names the staff member of ctx ("" = none: a program, or nobody
// signed in at the desk).
func StaffFrom(ctx context.Context) string {
	s, _ := ctx.Value(staffKey{}).(string)
	return s
}

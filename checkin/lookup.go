package checkin

import (
	"context"
	"errors"
	"log/slog"
	gosync "sync"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/internal/metrics"
	"github.com/cccd-agent/cccd/sync/gateway"
)

// Gateway is the online BHXH card check (sync/gateway.Client).
type Gateway interface {
	Check(ctx context.Context, q gateway.Query) (*gateway.Answer, error)
}

// Person is who an eligibility lookup is for, as read from the card.
type Person struct {
	IDNumber    string // 12 digits
	FullName    string // as on the card, NFC
	DateOfBirth string // ISO 8601, as in the read result
}

// Lookup answers eligibility from the best source there is: the BHXH
// gateway when configured and reachable, then an earlier gateway answer from
// the lookup cache, then the local roster. Answers that are not fresh — and
// every roster answer while the feed cannot be reached — are provisional.
// Safe for concurrent use.
type Lookup struct {
	DB *cache.DB
	// Gateway is the facility's shared account (gateway.shared_account, the
	// way before 01/08/2024): every lookup runs under it. nil otherwise.
	Gateway Gateway
	// Desks gives per-user gateway sessions (CV 1923, from 01/08/2024): a
	// lookup runs under the session of the staff member named by the
	// context (WithStaff); without one no gateway call is made and the
	// answer is provisional with ReasonNoStaffSession. Used when Gateway
	// is nil and Desks.NewGateway is set.
	Desks  *Desks
	Config EligibilityConfig
	// Sync syncs the roster now (the API's "sync now"); nil without a feed.
	Sync    func(ctx context.Context) error
	Metrics *metrics.Metrics
	Log     *slog.Logger

	mu             gosync.Mutex
	gatewayFailing bool
}

// Online reports whether the last gateway call (if any is configured) and
// the last roster sync (if any was attempted) succeeded.
func (l *Lookup) Online() bool {
	l.mu.Lock()
	failing := l.gatewayFailing
	l.mu.Unlock()
	if failing {
		return false
	}
	meta, err := l.DB.RosterMeta()
	return err == nil && meta.LastError == ""
}

// Eligibility looks p up. It never fails: an unreachable source falls back
// to the next, and no record at all is "not-found".
func (l *Lookup) Eligibility(ctx context.Context, p Person, now time.Time) Eligibility {
	if p.IDNumber == "" {
		return Evaluate(EligibilityInput{Found: false, Source: FromRoster, AsOf: now}, now, l.Config)
	}
	cfg := l.Config
	gw, reason := l.gatewayFor(ctx)
	if gw != nil {
		if e, ok := l.fromGateway(ctx, gw, p, now); ok {
			return e
		}
		reason = ReasonGatewayFailed
	}
	if reason == ReasonNoStaffSession {
		// Nobody could ask the gateway: what the local data says waits for
		// a re-check, however fresh it is.
		cfg.Freshness = 0
	}
	e := l.local(p, now, cfg)
	e.Reason = reason
	return e
}

// Why an answer is not the gateway's own (the eligibility JSON's "reason",
// docs/API.md "Eligibility reasons").
const (
	// ReasonNoStaffSession: per-user gateway accounts are configured and
	// nobody with a live gateway session is signed in at the desk (or the
	// caller is a program): no gateway call was made.
	ReasonNoStaffSession = "no-staff-gateway-session"
	// ReasonGatewayFailed: the gateway was asked and gave no answer about
	// the patient (unreachable, or it refused the account or the request).
	ReasonGatewayFailed = "gateway-failed"
)

// EligibilityReasons lists every reason token, for the docs test.
var EligibilityReasons = []string{ReasonNoStaffSession, ReasonGatewayFailed}

// gatewayFor picks the gateway account a lookup for ctx runs under: the
// shared one, or the session of the staff member ctx names. reason says
// why there is none when a gateway is configured.
func (l *Lookup) gatewayFor(ctx context.Context) (Gateway, string) {
	if l.Gateway != nil {
		return l.Gateway, ""
	}
	if l.Desks == nil || l.Desks.NewGateway == nil {
		return nil, ""
	}
	if gw, ok := l.Desks.Gateway(StaffFrom(ctx)); ok {
		return gw, ""
	}
	return nil, ReasonNoStaffSession
}

// local answers from the lookup cache or the roster.
func (l *Lookup) local(p Person, now time.Time, cfg EligibilityConfig) Eligibility {
	meta, metaErr := l.DB.RosterMeta()
	l.mu.Lock()
	gatewayFailing := l.gatewayFailing
	l.mu.Unlock()
	if metaErr != nil || meta.LastError != "" || gatewayFailing {
		// Offline: whatever the local data says is provisional, with its age.
		cfg.Freshness = 0
	}
	if raw, at, ok, err := l.DB.GetLookup(p.IDNumber); err == nil && ok {
		if a, err := gateway.DecodeAnswer(raw); err == nil {
			return Evaluate(GatewayInput(a, FromCache, at), now, cfg)
		}
	}
	rec, found, err := l.DB.LookupRoster(p.IDNumber)
	if err != nil {
		l.logWarn("roster lookup failed", err)
		return Evaluate(EligibilityInput{Found: false, Source: FromRoster, AsOf: now}, now, cfg)
	}
	return Evaluate(RosterInput(rec, found, meta.AsOf()), now, cfg)
}

// fromGateway asks the gateway and caches a patient answer; ok is false when
// the gateway could not answer about the patient.
func (l *Lookup) fromGateway(ctx context.Context, gw Gateway, p Person, now time.Time) (Eligibility, bool) {
	start := time.Now()
	dob := p.DateOfBirth
	if t, err := time.Parse(time.DateOnly, dob); err == nil {
		dob = t.Format("02/01/2006")
	}
	a, err := gw.Check(ctx, gateway.Query{MaThe: p.IDNumber, HoTen: p.FullName, NgaySinh: dob})
	outcome := "ok"
	if err != nil {
		outcome = "error"
		if errors.Is(err, context.DeadlineExceeded) {
			outcome = "timeout"
		}
	}
	if l.Metrics != nil {
		l.Metrics.GatewaySeconds.WithLabelValues(outcome).Observe(time.Since(start).Seconds())
	}
	l.mu.Lock()
	l.gatewayFailing = err != nil && errors.Is(err, gateway.ErrUnavailable)
	l.mu.Unlock()
	if err != nil {
		l.logWarn("gateway lookup failed; using cache and roster", err)
		return Eligibility{}, false
	}
	at := a.At
	if at.IsZero() {
		at = now
	}
	// Only what the eligibility JSON needs is kept, not the raw answer
	// (name, address, histories).
	if err := l.DB.PutLookup(p.IDNumber, a.Minimal(), at); err != nil {
		l.logWarn("lookup cache write failed", err)
	}
	return Evaluate(GatewayInput(a, FromGateway, at), now, l.Config), true
}

func (l *Lookup) logWarn(msg string, err error) {
	if l.Log != nil {
		l.Log.Warn(msg, "err", err)
	}
}

package checkin

import (
	"time"

	"github.com/cccd-agent/cccd/internal/errtext"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/sync/gateway"
)

// Status describes the roster, the outbox and the online state at now, as
// GET /api/v1/status shows them (Readers is the agent's to fill in). The
// roster's age counts from its publication, or its sync when unpublished;
// it is stale past Config.Freshness.
func (l *Lookup) Status(version string, now time.Time) StatusInfo {
	st := StatusInfo{Version: version, Online: l.Online()}
	if meta, err := l.DB.RosterMeta(); err == nil {
		age := meta.AsOf()
		st.Roster = RosterStatus{Version: meta.Version, Records: meta.Records, LastError: errtext.Line(meta.LastError)}
		if !age.IsZero() {
			st.Roster.AgeSeconds = int64(now.Sub(age).Seconds())
			st.Roster.Stale = now.Sub(age) > l.Config.Freshness
		}
	}
	if pending, err := l.DB.PendingCount(); err == nil {
		st.OutboxDepth = pending
	}
	return st
}

// RecheckJudge is how the outbox judges an online re-check of a check-in
// (sync/delivery's Judge): by the same eligibility rules as reception.
func RecheckJudge(cfg EligibilityConfig) func(a *gateway.Answer, now time.Time) cache.CheckinEligibility {
	return func(a *gateway.Answer, now time.Time) cache.CheckinEligibility {
		e := Evaluate(GatewayInput(a, FromGateway, a.At), now, cfg)
		return cache.CheckinEligibility{Status: string(e.Status), Code: e.Code, Source: e.Source, AsOf: e.AsOf}
	}
}

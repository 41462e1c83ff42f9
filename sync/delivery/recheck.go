package delivery

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/sync/gateway"
)

// Checker looks a card up online; *gateway.Client implements it.
type Checker interface {
	Check(ctx context.Context, q gateway.Query) (*gateway.Answer, error)
}

// Judge turns a gateway answer into the eligibility kept with a check-in.
// The reception flow's eligibility rules plug in here; DefaultJudge maps the
// result-code class.
type Judge func(a *gateway.Answer, now time.Time) cache.CheckinEligibility

// DefaultJudge maps the answer's class to a status: eligible, manual-check,
// not-eligible, not-found; an eligible answer whose card does not cover
// today becomes not-eligible.
func DefaultJudge(a *gateway.Answer, now time.Time) cache.CheckinEligibility {
	status := string(a.Class)
	if a.Class == gateway.ClassEligible && !a.Card(now).ValidOn(now) {
		status = "not-eligible"
	}
	return cache.CheckinEligibility{Status: status, Code: a.MaKetQua, Source: "gateway", AsOf: a.At}
}

// needsRecheck: the eligibility did not come from the gateway itself.
func needsRecheck(c *cache.Checkin) bool {
	return c.Eligibility.Source != "gateway" && (c.MaThe != "" || c.SoCCCD != "") &&
		strings.TrimSpace(c.HoTen) != "" && c.NgaySinh != ""
}

// baseStatus drops the provisional mark: "eligible-provisional" and
// "eligible" are the same answer, only its freshness differs.
func baseStatus(s string) string { return strings.TrimSuffix(s, "-provisional") }

// recheck asks the gateway about c and stores the fresh eligibility,
// flagging a changed status. It reports whether c was updated; gateway
// outages leave c as it is (it is delivered with its provisional answer).
func (d *Deliverer) recheck(ctx context.Context, c *cache.Checkin) bool {
	maThe := c.MaThe
	if maThe == "" {
		maThe = c.SoCCCD // the gateway accepts the CCCD number as maThe (bhyt.md §1.4)
	}
	a, err := d.cfg.Gateway.Check(ctx, gateway.Query{MaThe: maThe, HoTen: c.HoTen, NgaySinh: c.NgaySinh})
	if err != nil {
		level := d.log.Info
		if !errors.Is(err, gateway.ErrUnavailable) {
			level = d.log.Warn
		}
		level("check-in re-check skipped", "seq", c.Seq, "err", err)
		return false
	}
	now := d.cfg.Now()
	fresh := d.cfg.Judge(a, now)
	changed := baseStatus(fresh.Status) != baseStatus(c.Eligibility.Status)
	var updated cache.Checkin
	err = d.store.UpdateCheckin(c.Seq, func(rc *cache.Checkin) error {
		rc.Eligibility = fresh
		rc.RecheckChanged = rc.RecheckChanged || changed
		updated = *rc
		return nil
	})
	if err != nil {
		d.log.Warn("check-in re-check not stored", "seq", c.Seq, "err", err)
		return false
	}
	updated.Seq, updated.Key = c.Seq, c.Key
	*c = updated
	if changed {
		d.log.Warn("check-in eligibility changed on online re-check", "seq", c.Seq, "status", fresh.Status, "code", fresh.Code)
	}
	return true
}

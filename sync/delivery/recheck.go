package delivery

import (
	"context"
	"errors"
	"fmt"
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
// It is the reception flow's own rule set (checkin.RecheckJudge), so a
// re-check and the desk never judge one answer two ways; delivery has none
// of its own.
type Judge func(a *gateway.Answer, now time.Time) cache.CheckinEligibility

// needsRecheck: the eligibility did not come from the gateway itself.
func needsRecheck(c *cache.Checkin) bool {
	return c.Eligibility.Source != "gateway" && (c.MaThe != "" || c.SoCCCD != "") &&
		strings.TrimSpace(c.HoTen) != "" && c.NgaySinh != ""
}

// baseStatus drops the provisional mark: "eligible-provisional" and
// "eligible" are the same answer, only its freshness differs.
func baseStatus(s string) string { return strings.TrimSuffix(s, "-provisional") }

// recheck asks the gateway about c and stores the fresh eligibility,
// flagging a changed status. When the HIS may already hold c with the old
// status (MayBeHeldByHIS), the change becomes a new revision, back in the outbox,
// in the same transaction: a crash before its delivery cannot lose it. On
// a gateway failure c is left as it is (and delivered with its provisional
// answer) and the error is returned.
func (d *Deliverer) recheck(ctx context.Context, gw Checker, c *cache.Checkin) error {
	maThe := c.MaThe
	if maThe == "" {
		maThe = c.SoCCCD // the gateway accepts the CCCD number as maThe
	}
	a, err := gw.Check(ctx, gateway.Query{MaThe: maThe, HoTen: c.HoTen, NgaySinh: c.NgaySinh})
	if err != nil {
		level := d.log.Info
		if !errors.Is(err, gateway.ErrUnavailable) {
			level = d.log.Warn
		}
		level("check-in re-check skipped", "seq", c.Seq, "err", err)
		return err
	}
	fresh := d.cfg.Judge(a, d.cfg.Now())
	var (
		updated          cache.Checkin
		changed, revised bool
	)
	err = d.store.UpdateCheckin(c.Seq, func(rc *cache.Checkin) error {
		// Compare with the stored record, not c: it is the one the HIS got.
		changed = baseStatus(fresh.Status) != baseStatus(rc.Eligibility.Status)
		if changed && rc.MayBeHeldByHIS() {
			rc.NextRevision(rc.Eligibility)
			revised = true
		}
		rc.Eligibility = fresh
		rc.RecheckChanged = rc.RecheckChanged || changed
		updated = *rc
		return nil
	})
	if err != nil {
		d.log.Warn("check-in re-check not stored", "seq", c.Seq, "err", err)
		return err
	}
	*c = updated
	if changed {
		d.log.Warn("check-in eligibility changed on online re-check", "seq", c.Seq, "status", fresh.Status,
			"code", fresh.Code, "revision", c.Revision)
	}
	if revised {
		d.Kick() // deliver the revision without waiting for the next interval
	}
	return nil
}

// checkerFor is the gateway account c is re-checked under: the shared
// one, or the live session of the staff member who made c; ok is false
// when there is none (no gateway, nobody, or their session ended).
func (d *Deliverer) checkerFor(c *cache.Checkin) (Checker, bool) {
	switch {
	case d.cfg.Gateway != nil:
		return d.cfg.Gateway, true
	case d.cfg.Sessions != nil && c.Staff != "":
		return d.cfg.Sessions(c.Staff)
	}
	return nil, false
}

// RecheckDelivered re-checks, once the gateway answers again, the recent
// check-ins (within RecheckWindow) that were delivered with an offline
// answer. One whose status changed is flagged (RecheckChanged, which the
// API and `cccd checkins list` show) and goes back to the outbox as its
// next revision, so that DeliverPending tells the HIS. It stops at the first gateway
// failure and returns it; the next call resumes there. With per-user
// accounts a check-in is re-checked under the gateway session of the
// staff member who made it; while they have none it waits (it is tried
// again on every call until its window closes), and the others go on.
// Run calls it after every pass when a gateway is configured.
func (d *Deliverer) RecheckDelivered(ctx context.Context) (int, error) {
	if d.cfg.Gateway == nil && d.cfg.Sessions == nil {
		return 0, nil
	}
	horizon := d.cfg.Now().Add(-d.cfg.RecheckWindow)
	done, err := d.recheckWaiting(ctx, horizon)
	if err != nil {
		return done, err
	}
	for {
		batch, err := d.store.ListCheckins(d.recheckFrom, 200)
		if err != nil {
			return done, fmt.Errorf("read check-ins: %w", err)
		}
		if len(batch) == 0 {
			return done, nil
		}
		for i := range batch {
			c := &batch[i]
			if c.DeliveredAt.IsZero() {
				return done, nil // still in the outbox: DeliverPending re-checks it first
			}
			if needsRecheck(c) && c.Time.After(horizon) {
				if err := ctx.Err(); err != nil {
					return done, err
				}
				gw, ok := d.checkerFor(c)
				if !ok {
					d.waiting[c.Seq] = struct{}{}
					d.recheckFrom = c.Seq
					continue
				}
				if err := d.recheck(ctx, gw, c); err != nil {
					return done, err
				}
				done++
			}
			d.recheckFrom = c.Seq
		}
	}
}

// recheckWaiting re-checks the waiting check-ins whose staff member has a
// gateway session again, and forgets those past the window or settled.
func (d *Deliverer) recheckWaiting(ctx context.Context, horizon time.Time) (int, error) {
	done := 0
	for seq := range d.waiting {
		batch, err := d.store.ListCheckins(seq-1, 1)
		if err != nil {
			return done, fmt.Errorf("read check-ins: %w", err)
		}
		if len(batch) == 0 || batch[0].Seq != seq {
			delete(d.waiting, seq)
			continue
		}
		c := &batch[0]
		if !needsRecheck(c) || !c.Time.After(horizon) {
			delete(d.waiting, seq)
			continue
		}
		gw, ok := d.checkerFor(c)
		if !ok {
			continue
		}
		if err := ctx.Err(); err != nil {
			return done, err
		}
		if err := d.recheck(ctx, gw, c); err != nil {
			return done, err
		}
		delete(d.waiting, seq)
		done++
	}
	return done, nil
}

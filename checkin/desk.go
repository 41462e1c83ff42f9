package checkin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cccd-agent/cccd/cache"
)

// CancelCheckin marks check-in seq cancelled by the receptionist; a second
// cancel changes nothing. A cancel the HIS may not have seen (it may hold
// the check-in) goes out as the check-in's next revision, as a confirmation
// does (ConfirmCheckin).
func (a *Agent) CancelCheckin(_ context.Context, seq uint64) (cache.Checkin, error) {
	now := a.cfg.Now()
	var (
		out              cache.Checkin
		already, revised bool
	)
	err := a.db.UpdateCheckin(seq, func(c *cache.Checkin) error {
		out = *c
		if c.Cancelled {
			already = true
			return errUnchanged
		}
		if c.MayBeHeldByHIS() {
			c.NextRevision(c.Eligibility)
			revised = true
		}
		c.Cancelled, c.CancelledAt = true, now
		out = *c
		return nil
	})
	switch {
	case already:
		return out, nil
	case errors.Is(err, cache.ErrNotFound):
		return cache.Checkin{}, fmt.Errorf("check-in %d: %w", seq, ErrNotFound)
	case err != nil:
		return cache.Checkin{}, err
	}
	a.log.Info("check-in cancelled", "checkin", seq, "revision", out.Revision)
	a.publish("checkin", out.Reader, CheckinEvent{Seq: seq})
	if revised && a.cfg.AfterCheckin != nil {
		a.cfg.AfterCheckin()
	}
	return out, nil
}

// errUnchanged aborts an update that has nothing to store.
var errUnchanged = errors.New("unchanged")

// CheckinsBefore lists up to limit check-ins with a sequence number below
// before (0: from the newest), newest first, that match the desk's search
// text q (cache.ParseCheckinFilter; visit days in the agent's time zone).
func (a *Agent) CheckinsBefore(_ context.Context, before uint64, limit int, q string) ([]cache.Checkin, error) {
	f, err := cache.ParseCheckinFilter(q, time.Local)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", err, ErrBadInput)
	}
	return a.db.CheckinsBefore(before, limit, f)
}

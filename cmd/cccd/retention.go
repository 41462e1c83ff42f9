package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/config"
	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/internal/metrics"
)

// retentionPolicy is how long each kind of record is kept.
type retentionPolicy struct {
	checkins time.Duration // delivered check-ins (checkins.retention)
	audit    time.Duration // audit records (audit.retention)
	// lookups: a cached gateway answer older than roster.freshness only
	// ever gives a provisional answer, as the roster (synced on schedule)
	// does; it is not kept longer.
	lookups time.Duration
}

func retentionFromConfig(cfg config.Config) retentionPolicy {
	return retentionPolicy{
		checkins: time.Duration(cfg.Checkins.Retention),
		audit:    time.Duration(cfg.Audit.Retention),
		lookups:  time.Duration(cfg.Roster.Freshness),
	}
}

// retentionReport says what one pass deleted and kept.
type retentionReport struct {
	checkins cache.PurgeResult
	audit    int
	lookups  int
}

// applyRetention deletes what the policy no longer keeps as of now.
// Undelivered check-ins are never deleted, only counted.
func applyRetention(db *cache.DB, p retentionPolicy, now time.Time) (retentionReport, error) {
	var r retentionReport
	var errs []error
	var err error
	if r.checkins, err = db.PurgeCheckins(now.Add(-p.checkins)); err != nil {
		errs = append(errs, err)
	}
	if r.audit, err = db.PruneAudit(now.Add(-p.audit)); err != nil {
		errs = append(errs, err)
	}
	if p.lookups > 0 {
		if r.lookups, err = db.PruneLookups(now.Add(-p.lookups)); err != nil {
			errs = append(errs, err)
		}
	}
	return r, errors.Join(errs...)
}

// runRetention applies the policy at start and then daily, and keeps the
// gauge of undelivered check-ins past retention current (hourly).
func runRetention(ctx context.Context, db *cache.DB, p retentionPolicy, m *metrics.Metrics, log *slog.Logger) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	var lastPass time.Time
	for {
		if lastPass.IsZero() || time.Since(lastPass) >= 24*time.Hour {
			lastPass = time.Now()
			r, err := applyRetention(db, p, clock.Now())
			if err != nil {
				log.Error("retention: records not pruned", "err", err)
			}
			if r.checkins.Deleted+r.audit+r.lookups > 0 {
				log.Info("retention: records past their period deleted", "checkins", r.checkins.Deleted,
					"audit", r.audit, "lookups", r.lookups)
			}
			if r.checkins.Undelivered > 0 {
				log.Warn("retention: check-ins past checkins.retention kept because the HIS has not accepted them",
					"checkins", r.checkins.Undelivered)
			}
		}
		if n, err := db.UndeliveredBefore(clock.Now().Add(-p.checkins)); err == nil && m != nil {
			m.CheckinsPastRetention.Set(float64(n))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// compactAtStart compacts the database before the agent opens it when free
// pages (deleted records) exceed cache.DefaultCompactFree of the file. A
// failure is logged: the agent runs on the file as it is.
func compactAtStart(path string, log *slog.Logger) {
	if _, err := os.Stat(path); err != nil {
		return // a first start: nothing to compact
	}
	start := time.Now()
	res, err := cache.CompactIfNeeded(path, cache.DefaultCompactFree)
	switch {
	case err != nil && errors.Is(err, cache.ErrLocked):
		// runAgent's Open reports the other process.
	case err != nil:
		log.Warn("database not compacted at start", "err", err)
	case res.Compacted:
		log.Info("database compacted", "bytes_before", res.SizeBefore, "bytes_after", res.SizeAfter,
			"free_before", res.FreeBefore, "seconds", time.Since(start).Seconds())
	}
}

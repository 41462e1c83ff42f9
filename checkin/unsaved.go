package checkin

import (
	"context"
	"errors"
	"sync"
	"syscall"
	"time"

	"github.com/cccd-agent/cccd/cache"
)

// Storage problems a check-in can meet, as codes the console translates.
const (
	StorageDiskFull = "disk-full" // no space left (or the user's quota)
	StorageReadOnly = "read-only" // the file system went read-only
	StorageIOError  = "io-error"  // anything else the disk said
)

// unsavedRetry is how often check-ins waiting in memory are tried again.
var unsavedRetry = 5 * time.Second

// unsavedQueue holds check-ins that were read but could not be stored:
// nothing is lost while the disk is full, and nothing is told to the HIS
// until they are stored. It lives in memory only; a stop of the agent loses
// them (the log says how many).
type unsavedQueue struct {
	mu      sync.Mutex
	recs    []*cache.Checkin
	problem string // a Storage* code while recs is not empty
}

// storageProblem classifies a failed write for the console.
func storageProblem(err error) string {
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return StorageDiskFull
	case errors.Is(err, syscall.EROFS):
		return StorageReadOnly
	}
	return StorageIOError
}

// keepUnsaved queues rec after a failed store and tells everyone: ERROR in
// the log, the metrics, a status event for the console's banner.
func (a *Agent) keepUnsaved(rec *cache.Checkin, err error) {
	problem := storageProblem(err)
	a.unsaved.mu.Lock()
	a.unsaved.recs = append(a.unsaved.recs, rec)
	a.unsaved.problem = problem
	n := len(a.unsaved.recs)
	a.unsaved.mu.Unlock()
	a.metrics.CheckinSaveFailures.Inc()
	a.metrics.CheckinsUnsaved.Set(float64(n))
	a.log.Error("check-in not saved: kept in memory and retried every few seconds; free disk space", "reader", rec.Reader,
		"problem", problem, "waiting", n, "err", err)
	a.publish("status", "", nil)
}

// unsavedStatus says how many check-ins wait and why.
func (a *Agent) unsavedStatus() (int, string) {
	a.unsaved.mu.Lock()
	defer a.unsaved.mu.Unlock()
	return len(a.unsaved.recs), a.unsaved.problem
}

// retryUnsaved stores waiting check-ins, oldest first, until ctx ends.
func (a *Agent) retryUnsaved(ctx context.Context) {
	t := time.NewTicker(unsavedRetry)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if n, _ := a.unsavedStatus(); n > 0 {
				a.log.Error("agent stopping with check-ins not saved; they are lost", "count", n)
			}
			return
		case <-t.C:
			a.saveWaiting()
		}
	}
}

// saveWaiting tries each waiting check-in once; the first failure stops the
// round (the disk is still full).
func (a *Agent) saveWaiting() {
	for {
		a.unsaved.mu.Lock()
		if len(a.unsaved.recs) == 0 {
			a.unsaved.mu.Unlock()
			return
		}
		rec := a.unsaved.recs[0]
		a.unsaved.mu.Unlock()
		seq, repeat, err := a.storeCheckin(rec)
		if err != nil {
			a.metrics.CheckinSaveFailures.Inc()
			a.unsaved.mu.Lock()
			a.unsaved.problem = storageProblem(err)
			a.unsaved.mu.Unlock()
			return
		}
		a.unsaved.mu.Lock()
		a.unsaved.recs = a.unsaved.recs[1:]
		n := len(a.unsaved.recs)
		if n == 0 {
			a.unsaved.problem = ""
		}
		a.unsaved.mu.Unlock()
		a.metrics.CheckinsUnsaved.Set(float64(n))
		a.log.Info("check-in saved after the disk recovered", "reader", rec.Reader, "checkin", seq, "waiting", n)
		if !repeat {
			a.metrics.Checkins.WithLabelValues(rec.Eligibility.Status).Inc()
			if a.cfg.AfterCheckin != nil {
				a.cfg.AfterCheckin()
			}
			a.publish("checkin", rec.Reader, CheckinEvent{Seq: seq})
		}
		if n == 0 {
			a.publish("status", "", nil)
		}
	}
}

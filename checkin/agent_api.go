package checkin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cccd-agent/cccd/api"
	"github.com/cccd-agent/cccd/cache"
)

// StatusInfo is what GET /api/v1/status returns.
type StatusInfo struct {
	Version     string       `json:"version"`
	Online      bool         `json:"online"`
	Roster      RosterStatus `json:"roster"`
	OutboxDepth int          `json:"outbox_depth"`
	Readers     int          `json:"readers"`
}

// RosterStatus describes the local roster for the console's banner.
type RosterStatus struct {
	Version    uint64 `json:"version"`
	Records    int    `json:"records"`
	AgeSeconds int64  `json:"age_seconds"`
	Stale      bool   `json:"stale"`
	LastError  string `json:"last_error,omitempty"`
}

// Status implements api.Backend.
func (a *Agent) Status(context.Context) any {
	var st StatusInfo
	if a.status != nil {
		st = a.status()
	}
	a.mu.Lock()
	st.Readers = len(a.slots)
	a.mu.Unlock()
	return st
}

// Checkins implements api.Backend.
func (a *Agent) Checkins(_ context.Context, after uint64, limit int) (any, error) {
	list, err := a.db.ListCheckins(after, limit)
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []cache.Checkin{}
	}
	return list, nil
}

// Checkin implements api.Backend.
func (a *Agent) Checkin(_ context.Context, seq uint64) (any, error) {
	c, ok, err := a.db.Checkin(seq)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("check-in %d: %w", seq, api.ErrNotFound)
	}
	return c, nil
}

// ConfirmCheckin implements api.Backend. A confirmation the HIS may not
// have seen (it may already hold the unconfirmed check-in) goes out as the
// check-in's next revision; one made while the check-in is being sent is
// caught when the delivery is recorded (cache.MarkDelivered).
func (a *Agent) ConfirmCheckin(_ context.Context, seq uint64) (any, error) {
	var (
		out     cache.Checkin
		revised bool
	)
	err := a.db.UpdateCheckin(seq, func(c *cache.Checkin) error {
		if !c.Confirmed && c.MayBeHeldByHIS() {
			c.NextRevision(c.Eligibility)
			revised = true
		}
		c.Confirmed = true
		out = *c
		return nil
	})
	if errors.Is(err, cache.ErrNotFound) {
		return nil, fmt.Errorf("check-in %d: %w", seq, api.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	a.publish("checkin", out.Reader, map[string]any{"seq": seq})
	if revised && a.cfg.AfterCheckin != nil {
		a.cfg.AfterCheckin()
	}
	return out, nil
}

// Lookup implements api.Backend: eligibility for a 12-digit ID.
func (a *Agent) Lookup(ctx context.Context, id string) (any, error) {
	if len(id) != 12 || !allDigits(id) {
		return nil, fmt.Errorf("the ID number must be 12 digits: %w", api.ErrBadInput)
	}
	return a.lookup.Eligibility(ctx, Person{IDNumber: id}, a.cfg.Now()), nil
}

// SyncNow implements api.Backend.
func (a *Agent) SyncNow(ctx context.Context) (any, error) {
	if a.lookup.Sync == nil {
		return nil, fmt.Errorf("no roster feed is configured (roster.feed_url): %w", api.ErrUnavailable)
	}
	if err := a.lookup.Sync(ctx); err != nil {
		return nil, fmt.Errorf("roster sync failed: %v: %w", err, api.ErrUnavailable)
	}
	a.publish("status", "", nil)
	return a.Status(ctx), nil
}

// Subscribe implements api.Backend.
func (a *Agent) Subscribe() (<-chan api.Event, func()) { return a.hub.Subscribe() }

func isSimReader(name string) bool { return strings.HasPrefix(name, "sim:") }

// reasonToken keeps the machine token of a verification reason ("dg-hash-
// mismatch:DG2" → "dg-hash-mismatch") so metric labels stay a closed set.
func reasonToken(reason string) string {
	if i := strings.IndexByte(reason, ':'); i >= 0 {
		return reason[:i]
	}
	return reason
}

var _ api.Backend = (*Agent)(nil)

// simReader is a simulated reader whose card the console can insert and remove.
type simReader interface {
	Insert()
	Remove()
}

func (a *Agent) simSlot(name string) (simReader, error) {
	r, ok := a.open(name)
	if !ok {
		return nil, fmt.Errorf("reader %q: %w", name, api.ErrNotFound)
	}
	s, ok := r.(simReader)
	if !ok {
		return nil, fmt.Errorf("reader %q is not simulated: %w", name, api.ErrBadInput)
	}
	return s, nil
}

// SimInsert implements api.SimControl for simulated readers.
func (a *Agent) SimInsert(_ context.Context, name string) error {
	s, err := a.simSlot(name)
	if err == nil {
		s.Insert()
	}
	return err
}

// SimRemove implements api.SimControl for simulated readers.
func (a *Agent) SimRemove(_ context.Context, name string) error {
	s, err := a.simSlot(name)
	if err == nil {
		s.Remove()
	}
	return err
}

var _ api.SimControl = (*Agent)(nil)

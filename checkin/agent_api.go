package checkin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cccd-agent/cccd/cache"
)

// StatusInfo is what GET /api/v1/status returns.
type StatusInfo struct {
	Version     string       `json:"version"`
	Online      bool         `json:"online"`
	Roster      RosterStatus `json:"roster"`
	OutboxDepth int          `json:"outbox_depth"`
	Readers     int          `json:"readers"`
	// TrustAnchors counts the CSCA certificates the agent verifies with
	// (0: every genuine card reads intact-untrusted).
	TrustAnchors int `json:"trust_anchors"`
	// UnsavedCheckins were read but wait in memory for the disk
	// (StorageProblem says why: disk-full, read-only, io-error).
	UnsavedCheckins int    `json:"unsaved_checkins"`
	StorageProblem  string `json:"storage_problem,omitempty"`
}

// RosterStatus describes the local roster for the console's banner.
type RosterStatus struct {
	Version    uint64 `json:"version"`
	Records    int    `json:"records"`
	AgeSeconds int64  `json:"age_seconds"`
	Stale      bool   `json:"stale"`
	LastError  string `json:"last_error,omitempty"`
}

// Status describes the agent for GET /api/v1/status.
func (a *Agent) Status(context.Context) StatusInfo {
	var st StatusInfo
	if a.status != nil {
		st = a.status()
	}
	a.mu.Lock()
	st.Readers = len(a.slots)
	a.mu.Unlock()
	st.UnsavedCheckins, st.StorageProblem = a.unsavedStatus()
	return st
}

// Checkins lists the check-ins after seq after, oldest first, at most limit.
func (a *Agent) Checkins(_ context.Context, after uint64, limit int) ([]cache.Checkin, error) {
	list, err := a.db.ListCheckins(after, limit)
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []cache.Checkin{}
	}
	return list, nil
}

// Checkin returns check-in seq.
func (a *Agent) Checkin(_ context.Context, seq uint64) (cache.Checkin, error) {
	c, ok, err := a.db.Checkin(seq)
	if err != nil {
		return cache.Checkin{}, err
	}
	if !ok {
		return cache.Checkin{}, fmt.Errorf("check-in %d: %w", seq, ErrNotFound)
	}
	return c, nil
}

// ConfirmCheckin marks check-in seq confirmed by the receptionist (the
// staff member ctx names, kept as ConfirmedBy); a cancelled check-in cannot
// be confirmed (ErrConflict). A confirmation the HIS may not
// have seen (it may already hold the unconfirmed check-in) goes out as the
// check-in's next revision; one made while the check-in is being sent is
// caught when the delivery is recorded (cache.MarkDelivered). With the
// BHXH check-in on, a confirmed check-in whose episode is set is queued for it.
func (a *Agent) ConfirmCheckin(ctx context.Context, seq uint64) (cache.Checkin, error) {
	var (
		out             cache.Checkin
		revised, queued bool
	)
	err := a.db.UpdateCheckin(seq, func(c *cache.Checkin) error {
		if c.Cancelled {
			return fmt.Errorf("check-in %d was cancelled and cannot be confirmed; record a new check-in: %w", seq, ErrConflict)
		}
		if !c.Confirmed && c.MayBeHeldByHIS() {
			c.NextRevision(c.Eligibility)
			revised = true
		}
		if !c.Confirmed {
			c.ConfirmedBy = StaffFrom(ctx)
		}
		c.Confirmed = true
		queued = a.queueBHXH(c)
		out = *c
		return nil
	})
	if errors.Is(err, cache.ErrNotFound) {
		return cache.Checkin{}, fmt.Errorf("check-in %d: %w", seq, ErrNotFound)
	}
	if errors.Is(err, ErrConflict) {
		return cache.Checkin{}, fmt.Errorf("check-in %d was cancelled and cannot be confirmed; record a new check-in: %w", seq, ErrConflict)
	}
	if err != nil {
		return cache.Checkin{}, err
	}
	a.publish("checkin", out.Reader, CheckinEvent{Seq: seq})
	if revised && a.cfg.AfterCheckin != nil {
		a.cfg.AfterCheckin()
	}
	a.afterQueue(queued)
	return out, nil
}

// queueBHXH queues c for BHXH's check-in endpoint when that is on and c is
// ready: confirmed, with the HIS's episode (MA_LK). It goes under the
// gateway session of the staff member who confirmed it, or, when a program
// confirmed it, of the one who made it.
func (a *Agent) queueBHXH(c *cache.Checkin) bool {
	if !a.cfg.BHXHCheckin || !c.Confirmed || c.EpisodeMissing() {
		return false
	}
	staff := c.ConfirmedBy
	if staff == "" {
		staff = c.Staff
	}
	return c.QueueBHXH(staff, a.cfg.Now())
}

func (a *Agent) afterQueue(queued bool) {
	if queued && a.cfg.AfterBHXHQueue != nil {
		a.cfg.AfterBHXHQueue()
	}
}

// SetEpisode stores the HIS's episode fields on check-in seq. The HIS set
// them, so the check-in does not go out to it again for them; with the
// BHXH check-in on, a confirmed check-in is queued for it (again, if BHXH
// rejected it before).
func (a *Agent) SetEpisode(_ context.Context, seq uint64, e cache.Episode) (cache.Checkin, error) {
	var queued bool
	c, err := a.db.SetEpisodeWith(seq, e, func(c *cache.Checkin) { queued = a.queueBHXH(c) })
	switch {
	case errors.Is(err, cache.ErrNotFound):
		return cache.Checkin{}, fmt.Errorf("check-in %d: %w", seq, ErrNotFound)
	case errors.Is(err, cache.ErrBadEpisode):
		return cache.Checkin{}, fmt.Errorf("%w: %w", ErrBadInput, err)
	case err != nil:
		return cache.Checkin{}, err
	}
	a.publish("checkin", c.Reader, CheckinEvent{Seq: seq})
	a.afterQueue(queued)
	return c, nil
}

// Lookup answers eligibility for a 12-digit ID.
func (a *Agent) Lookup(ctx context.Context, id string) (Eligibility, error) {
	if len(id) != 12 || !allDigits(id) {
		return Eligibility{}, fmt.Errorf("the ID number must be 12 digits: %w", ErrBadInput)
	}
	return a.lookup.Eligibility(ctx, Person{IDNumber: id}, a.cfg.Now()), nil
}

// SyncNow syncs the roster now and returns the status after it.
func (a *Agent) SyncNow(ctx context.Context) (StatusInfo, error) {
	if a.lookup.Sync == nil {
		return StatusInfo{}, fmt.Errorf("no roster feed is configured (roster.feed_url): %w", ErrUnavailable)
	}
	if err := a.lookup.Sync(ctx); err != nil {
		return StatusInfo{}, fmt.Errorf("roster sync failed: %v: %w", err, ErrUnavailable)
	}
	a.publish("status", "", nil)
	return a.Status(ctx), nil
}

// Subscribe delivers the agent's events until cancel is called.
func (a *Agent) Subscribe() (<-chan Event, func()) { return a.hub.Subscribe() }

func isSimReader(name string) bool { return strings.HasPrefix(name, "sim:") }

// reasonToken keeps the machine token of a verification reason ("dg-hash-
// mismatch:DG2" → "dg-hash-mismatch") so metric labels stay a closed set.
func reasonToken(reason string) string {
	if i := strings.IndexByte(reason, ':'); i >= 0 {
		return reason[:i]
	}
	return reason
}

// simReader is a simulated reader whose card the console can insert and remove.
type simReader interface {
	Insert()
	Remove()
}

func (a *Agent) simSlot(name string) (simReader, error) {
	r, ok := a.open(name)
	if !ok {
		return nil, fmt.Errorf("reader %q: %w", name, ErrNotFound)
	}
	s, ok := r.(simReader)
	if !ok {
		return nil, fmt.Errorf("reader %q is not simulated: %w", name, ErrBadInput)
	}
	return s, nil
}

// SimInsert puts the card on a simulated reader.
func (a *Agent) SimInsert(_ context.Context, name string) error {
	s, err := a.simSlot(name)
	if err == nil {
		s.Insert()
	}
	return err
}

// SimRemove takes the card off a simulated reader.
func (a *Agent) SimRemove(_ context.Context, name string) error {
	s, err := a.simSlot(name)
	if err == nil {
		s.Remove()
	}
	return err
}

package checkin

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"time"
)

// DefaultReadTTL is how long a read stays available to an authenticated
// pull (GET /api/v1/reads/{id}) after the tap: long enough for the HIS to
// fetch the photo and the QĐ 4750 fields, short enough that the agent does
// not become a store of photos (Decree 13/2023: kept only as long as the
// purpose needs).
const DefaultReadTTL = 5 * time.Minute

// maxRecentReads bounds the reads held at once, whatever the TTL: a busy
// hospital with many desks does not make the agent hold hundreds of photos.
const maxRecentReads = 64

// recentReads holds the reads of the last few minutes in memory only, by an
// unguessable id. Nothing is written to disk; a restart forgets them.
type recentReads struct {
	mu    sync.Mutex
	ttl   time.Duration
	byID  map[string]recentRead
	order []string // ids, oldest first
}

type recentRead struct {
	res   *ReadResult
	until time.Time
}

func newRecentReads(ttl time.Duration) *recentReads {
	if ttl <= 0 {
		ttl = DefaultReadTTL
	}
	return &recentReads{ttl: ttl, byID: map[string]recentRead{}}
}

// put keeps res (the caller gives up ownership) and returns its id.
func (r *recentReads) put(res *ReadResult, now time.Time) string {
	id := rand.Text() // 128 random bits
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dropExpiredLocked(now)
	for len(r.order) >= maxRecentReads {
		delete(r.byID, r.order[0])
		r.order = r.order[1:]
	}
	r.byID[id] = recentRead{res: res, until: now.Add(r.ttl)}
	r.order = append(r.order, id)
	return id
}

// get returns the read of id while it lives.
func (r *recentReads) get(id string, now time.Time) (*ReadResult, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dropExpiredLocked(now)
	rr, ok := r.byID[id]
	return rr.res, ok
}

func (r *recentReads) dropExpiredLocked(now time.Time) {
	n := 0
	for _, id := range r.order {
		if rr := r.byID[id]; now.Before(rr.until) {
			r.order[n] = id
			n++
			continue
		}
		delete(r.byID, id)
	}
	clear(r.order[n:])
	r.order = r.order[:n]
}

// Read returns the read id for an authenticated pull while it is available
// (ReadTTL after the tap), as PullView gives it: the photo and the fields an
// HIS needs, never religion, identifying marks, parents or spouse.
func (a *Agent) Read(_ context.Context, id string) (*ReadResult, error) {
	res, ok := a.reads.get(id, a.cfg.Now())
	if !ok {
		return nil, fmt.Errorf("read %.40q is unknown or has expired (reads are kept %s after the tap): %w",
			id, a.reads.ttl, ErrNotFound)
	}
	return res, nil
}

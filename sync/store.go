package sync

import (
	"time"

	"github.com/cccd-agent/cccd/cache"
)

// Store is what a Syncer needs from the local cache; *cache.DB implements it.
type Store interface {
	RosterMeta() (cache.RosterMeta, error)
	ReplaceRoster(meta cache.RosterMeta, each func(yield func(cache.RosterRecord) error) error) error
	ApplyRosterDelta(baseVersion uint64, meta cache.RosterMeta, upserts []cache.RosterRecord, deletes []string) error
	SetRosterSyncResult(attempt time.Time, err error) error
	GetMeta(key string) ([]byte, error)
	PutMeta(key string, v []byte) error
}

var _ Store = (*cache.DB)(nil)

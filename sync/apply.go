package sync

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/sync/feed"
)

// errDiverged: a delta does not fit the local roster; the snapshot is needed.
var errDiverged = errors.New("roster diverged from the publication")

// applySnapshot replaces the roster with m's snapshot in one atomic swap.
func (s *Syncer) applySnapshot(ctx context.Context, cur cache.RosterMeta, meta cache.RosterMeta, m *feed.Manifest) (Result, error) {
	res := Result{Mode: ModeSnapshot, From: cur.Version, To: cur.Version, Records: cur.Records}
	path, err := s.fetchObject(ctx, m.Snapshot, "roster snapshot")
	if err != nil {
		return res, err
	}
	f, err := os.Open(path)
	if err != nil {
		return res, fmt.Errorf("roster sync: open snapshot: %w", err)
	}
	defer f.Close()
	plain, err := feed.Plaintext(f, m.Encryption, s.cfg.Identities)
	if err != nil {
		return res, fmt.Errorf("roster snapshot rejected: %w", err)
	}
	or, err := feed.NewObjectReader(plain)
	if err != nil {
		return res, fmt.Errorf("roster snapshot rejected: %w", err)
	}
	defer or.Close()
	if h := or.Header(); h.Kind != feed.KindSnapshot || h.Version != m.Version || h.Count != m.Records {
		return res, fmt.Errorf("roster snapshot rejected: %w: object is %s v%d with %d entries, manifest lists snapshot v%d with %d",
			feed.ErrMalformed, h.Kind, h.Version, h.Count, m.Version, m.Records)
	}
	err = s.store.ReplaceRoster(meta, func(yield func(cache.RosterRecord) error) error {
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			e, err := or.Next()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := yield(e.Record); err != nil {
				return err
			}
		}
	})
	if err != nil {
		return res, fmt.Errorf("roster snapshot not applied, roster kept at version %d: %w", cur.Version, err)
	}
	res.To, res.Objects = m.Version, 1
	if after, err := s.store.RosterMeta(); err == nil {
		res.Records = after.Records
	}
	return res, nil
}

// applyDeltas merges the chain into one change set and applies it in one
// transaction based on the current version.
func (s *Syncer) applyDeltas(ctx context.Context, cur cache.RosterMeta, meta cache.RosterMeta, chain []feed.Delta, encryption string) (Result, error) {
	res := Result{Mode: ModeDelta, From: cur.Version, To: cur.Version, Records: cur.Records}
	changes := map[string]*feed.Entry{}
	for _, d := range chain {
		path, err := s.fetchObject(ctx, d.Object, fmt.Sprintf("roster delta %d", d.Target))
		if err != nil {
			return res, err
		}
		if err := s.readDelta(path, d, encryption, changes); err != nil {
			return res, fmt.Errorf("roster delta rejected, roster kept at version %d: %w", cur.Version, err)
		}
	}
	var upserts []cache.RosterRecord
	var deletes []string
	for id, e := range changes {
		if e.Delete {
			deletes = append(deletes, id)
		} else {
			upserts = append(upserts, e.Record)
		}
	}
	// Key order makes the bbolt writes sequential.
	slices.SortFunc(upserts, func(a, b cache.RosterRecord) int { return cmp.Compare(a.SoCCCD, b.SoCCCD) })
	slices.Sort(deletes)
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if err := s.store.ApplyRosterDelta(cur.Version, meta, upserts, deletes); err != nil {
		if errors.Is(err, cache.ErrDuplicate) {
			return res, fmt.Errorf("%w: %v", errDiverged, err)
		}
		return res, fmt.Errorf("roster delta not applied, roster kept at version %d: %w", cur.Version, err)
	}
	res.To, res.Objects = meta.Version, len(chain)
	after, err := s.store.RosterMeta()
	if err != nil {
		return res, fmt.Errorf("roster sync: %w", err)
	}
	res.Records = after.Records
	return res, nil
}

// readDelta decodes one delta object into changes (later deltas win).
func (s *Syncer) readDelta(path string, d feed.Delta, encryption string, changes map[string]*feed.Entry) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open delta: %w", err)
	}
	defer f.Close()
	plain, err := feed.Plaintext(f, encryption, s.cfg.Identities)
	if err != nil {
		return err
	}
	or, err := feed.NewObjectReader(plain)
	if err != nil {
		return err
	}
	defer or.Close()
	if h := or.Header(); h.Kind != feed.KindDelta || h.Base != d.Base || h.Version != d.Target || h.Count != d.Upserts+d.Deletes {
		return fmt.Errorf("%w: object is %s %d→%d, manifest lists delta %d→%d", feed.ErrMalformed, h.Kind, h.Base, h.Version, d.Base, d.Target)
	}
	for {
		e, err := or.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		changes[e.ID] = &e
	}
}

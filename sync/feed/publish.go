package feed

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/cccd-agent/cccd/internal/clock"

	"github.com/cccd-agent/cccd/cache"
)

// DefaultKeepDeltas is how many deltas a manifest lists by default: a clinic
// offline for longer than that many publications downloads the snapshot.
const DefaultKeepDeltas = 30

// PublishOptions tunes Publish; the zero value is usable.
type PublishOptions struct {
	Now        time.Time // publication time; zero means time.Now
	KeepDeltas int       // deltas listed in the manifest; 0 means DefaultKeepDeltas
	// Recipients, when set, encrypt every object to these clinics
	// (EncryptionAge). Identities then must hold the publisher's own
	// identity: its recipient is added, and it opens the previous
	// publication to compute the delta.
	Recipients []age.Recipient
	Identities []age.Identity
}

// PublishResult says what Publish wrote.
type PublishResult struct {
	Manifest *Manifest
	Previous uint64 // version of the previous publication, 0 if none
	Delta    *Delta // the new delta, nil for a first publication
}

// Publish writes a new publication of records into the feed directory dir:
// the snapshot object, a delta against the previous publication found in
// dir (if any), then the signed manifest last, each file written atomically,
// so that a web server serving dir never exposes a manifest whose objects are
// missing. Objects no longer listed by the new or the previous manifest are
// removed. records are sorted in place. Publish is not safe for concurrent
// use on the same dir.
func Publish(ctx context.Context, dir string, key ed25519.PrivateKey, records []cache.RosterRecord, opt PublishOptions) (*PublishResult, error) {
	if opt.Now.IsZero() {
		opt.Now = clock.Now()
	}
	if opt.KeepDeltas <= 0 {
		opt.KeepDeltas = DefaultKeepDeltas
	}
	if err := SortRecords(records); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, ObjectsDir), 0o755); err != nil {
		return nil, fmt.Errorf("feed: create %s: %w", dir, err)
	}
	pub, ok := key.Public().(ed25519.PublicKey)
	if !ok {
		return nil, ErrBadKey
	}
	recipients := opt.Recipients
	if len(recipients) > 0 {
		own, err := ownRecipients(opt.Identities)
		if err != nil {
			return nil, err
		}
		recipients = append(append([]age.Recipient(nil), recipients...), own...)
	}
	prev, prevRecords, err := loadPublication(dir, pub, opt.Identities)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	m := &Manifest{
		Format:    ManifestFormat,
		Version:   uint64(max(opt.Now.Unix(), 1)),
		Published: opt.Now.UTC().Truncate(time.Second),
		Records:   len(records),
	}
	if len(recipients) > 0 {
		m.Encryption = EncryptionAge
	}
	res := &PublishResult{Manifest: m}
	if prev != nil {
		// Versions are seconds since the epoch when the clock allows it, so
		// a publisher that lost its directory still moves forward.
		m.Version = max(m.Version, prev.Version+1)
		res.Previous = prev.Version
	}
	snapData, snapRef, err := encodeStored(Header{Kind: KindSnapshot, Version: m.Version}, SnapshotEntries(records), recipients)
	if err != nil {
		return nil, err
	}
	if err := writeObject(dir, snapData, snapRef); err != nil {
		return nil, err
	}
	m.Snapshot = snapRef
	if prev != nil {
		entries := Diff(prevRecords, records)
		data, ref, err := encodeStored(Header{Kind: KindDelta, Base: prev.Version, Version: m.Version}, entries, recipients)
		if err != nil {
			return nil, err
		}
		if err := writeObject(dir, data, ref); err != nil {
			return nil, err
		}
		up, del := countOps(entries)
		d := Delta{Base: prev.Version, Target: m.Version, Upserts: up, Deletes: del, Object: ref}
		res.Delta = &d
		m.Deltas = append(append([]Delta(nil), prev.Deltas...), d)
		if n := len(m.Deltas); n > opt.KeepDeltas {
			m.Deltas = m.Deltas[n-opt.KeepDeltas:]
		}
	}
	signed, err := Sign(m, key)
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(dir, ManifestName), signed, 0o644, manifestTime(dir)); err != nil {
		return nil, fmt.Errorf("feed: write manifest: %w", err)
	}
	if err := collectGarbage(dir, m, prev); err != nil {
		return nil, err
	}
	return res, nil
}

// manifestTime returns a modification time for the new manifest that is at
// least one whole second after the previous one's: HTTP Last-Modified and
// nginx's ETag have one-second resolution, and two publications within a
// second must still look different to a conditional GET. The time is always
// set explicitly: the kernel stamps files from a coarse clock that can lag
// time.Now by a tick, so a file written just after a second boundary could
// otherwise carry the previous second. Zero means "no previous manifest".
func manifestTime(dir string) time.Time {
	fi, err := os.Stat(filepath.Join(dir, ManifestName))
	if err != nil {
		return time.Time{}
	}
	next := fi.ModTime().Truncate(time.Second).Add(time.Second)
	return later(clock.Now(), next)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// encodeStored encodes an object as it is stored: sealed to recipients when
// there are any.
func encodeStored(h Header, entries []Entry, recipients []age.Recipient) ([]byte, Object, error) {
	data, ref, err := EncodeObject(h, entries)
	if err != nil || len(recipients) == 0 {
		return data, ref, err
	}
	return sealObject(data, recipients)
}

// ownRecipients are the recipients of the publisher's identities, so that
// the publisher can read its own previous publication.
func ownRecipients(ids []age.Identity) ([]age.Recipient, error) {
	var out []age.Recipient
	for _, id := range ids {
		if x, ok := id.(*age.X25519Identity); ok {
			out = append(out, x.Recipient())
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("an encrypted feed needs the publisher's own identity too (it reads the previous publication): %w", ErrNoIdentity)
	}
	return out, nil
}

// loadPublication reads the previous manifest of dir and its snapshot's
// records, opening an encrypted one with ids; a directory without a
// manifest is a first publication.
func loadPublication(dir string, pub ed25519.PublicKey, ids []age.Identity) (*Manifest, []cache.RosterRecord, error) {
	data, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("feed: read previous manifest: %w", err)
	}
	m, err := Open(data, pub)
	if err != nil {
		return nil, nil, fmt.Errorf("previous manifest in %s does not verify with this key (publish with the same key or into an empty directory): %w", dir, err)
	}
	obj, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(ObjectPath(m.Snapshot.SHA256))))
	if err != nil {
		return nil, nil, fmt.Errorf("feed: read previous snapshot: %w", err)
	}
	if err := VerifyObject(obj, m.Snapshot); err != nil {
		return nil, nil, err
	}
	plain, err := Plaintext(bytes.NewReader(obj), m.Encryption, ids)
	if err != nil {
		return nil, nil, fmt.Errorf("feed: read previous snapshot: %w", err)
	}
	records, err := ReadSnapshot(plain, m.Version)
	if err != nil {
		return nil, nil, err
	}
	return m, records, nil
}

// ReadSnapshot decodes a whole snapshot object of the given version.
func ReadSnapshot(r io.Reader, version uint64) ([]cache.RosterRecord, error) {
	or, err := NewObjectReader(r)
	if err != nil {
		return nil, err
	}
	defer or.Close()
	if h := or.Header(); h.Kind != KindSnapshot || h.Version != version {
		return nil, fmt.Errorf("%w: object is a %s of version %d, want snapshot %d", ErrMalformed, h.Kind, h.Version, version)
	}
	records := make([]cache.RosterRecord, 0, min(or.Header().Count, 1<<16))
	for {
		e, err := or.Next()
		if errors.Is(err, io.EOF) {
			return records, nil
		}
		if err != nil {
			return nil, err
		}
		records = append(records, e.Record)
	}
}

func writeObject(dir string, data []byte, ref Object) error {
	path := filepath.Join(dir, filepath.FromSlash(ObjectPath(ref.SHA256)))
	if _, err := os.Stat(path); err == nil {
		return nil // content-addressed: same name, same bytes
	}
	if err := WriteFileAtomic(path, data, 0o644); err != nil {
		return fmt.Errorf("feed: write object: %w", err)
	}
	return nil
}

// collectGarbage removes objects that neither the new nor the previous
// manifest lists; keeping the previous one's objects lets clients that
// fetched the old manifest a moment ago finish their download.
func collectGarbage(dir string, m, prev *Manifest) error {
	keep := map[string]bool{}
	for _, man := range []*Manifest{m, prev} {
		if man == nil {
			continue
		}
		keep[man.Snapshot.SHA256] = true
		for _, d := range man.Deltas {
			keep[d.SHA256] = true
		}
	}
	ents, err := os.ReadDir(filepath.Join(dir, ObjectsDir))
	if err != nil {
		return fmt.Errorf("feed: list objects: %w", err)
	}
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".zst")
		if !ok || keep[name] || e.IsDir() {
			continue
		}
		if err := os.Remove(filepath.Join(dir, ObjectsDir, e.Name())); err != nil {
			return fmt.Errorf("feed: remove stale object: %w", err)
		}
	}
	return nil
}

package sync

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/cccd-agent/cccd/internal/clock"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/sync/feed"
	"github.com/cccd-agent/cccd/sync/internal/backoff"
)

// metaHTTPState is the cache meta key of the last manifest's HTTP validators.
const metaHTTPState = "feed.http"

// ErrNotConfigured: the Syncer lacks a feed URL, a publisher key or a work directory.
var ErrNotConfigured = errors.New("roster feed not configured")

// ErrTimeout: a sync did not finish within Config.Timeout; the roster held
// is kept, and the next attempt resumes the downloads.
var ErrTimeout = errors.New("roster sync took too long")

// ErrShrink: the publication has fewer records than the roster held by more
// than Config.MaxShrink; it is refused unless Config.Force is set (a
// truncated export at the publisher must not empty the clinics' rosters).
var ErrShrink = errors.New("roster publication shrinks too much")

// Config configures a Syncer.
type Config struct {
	// URL is the feed's base URL (the directory holding manifest.json) or
	// the manifest's own URL ending in .json.
	URL string
	// PublicKey is the pinned publisher key; manifests signed by any other
	// key are refused.
	PublicKey ed25519.PublicKey
	// Authorization is sent as the Authorization header of every feed
	// request (from roster.feed_auth_file, so that credentials stay out of
	// the URL and the config file); "" sends none. Go's client drops it on a
	// redirect to another host.
	Authorization string
	// Identities open an encrypted feed (feed.EncryptionAge): this clinic's
	// age identity. A plain feed needs none.
	Identities []age.Identity
	// WorkDir holds partial and verified downloads between attempts
	// (e.g. DATA/feed); created with mode 0700.
	WorkDir string
	// Client is the HTTP client; nil means a client with sane timeouts.
	Client *http.Client
	// Logger receives one line per sync; nil means slog.Default().
	Logger *slog.Logger
	// Progress, if set, is called per object download with its size and the
	// bytes already held; the bytes received are written to the result.
	Progress func(label string, total, done int64) io.WriteCloser
	// Interval between syncs in Run (jittered ±10%); 0 means 15 minutes.
	Interval time.Duration
	// MinBackoff and MaxBackoff bound the jittered exponential retry delay
	// in Run after a failure; 0 means 10 s and the Interval.
	MinBackoff, MaxBackoff time.Duration
	// StallTimeout aborts a transfer that receives no data for this long
	// (it resumes on the next attempt); 0 means 60 s.
	StallTimeout time.Duration
	// Timeout bounds one Sync from start to end, the wait for a sync already
	// running included; 0 means 30 minutes.
	Timeout time.Duration
	// MaxShrink is the largest fraction of the records held that a
	// publication may drop (0.5: it may not hold fewer than half of them);
	// 0 means 0.5, 1 turns the check off.
	MaxShrink float64
	// Force accepts a publication that shrinks more than MaxShrink.
	Force bool
	// Now returns the time; nil means time.Now.
	Now func() time.Time
}

// Mode says what a sync did.
type Mode string

// Sync outcomes.
const (
	ModeNotModified Mode = "not-modified" // the server answered 304
	ModeUpToDate    Mode = "up-to-date"   // the manifest's version is the one held
	ModeDelta       Mode = "delta"        // deltas were applied
	ModeSnapshot    Mode = "snapshot"     // the full snapshot replaced the roster
)

// Result describes one successful sync.
type Result struct {
	Mode     Mode
	From, To uint64 // roster versions before and after
	Records  int    // records held after
	Objects  int    // objects applied
	Bytes    int64  // bytes received from the server (manifest included)
}

// Syncer brings the cache's roster up to the feed's latest publication. Its
// methods are safe for concurrent use; syncs run one at a time.
type Syncer struct {
	cfg         Config
	store       Store
	client      *http.Client
	log         *slog.Logger
	base        *url.URL
	manifestURL *url.URL

	running    chan struct{} // holds a token while a sync runs
	downloaded int64
}

// New checks cfg and returns a Syncer writing into store.
func New(store Store, cfg Config) (*Syncer, error) {
	if cfg.URL == "" || len(cfg.PublicKey) != ed25519.PublicKeySize || cfg.WorkDir == "" {
		return nil, fmt.Errorf("%w: set the feed URL (--from), the publisher key (--pubkey) and the data directory", ErrNotConfigured)
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: feed URL must be http:// or https://", ErrNotConfigured)
	}
	manifest := u
	if strings.HasSuffix(u.Path, ".json") {
		u = u.ResolveReference(&url.URL{Path: "./"})
	} else {
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		manifest = u.ResolveReference(&url.URL{Path: feed.ManifestName})
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			ResponseHeaderTimeout: 30 * time.Second,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
		}}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 15 * time.Minute
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 10 * time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = cfg.Interval
	}
	if cfg.StallTimeout <= 0 {
		cfg.StallTimeout = 60 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Minute
	}
	if cfg.MaxShrink <= 0 || cfg.MaxShrink > 1 {
		cfg.MaxShrink = 0.5
	}
	return &Syncer{cfg: cfg, store: store, client: cfg.Client, log: cfg.Logger, base: u, manifestURL: manifest,
		running: make(chan struct{}, 1)}, nil
}

// Run syncs now and then every Interval (jittered), retrying failures with a
// jittered exponential backoff, until ctx is done; it returns ctx's error.
// Failures are logged and recorded in the roster meta, never fatal.
func (s *Syncer) Run(ctx context.Context) error {
	bo := &backoff.Backoff{Min: s.cfg.MinBackoff, Max: s.cfg.MaxBackoff}
	return backoff.Loop(ctx, s.cfg.Interval, bo, nil, func(ctx context.Context) error {
		_, err := s.Sync(ctx)
		return err
	})
}

// Sync runs one sync attempt and records its outcome with
// SetRosterSyncResult. On any error the roster held is left as it was. The
// attempt, with the wait for one already running, ends after Config.Timeout
// with an error wrapping ErrTimeout.
func (s *Syncer) Sync(parent context.Context) (Result, error) {
	ctx, cancel := context.WithTimeoutCause(parent, s.cfg.Timeout, ErrTimeout)
	defer cancel()
	select {
	case s.running <- struct{}{}:
	case <-ctx.Done():
		if parent.Err() != nil {
			return Result{}, parent.Err()
		}
		return Result{}, fmt.Errorf("%w: another sync ran for the whole of roster.sync_timeout (%v)", ErrTimeout, s.cfg.Timeout)
	}
	defer func() { <-s.running }()
	s.downloaded = 0
	start := s.cfg.Now()
	res, err := s.sync(ctx)
	res.Bytes = s.downloaded
	if err != nil && parent.Err() == nil && errors.Is(context.Cause(ctx), ErrTimeout) {
		err = fmt.Errorf("%w: gave up after roster.sync_timeout (%v), roster kept at version %d; the next sync resumes the download (%v)",
			ErrTimeout, s.cfg.Timeout, res.From, err)
	}
	if err != nil && parent.Err() != nil {
		// Cut short by our own caller (shutdown): the feed did not fail, so
		// the last real outcome stays on record for the status page.
		s.log.Info("roster sync interrupted", "feed", s.redactedURL())
		return res, err
	}
	if rerr := s.store.SetRosterSyncResult(start, err); rerr != nil && err == nil {
		err = rerr
	}
	if err != nil {
		s.log.Warn("roster sync failed", "feed", s.redactedURL(), "err", err)
		return res, err
	}
	s.log.Info("roster sync", "feed", s.redactedURL(), "mode", res.Mode, "from", res.From, "to", res.To,
		"records", res.Records, "bytes", res.Bytes)
	return res, nil
}

func (s *Syncer) sync(ctx context.Context) (Result, error) {
	cur, err := s.store.RosterMeta()
	if err != nil {
		return Result{}, fmt.Errorf("roster sync: %w", err)
	}
	res := Result{From: cur.Version, To: cur.Version, Records: cur.Records}
	keyID := feed.KeyID(s.cfg.PublicKey)
	state := s.loadState()
	// seen: the newest version ever accepted from this publisher key, kept
	// even when the roster held came from elsewhere (a local import).
	var seen uint64
	if state != nil && state.KeyID == keyID {
		seen = state.Version
	}
	fromFeed := cur.Version > 0 && cur.Source == s.redactedURL()
	if state != nil && (state.URL != s.urlFingerprint() || state.KeyID != keyID || state.Version != cur.Version || !fromFeed) {
		state = nil // validators of another feed, key or roster: ask unconditionally
	}
	mr, err := s.getManifest(ctx, state)
	if err != nil {
		return res, err
	}
	if mr.notModified {
		res.Mode = ModeNotModified
		return res, nil
	}
	m, err := feed.Open(mr.body, s.cfg.PublicKey)
	if err != nil {
		return res, fmt.Errorf("roster feed %s rejected, roster kept at version %d: %w", s.redactedURL(), cur.Version, err)
	}
	if m.Encryption == "" {
		// It works (tests, a lab), but a province's records are open to
		// anyone with the URL: say so at every sync.
		s.log.Warn("the roster feed is not encrypted: anyone with its URL can read it; ask the publisher to encrypt it to this clinic (cccd roster keygen)", "feed", s.redactedURL())
	}
	floor := seen
	if fromFeed {
		floor = max(floor, cur.Version)
	}
	if m.Version < floor {
		return res, fmt.Errorf("roster feed %s offers version %d, older than the %d already accepted; refused (%w)",
			s.redactedURL(), m.Version, floor, feed.ErrRollback)
	}
	if fromFeed && m.Version == cur.Version {
		res.Mode = ModeUpToDate
	} else {
		if err := s.checkShrink(cur, m); err != nil {
			return res, err
		}
		// A configured feed is the roster's authority: a roster from
		// elsewhere (a local import) is replaced by the feed's snapshot.
		if err := os.MkdirAll(s.cfg.WorkDir, 0o700); err != nil {
			return res, fmt.Errorf("roster sync: create work directory: %w", err)
		}
		if res, err = s.update(ctx, cur, m, fromFeed); err != nil {
			return res, err
		}
		s.cleanWorkDir()
	}
	s.saveState(httpState{URL: s.urlFingerprint(), KeyID: keyID, ETag: mr.etag, LastModified: mr.lastModified, Version: m.Version})
	return res, nil
}

// update moves the roster from cur to m by deltas when cur came from this
// feed and a chain from it is listed and smaller than the snapshot, else by
// the snapshot.
func (s *Syncer) update(ctx context.Context, cur cache.RosterMeta, m *feed.Manifest, fromFeed bool) (Result, error) {
	meta := cache.RosterMeta{Version: m.Version, Published: m.Published, Synced: s.cfg.Now(), Source: s.redactedURL()}
	if chain, ok := m.Chain(cur.Version); ok && fromFeed && chainSize(chain) < m.Snapshot.Size {
		res, err := s.applyDeltas(ctx, cur, meta, chain, m.Encryption)
		if err == nil && res.Records == m.Records {
			return res, nil
		}
		if err != nil && !errors.Is(err, errDiverged) {
			return res, err
		}
		// The local roster was not the publication the deltas start from
		// (edited or imported in between): the snapshot repairs it.
		s.log.Warn("roster deltas did not reproduce the publication; fetching the snapshot", "version", m.Version)
		if cur, err = s.store.RosterMeta(); err != nil {
			return res, fmt.Errorf("roster sync: %w", err)
		}
	}
	return s.applySnapshot(ctx, cur, meta, m)
}

// checkShrink refuses, unless forced, a publication holding fewer records
// than (1 - MaxShrink) of the roster held.
func (s *Syncer) checkShrink(cur cache.RosterMeta, m *feed.Manifest) error {
	if s.cfg.Force || cur.Records == 0 {
		return nil
	}
	floor := float64(cur.Records) * (1 - s.cfg.MaxShrink)
	if float64(m.Records) >= floor {
		return nil
	}
	return fmt.Errorf("%w: version %d of %s holds %d records, the roster held has %d (more than %.0f%% fewer); roster kept at version %d: check the publication, then run `cccd roster sync --force` (with the agent stopped) to accept it",
		ErrShrink, m.Version, s.redactedURL(), m.Records, cur.Records, s.cfg.MaxShrink*100, cur.Version)
}

func chainSize(chain []feed.Delta) int64 {
	var n int64
	for _, d := range chain {
		n += d.Size
	}
	return n
}

func (s *Syncer) loadState() *httpState {
	b, err := s.store.GetMeta(metaHTTPState)
	if err != nil {
		return nil
	}
	var st httpState
	if json.Unmarshal(b, &st) != nil {
		return nil
	}
	return &st
}

func (s *Syncer) saveState(st httpState) {
	b, _ := json.Marshal(st)
	if err := s.store.PutMeta(metaHTTPState, b); err != nil {
		s.log.Warn("roster sync: cannot keep the manifest validators; next sync fetches it in full", "err", err)
	}
}

// cleanWorkDir removes every download once the roster holds what they
// carried: a later publication needs new objects anyway.
func (s *Syncer) cleanWorkDir() {
	ents, err := os.ReadDir(s.cfg.WorkDir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if name := e.Name(); strings.HasSuffix(name, ".part") || strings.HasSuffix(name, ".zst") {
			os.Remove(filepath.Join(s.cfg.WorkDir, name))
		}
	}
}

// redactedURL is the feed URL without a password, for logs and errors.
// urlFingerprint stands for the feed URL in the database: a URL may carry
// credentials (user:password@, ?token=), which never go to disk.
func (s *Syncer) urlFingerprint() string {
	sum := sha256.Sum256([]byte(s.manifestURL.String()))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func (s *Syncer) redactedURL() string {
	u := *s.manifestURL
	u.RawQuery = ""
	return u.Redacted()
}

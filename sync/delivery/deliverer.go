package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/internal/safehttp"
	"github.com/cccd-agent/cccd/sync/internal/backoff"
)

// Sentinel errors.
var (
	// ErrHISUnavailable: the webhook could not be reached or answered 5xx,
	// 408 or 429; the pass stops and is retried after a backoff.
	ErrHISUnavailable = errors.New("HIS webhook unavailable")
	// ErrRejected: the HIS refused one record (another 4xx); the others go
	// on and the record is retried later with its own backoff.
	ErrRejected = errors.New("HIS rejected the check-in")
	// ErrNotConfigured: no webhook URL.
	ErrNotConfigured = errors.New("HIS webhook not configured")
)

// Store is what a Deliverer needs from the cache; *cache.DB implements it.
type Store interface {
	PendingDeliveries(limit int) ([]cache.Checkin, error)
	MarkDelivered(sent *cache.Checkin, at time.Time) error
	MarkAttempt(sent *cache.Checkin, at time.Time, err error) error
	UpdateCheckin(seq uint64, fn func(*cache.Checkin) error) error
	ListCheckins(after uint64, limit int) ([]cache.Checkin, error)
}

var _ Store = (*cache.DB)(nil)

// Config configures a Deliverer.
type Config struct {
	WebhookURL string      // where check-ins are POSTed; https unless InsecureHTTP
	Header     http.Header // extra request headers (e.g. Authorization for the HIS)
	// InsecureHTTP allows an http:// WebhookURL (tests, a lab).
	InsecureHTTP bool
	// Client's transport and timeouts are used; its redirect policy is
	// replaced: same host only, no Referer.
	Client  *http.Client
	Timeout time.Duration // per request; 0 means 10 s
	// Interval between passes when the outbox is idle; 0 means 5 s. Kick
	// starts a pass at once.
	Interval time.Duration
	// MinBackoff and MaxBackoff bound the jittered exponential delay after
	// the HIS failed; 0 means 2 s and 5 min.
	MinBackoff, MaxBackoff time.Duration
	// Gateway, if set, re-checks provisional eligibility before sending:
	// the facility's shared account (gateway.shared_account).
	Gateway Checker
	// Sessions, if set (and Gateway is not), gives the gateway session of
	// a staff member while it lives (per-user accounts): a check-in is
	// re-checked under the session of the staff member who made it
	// (Checkin.Staff), and waits while they have none.
	Sessions func(staff string) (Checker, bool)
	// Judge turns a gateway answer into eligibility; required with Gateway
	// or Sessions.
	Judge Judge
	// RecheckWindow: delivered check-ins younger than this are re-checked
	// by RecheckDelivered; 0 means 24 hours.
	RecheckWindow time.Duration
	Logger        *slog.Logger
	Now           func() time.Time
}

// Deliverer empties the outbox into the webhook. Run it in one goroutine;
// Kick may be called from any goroutine.
type Deliverer struct {
	cfg   Config
	url   *url.URL // the configured webhook: only its 2xx counts
	http  *http.Client
	store Store
	log   *slog.Logger
	kick  chan struct{}

	recheckFrom uint64 // RecheckDelivered's cursor: every record up to it is settled or waiting
	// waiting are delivered check-ins whose re-check waits for their
	// staff member's gateway session (RecheckDelivered's goroutine only;
	// after a restart the cursor starts over and finds them again).
	waiting map[uint64]struct{}
}

// New checks cfg and returns a Deliverer reading from store.
func New(store Store, cfg Config) (*Deliverer, error) {
	if cfg.WebhookURL == "" {
		return nil, fmt.Errorf("%w: set webhook.url to the HIS's https endpoint", ErrNotConfigured)
	}
	u, err := safehttp.CheckURL(cfg.WebhookURL, cfg.InsecureHTTP)
	if err != nil {
		return nil, fmt.Errorf("%w: webhook.url: %v", ErrNotConfigured, err)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 5 * time.Second
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 2 * time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Minute
	}
	if cfg.RecheckWindow <= 0 {
		cfg.RecheckWindow = 24 * time.Hour
	}
	if (cfg.Gateway != nil || cfg.Sessions != nil) && cfg.Judge == nil {
		return nil, errors.New("delivery: online re-checks need the reception's eligibility rules (Config.Judge)")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	return &Deliverer{cfg: cfg, url: u, http: safehttp.Client(cfg.Client, safehttp.SameHost), store: store,
		log: cfg.Logger, kick: make(chan struct{}, 1), waiting: map[uint64]struct{}{}}, nil
}

// Kick asks for a pass now (after AppendCheckin); it never blocks.
func (d *Deliverer) Kick() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is done and returns ctx's error.
func (d *Deliverer) Run(ctx context.Context) error {
	bo := &backoff.Backoff{Min: d.cfg.MinBackoff, Max: d.cfg.MaxBackoff}
	return backoff.Loop(ctx, d.cfg.Interval, bo, d.kick, func(ctx context.Context) error {
		if _, err := d.DeliverPending(ctx); err != nil {
			return err
		}
		// Gateway failures only postpone re-checks to the next pass.
		d.RecheckDelivered(ctx)
		return nil
	})
}

// DeliverPending makes one pass over the outbox in sequence order and
// returns how many records the HIS accepted. It stops at the first sign
// that the HIS is down (ErrHISUnavailable); records the HIS rejects are
// counted and skipped, and the pass then returns ErrRejected.
func (d *Deliverer) DeliverPending(ctx context.Context) (int, error) {
	pending, err := d.store.PendingDeliveries(0)
	if err != nil {
		return 0, fmt.Errorf("read outbox: %w", err)
	}
	delivered, rejected := 0, 0
	for i := range pending {
		c := &pending[i]
		if err := ctx.Err(); err != nil {
			return delivered, err
		}
		if d.holdRejected(c) {
			continue
		}
		if gw, ok := d.checkerFor(c); ok && needsRecheck(c) {
			d.recheck(ctx, gw, c) // on failure c goes out with its offline answer
		}
		sendErr := d.send(ctx, c)
		now := d.cfg.Now()
		if sendErr == nil {
			if err := d.store.MarkDelivered(c, now); err != nil {
				return delivered, fmt.Errorf("mark check-in %d delivered: %w", c.Seq, err)
			}
			delivered++
			continue
		}
		if err := d.store.MarkAttempt(c, now, sendErr); err != nil {
			return delivered, fmt.Errorf("record delivery attempt: %w", err)
		}
		if errors.Is(sendErr, ErrRejected) {
			rejected++
			d.log.Warn("HIS rejected a check-in; will retry", "seq", c.Seq, "err", sendErr)
			continue
		}
		d.log.Warn("HIS webhook down; backing off", "pending", len(pending)-i, "err", sendErr)
		return delivered, sendErr
	}
	if delivered > 0 {
		d.log.Info("check-ins delivered", "count", delivered)
	}
	if rejected > 0 {
		return delivered, fmt.Errorf("%w: %d check-ins", ErrRejected, rejected)
	}
	return delivered, nil
}

// holdRejected keeps a record the HIS refused before out of the next passes
// for a while (doubling per attempt, up to MaxBackoff), so that one bad
// record costs one request per backoff, not one per pass.
func (d *Deliverer) holdRejected(c *cache.Checkin) bool {
	if c.Attempts == 0 || !strings.HasPrefix(c.LastError, ErrRejected.Error()) {
		return false
	}
	hold := d.cfg.MinBackoff
	for i := 1; i < c.Attempts && hold < d.cfg.MaxBackoff; i++ {
		hold *= 2
	}
	return d.cfg.Now().Before(c.LastAttempt.Add(min(hold, d.cfg.MaxBackoff)))
}

// send POSTs one record. Error strings carry the status, never the body.
func (d *Deliverer) send(ctx context.Context, c *cache.Checkin) error {
	body, err := json.Marshal(NewPayload(c))
	if err != nil {
		return fmt.Errorf("encode check-in: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.cfg.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: build request", ErrNotConfigured)
	}
	for k, v := range d.cfg.Header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Idempotency-Key", IdempotencyKey(c))
	resp, err := d.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL may carry a secret query; keep the cause only
		}
		return fmt.Errorf("%w: %v", ErrHISUnavailable, err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if !safehttp.FromOrigin(resp, d.url) {
		// Only the configured host's answer counts (redirects are followed
		// within it only, so this is a second line of defence).
		return fmt.Errorf("%w: the answer came from another host", ErrRejected)
	}
	switch s := resp.StatusCode; {
	case s >= 300 && s < 400:
		return fmt.Errorf("%w: %s", ErrRejected, safehttp.Describe(s))
	case s >= 200 && s < 300, s == http.StatusConflict: // 409: the HIS already has this key
		return nil
	case s >= 500, s == http.StatusRequestTimeout, s == http.StatusTooManyRequests:
		return fmt.Errorf("%w: HTTP %d", ErrHISUnavailable, s)
	default:
		return fmt.Errorf("%w: HTTP %d", ErrRejected, s)
	}
}

package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/sync/gateway"
	"github.com/cccd-agent/cccd/sync/internal/backoff"
)

// Submitter sends a check-in table to BHXH under one gateway account;
// *gateway.Client implements it.
type Submitter interface {
	SubmitCheckin(ctx context.Context, req gateway.CheckinRequest) (*gateway.CheckinAnswer, error)
}

// BHXHStore is what a BHXHSender needs from the cache; *cache.DB implements it.
type BHXHStore interface {
	PendingBHXH(limit int) ([]cache.Checkin, error)
	UpdateCheckin(seq uint64, fn func(*cache.Checkin) error) error
}

var _ BHXHStore = (*cache.DB)(nil)

// BHXHConfig configures a BHXHSender.
type BHXHConfig struct {
	Path     string // the check-in endpoint relative to the gateway URL ("" = gateway.DefaultCheckinPath)
	Facility string // maCSKCB; its first two digits are maTinh
	// Shared sends every check-in under the facility's shared account
	// (gateway.shared_account); otherwise Sessions gives the gateway
	// session of the staff member a check-in is sent for, while it lives.
	Shared   Submitter
	Sessions func(staff string) (Submitter, bool)
	// Interval between passes while idle (0: 30 s); Kick starts one now.
	Interval time.Duration
	// MinBackoff and MaxBackoff bound the delay after the gateway failed,
	// for the pass and for each record (0: 5 s and 10 min).
	MinBackoff, MaxBackoff time.Duration
	Logger                 *slog.Logger
	Now                    func() time.Time
}

// BHXHSender empties the BHXH check-in outbox (cache.PendingBHXH): each
// queued check-in's XML0 file goes to BHXH's check-in endpoint (CV 1245
// §2) under the gateway session of the staff member who confirmed it, at
// least once: the record stays pending until BHXH's answer is stored on
// it (accepted on maKetQua 200, rejected on another answer about the
// file). While that staff member has no gateway session it waits; a
// gateway that cannot be reached is retried with a backoff. Run it in one
// goroutine; Kick may be called from any.
type BHXHSender struct {
	cfg   BHXHConfig
	store BHXHStore
	log   *slog.Logger
	kick  chan struct{}
}

// errWaitingSession is stored on a check-in that waits for a session.
var errWaitingSession = errors.New("waiting for the gateway session of the staff member who confirmed the check-in")

// NewBHXH checks cfg and returns a sender reading from store.
func NewBHXH(store BHXHStore, cfg BHXHConfig) (*BHXHSender, error) {
	if len(cfg.Facility) < 2 {
		return nil, fmt.Errorf("%w: the BHXH check-in needs the facility code", ErrNotConfigured)
	}
	if cfg.Shared == nil && cfg.Sessions == nil {
		return nil, fmt.Errorf("%w: the BHXH check-in needs a gateway account", ErrNotConfigured)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 30 * time.Second
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 5 * time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 10 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	return &BHXHSender{cfg: cfg, store: store, log: cfg.Logger, kick: make(chan struct{}, 1)}, nil
}

// Kick asks for a pass now (a check-in was queued, a staff member signed
// in); it never blocks.
func (s *BHXHSender) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Run sends until ctx is done and returns ctx's error.
func (s *BHXHSender) Run(ctx context.Context) error {
	bo := &backoff.Backoff{Min: s.cfg.MinBackoff, Max: s.cfg.MaxBackoff}
	return backoff.Loop(ctx, s.cfg.Interval, bo, s.kick, func(ctx context.Context) error {
		_, err := s.SubmitPending(ctx)
		return err
	})
}

func (s *BHXHSender) submitterFor(staff string) (Submitter, bool) {
	switch {
	case s.cfg.Shared != nil:
		return s.cfg.Shared, true
	case staff != "":
		return s.cfg.Sessions(staff)
	}
	return nil, false
}

// SubmitPending makes one pass over the BHXH outbox in sequence order and
// returns how many check-ins got BHXH's answer. It stops at the first sign
// that the gateway is down (gateway.ErrUnavailable) and returns it; other
// failures (the account refused, an unreadable answer) are recorded on the
// record, which is retried after its own backoff.
func (s *BHXHSender) SubmitPending(ctx context.Context) (int, error) {
	pending, err := s.store.PendingBHXH(0)
	if err != nil {
		return 0, fmt.Errorf("read BHXH outbox: %w", err)
	}
	answered := 0
	for i := range pending {
		c := &pending[i]
		if err := ctx.Err(); err != nil {
			return answered, err
		}
		sub, ok := s.submitterFor(c.BHXH.Staff)
		if !ok {
			if c.BHXH.LastError != errWaitingSession.Error() {
				s.record(c, func(b *cache.BHXHCheckin) { b.LastError = errWaitingSession.Error() })
			}
			continue
		}
		if s.holdFailed(c.BHXH) {
			continue
		}
		var xml0 bytes.Buffer
		if err := cache.WriteCheckinXML0(&xml0, *c); err != nil {
			return answered, err
		}
		a, sendErr := sub.SubmitCheckin(ctx, gateway.CheckinRequest{Path: s.cfg.Path, MaTinh: s.cfg.Facility[:2],
			MaCSKCB: s.cfg.Facility, XML0: xml0.Bytes()})
		now := s.cfg.Now()
		if sendErr != nil {
			if err := s.record(c, func(b *cache.BHXHCheckin) {
				b.Attempts++
				b.LastAttempt, b.LastError = now, sendErr.Error()
			}); err != nil {
				return answered, err
			}
			if errors.Is(sendErr, gateway.ErrUnavailable) {
				s.log.Warn("BHXH check-in gateway down; backing off", "pending", len(pending)-i, "err", sendErr)
				return answered, sendErr
			}
			s.log.Warn("BHXH check-in failed; will retry", "seq", c.Seq, "err", sendErr)
			continue
		}
		status := cache.BHXHAccepted
		if !a.Accepted() {
			status = cache.BHXHRejected
		}
		if err := s.record(c, func(b *cache.BHXHCheckin) {
			b.Attempts++
			b.LastAttempt, b.LastError = now, ""
			b.Status, b.MaKetQua, b.MaGiaoDich, b.ThoiGianTiepNhan, b.ThongDiep = status, a.MaKetQua, a.MaGiaoDich, a.ThoiGianTiepNhan, a.ThongDiep
			b.AnsweredAt = a.At
		}); err != nil {
			return answered, err
		}
		answered++
		if status == cache.BHXHRejected {
			// thongDiep may repeat the patient's data: only the code is logged.
			s.log.Warn("BHXH refused a check-in", "seq", c.Seq, "code", a.MaKetQua)
		} else {
			s.log.Info("BHXH check-in accepted", "seq", c.Seq)
		}
	}
	return answered, nil
}

// record applies fn to the stored submission of c if it is still the one
// that was sent (still pending, queued at the same time).
func (s *BHXHSender) record(c *cache.Checkin, fn func(*cache.BHXHCheckin)) error {
	err := s.store.UpdateCheckin(c.Seq, func(rc *cache.Checkin) error {
		if rc.BHXH == nil || rc.BHXH.Status != cache.BHXHPending || !rc.BHXH.Queued.Equal(c.BHXH.Queued) {
			return nil
		}
		fn(rc.BHXH)
		return nil
	})
	if err != nil {
		return fmt.Errorf("record BHXH check-in %d: %w", c.Seq, err)
	}
	return nil
}

// holdFailed keeps a record whose last attempt failed out of the passes
// for a while (doubling per attempt, up to MaxBackoff).
func (s *BHXHSender) holdFailed(b *cache.BHXHCheckin) bool {
	if b.Attempts == 0 || b.LastError == "" || b.LastAttempt.IsZero() {
		return false
	}
	hold := s.cfg.MinBackoff
	for i := 1; i < b.Attempts && hold < s.cfg.MaxBackoff; i++ {
		hold *= 2
	}
	return s.cfg.Now().Before(b.LastAttempt.Add(min(hold, s.cfg.MaxBackoff)))
}

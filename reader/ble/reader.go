package ble

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/reader"
)

// Reader is an ACR1255U-J1-class BLE reader. It connects and authenticates
// lazily on Connect, and again after the link drops. Safe for concurrent
// use; one card session at a time.
type Reader struct {
	cfg     Config
	dial    DialFunc
	timeout time.Duration
	log     *slog.Logger
	rnd     io.Reader

	mu       sync.Mutex
	sess     *session
	gen      uint64
	presence chan bool
	active   *Card // open card session; the Backend does not probe meanwhile
	// leaves counts "card left" notifications. Atomic, not under mu: the
	// notification arrives on the receive goroutine while a request may hold
	// mu waiting for that same goroutine.
	leaves atomic.Uint64
}

var _ reader.Reader = (*Reader)(nil)

// Option adjusts a Reader.
type Option func(*Reader)

// WithTimeout bounds each round trip (default DefaultTimeout).
func WithTimeout(d time.Duration) Option { return func(r *Reader) { r.timeout = d } }

// WithLogger sets the logger for link-level debug traces (never APDUs).
func WithLogger(l *slog.Logger) Option { return func(r *Reader) { r.log = l } }

// WithRandom replaces crypto/rand as the source of RND_B (tests only).
func WithRandom(rnd io.Reader) Option { return func(r *Reader) { r.rnd = rnd } }

// New returns the reader of cfg, reached through dial. It fails with
// ErrDisabled when cfg.Enabled is false.
func New(cfg Config, dial DialFunc, opts ...Option) (*Reader, error) {
	cfg, err := cfg.check()
	if err != nil {
		return nil, err
	}
	if dial == nil {
		return nil, errors.New("ble: no radio backend; this build has no BLE support for this OS")
	}
	r := &Reader{cfg: cfg, dial: dial, timeout: DefaultTimeout, log: slog.Default(), rnd: defaultRand,
		presence: make(chan bool, 8)}
	for _, o := range opts {
		o(r)
	}
	return r, nil
}

// Name returns "ble:" followed by the reader's address.
func (r *Reader) Name() string { return NamePrefix + r.cfg.Address }

// Presence delivers card presence changes notified by the reader (message
// 50): true when a card arrived, false when it left. Changes are dropped
// when nobody reads them.
func (r *Reader) Presence() <-chan bool { return r.presence }

func (r *Reader) notifyPresence(present bool) {
	if !present {
		r.leaves.Add(1) // invalidates the card session
	}
	select {
	case r.presence <- present:
	default:
	}
}

// Close disconnects from the reader.
func (r *Reader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closeLocked()
}

func (r *Reader) closeLocked() error {
	if r.sess == nil {
		return nil
	}
	err := r.sess.link.Close()
	r.sess, r.active = nil, nil
	r.gen++
	return err
}

// sessionLocked returns a live authenticated session, dialling if needed.
func (r *Reader) sessionLocked(ctx context.Context) (*session, error) {
	if r.sess != nil && r.sess.alive() {
		return r.sess, nil
	}
	_ = r.closeLocked()
	link, err := r.dial(ctx, r.cfg.Address)
	if err != nil {
		return nil, fmt.Errorf("%w: ble: cannot connect to %s (%v); is it switched on, in range and not paired elsewhere?", reader.ErrNoReader, r.cfg.Address, err)
	}
	s := newSession(link, r.Name(), r.timeout, r.log, r.notifyPresence)
	if err := s.authenticate(ctx, r.cfg.MasterKey, r.rnd); err != nil {
		link.Close()
		return nil, fmt.Errorf("ble: authenticating with %s: %w", r.cfg.Address, err)
	}
	r.sess = s
	return s, nil
}

// Connect powers the card on (message 62) and returns a session with it.
// An empty field gives reader.ErrNoCard; an unreachable reader
// reader.ErrNoReader; a wrong master key ErrAuth.
func (r *Reader) Connect(ctx context.Context) (reader.Card, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, err := r.sessionLocked(ctx)
	if err != nil {
		return nil, err
	}
	r.active = nil
	m, err := s.request(ctx, Message{Type: MsgPowerOn, Seq: s.nextSeq()}, RspDataBlock)
	if err != nil {
		return nil, r.failLocked(s, err)
	}
	serr := slotError(m.Param)
	if errors.Is(serr, reader.ErrCardRemoved) || (serr == nil && len(m.Data) == 0) {
		return nil, fmt.Errorf("%w: ble: no card on %s; lay the card on the reader", reader.ErrNoCard, r.Name())
	}
	if serr != nil {
		return nil, fmt.Errorf("ble: powering the card on %s: %w; lift the card and retry", r.Name(), serr)
	}
	r.gen++
	r.active = &Card{r: r, s: s, gen: r.gen, leaves: r.leaves.Load(), atr: m.Data}
	return r.active, nil
}

// failLocked drops a session whose link is gone.
func (r *Reader) failLocked(s *session, err error) error {
	if !s.alive() && r.sess == s {
		_ = r.closeLocked()
	}
	return err
}

// errSlot reports a failed command in the slot status byte.
var errSlot = errors.New("ble: reader reports the command failed")

// slotError interprets the Param of 80/81 replies as a CCID bStatus (an
// assumption: ACS calls these messages CCID-like): bits 0–1 are the card
// state (2 = no card), bits 6–7 the command status (1 = failed).
func slotError(param byte) error {
	switch {
	case param&0x03 == 0x02:
		return reader.ErrCardRemoved
	case param&0xC0 == 0x40:
		return fmt.Errorf("%w (status 0x%02X)", errSlot, param)
	}
	return nil
}

// Card is a powered card on a BLE reader. Not safe for concurrent use.
type Card struct {
	r      *Reader
	s      *session
	gen    uint64
	leaves uint64
	atr    []byte
	closed bool
}

var (
	_ reader.Card      = (*Card)(nil)
	_ icao.Transport   = (*Card)(nil)
	_ icao.ATRReporter = (*Card)(nil) // no reader-side answer: the card's ATR, EF.ATR/INFO or a probe decides extended length
)

// ATR returns the ATR the reader reported at power on.
func (c *Card) ATR() []byte { return append([]byte(nil), c.atr...) }

// Transmit sends an APDU with message 6F and returns the R-APDU with SW.
func (c *Card) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	r := c.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := c.validLocked(); err != nil {
		return nil, err
	}
	m, err := c.s.request(ctx, Message{Type: MsgAPDU, Seq: c.s.nextSeq(), Data: apdu}, RspDataBlock)
	if err != nil {
		return nil, r.failLocked(c.s, err)
	}
	if err := slotError(m.Param); err != nil {
		return nil, fmt.Errorf("ble: APDU on %s: %w", r.Name(), err)
	}
	if len(m.Data) < 2 {
		return nil, fmt.Errorf("%w: ble: card on %s answered %d bytes, no status word", ErrFrame, r.Name(), len(m.Data))
	}
	return m.Data, nil
}

// Close powers the card off (message 63).
func (c *Card) Close() error {
	r := c.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if r.active == c {
		r.active = nil
	}
	if c.gen != r.gen || r.sess != c.s || !c.s.alive() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	_, err := c.s.request(ctx, Message{Type: MsgPowerOff, Seq: c.s.nextSeq()}, RspSlotStatus)
	return r.failLocked(c.s, err)
}

func (c *Card) validLocked() error {
	switch {
	case c.closed:
		return fmt.Errorf("%w: ble: card session on %s already closed", reader.ErrCardRemoved, c.r.Name())
	case c.r.sess != c.s || !c.s.alive():
		return fmt.Errorf("%w: ble: connection to %s lost since the card was connected; connect again", reader.ErrNoReader, c.r.Name())
	case c.leaves != c.r.leaves.Load():
		return fmt.Errorf("%w: ble: the card left %s; connect again", reader.ErrCardRemoved, c.r.Name())
	case c.gen != c.r.gen:
		return fmt.Errorf("%w: ble: the card session on %s was replaced; connect again", reader.ErrCardRemoved, c.r.Name())
	}
	return nil
}

package pn532

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/cccd-agent/cccd/reader"
)

// NamePrefix starts every PN532 reader name: "pn532:/dev/ttyUSB0".
const NamePrefix = "pn532:"

// Config configures a PN532 reader. The zero value of every field but Path
// selects the default.
type Config struct {
	// Path is the serial device, e.g. /dev/ttyUSB0 or COM3. Use Discover to
	// find one by USB VID:PID.
	Path string
	// BaudRate of the HSU link; default 115200.
	BaudRate int
	// ReadTimeout bounds each wait for a frame (ACK or response) from the
	// PN532; default 1.5 s, which covers the card's own frame waiting time.
	ReadTimeout time.Duration
	// Retries is how often a damaged or NACKed frame is resent; default 3.
	Retries int
	// PassiveRetries is RFConfiguration MxRtyPassiveActivation: how many
	// times InListPassiveTarget polls before reporting no card; default 2.
	// 0xFF would block until a card comes.
	PassiveRetries byte
	// Chunk is the most APDU bytes per InDataExchange frame; longer APDUs
	// are chained with MI. Default 252, the most a normal frame holds.
	Chunk int
	// ExtendedLength tells the ICAO layer (icao.ExtendedLengthReporter)
	// that extended-length APDUs may be used. Off by default: the driver
	// chains them, but whether a PN532 relays extended responses of a real
	// chip is unverified on hardware.
	ExtendedLength bool
	// MaxBitRate caps the RF bit rate in kbps (106, 212 or 424): after
	// activation the driver raises the rate with InPSL to the fastest the
	// card's ATS allows, up to this. Default 424; 106 keeps the default rate.
	MaxBitRate int
	// Open opens the port; default OpenSerial. Tests substitute it.
	Open func(path string, baud int) (Port, error)
	// Logger receives debug traces of retries; default slog.Default().
	// It never receives APDU contents.
	Logger *slog.Logger
}

// Defaults.
const (
	DefaultReadTimeout    = 1500 * time.Millisecond
	DefaultRetries        = 3
	DefaultPassiveRetries = 2
	DefaultChunk          = MaxNormalData - 2 // command code and Tg take two bytes
)

func (c Config) withDefaults() Config {
	if c.BaudRate == 0 {
		c.BaudRate = DefaultBaudRate
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	if c.Retries <= 0 {
		c.Retries = DefaultRetries
	}
	if c.PassiveRetries == 0 {
		c.PassiveRetries = DefaultPassiveRetries
	}
	if c.Chunk <= 0 || c.Chunk > MaxExtendedData-2 {
		c.Chunk = DefaultChunk
	}
	if c.MaxBitRate == 0 {
		c.MaxBitRate = 424
	}
	if c.Open == nil {
		c.Open = OpenSerial
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Reader is a PN532 on a serial port. It opens the port lazily on Connect
// and, after the port fails (unplug), closes it and reopens it on the next
// Connect, so a replugged reader works without a restart. Safe for
// concurrent use; one card session at a time.
type Reader struct {
	cfg Config

	mu     sync.Mutex
	link   *link // nil while the port is closed
	gen    uint64
	active *Card // the open card session, nil when none (Backend polls then)
}

var _ reader.Reader = (*Reader)(nil)

// New returns a reader for cfg.Path. It does not touch the port.
func New(cfg Config) (*Reader, error) {
	if cfg.Path == "" {
		return nil, fmt.Errorf("%w: pn532: no serial port given; set the path or use pn532.Discover", reader.ErrNoReader)
	}
	return &Reader{cfg: cfg.withDefaults()}, nil
}

// ParseName returns the port path of a reader name "pn532:PATH".
func ParseName(name string) (path string, ok bool) {
	path, ok = strings.CutPrefix(name, NamePrefix)
	if !ok || path == "" {
		return "", false
	}
	return path, true
}

// Name returns "pn532:" followed by the port path.
func (r *Reader) Name() string { return NamePrefix + r.cfg.Path }

// Close closes the port. A later Connect reopens it.
func (r *Reader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closeLocked()
}

func (r *Reader) closeLocked() error {
	if r.link == nil {
		return nil
	}
	err := r.link.port.Close()
	r.link, r.active = nil, nil
	r.gen++
	return err
}

// Firmware returns the PN532's firmware version, opening the port if needed.
func (r *Reader) Firmware(ctx context.Context) (Firmware, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	l, err := r.ensureLinkLocked(ctx)
	if err != nil {
		return Firmware{}, err
	}
	fw, err := l.firmware(ctx)
	return fw, r.failLocked(err)
}

// Connect activates the card in the field (ISO 14443-4 type A, 106 kbps)
// and returns a session with it. No card gives reader.ErrNoCard; a card that
// is not ISO 14443-4 gives reader.ErrUnsupported; a missing or unplugged
// reader gives reader.ErrNoReader.
func (r *Reader) Connect(ctx context.Context) (reader.Card, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	l, err := r.ensureLinkLocked(ctx)
	if err != nil {
		return nil, err
	}
	// Forget a target left over from a previous session.
	r.active = nil
	if err := l.inRelease(ctx, 0); err != nil {
		return nil, r.failLocked(err)
	}
	t, err := l.inListPassiveTarget(ctx)
	if err != nil {
		return nil, r.failLocked(fmt.Errorf("pn532: polling for a card on %s: %w", r.cfg.Path, err))
	}
	if t == nil {
		return nil, fmt.Errorf("%w: pn532: no card in the field of %s; lay the card flat on the reader", reader.ErrNoCard, r.cfg.Path)
	}
	if !t.ISO14443_4() {
		_ = l.inRelease(ctx, t.Tg)
		return nil, fmt.Errorf("%w: pn532: the card on %s is not ISO 14443-4 (SAK 0x%02X); is it a CCCD?", reader.ErrUnsupported, r.cfg.Path, t.SelRes)
	}
	rate := 106
	if code, ok := t.MaxRate(r.cfg.MaxBitRate); ok {
		// A failed PSL leaves the card at 106 kbps (ISO 14443-4 §5.6): go on.
		if err := l.inPSL(ctx, t.Tg, code); err != nil {
			r.cfg.Logger.Debug("pn532: InPSL failed; staying at 106 kbps", "port", r.cfg.Path, "err", err)
			if errors.Is(err, errPortDead) {
				return nil, r.failLocked(err)
			}
		} else {
			rate = rateKbps(code)
		}
	}
	r.gen++
	r.active = &Card{r: r, gen: r.gen, target: *t, rate: rate}
	return r.active, nil
}

// ensureLinkLocked opens and initialises the port if it is closed.
func (r *Reader) ensureLinkLocked(ctx context.Context) (*link, error) {
	if r.link != nil {
		return r.link, nil
	}
	p, err := r.cfg.Open(r.cfg.Path, r.cfg.BaudRate)
	if err != nil {
		return nil, err
	}
	l := &link{port: p, path: r.cfg.Path, timeout: r.cfg.ReadTimeout, retries: r.cfg.Retries, log: r.cfg.Logger}
	r.link = l
	r.gen++
	if err := r.initLocked(ctx, l); err != nil {
		_ = r.closeLocked()
		return nil, fmt.Errorf("pn532: initialising the PN532 on %s: %w", r.cfg.Path, err)
	}
	return l, nil
}

// initLocked wakes the PN532 from LowVbat and configures it for reading
// ISO 14443-4 cards: SAMConfiguration normal mode, automatic RATS, bounded
// passive activation retries and a card response timeout suited to
// secure-messaging chips.
func (r *Reader) initLocked(ctx context.Context, l *link) error {
	if err := l.flush(); err != nil {
		return err
	}
	if err := l.wake(ctx); err != nil {
		return err
	}
	if err := l.samConfiguration(ctx); err != nil {
		return err
	}
	fw, err := l.firmware(ctx)
	if err != nil {
		return err
	}
	if fw.IC != 0x32 {
		return fmt.Errorf("%w: IC 0x%02X", ErrNotPN532, fw.IC)
	}
	if err := l.setParameters(ctx, paramAutoATRRes|paramAutoRATS); err != nil {
		return err
	}
	// MxRtyATR, MxRtyPSL, MxRtyPassiveActivation (libnfc defaults FF 01 FF).
	if err := l.rfConfiguration(ctx, rfItemMaxRetries, 0xFF, 0x01, r.cfg.PassiveRetries); err != nil {
		return err
	}
	// RFU, ATR_RES timeout 102.4 ms (0x0B), card response timeout 819.2 ms (0x0E).
	return l.rfConfiguration(ctx, rfItemTimings, 0x00, 0x0B, 0x0E)
}

// failLocked closes the port when err says it is dead, so that the next
// Connect reopens it; it returns err unchanged.
func (r *Reader) failLocked(err error) error {
	if err != nil && errors.Is(err, errPortDead) {
		_ = r.closeLocked()
	}
	return err
}

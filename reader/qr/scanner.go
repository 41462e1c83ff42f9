package qr

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"go.bug.st/serial"

	"github.com/cccd-agent/cccd/reader"
)

// Port is the part of a serial port the scanner uses; serial.Port has it.
type Port interface {
	Read(p []byte) (int, error)
	// SetReadTimeout bounds each Read; a Read that times out returns (0, nil).
	SetReadTimeout(d time.Duration) error
	Close() error
}

// Config configures a scanner. Zero values select the defaults.
type Config struct {
	// Path is the scanner's serial device, e.g. /dev/ttyACM0 or COM4.
	Path string
	// Reader is the name of the card reader the scanner is paired with.
	Reader string
	// BaudRate; USB-CDC scanners ignore it. Default 9600.
	BaudRate int
	// IdleFlush ends a line without terminator after this much silence;
	// default 200 ms. Negative disables it (terminators only).
	IdleFlush time.Duration
	// Reopen is the pause before reopening a lost port; default 1 s.
	Reopen time.Duration
	// MaxLine bounds one scan; default DefaultMaxLine.
	MaxLine int
	// Open opens the port; default go.bug.st/serial.
	Open func(path string, baud int) (Port, error)
	// Logger gets port state changes and rejected scans, never their text.
	Logger *slog.Logger
	// Now stamps scans; default time.Now.
	Now func() time.Time
}

// NamePrefix starts every scanner name: "qr:/dev/ttyACM0".
const NamePrefix = "qr:"

// Scanner turns scans on a serial port into Scan events.
type Scanner struct {
	cfg      Config
	rejected atomic.Int64
	scans    atomic.Int64
}

// New checks cfg and returns a scanner; the port is opened by Run.
func New(cfg Config) (*Scanner, error) {
	if cfg.Path == "" {
		return nil, fmt.Errorf("%w: qr: no scanner port configured", reader.ErrNoReader)
	}
	if cfg.BaudRate == 0 {
		cfg.BaudRate = 9600
	}
	if cfg.IdleFlush == 0 {
		cfg.IdleFlush = 200 * time.Millisecond
	}
	if cfg.Reopen <= 0 {
		cfg.Reopen = time.Second
	}
	if cfg.Open == nil {
		cfg.Open = openSerial
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Scanner{cfg: cfg}, nil
}

func openSerial(path string, baud int) (Port, error) {
	p, err := serial.Open(path, &serial.Mode{BaudRate: baud})
	if err != nil {
		return nil, fmt.Errorf("%w: qr: cannot open %s (%v); check the scanner's cable and port", reader.ErrNoReader, path, err)
	}
	return p, nil
}

// Name returns "qr:" followed by the port path.
func (s *Scanner) Name() string { return NamePrefix + s.cfg.Path }

// Stats counts accepted and rejected scans since New.
func (s *Scanner) Stats() (scans, rejected int64) { return s.scans.Load(), s.rejected.Load() }

// pollInterval bounds each blocking Read so ctx is honoured.
const pollInterval = 250 * time.Millisecond

// Run reads scans until ctx ends, sending each recognised one on out. A
// lost port (unplugged scanner) is reopened every Config.Reopen until it
// comes back. Run returns nil when ctx ends; it is meant to run in its own
// goroutine, once per Scanner.
func (s *Scanner) Run(ctx context.Context, out chan<- Scan) error {
	log := s.cfg.Logger.With("scanner", s.Name())
	lost := false
	for ctx.Err() == nil {
		port, err := s.cfg.Open(s.cfg.Path, s.cfg.BaudRate)
		if err != nil {
			if !lost {
				log.Warn("qr: scanner not available; retrying", "err", err)
				lost = true
			}
			if !sleep(ctx, s.cfg.Reopen) {
				break
			}
			continue
		}
		if lost {
			log.Info("qr: scanner back")
			lost = false
		}
		err = s.serve(ctx, port, out)
		port.Close()
		if ctx.Err() != nil {
			break
		}
		log.Warn("qr: scanner port lost; reopening", "err", err)
		lost = true
		if !sleep(ctx, s.cfg.Reopen) {
			break
		}
	}
	return nil
}

// serve reads one open port until it fails or ctx ends.
func (s *Scanner) serve(ctx context.Context, port Port, out chan<- Scan) error {
	stop := context.AfterFunc(ctx, func() { port.Close() })
	defer stop()
	sp := Splitter{Max: s.cfg.MaxLine}
	buf := make([]byte, 256)
	defer clear(buf)
	var sendErr error
	emit := func(line []byte, err error) {
		if sendErr != nil {
			return
		}
		if err == nil {
			var sc Scan
			sc, err = parse(string(line), s.cfg.Reader, s.cfg.Now())
			if err == nil {
				select {
				case out <- sc:
					s.scans.Add(1)
				case <-ctx.Done():
					sendErr = ctx.Err()
				}
				return
			}
		}
		s.rejected.Add(1)
		// The error names the problem, never the text; the length helps
		// tell a truncated scan from a wrong code.
		s.cfg.Logger.Warn("qr: scan rejected", "scanner", s.Name(), "bytes", len(line), "err", err)
	}
	for {
		wait := pollInterval
		if sp.Pending() && s.cfg.IdleFlush > 0 {
			wait = s.cfg.IdleFlush
		}
		if err := port.SetReadTimeout(wait); err != nil {
			return err
		}
		n, err := port.Read(buf)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			return err
		}
		if n == 0 {
			if sp.Pending() && s.cfg.IdleFlush > 0 {
				sp.Flush(emit)
			}
			continue
		}
		sp.Feed(buf[:n], emit)
		if sendErr != nil {
			return sendErr
		}
	}
}

// sleep waits d or until ctx ends; it reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

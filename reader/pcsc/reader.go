// Package pcsc is the PC/SC backend of package reader, on top of
// github.com/ebfe/scard (pcsc-lite's pcscd on Linux and macOS, winscard.dll
// on Windows): reader listing, exclusive T=1 card sessions with a deadline
// on every APDU, the PC/SC error matrix mapped onto the reader sentinels,
// recovery from a restarted service, and a hot-plug Backend for
// reader.Watcher.
package pcsc

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/ebfe/scard"

	"github.com/cccd-agent/cccd/reader"
)

// Defaults for Options.
const (
	DefaultTransmitTimeout = 10 * time.Second
	DefaultBusyRetry       = time.Second
)

// Options tune a Reader. The zero value uses the defaults.
type Options struct {
	// TransmitTimeout bounds one APDU when the caller's context has no
	// earlier deadline. An eMRTD answers in well under a second; a reader
	// that takes longer is treated as hung.
	TransmitTimeout time.Duration
	// BusyRetry is how long Connect retries while another program holds
	// the card exclusively, when the context has no earlier deadline.
	BusyRetry time.Duration
}

// Reader is one PC/SC reader, named as PC/SC lists it. It holds a PC/SC
// context only while a session is open (each context is a thread in pcscd,
// which allows 200), so a Reader made per read and never closed leaks
// nothing; a context that died with a pcscd restart is replaced. Safe for
// concurrent use; the Cards it opens are not.
type Reader struct {
	name string
	opts Options
	cl   client

	mu    sync.Mutex
	users int // open Cards and Connects under way; the context goes at zero
}

var _ reader.Reader = (*Reader)(nil)

// NewReader returns the reader called name. Nothing is opened until Connect.
func NewReader(name string, opts Options) *Reader {
	if opts.TransmitTimeout <= 0 {
		opts.TransmitTimeout = DefaultTransmitTimeout
	}
	if opts.BusyRetry <= 0 {
		opts.BusyRetry = DefaultBusyRetry
	}
	return &Reader{name: name, opts: opts}
}

// Name is the PC/SC reader name, which is also its stable identifier.
func (r *Reader) Name() string { return r.name }

// Close releases the reader's PC/SC context now. Open Cards stop working.
// Calling it is optional: the context also goes when the last Card closes.
func (r *Reader) Close() error {
	r.cl.close()
	return nil
}

// acquire counts a user of the context: a Connect under way, then its Card.
func (r *Reader) acquire() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.users++
}

// release drops one user and releases the context when none is left.
func (r *Reader) release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.users--
	if r.users == 0 {
		r.cl.close()
	}
}

// Connect opens an exclusive session with the card on the reader: T=1,
// falling back to T=0|T=1 if the reader refuses T=1 alone. A card held by
// another program is retried for Options.BusyRetry, then reported as
// reader.ErrReaderBusy. Connect gives up like Transmit does (ctx, or
// Options.TransmitTimeout without a deadline), and a reader with a call
// still stuck in pcscd is reported as reader.ErrTimeout at once, until
// that call returns.
func (r *Reader) Connect(ctx context.Context) (reader.Card, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if isStuck(r.name) {
		return nil, &Error{Op: "connect", Reader: r.name, Kind: reader.ErrTimeout, Hint: hintHung}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.opts.TransmitTimeout+r.opts.BusyRetry)
		defer cancel()
	}
	r.acquire() // handed to the Card on success, released on failure
	busyUntil := time.Now().Add(r.opts.BusyRetry)
	if d, ok := ctx.Deadline(); ok && d.Before(busyUntil) {
		busyUntil = d
	}
	wait := 20 * time.Millisecond
	for {
		h, err := r.connectOnce(ctx)
		if err == nil {
			return r.newCard(h)
		}
		if !errors.Is(err, scard.ErrSharingViolation) || time.Now().Add(wait).After(busyUntil) {
			r.release()
			return nil, wrap("connect", r.name, err)
		}
		select {
		case <-ctx.Done():
			r.release()
			return nil, wrap("connect", r.name, err)
		case <-time.After(wait):
			wait = min(wait*2, 200*time.Millisecond)
		}
	}
}

type connectResult struct {
	h   *scard.Card
	err error
}

// connectOnce runs one SCardConnect in the background so that a reader
// hung inside pcscd cannot block the caller past ctx. A connect that
// returns after the caller gave up is disconnected and its context user
// released by the goroutine.
func (r *Reader) connectOnce(ctx context.Context) (*scard.Card, error) {
	done := make(chan connectResult, 1)
	go func() {
		var res connectResult
		res.err = r.cl.withContext(func(sc *scard.Context) error {
			var err error
			res.h, err = connect(sc, r.name)
			return err
		})
		done <- res
	}()
	select {
	case res := <-done:
		return res.h, res.err
	case <-ctx.Done():
		markStuck(r.name, +1)
		r.acquire() // the goroutine's own hold on the context
		go func() {
			res := <-done
			if res.h != nil {
				res.h.Disconnect(scard.LeaveCard)
			}
			markStuck(r.name, -1)
			r.release()
		}()
		return nil, &Error{Op: "connect", Reader: r.name, Kind: reader.ErrTimeout, Hint: hintHung}
	}
}

// connect opens the card exclusively with T=1, or T=0|T=1 when refused.
func connect(sc *scard.Context, name string) (*scard.Card, error) {
	h, err := sc.Connect(name, scard.ShareExclusive, scard.ProtocolT1)
	if errors.Is(err, scard.ErrProtoMismatch) || errors.Is(err, scard.ErrUnsupportedFeature) {
		h, err = sc.Connect(name, scard.ShareExclusive, scard.ProtocolAny)
	}
	if err != nil {
		return nil, err
	}
	// scard's Transmit panics on any other protocol.
	if p := h.ActiveProtocol(); p != scard.ProtocolT0 && p != scard.ProtocolT1 {
		h.Disconnect(scard.LeaveCard)
		return nil, scard.ErrProtoMismatch
	}
	return h, nil
}

func (r *Reader) newCard(h *scard.Card) (*Card, error) {
	c := &Card{reader: r, h: h}
	st, err := h.Status()
	if err != nil {
		h.Disconnect(scard.LeaveCard)
		r.release()
		return nil, wrap("read card status", r.name, err)
	}
	c.atr = append([]byte(nil), st.Atr...)
	return c, nil
}

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
	// that takes longer is treated as hung (readers.md §1.2).
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
	hung  *Card // a session whose APDU never returned, until it does
	users int   // open Cards and Connects under way; the context goes at zero
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
// reader.ErrReaderBusy. A reader whose last APDU never returned is
// reported as reader.ErrTimeout until that APDU returns.
func (r *Reader) Connect(ctx context.Context) (reader.Card, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r.isHung() {
		return nil, &Error{Op: "connect", Reader: r.name, Kind: reader.ErrTimeout, Hint: hintHung}
	}
	r.acquire() // handed to the Card on success, released on failure
	busyUntil := time.Now().Add(r.opts.BusyRetry)
	if d, ok := ctx.Deadline(); ok && d.Before(busyUntil) {
		busyUntil = d
	}
	wait := 20 * time.Millisecond
	for {
		var h *scard.Card
		err := r.cl.withContext(func(sc *scard.Context) error {
			var err error
			h, err = connect(sc, r.name)
			return err
		})
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

// connect opens the card exclusively with T=1, or T=0|T=1 when refused.
func connect(sc *scard.Context, name string) (*scard.Card, error) {
	h, err := sc.Connect(name, scard.ShareExclusive, scard.ProtocolT1)
	if errors.Is(err, scard.ErrProtoMismatch) || errors.Is(err, scard.ErrUnsupportedFeature) {
		h, err = sc.Connect(name, scard.ShareExclusive, scard.ProtocolAny)
	}
	if err != nil {
		return nil, err
	}
	// scard's Transmit panics on any other protocol (readers.md §1.1).
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

func (r *Reader) isHung() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hung != nil
}

func (r *Reader) setHung(c *Card, hung bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case hung:
		r.hung = c
	case r.hung == c:
		r.hung = nil
	}
}

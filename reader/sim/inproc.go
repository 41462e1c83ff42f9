package sim

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/reader"
)

// LinkModel turns traffic into modelled time for benchmarks, without
// sleeping: each APDU costs PerAPDU plus its command and response bytes at
// BitRate bits per second.
type LinkModel struct {
	BitRate int           // bits per second on the air, e.g. 424000
	PerAPDU time.Duration // fixed cost per exchange (card processing, frames, host)
}

// DefaultLinkModel is an ISO 14443 link at 424 kbit/s with 5 ms per APDU.
var DefaultLinkModel = LinkModel{BitRate: 424000, PerAPDU: 5 * time.Millisecond}

// Cost is the modelled time of one exchange of out command bytes and in
// response bytes.
func (m LinkModel) Cost(out, in int) time.Duration {
	if m.BitRate <= 0 {
		return m.PerAPDU
	}
	return m.PerAPDU + time.Duration(int64(out+in)*8*int64(time.Second)/int64(m.BitRate))
}

// Option configures a Reader.
type Option func(*Reader)

// WithExtendedLength makes the reader's cards report ok through
// icao.ExtendedLengthReporter as the reader's own knowledge, as a PC/SC
// reader with Part 10 properties does. Without it the reader does not say
// (icao.ExtendedLengthKnower), like vpcd: the card's ATR, EF.ATR/INFO or a
// probe decides.
func WithExtendedLength(ok bool) Option { return func(r *Reader) { r.ext, r.extKnown = ok, true } }

// WithRemoveAfter makes the card leave the field after n more APDUs: the
// next Transmit fails with reader.ErrCardRemoved. The card is back for the
// next Connect.
func WithRemoveAfter(n int) Option { return func(r *Reader) { r.removeIn = n } }

// WithLinkModel accumulates modelled time with m.
func WithLinkModel(m LinkModel) Option { return func(r *Reader) { r.link = m } }

// Reader is an in-process reader.Reader holding one Chip in its field.
// Its methods are safe for concurrent use; the cards it returns are not.
type Reader struct {
	name string
	chip Chip

	mu       sync.Mutex
	ext      bool
	extKnown bool
	removeIn int // APDUs left before the card leaves the field; <0: never
	link     LinkModel
	total    time.Duration
	open     *ReaderCard
}

// NewReader returns a reader called name with chip in its field.
func NewReader(name string, chip Chip, opts ...Option) *Reader {
	r := &Reader{name: name, chip: chip, removeIn: -1}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Name is the reader's name.
func (r *Reader) Name() string { return r.name }

// RemoveAfter arms the card to leave the field after n more APDUs (n < 0
// disarms it).
func (r *Reader) RemoveAfter(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.removeIn = n
}

// ModelledTime is the link time modelled over every session so far.
func (r *Reader) ModelledTime() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total
}

// Connect powers the chip on and opens a session. A second session while one
// is live fails with reader.ErrReaderBusy.
func (r *Reader) Connect(ctx context.Context) (reader.Card, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.open != nil && !r.open.gone {
		return nil, fmt.Errorf("sim: %s: %w", r.name, reader.ErrReaderBusy)
	}
	c := &ReaderCard{r: r, atr: r.chip.PowerOn()}
	r.open = c
	return c, nil
}

// ReaderCard is a session with the simulated chip (a reader.Card that also
// reports the ATR, extended length and modelled link time). Not safe for concurrent
// use.
type ReaderCard struct {
	r        *Reader
	atr      []byte
	gone     bool // closed or removed
	removed  bool
	modelled time.Duration
}

var (
	_ reader.Card                 = (*ReaderCard)(nil)
	_ icao.Transport              = (*ReaderCard)(nil)
	_ icao.ExtendedLengthReporter = (*ReaderCard)(nil)
	_ icao.ExtendedLengthKnower   = (*ReaderCard)(nil)
	_ icao.ATRReporter            = (*ReaderCard)(nil)
)

// ATR is the chip's answer to reset, as the chip gave it at Connect (the
// profile's: card capabilities per Profile.ExtendedLengthIn).
func (c *ReaderCard) ATR() []byte { return append([]byte(nil), c.atr...) }

// ExtendedLength reports what the reader was configured with.
func (c *ReaderCard) ExtendedLength() bool {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	return c.r.ext
}

// KnowsExtendedLength reports whether the reader was given WithExtendedLength.
func (c *ReaderCard) KnowsExtendedLength() bool {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	return c.r.extKnown
}

// ModelledTime is the link time modelled for this session.
func (c *ReaderCard) ModelledTime() time.Duration {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	return c.modelled
}

// Transmit passes one APDU to the chip.
func (c *ReaderCard) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := c.r
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case c.removed:
		return nil, fmt.Errorf("sim: %s: %w", r.name, reader.ErrCardRemoved)
	case c.gone:
		return nil, fmt.Errorf("sim: %s: session closed: %w", r.name, reader.ErrNoCard)
	case r.removeIn == 0:
		r.removeIn = -1
		c.removed, c.gone = true, true
		r.chip.PowerOff()
		return nil, fmt.Errorf("sim: %s: %w", r.name, reader.ErrCardRemoved)
	case r.removeIn > 0:
		r.removeIn--
	}
	resp := r.chip.Process(append([]byte(nil), cmd...))
	d := r.link.Cost(len(cmd), len(resp))
	c.modelled += d
	r.total += d
	return resp, nil
}

// Close ends the session; the card stays in the field.
func (c *ReaderCard) Close() error {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	c.gone = true
	return nil
}

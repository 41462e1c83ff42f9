package pn532

import (
	"context"
	"fmt"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/reader"
)

// Card is a session with the ISO 14443-4 card activated by Connect. It is
// not safe for concurrent use. It becomes invalid when the port is closed or
// reopened, or when another Connect starts a new session.
type Card struct {
	r      *Reader
	gen    uint64
	target Target
	rate   int
	closed bool
}

// BitRate returns the RF bit rate in kbps negotiated at Connect.
func (c *Card) BitRate() int { return c.rate }

var (
	_ reader.Card                 = (*Card)(nil)
	_ icao.Transport              = (*Card)(nil)
	_ icao.ExtendedLengthReporter = (*Card)(nil)
	_ icao.ATRReporter            = (*Card)(nil)
)

// ExtendedLength reports Config.ExtendedLength.
func (c *Card) ExtendedLength() bool { return c.r.cfg.ExtendedLength }

// ATR returns the PC/SC-style pseudo-ATR built from the card's ATS, whose
// historical bytes may announce extended length. Config.ExtendedLength
// still decides for this reader (the ICAO layer asks the transport first).
func (c *Card) ATR() []byte { return PseudoATR(c.target.ATS) }

// ATS returns the card's answer to select (TL first).
func (c *Card) ATS() []byte { return append([]byte(nil), c.target.ATS...) }

// Target returns what InListPassiveTarget reported about the card.
func (c *Card) Target() Target {
	t := c.target
	t.NFCID = append([]byte(nil), t.NFCID...)
	t.ATS = append([]byte(nil), t.ATS...)
	return t
}

// Transmit sends one command APDU through InDataExchange and returns the
// response data followed by SW1 SW2. APDUs and responses longer than one
// frame are chained. Errors unwrap to reader.ErrNoReader (port gone),
// reader.ErrTimeout (PN532 or card silent), reader.ErrCardRemoved, ErrRF or
// ErrChecksum; after any of them the next Transmit or Connect may be tried.
func (c *Card) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	r := c.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := c.validLocked(); err != nil {
		return nil, err
	}
	resp, err := r.link.inDataExchange(ctx, c.target.Tg, apdu, r.cfg.Chunk)
	if err != nil {
		return nil, r.failLocked(fmt.Errorf("pn532: exchanging an APDU on %s: %w", r.cfg.Path, err))
	}
	if len(resp) < 2 {
		return nil, fmt.Errorf("pn532: card on %s answered %d bytes, no status word: %w", r.cfg.Path, len(resp), ErrFrame)
	}
	return resp, nil
}

// Close releases the card (InRelease). The card stays in the field.
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
	if c.gen != r.gen || r.link == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.cfg.ReadTimeout*2)
	defer cancel()
	if err := r.link.inRelease(ctx, c.target.Tg); err != nil {
		return r.failLocked(fmt.Errorf("pn532: releasing the card on %s: %w", r.cfg.Path, err))
	}
	return nil
}

func (c *Card) validLocked() error {
	switch {
	case c.closed:
		return fmt.Errorf("%w: pn532: card session on %s already closed", reader.ErrCardRemoved, c.r.cfg.Path)
	case c.r.link == nil:
		return fmt.Errorf("%w: pn532: port %s closed since the card was connected; connect again", reader.ErrNoReader, c.r.cfg.Path)
	case c.gen != c.r.gen:
		return fmt.Errorf("%w: pn532: the card session on %s was replaced; connect again", reader.ErrCardRemoved, c.r.cfg.Path)
	}
	return nil
}

package access

import (
	"context"
	"errors"
	"fmt"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/internal/tlv"
)

// cardAccessWays are the ways chips accept to reach EF.CardAccess in the
// master file, in the order tried: chips differ (some refuse SELECT MF with
// 6D00/6A86, some only take a FID select).
var cardAccessWays = []struct {
	name    string
	selects []icao.Command
	sfi     bool
}{
	{"SELECT MF (00A4000C) + READ BINARY by SFI 1C", []icao.Command{{INS: 0xA4, P1: 0x00, P2: 0x0C}}, true},
	{"SELECT MF (00A4000C 3F00) + READ BINARY by SFI 1C", []icao.Command{{INS: 0xA4, P1: 0x00, P2: 0x0C, Data: []byte{0x3F, 0x00}}}, true},
	{"SELECT MF (00A40000 3F00) + READ BINARY by SFI 1C", []icao.Command{{INS: 0xA4, P1: 0x00, P2: 0x00, Data: []byte{0x3F, 0x00}, Ne: icao.MaxShortNe}}, true},
	{"READ BINARY by SFI 1C without SELECT", nil, true},
	{"SELECT EF 011C (00A4020C)", []icao.Command{{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{0x01, 0x1C}}}, false},
}

// maxCardAccess bounds EF.CardAccess; real ones are under 1 KB.
const maxCardAccess = 4096

// readCardAccess reads EF.CardAccess in plain, trying each way in turn.
// It returns the file and the way that worked.
func readCardAccess(ctx context.Context, s *icao.Session) ([]byte, string, error) {
	var last error
	for _, w := range cardAccessWays {
		for _, c := range w.selects {
			_, _ = s.Transmit(ctx, c) // a refused MF select is normal; the read decides
		}
		b, err := readTransparent(ctx, s, w.sfi)
		if err == nil {
			return b, w.name, nil
		}
		if errors.Is(err, icao.ErrTransport) || ctx.Err() != nil {
			return nil, "", err
		}
		last = err
	}
	return nil, "", fmt.Errorf("access: EF.CardAccess not readable: %w", last)
}

// readTransparent reads a whole small file: the first chunk (by SFI 1C or
// from the selected EF), then the rest its TLV header announces.
func readTransparent(ctx context.Context, s *icao.Session, sfi bool) ([]byte, error) {
	read := func(off, n int) ([]byte, error) {
		p1 := byte(off >> 8)
		if sfi && off == 0 {
			p1 = 0x80 | 0x1C
		}
		b, err := s.Transmit(ctx, icao.Command{INS: 0xB0, P1: p1, P2: byte(off), Ne: n})
		var se *icao.StatusError
		if errors.As(err, &se) && se.SW&0xFF00 == 0x6C00 && se.SW&0xFF != 0 {
			return s.Transmit(ctx, icao.Command{INS: 0xB0, P1: p1, P2: byte(off), Ne: int(se.SW & 0xFF)})
		}
		if errors.As(err, &se) && se.SW == 0x6282 && len(b) > 0 {
			return b, nil // end of file reached before Ne: the data is all there is
		}
		return b, err
	}
	first, err := read(0, 8)
	if err != nil {
		return nil, err
	}
	_, hl, total, err := tlv.Header(first)
	if err != nil {
		return nil, fmt.Errorf("access: EF.CardAccess header: %w", err)
	}
	if total > maxCardAccess || hl > total {
		return nil, fmt.Errorf("access: EF.CardAccess of %d bytes is implausible", total)
	}
	out := append([]byte(nil), first...)
	for len(out) < total {
		n := min(total-len(out), 0xDF)
		b, err := read(len(out), n)
		if err != nil {
			return nil, err
		}
		if len(b) == 0 {
			return nil, fmt.Errorf("access: EF.CardAccess read returned nothing at offset %d", len(out))
		}
		out = append(out, b...)
	}
	return out[:total], nil
}

package icao

import (
	"context"
	"errors"
	"fmt"
)

// mfSelects are the ways chips accept to make the master file current, in
// the order ReadMFFile tries them: chips differ (some refuse SELECT MF with
// 3F00, some with no data, some take only the form with a response, some
// serve MF files by SFI with no select at all).
var mfSelects = []*Command{
	{INS: 0xA4, P1: 0x00, P2: 0x0C, Data: []byte{0x3F, 0x00}},
	{INS: 0xA4, P1: 0x00, P2: 0x0C},
	{INS: 0xA4, P1: 0x00, P2: 0x00, Data: []byte{0x3F, 0x00}, Ne: MaxShortNe},
	nil, // no select: read from the DF the chip is in
}

// SelectMF selects the master file (SELECT 00 A4 00 0C 3F00), where
// EF.CardAccess and EF.CardSecurity live.
func SelectMF(ctx context.Context, s *Session) error {
	_, err := s.Transmit(ctx, *mfSelects[0])
	return err
}

// ReadMFFile reads a file of the master file (f.InMF), such as EF.CardAccess
// before access control or EF.CardSecurity after PACE. It selects the MF one
// way and reads f by ReadFile (by SFI, then by FID); when the chip refuses
// the select or the read, it tries the next way of mfSelects. A refused
// select does not end a way, because some chips refuse every select yet
// serve the file: the read decides. A transport failure or a cancelled ctx
// ends at once. While no source has decided extended length, EF.ATR/INFO,
// which sits beside f, is read first (one READ BINARY, once per session; see
// NewSession). The eMRTD application is left deselected; ReadDocument
// selects it again.
func ReadMFFile(ctx context.Context, s *Session, f File, opts ...ReadOption) ([]byte, error) {
	var last error
	for i, sel := range mfSelects {
		if sel != nil {
			_, err := s.Transmit(ctx, *sel)
			var se *StatusError
			if err != nil && !errors.As(err, &se) {
				return nil, fmt.Errorf("icao: select the master file: %w", err)
			}
		}
		if i == 0 && f != FileATRInfo {
			if err := s.learnFromEFATR(ctx); err != nil {
				return nil, err
			}
		}
		b, err := ReadFile(ctx, s, f, opts...)
		if err == nil {
			return b, nil
		}
		if errors.Is(err, ErrTransport) || ctx.Err() != nil {
			return nil, err
		}
		last = err
	}
	return nil, last
}

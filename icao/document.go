package icao

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/cccd-agent/cccd/icao/lds"
)

// DefaultDGs are the data groups a CCCD read needs: DG1 (MRZ), DG13
// (Vietnamese personal data), DG14 (Chip Authentication), DG15 (Active
// Authentication) and DG2 (face), which ReadDocument always reads last.
var DefaultDGs = []int{1, 13, 14, 15, 2}

// DocumentOptions selects what ReadDocument reads.
type DocumentOptions struct {
	// DGs lists the data groups wanted; nil means DefaultDGs. Only those
	// the SOD or EF.COM lists are read (all of them if neither gives a
	// list).
	DGs []int
	// CardAccess also reads EF.CardAccess from the master file first.
	CardAccess bool
	// ChunkSize forces a fixed read size (see WithChunkSize); 0 is adaptive.
	ChunkSize int
}

// Files is what ReadDocument read: each file's raw bytes and the traffic it
// took.
type Files struct {
	lds.Files
	Stats Stats
}

// ReadDocument reads an eMRTD in the order that gets the security data first
// and the big photo last: EF.CardAccess (if asked, from the MF), EF.ATR/INFO
// (from the MF, only while extended length is undecided), then it
// selects the eMRTD application and reads EF.COM, EF.SOD, the wanted data
// groups the SOD or EF.COM lists with DG2 last. Access control must already be done
// (BAC or PACE) when the chip requires it.
//
// A data group the chip does not have (ErrNotFound) or refuses (6982, e.g.
// DG3 behind Terminal Authentication) is left out. Any other error ends the
// read; the files read so far come back with it, so a caller can report
// progress. A removed card yields ErrTransport wrapping the reader's error.
func ReadDocument(ctx context.Context, s *Session, opts DocumentOptions) (*Files, error) {
	start := s.Stats()
	out := &Files{}
	done := func(err error) (*Files, error) {
		out.Stats = s.Stats().Sub(start)
		return out, err
	}
	var ro []ReadOption
	if opts.ChunkSize > 0 {
		ro = append(ro, WithChunkSize(opts.ChunkSize))
	}
	if opts.CardAccess {
		// A chip without the file just leaves it out; a broken exchange
		// ends the read.
		b, err := ReadMFFile(ctx, s, FileCardAccess, ro...)
		var se *StatusError
		switch {
		case err == nil:
			out.Set(lds.EFCardAccess, b)
		case !errors.As(err, &se):
			return done(err)
		}
	}
	if err := learnExtendedLength(ctx, s, opts); err != nil {
		return done(err)
	}
	if err := SelectApplication(ctx, s); err != nil {
		return done(fmt.Errorf("icao: select the eMRTD application: %w", err))
	}
	com, err := ReadFile(ctx, s, FileCOM, ro...)
	switch {
	case err == nil:
		out.Set(lds.EFCOM, com)
	case !errors.Is(err, ErrNotFound):
		return done(err)
	}
	sod, err := ReadFile(ctx, s, FileSOD, ro...)
	if err != nil {
		return done(err)
	}
	out.Set(lds.EFSOD, sod)

	wanted := opts.DGs
	if wanted == nil {
		wanted = DefaultDGs
	}
	listed, err := listedDataGroups(com, sod)
	if err != nil {
		return done(err)
	}
	for _, n := range readOrder(wanted) {
		f, ok := DGFile(n)
		if !ok || (listed != nil && !listed[n]) {
			continue
		}
		b, err := ReadFile(ctx, s, f, ro...)
		switch {
		case err == nil:
			out.Set(f.ID, b)
		case errors.Is(err, ErrNotFound) || errors.Is(err, ErrAccessDenied):
		default:
			return done(err)
		}
	}
	return done(nil)
}

// learnExtendedLength reads EF.ATR/INFO from the master file before the
// first big read when neither the transport, the ATR nor the memo has
// decided extended length (the application is selected again next anyway).
// A chip whose master file cannot be selected is left to the probe.
func learnExtendedLength(ctx context.Context, s *Session, opts DocumentOptions) error {
	if s.extDecided() || s.efatrTried || opts.ChunkSize > 0 {
		return nil
	}
	err := SelectMF(ctx, s)
	var se *StatusError
	switch {
	case err == nil:
		return s.learnFromEFATR(ctx)
	case errors.As(err, &se):
		return nil
	}
	return fmt.Errorf("icao: select the master file: %w", err)
}

// listedDataGroups is the set of data groups worth asking the chip for: the
// ones the SOD signs, plus any EF.COM lists besides. The SOD is the signed
// list, so a damaged or incomplete EF.COM loses nothing; a group only
// EF.COM lists is read too, so that passive authentication can name it as
// injected. nil means neither file gives a list (read every wanted group).
// An unparsable EF.COM is an error only when the SOD gives no list either.
func listedDataGroups(com, sod []byte) (map[int]bool, error) {
	var listed map[int]bool
	if lso, err := lds.ParseSOD(sod); err == nil {
		listed = map[int]bool{}
		for _, n := range lso.DataGroups() {
			listed[n] = true
		}
	}
	if com == nil {
		return listed, nil
	}
	fromCOM, err := comDataGroups(com)
	switch {
	case err != nil && listed == nil:
		return nil, err
	case err != nil:
		return listed, nil
	case listed == nil:
		return fromCOM, nil
	}
	for n := range fromCOM {
		listed[n] = true
	}
	return listed, nil
}

// readOrder sorts data groups for reading: small ones first by number, the
// image groups (DG2, DG3, DG4) last; duplicates go.
func readOrder(dgs []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, n := range dgs {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	heavy := func(n int) bool { return n >= 2 && n <= 4 }
	sort.SliceStable(out, func(i, j int) bool {
		if heavy(out[i]) != heavy(out[j]) {
			return !heavy(out[i])
		}
		return out[i] < out[j]
	})
	return out
}

// comDataGroups returns the data groups EF.COM lists.
func comDataGroups(com []byte) (map[int]bool, error) {
	c, err := lds.ParseCOM(com)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFileFormat, err)
	}
	out := map[int]bool{}
	for _, n := range c.DataGroups {
		out[n] = true
	}
	return out, nil
}

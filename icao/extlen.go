package icao

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
)

// ATRReporter is implemented by transports that know the card's answer to
// reset: for a contactless card the PC/SC pseudo-ATR, whose historical bytes
// are those of the card's ATS (type A) or its ATQB application data (type B).
type ATRReporter interface {
	ATR() []byte
}

// ExtendedLengthKnower is implemented by an ExtendedLengthReporter whose
// answer may be a default rather than knowledge (a PC/SC reader without
// Part 10 properties). When KnowsExtendedLength is false, a Session asks the
// card instead (ATR, EF.ATR/INFO, one probe). A reporter without this method
// is always taken at its word.
type ExtendedLengthKnower interface {
	KnowsExtendedLength() bool
}

// The sources that can decide extended length, named in the trace.
const (
	extFromTransport = "the reader (PC/SC Part 10)"
	extFromATR       = "the ATR historical bytes (card capabilities)"
	extFromEFATR     = "EF.ATR/INFO"
	extFromProbe     = "a probe read"
	extFromRefusal   = "the chip refusing an extended read"
	extFromCaller    = "the caller"
)

// ExtendedLengthMemo remembers, per reader and ATR, whether extended length
// works and what decided it, so that the card-side sources (EF.ATR/INFO, the
// probe) and a refusal cost their APDUs once per kind of card, not once per
// tap. The caller owns it (the agent keeps one for its lifetime); it holds at
// most memoSize entries and is safe for concurrent use. The zero value is
// ready.
type ExtendedLengthMemo struct {
	mu    sync.Mutex
	m     map[string]memoEntry
	order []string // insertion order, oldest first, for eviction
}

type memoEntry struct {
	ext    bool
	from   string
	maxRes int
}

// memoSize bounds the memo: a desk sees a handful of readers and card types.
const memoSize = 64

func (m *ExtendedLengthMemo) get(key string) (memoEntry, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.m[key]
	return e, ok
}

func (m *ExtendedLengthMemo) put(key string, e memoEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string]memoEntry{}
	}
	if _, ok := m.m[key]; !ok {
		if len(m.order) >= memoSize {
			delete(m.m, m.order[0])
			m.order = m.order[1:]
		}
		m.order = append(m.order, key)
	}
	m.m[key] = e
}

// Len returns how many reader/ATR pairs are remembered.
func (m *ExtendedLengthMemo) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.m)
}

// UseExtendedLengthMemo makes the session remember what it learns about
// extended length in m under readerName and the card's ATR, and take what m
// already knows for them: over the ATR's word always, over the transport's
// only when the chip refused extended reads. Call it before the first read.
func (s *Session) UseExtendedLengthMemo(m *ExtendedLengthMemo, readerName string) {
	if m == nil {
		return
	}
	s.memo, s.memoKey = m, readerName+"\x00"+hex.EncodeToString(s.atr)
	// The transport's word stands, except against a chip that refused.
	if e, ok := m.get(s.memoKey); ok && (s.extFrom != extFromTransport || e.from == extFromRefusal) {
		s.ext, s.extFrom, s.extMaxRes = extNo, "remembered for this reader and ATR, from "+e.from, e.maxRes
		if e.ext {
			s.ext = extYes
		}
		s.extTraced = false
	}
}

// decideFromTransport takes the transport's answer and, failing that, the
// ATR's. Neither costs an APDU.
func (s *Session) decideFromTransport(t Transport) {
	if r, ok := t.(ExtendedLengthReporter); ok {
		k, hasK := t.(ExtendedLengthKnower)
		if !hasK || k.KnowsExtendedLength() {
			s.setExt(r.ExtendedLength(), extFromTransport, 0)
			return
		}
	}
	a, ok := t.(ATRReporter)
	if !ok {
		s.extNote = "the reader does not say and gives no ATR"
		return
	}
	s.atr = a.ATR()
	hist, err := HistoricalBytes(s.atr)
	var info LengthInfo
	if err == nil {
		info, err = ParseHistoricalBytes(hist)
	}
	switch {
	case err != nil:
		s.extNote = "the reader does not say; " + err.Error()
	case info.Said:
		s.setExt(info.Extended, extFromATR, 0)
	case info.InEFATR:
		s.extNote = "the reader does not say; the ATR points to EF.ATR/INFO"
	default:
		s.extNote = "neither the reader nor the ATR says"
	}
}

// extDecided reports whether a source has decided extended length.
func (s *Session) extDecided() bool { return s.ext != extUnknown }

// setExt records a decision, its source and (from EF.ATR/INFO) the largest
// response APDU, remembers it in the memo and traces it.
func (s *Session) setExt(ok bool, from string, maxRes int) {
	s.ext = extNo
	if ok {
		s.ext = extYes
	}
	s.extFrom, s.extMaxRes, s.extTraced = from, maxRes, false
	if s.memo != nil && from != extFromTransport && from != extFromCaller {
		s.memo.put(s.memoKey, memoEntry{ext: ok, from: from, maxRes: maxRes})
	}
	s.traceExt()
}

// traceExt writes the decision to the trace once (a Session gets its Trace
// after NewSession decided, so reads call it again).
func (s *Session) traceExt() {
	if s.Trace == nil || s.extTraced {
		return
	}
	s.extTraced = true
	switch s.ext {
	case extYes:
		s.Trace("extended length: yes, decided by " + s.extFrom)
	case extNo:
		s.Trace("extended length: no, decided by " + s.extFrom)
	default:
		s.Trace("extended length: unknown (" + s.extNote + ")")
	}
}

// ExtendedLengthSource names what decided extended length ("" while
// nothing has).
func (s *Session) ExtendedLengthSource() string { return s.extFrom }

// learnFromEFATR reads EF.ATR/INFO once per session when nothing has decided
// extended length yet; the master file must be the current DF. One READ
// BINARY by SFI for a short answer's worth: the file is a few data objects.
// A chip without the file, or one that refuses it, says nothing; only a
// transport failure is returned.
func (s *Session) learnFromEFATR(ctx context.Context) error {
	if s.extDecided() || s.efatrTried {
		return nil
	}
	s.efatrTried = true
	data, err := s.Transmit(ctx, Command{INS: 0xB0, P1: 0x80 | FileATRInfo.SFI, Ne: s.sm.MaxShortRead()})
	var se *StatusError
	switch {
	case err == nil, errors.Is(err, ErrEndOfFile) && len(data) > 0:
	case errors.As(err, &se) && se.SW == 0x6982 && s.sm == nil:
		s.efatrTried = false // readable only under secure messaging: try again then
		return nil
	case errors.As(err, &se):
		s.extNote += fmt.Sprintf("; no EF.ATR/INFO (%04X)", se.SW)
		s.traceExt()
		return nil
	default:
		return fmt.Errorf("icao: read EF.ATR/INFO: %w", err)
	}
	info, err := ParseATRInfo(data)
	switch {
	case err != nil:
		s.extNote += "; " + err.Error()
	case info.Said:
		s.setExt(info.Extended, extFromEFATR, info.MaxResponse)
		return nil
	default:
		s.extNote += "; EF.ATR/INFO does not say"
	}
	s.traceExt()
	return nil
}

// maxExtendedPlain is the largest plaintext one extended response may carry
// under what EF.ATR/INFO allowed (maxExtendedChunk without a limit).
func (s *Session) maxExtendedPlain() int {
	n := maxExtendedChunk
	if s.extMaxRes <= 0 {
		return n
	}
	if s.sm == nil {
		return max(1, min(n, s.extMaxRes-2))
	}
	n = min(n, s.extMaxRes)
	for n > 1 && s.sm.ProtectedResponseLen(n) > s.extMaxRes {
		n--
	}
	return max(1, n)
}

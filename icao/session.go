package icao

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Transport sends one command APDU and returns the response data followed by
// SW1 SW2. It is all a Session needs from a reader; every reader's card
// satisfies it, and icao knows nothing else about readers.
type Transport interface {
	Transmit(ctx context.Context, apdu []byte) ([]byte, error)
}

// ExtendedLengthReporter is implemented by transports whose reader knows
// whether extended-length APDUs pass through it; without it a Session probes.
type ExtendedLengthReporter interface {
	ExtendedLength() bool
}

// ErrTransport wraps every failure of the transport under a Session (the
// underlying error, e.g. the reader's card-removed error, is wrapped as well).
var ErrTransport = errors.New("card exchange failed")

// Stats counts what a session put on the air.
type Stats struct {
	APDUs    int   // command APDUs sent
	BytesOut int64 // command bytes sent to the card, SM overhead included
	BytesIn  int64 // response bytes received, SM overhead and SW included
}

// Add returns the sum of s and o.
func (s Stats) Add(o Stats) Stats {
	return Stats{APDUs: s.APDUs + o.APDUs, BytesOut: s.BytesOut + o.BytesOut, BytesIn: s.BytesIn + o.BytesIn}
}

// Sub returns s minus o (the traffic between two snapshots).
func (s Stats) Sub(o Stats) Stats {
	return Stats{APDUs: s.APDUs - o.APDUs, BytesOut: s.BytesOut - o.BytesOut, BytesIn: s.BytesIn - o.BytesIn}
}

type extState int

const (
	extUnknown extState = iota
	extYes
	extNo
)

// Session is one conversation with a chip over a Transport: it applies the
// current secure messaging (none before access control), counts traffic and
// traces each exchange. It also remembers what the read strategy learned
// about the chip (working chunk size, extended length) for the rest of the
// session. A Session is not safe for concurrent use.
type Session struct {
	t     Transport
	sm    *SecureMessaging
	stats Stats
	ext   extState

	// readChunk is the largest read that worked (0: not learned yet);
	// noReadAll records that Le=max does not return a whole file with 9000.
	readChunk int
	noReadAll bool
	// noReadFirst records that the chip answers a first READ BINARY longer
	// than the file with a bare 6282 (vsmartcard's emulator does): later
	// files start with the 4-byte header read instead.
	noReadFirst bool

	// What decided extended length (extFrom), why nothing has yet
	// (extNote), the response limit EF.ATR/INFO gave, the card's ATR, and
	// the caller's memo with this session's key in it.
	extFrom    string
	extNote    string
	extMaxRes  int
	extTraced  bool
	efatrTried bool
	atr        []byte
	memo       *ExtendedLengthMemo
	memoKey    string

	// Trace, if set, receives one line per APDU: the plain command header,
	// Lc/Le, whether SM protected it, the status word and the data length.
	// It never receives data, keys or file content.
	Trace func(line string)
}

// NewSession starts a session on t with no secure messaging. Extended
// length is decided by the first source that knows, in this order: the
// transport (ExtendedLengthReporter, unless ExtendedLengthKnower says it is
// only a default), the card capabilities in the ATR's historical bytes
// (ATRReporter), what UseExtendedLengthMemo remembers for this reader and
// ATR, EF.ATR/INFO (read with the first file of the master file, or before
// the eMRTD application is selected), and last one extended read of the first
// file larger than a short answer. The first two are decided here.
func NewSession(t Transport) *Session {
	s := &Session{t: t}
	s.decideFromTransport(t)
	return s
}

// SetSecureMessaging installs sm for every following command (nil turns
// secure messaging off). Access-control protocols call it once they have
// session keys.
func (s *Session) SetSecureMessaging(sm *SecureMessaging) { s.sm = sm }

// SecureMessaging returns the current secure-messaging session, or nil.
func (s *Session) SecureMessaging() *SecureMessaging { return s.sm }

// Stats returns the traffic counted so far.
func (s *Session) Stats() Stats { return s.stats }

// ExtendedLength reports whether extended-length APDUs may be used.
func (s *Session) ExtendedLength() bool { return s.ext == extYes }

// SetExtendedLength overrides what the transport reported or a probe found.
func (s *Session) SetExtendedLength(ok bool) { s.setExt(ok, extFromCaller, 0) }

// ProbeExtendedLength finds out, once, whether the reader and the chip pass
// extended-length APDUs, by sending GET CHALLENGE in case-2E form
// (00 84 00 00 00 00 08). It must run before access control: a plain command
// would end secure messaging on an ICAO chip, so with SM active and nothing
// known it answers false without sending anything. Transport errors are
// returned; any status word other than 9000 means no.
func (s *Session) ProbeExtendedLength(ctx context.Context) (bool, error) {
	if s.ext != extUnknown {
		return s.ext == extYes, nil
	}
	if s.sm != nil {
		return false, nil
	}
	raw := []byte{0x00, 0x84, 0x00, 0x00, 0x00, 0x00, 0x08}
	resp, err := s.exchange(ctx, raw)
	if err != nil {
		return false, err
	}
	r, err := ParseResponse(resp)
	ok := err == nil && r.SW == SWOK && len(r.Data) == 8
	s.trace(Command{INS: 0x84, Ne: 8}, false, r.SW, len(r.Data), "probe extended length")
	s.setExt(ok, extFromProbe, 0)
	return ok, nil
}

// Transmit sends cmd, protected by the current secure messaging if any, and
// returns the (plain) response data. A status other than 9000 comes back as
// a *StatusError; data the chip authenticated alongside a warning (6282) is
// returned with it. Transport failures wrap ErrTransport and the transport's
// own error (reader.ErrCardRemoved ...); secure-messaging failures wrap
// ErrBadMAC or ErrSMFormat.
func (s *Session) Transmit(ctx context.Context, cmd Command) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("icao: %s: %w", cmdName(cmd), err)
	}
	if err := cmd.Validate(); err != nil {
		return nil, err
	}
	sm := s.sm
	wire := cmd
	if sm != nil {
		var err error
		if wire, err = sm.Wrap(cmd); err != nil {
			return nil, err
		}
	}
	if wire.Ne == MaxExtendedNe && cmd.Ne <= MaxShortNe && s.ext != extYes {
		// Up to 256 plaintext bytes were asked but the protected answer
		// needs more: without extended length, send Le=00 and let the chip
		// answer what it can. The MAC covers DO'97', not the outer Le.
		wire.Ne = MaxShortNe
	}
	raw := wire.Bytes()
	resp, err := s.exchange(ctx, raw)
	if err != nil {
		s.trace(cmd, sm != nil, 0, 0, "no answer: card exchange failed")
		return nil, fmt.Errorf("icao: %s: %w: %w", cmdName(cmd), ErrTransport, err)
	}
	var data []byte
	var sw uint16
	var authenticated bool
	if sm != nil {
		data, sw, authenticated, err = sm.unwrap(resp)
		if err == nil && len(resp) == 2 && sw == 0x6700 && wire.Extended() {
			// A bare 6700 to an extended APDU comes from a chip (or reader)
			// that cannot parse extended length: its SM layer never saw the
			// command, so the SSC must not count it (gmrtd #457).
			sm.rewind()
		}
	} else {
		var r Response
		if r, err = ParseResponse(resp); err == nil {
			data, sw = r.Data, r.SW
		}
	}
	note := ""
	if sm != nil && err == nil && sw != SWOK {
		note = "status not MAC-protected"
		if authenticated {
			note = "status MAC verified"
		}
	}
	s.trace(cmd, sm != nil, sw, len(data), note)
	if err != nil {
		return nil, fmt.Errorf("icao: %s: %w", cmdName(cmd), err)
	}
	if sw != SWOK {
		return data, &StatusError{SW: sw, Authenticated: authenticated}
	}
	return data, nil
}

func (s *Session) exchange(ctx context.Context, raw []byte) ([]byte, error) {
	s.stats.APDUs++
	s.stats.BytesOut += int64(len(raw))
	resp, err := s.t.Transmit(ctx, raw)
	s.stats.BytesIn += int64(len(resp))
	return resp, err
}

// trace formats one line: "> 0CB0 0000 Le=DF (SM)  < 9000 223 bytes".
func (s *Session) trace(cmd Command, sm bool, sw uint16, n int, note string) {
	if s.Trace == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "> %02X%02X %02X%02X", cmd.CLA|smBits(sm), cmd.INS, cmd.P1, cmd.P2)
	if len(cmd.Data) > 0 {
		fmt.Fprintf(&b, " Lc=%d", len(cmd.Data))
	}
	if cmd.Ne > 0 {
		fmt.Fprintf(&b, " Le=%X", cmd.Ne)
	}
	if sm {
		b.WriteString(" (SM)")
	}
	if sw != 0 {
		fmt.Fprintf(&b, "  < %04X %d bytes", sw, n)
	}
	if note != "" {
		b.WriteString("  " + note)
	}
	s.Trace(b.String())
}

func smBits(sm bool) byte {
	if sm {
		return 0x0C
	}
	return 0
}

// cmdName names a command for error messages by its INS (never its data).
func cmdName(c Command) string {
	names := map[byte]string{
		0xA4: "SELECT", 0xB0: "READ BINARY", 0xB1: "READ BINARY (odd INS)", 0x84: "GET CHALLENGE",
		0x82: "MUTUAL AUTHENTICATE", 0x88: "INTERNAL AUTHENTICATE", 0x22: "MSE:SET", 0x86: "GENERAL AUTHENTICATE",
	}
	if n, ok := names[c.INS]; ok {
		return n
	}
	return fmt.Sprintf("INS %02X", c.INS)
}

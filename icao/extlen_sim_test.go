package icao_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/reader/sim"
)

// atrTransport gives an ATR of its own and nothing else: a reader that does
// not know extended length in front of a chip that may claim anything.
type atrTransport struct {
	icao.Transport
	atr []byte
}

func (a atrTransport) ATR() []byte { return a.atr }

// sourceRead runs BAC and ReadDocument on a fresh session over t with memo
// and returns the read's traffic, the deciding source and the trace.
func sourceRead(t *testing.T, tr icao.Transport, memo *icao.ExtendedLengthMemo) (icao.Stats, string, []string) {
	t.Helper()
	_, info := testMRZ()
	ctx := context.Background()
	s := icao.NewSession(tr)
	var lines []string
	s.Trace = func(l string) { lines = append(lines, l) }
	s.UseExtendedLengthMemo(memo, "sim")
	if err := icao.SelectApplication(ctx, s); err != nil {
		t.Fatal(err)
	}
	if err := icao.BAC(ctx, s, info); err != nil {
		t.Fatal(err)
	}
	files, err := icao.ReadDocument(ctx, s, icao.DocumentOptions{})
	if err != nil {
		t.Fatalf("ReadDocument: %v", err)
	}
	if files.Len() != len(allFiles) {
		t.Fatalf("read %d files", files.Len())
	}
	return files.Stats, s.ExtendedLengthSource(), lines
}

// TestExtendedLengthSources: each source decides in its turn, the trace
// names it, the memo spares the card-side sources on the next tap, and a
// chip that refuses falls back to the short-read bound.
func TestExtendedLengthSources(t *testing.T) {
	connect := func(t *testing.T, ext bool, in string, opts ...sim.Option) *sim.ReaderCard {
		p := testProfile(ext, 0)
		p.ExtendedLengthIn = in
		rc, err := sim.NewReader("sim", newSimCard(t, p), opts...).Connect(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rc.Close() })
		return rc.(*sim.ReaderCard)
	}
	bound := shortBound(t, 231) + 1 // + SELECT of the application

	transport, from, _ := sourceRead(t, connect(t, true, sim.AnnounceNone, sim.WithExtendedLength(true)), nil)
	if !strings.Contains(from, "reader") || transport.APDUs != 8 {
		t.Errorf("transport: %d APDUs, decided by %q", transport.APDUs, from)
	}
	memo := &icao.ExtendedLengthMemo{}
	st, from, lines := sourceRead(t, connect(t, true, sim.AnnounceATR), memo)
	if !strings.Contains(from, "ATR") || st.APDUs != transport.APDUs {
		t.Errorf("ATR: %d APDUs, decided by %q", st.APDUs, from)
	}
	if !strings.Contains(strings.Join(lines, "\n"), "extended length: yes, decided by the ATR") {
		t.Errorf("trace does not name the ATR:\n%s", strings.Join(lines, "\n"))
	}
	st, from, _ = sourceRead(t, connect(t, true, sim.AnnounceEFATR), memo)
	if from != "EF.ATR/INFO" || st.APDUs != transport.APDUs+2 { // SELECT MF, READ BINARY 2F01
		t.Errorf("EF.ATR/INFO: %d APDUs, decided by %q", st.APDUs, from)
	}
	if memo.Len() != 1 {
		t.Errorf("memo holds %d entries after EF.ATR/INFO decided", memo.Len())
	}

	// Nothing announced: EF.ATR/INFO is absent (2 APDUs), then the SOD's
	// first short read and one extended read of its rest decide.
	memo = &icao.ExtendedLengthMemo{}
	st, from, _ = sourceRead(t, connect(t, true, sim.AnnounceNone), memo)
	if from != "a probe read" || st.APDUs != transport.APDUs+3 {
		t.Errorf("probe: %d APDUs, decided by %q", st.APDUs, from)
	}
	st, from, _ = sourceRead(t, connect(t, true, sim.AnnounceNone), memo)
	if !strings.HasPrefix(from, "remembered") || st.APDUs != transport.APDUs {
		t.Errorf("second tap: %d APDUs, decided by %q", st.APDUs, from)
	}

	// A short-only chip that says nothing: the probe is refused (bare
	// 6700, SSC rewound) and the read falls back to the short bound.
	memo = &icao.ExtendedLengthMemo{}
	st, from, _ = sourceRead(t, atrTransport{Transport: connect(t, false, "")}, memo)
	if from != "a probe read" || st.APDUs != bound+3 {
		t.Errorf("refused probe: %d APDUs (bound %d + 3), decided by %q", st.APDUs, bound, from)
	}
	st, from, _ = sourceRead(t, atrTransport{Transport: connect(t, false, "")}, memo)
	if !strings.HasPrefix(from, "remembered") || st.APDUs != bound {
		t.Errorf("second tap: %d APDUs, want the bound %d, decided by %q", st.APDUs, bound, from)
	}

	// An ATR that claims extended length on a chip that refuses it: one
	// refused read, then short; the memo keeps the refusal over the ATR.
	claims := []byte{0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0x00, 0x00, 0x40, 0x00}
	memo = &icao.ExtendedLengthMemo{}
	st, from, _ = sourceRead(t, atrTransport{Transport: connect(t, false, ""), atr: claims}, memo)
	if from != "the chip refusing an extended read" || st.APDUs != bound+1 {
		t.Errorf("lying ATR: %d APDUs (bound %d + 1), decided by %q", st.APDUs, bound, from)
	}
	st, from, _ = sourceRead(t, atrTransport{Transport: connect(t, false, ""), atr: claims}, memo)
	if !strings.Contains(from, "refusing") || st.APDUs != bound {
		t.Errorf("second tap: %d APDUs, want the bound %d, decided by %q", st.APDUs, bound, from)
	}
}

// shortBound is Σ⌈size/chunk⌉ over the benchmark card's seven files: the
// fewest short READ BINARYs that can carry them.
func shortBound(tb testing.TB, chunk int) int {
	tb.Helper()
	n := 0
	for _, name := range allFiles {
		size := len(testProfile(false, 0).Files[name])
		n += (size + chunk - 1) / chunk
	}
	return n
}

// TestMaxShortRead checks the short-read chunk from the SM overhead: a
// protected answer of n plaintext bytes is DO'87' (tag, 2-byte length,
// padding indicator, n padded to the block) + DO'99' (4) + DO'8E' (10), and
// must fit 256 data bytes. 3DES: 231 → 232 padded → 236 + 14 = 250; 232..239
// pad to 240 → 258. AES: 223 → 224 → 228 + 14 = 242; 224 pads to 240 → 258.
func TestMaxShortRead(t *testing.T) {
	for _, tt := range []struct {
		alg  icao.Cipher
		keys int
		ssc  int
		want int
	}{{icao.Cipher3DES, 16, 8, 231}, {icao.CipherAES128, 16, 16, 223}} {
		sm, err := icao.NewSecureMessaging(tt.alg, make([]byte, tt.keys), make([]byte, tt.keys), make([]byte, tt.ssc))
		if err != nil {
			t.Fatal(err)
		}
		if got := sm.MaxShortRead(); got != tt.want {
			t.Errorf("%v: MaxShortRead %d, want %d", tt.alg, got, tt.want)
		}
		if sm.ProtectedResponseLen(tt.want) > 258 || sm.ProtectedResponseLen(tt.want+1) <= 258 {
			t.Errorf("%v: %d → %d bytes, %d → %d bytes", tt.alg, tt.want, sm.ProtectedResponseLen(tt.want), tt.want+1, sm.ProtectedResponseLen(tt.want+1))
		}
	}
}

package icao

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/reader"
)

// scriptTransport answers each command from a script and records commands.
type scriptTransport struct {
	t       *testing.T
	replies []string // hex responses, or "!err" for a removed card
	sent    [][]byte
}

func (s *scriptTransport) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	s.sent = append(s.sent, append([]byte(nil), apdu...))
	if len(s.replies) == 0 {
		s.t.Fatalf("unexpected command %X", apdu)
	}
	r := s.replies[0]
	s.replies = s.replies[1:]
	if r == "!err" {
		return nil, fmt.Errorf("sim: %w", reader.ErrCardRemoved)
	}
	return unhex(s.t, r), nil
}

type extTransport struct {
	scriptTransport
	ok bool
}

func (e *extTransport) ExtendedLength() bool { return e.ok }

func TestSessionPlainAndStats(t *testing.T) {
	tr := &scriptTransport{t: t, replies: []string{"9000", "0102036282", "6A82", "!err"}}
	s := NewSession(tr)
	var lines []string
	s.Trace = func(l string) { lines = append(lines, l) }
	ctx := context.Background()
	if _, err := s.Transmit(ctx, Command{INS: 0xA4, P1: 4, P2: 0x0C, Data: AID}); err != nil {
		t.Fatal(err)
	}
	data, err := s.Transmit(ctx, Command{INS: 0xB0, Ne: 8})
	if !errors.Is(err, ErrEndOfFile) || string(data) != "\x01\x02\x03" {
		t.Errorf("6282 read = %X, %v", data, err)
	}
	if _, err := s.Transmit(ctx, Command{INS: 0xA4, P1: 2, P2: 0x0C, Data: []byte{1, 1}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("6A82 err = %v", err)
	}
	_, err = s.Transmit(ctx, Command{INS: 0xB0, Ne: 8})
	if !errors.Is(err, reader.ErrCardRemoved) || !errors.Is(err, ErrTransport) {
		t.Errorf("removed card err = %v", err)
	}
	st := s.Stats()
	if st.APDUs != 4 || st.BytesOut != int64(4+1+7+5+7+5) || st.BytesIn != 2+5+2 {
		t.Errorf("stats = %+v", st)
	}
	want := []string{"> 00A4 040C Lc=7  < 9000 0 bytes", "> 00B0 0000 Le=8  < 6282 3 bytes", "> 00A4 020C Lc=2  < 6A82 0 bytes",
		"> 00B0 0000 Le=8  no answer: card exchange failed"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("trace:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Transmit(cctx, Command{INS: 0xB0, Ne: 1}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx err = %v", err)
	}
}

func TestSessionExtendedLength(t *testing.T) {
	ctx := context.Background()
	for _, ok := range []bool{true, false} {
		s := NewSession(&extTransport{ok: ok})
		if got, err := s.ProbeExtendedLength(ctx); err != nil || got != ok || s.ExtendedLength() != ok {
			t.Errorf("reporter %v: probe = %v, %v", ok, got, err)
		}
	}
	tests := []struct {
		reply string
		want  bool
	}{{"01020304050607089000", true}, {"6700", false}, {"6D00", false}}
	for _, tt := range tests {
		tr := &scriptTransport{t: t, replies: []string{tt.reply}}
		s := NewSession(tr)
		got, err := s.ProbeExtendedLength(ctx)
		if err != nil || got != tt.want {
			t.Errorf("probe on %s = %v, %v", tt.reply, got, err)
		}
		if fmt.Sprintf("%X", tr.sent[0]) != "00840000000008" {
			t.Errorf("probe sent %X", tr.sent[0])
		}
		if again, _ := s.ProbeExtendedLength(ctx); again != tt.want || len(tr.sent) != 1 {
			t.Errorf("second probe re-sent or changed answer")
		}
	}
	s := NewSession(&scriptTransport{t: t})
	r, _ := newPair(t, Cipher3DES)
	s.SetSecureMessaging(r)
	if got, err := s.ProbeExtendedLength(ctx); got || err != nil {
		t.Errorf("probe under SM = %v, %v; want false without sending", got, err)
	}
}

// TestSessionExtended6700Rewinds: a bare 6700 to an extended SM command
// means the chip's SM layer never saw it; the next command must verify.
func TestSessionExtended6700Rewinds(t *testing.T) {
	r, c := newPair(t, Cipher3DES)
	tr := &scriptTransport{t: t, replies: []string{"6700"}}
	s := NewSession(tr)
	s.SetSecureMessaging(r)
	if _, err := s.Transmit(context.Background(), Command{INS: 0xB0, Ne: 0x1000}); !errors.Is(err, ErrWrongLength) {
		t.Fatalf("err = %v", err)
	}
	w, _ := r.Wrap(Command{INS: 0xB0, Ne: 4})
	if _, err := c.UnwrapCommand(w); err != nil {
		t.Errorf("after rewind the chip rejects the next command: %v", err)
	}
}

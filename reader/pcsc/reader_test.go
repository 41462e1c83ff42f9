package pcsc_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/internal/testkit/vicc"
	"github.com/cccd-agent/cccd/reader"
	"github.com/cccd-agent/cccd/reader/pcsc"
	"github.com/cccd-agent/cccd/reader/sim"
)

func TestConnectTransmit(t *testing.T) {
	testenv.LockVPCD(t)
	requirePCSCD(t)
	b := startSlot(t, 0)
	chip := &testChip{id: 0xA1}
	b.Insert(chip)
	info := waitCard(t, slotName(0), true)
	if !bytes.Equal(info.ATR, testATR) {
		t.Errorf("List ATR % X, want % X", info.ATR, testATR)
	}

	r := pcsc.NewReader(slotName(0), pcsc.Options{})
	defer r.Close()
	ctx := context.Background()
	card, err := r.Connect(ctx)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	defer card.Close()
	pc := card.(*pcsc.Card)
	if !bytes.Equal(pc.ATR(), testATR) || pc.Protocol() != "T=1" {
		t.Errorf("ATR % X protocol %s", pc.ATR(), pc.Protocol())
	}
	// Debian 12's vpcd (3.3) has no Part 10 properties; newer vsmartcard
	// releases announce 64 KiB APDUs. Either answer is right here.
	t.Logf("ExtendedLength() = %v", pc.ExtendedLength())

	tests := []struct {
		name string
		cmd  []byte
		want []byte
	}{
		{"case 1", []byte{0x00, 0xA4, 0x04, 0x0C}, []byte{0xA1, 0x00, 0xA4, 0x04, 0x0C, 0x90, 0x00}},
		{"case 3", []byte{0x00, 0xA4, 0x04, 0x0C, 0x02, 0x3F, 0x00}, []byte{0xA1, 0x00, 0xA4, 0x04, 0x0C, 0x02, 0x3F, 0x00, 0x90, 0x00}},
		{"extended", append([]byte{0x00, 0xD6, 0x00, 0x00, 0x00, 0x01, 0x2C}, make([]byte, 300)...), nil},
	}
	for _, tc := range tests {
		got, err := card.Transmit(ctx, tc.cmd)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		want := tc.want
		if want == nil {
			want = append(append([]byte{0xA1}, tc.cmd...), 0x90, 0x00)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: got %d bytes % X..., want %d", tc.name, len(got), got[:min(len(got), 8)], len(want))
		}
	}
	if _, err := card.Transmit(ctx, []byte{0x00}); err == nil {
		t.Error("a 1-byte APDU was sent")
	}

	// Exclusive: a second session on the same reader is refused as busy.
	r2 := pcsc.NewReader(slotName(0), pcsc.Options{BusyRetry: 100 * time.Millisecond})
	defer r2.Close()
	if c2, err := r2.Connect(ctx); !errors.Is(err, reader.ErrReaderBusy) {
		if c2 != nil {
			c2.Close()
		}
		t.Errorf("second Connect: %v, want ErrReaderBusy", err)
	}
	if err := card.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := card.Transmit(ctx, []byte{0x00, 0xA4, 0x04, 0x0C}); !errors.Is(err, pcsc.ErrCardClosed) {
		t.Errorf("Transmit after Close: %v", err)
	}
}

func TestConnectErrors(t *testing.T) {
	testenv.LockVPCD(t)
	requirePCSCD(t)
	startSlot(t, 0) // no card
	waitCard(t, slotName(0), false)
	ctx := context.Background()
	tests := []struct {
		reader string
		want   error
		hint   string
	}{
		{slotName(0), reader.ErrNoCard, "place the card"},
		{"No Such Reader 99 00", reader.ErrNoReader, "cccd readers"},
	}
	for _, tc := range tests {
		r := pcsc.NewReader(tc.reader, pcsc.Options{})
		_, err := r.Connect(ctx)
		r.Close()
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.reader, err, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.hint) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: message %q lacks the hint %q or spans lines", tc.reader, err, tc.hint)
		}
	}
}

// TestRemovedMidSession pulls the card between two APDUs: a clean
// ErrCardRemoved, then a new card works on a new session.
func TestRemovedMidSession(t *testing.T) {
	b, r, card := cardOnSlot0(t, &testChip{id: 1}, pcsc.Options{})
	ctx := context.Background()
	if _, err := card.Transmit(ctx, []byte{0x00, 0xCC, 0x00, 0x00}); err != nil {
		t.Fatal(err)
	}
	b.Remove()
	waitCard(t, slotName(0), false)
	// The command carries personal data (an ID number, as a CAN or MRZ
	// would); the error must not repeat any of it.
	personal := append([]byte{0x00, 0xCC, 0x00, 0x00, 0x0C}, "001099012345"...)
	_, err := card.Transmit(ctx, personal)
	if !errors.Is(err, reader.ErrCardRemoved) {
		t.Fatalf("Transmit after removal: %v, want ErrCardRemoved", err)
	}
	for _, leak := range []string{"001099012345", "099012345", "3030313039", "30 30 31"} {
		if strings.Contains(strings.ToUpper(err.Error()), leak) {
			t.Errorf("error %q leaks command data %q", err, leak)
		}
	}
	card.Close()

	b.Insert(&testChip{id: 2})
	waitCard(t, slotName(0), true)
	card, err = r.Connect(ctx)
	if err != nil {
		t.Fatalf("Connect to the next card: %v", err)
	}
	defer card.Close()
	got, err := card.Transmit(ctx, []byte{0x00, 0xCC, 0x00, 0x00})
	if err != nil || got[0] != 2 {
		t.Fatalf("next card answered % X, %v", got, err)
	}
}

// TestHungTransmit: a card that never answers in time gives ErrTimeout to
// the caller at the deadline; the reader is reported hung until the APDU
// finally returns, then works again.
func TestHungTransmit(t *testing.T) {
	_, r, card := cardOnSlot0(t, &testChip{id: 3, hang: 2 * time.Second}, pcsc.Options{TransmitTimeout: 300 * time.Millisecond})
	ctx := context.Background()
	_, err := card.Transmit(ctx, []byte{0x00, 0xEE, 0x00, 0x00})
	if !errors.Is(err, reader.ErrTimeout) || !strings.Contains(err.Error(), "replug") {
		t.Fatalf("hung Transmit: %v, want ErrTimeout with a hint", err)
	}
	if _, err := card.Transmit(ctx, []byte{0x00, 0xCC, 0x00, 0x00}); !errors.Is(err, reader.ErrTimeout) {
		t.Errorf("Transmit on the bad session: %v, want ErrTimeout", err)
	}
	if _, err := r.Connect(ctx); !errors.Is(err, reader.ErrTimeout) {
		t.Errorf("Connect while the APDU is stuck: %v, want ErrTimeout", err)
	}
	// A Reader made afresh for the next read knows it too.
	if _, err := pcsc.NewReader(slotName(0), pcsc.Options{}).Connect(ctx); !errors.Is(err, reader.ErrTimeout) {
		t.Errorf("new Reader's Connect while the APDU is stuck: %v, want ErrTimeout", err)
	}
	card.Close()
	// Once the stuck APDU returns, the reader is usable again.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := r.Connect(ctx)
		if err == nil {
			got, err := c.Transmit(ctx, []byte{0x00, 0xCC, 0x00, 0x00})
			c.Close()
			if err != nil || got[0] != 3 {
				t.Fatalf("after recovery: % X, %v", got, err)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("reader never recovered: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestReaderSurvivesPCSCDRestart: a Reader made before pcscd restarts
// reports the outage as ErrNoService with how to start it, then works
// again on a fresh context once pcscd is back, without being recreated.
func TestReaderSurvivesPCSCDRestart(t *testing.T) {
	_, r, card := cardOnSlot0(t, &testChip{id: 9}, pcsc.Options{})
	ctx := context.Background()
	card.Close()

	vicc.StopPCSCD(t)
	_, err := r.Connect(ctx)
	if !errors.Is(err, reader.ErrNoService) || !strings.Contains(err.Error(), "start it with") {
		t.Fatalf("Connect with pcscd stopped: %v, want ErrNoService with a hint", err)
	}
	if _, err := pcsc.List(ctx); !errors.Is(err, reader.ErrNoService) {
		t.Errorf("List with pcscd stopped: %v", err)
	}

	vicc.StartPCSCD(t)
	waitCard(t, slotName(0), true) // the bridge redials by itself
	deadline := time.Now().Add(5 * time.Second)
	for {
		card, err = r.Connect(ctx)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Connect after pcscd came back: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	defer card.Close()
	if got, err := card.Transmit(ctx, []byte{0x00, 0xCC, 0x00, 0x00}); err != nil || got[0] != 9 {
		t.Fatalf("after restart: % X, %v", got, err)
	}
}

// TestReaderPerReadLeaksNothing: pcscd serves at most 200 contexts (one
// thread each). A Reader made for every read and never closed, as the
// reception flow does, must give its context back with its last session,
// also when Connect fails.
func TestReaderPerReadLeaksNothing(t *testing.T) {
	testenv.LockVPCD(t)
	requirePCSCD(t)
	b := startSlot(t, 0)
	b.Insert(&testChip{id: 4})
	waitCard(t, slotName(0), true)
	ctx := context.Background()
	const n = 210 // more than pcscd's 200 contexts
	for i := 0; i < n; i++ {
		card, err := pcsc.NewReader(slotName(0), pcsc.Options{}).Connect(ctx)
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		if err := card.Close(); err != nil {
			t.Fatalf("close %d: %v", i, err)
		}
		if _, err := pcsc.NewReader(slotName(1), pcsc.Options{}).Connect(ctx); !errors.Is(err, reader.ErrNoCard) {
			t.Fatalf("empty slot, attempt %d: %v", i, err)
		}
	}
	if _, err := pcsc.List(ctx); err != nil {
		t.Fatalf("pcscd after %d readers: %v", 2*n, err)
	}
}

// cardOnSlot0 holds the vpcd slots, puts chip on slot 0 and returns its
// bridge, a Reader on it (closed at cleanup) and an open session.
func cardOnSlot0(t *testing.T, chip *testChip, opts pcsc.Options) (*sim.Bridge, *pcsc.Reader, reader.Card) {
	t.Helper()
	testenv.LockVPCD(t)
	requirePCSCD(t)
	b := startSlot(t, 0)
	b.Insert(chip)
	waitCard(t, slotName(0), true)
	r := pcsc.NewReader(slotName(0), opts)
	t.Cleanup(func() { r.Close() })
	card, err := r.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return b, r, card
}

package pn532_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/internal/testkit/pn532emu"
	"github.com/cccd-agent/cccd/reader"
	"github.com/cccd-agent/cccd/reader/pn532"
	"github.com/cccd-agent/cccd/reader/sim"
)

// startBench puts chip on an emulated PN532 behind a real socat PTY pair and
// returns the bench and a driver for its host end, both opened with
// go.bug.st/serial.
func startBench(t *testing.T, chip sim.Chip, opts pn532emu.Options, cfg pn532.Config) (*pn532emu.Bench, *pn532.Reader) {
	t.Helper()
	socat := lookSocat(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	b, err := pn532emu.StartBench(ctx, socat, t.TempDir(), chip, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	cfg.Path = b.Path
	if cfg.ReadTimeout == 0 {
		// Generous: the test machine may be heavily loaded.
		cfg.ReadTimeout = 2 * time.Second
	}
	r, err := pn532.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return b, r
}

func lookSocat(t testing.TB) string { return testenv.LookPath(t, "socat") }

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func readBinary(le int) []byte {
	if le <= 256 {
		return []byte{0x00, 0xB0, 0x00, 0x05, byte(le)}
	}
	return []byte{0x00, 0xB0, 0x00, 0x05, 0x00, byte(le >> 8), byte(le)}
}

func echo(data []byte) []byte {
	if len(data) <= 255 {
		return append([]byte{0x00, 0xEE, 0x00, 0x00, byte(len(data))}, data...)
	}
	return append([]byte{0x00, 0xEE, 0x00, 0x00, 0x00, byte(len(data) >> 8), byte(len(data))}, data...)
}

func wantOK(t *testing.T, resp []byte, data []byte) {
	t.Helper()
	if len(resp) < 2 || !bytes.Equal(resp[len(resp)-2:], []byte{0x90, 0x00}) {
		t.Fatalf("response ends % X, want 90 00", resp[max(0, len(resp)-2):])
	}
	if got := resp[:len(resp)-2]; !bytes.Equal(got, data) {
		t.Fatalf("response data: %d bytes, want %d (first diff around %d)", len(got), len(data), firstDiff(got, data))
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestEndToEndExchange drives the real driver against the emulator over a
// socat PTY pair: activation with ATS, then APDUs and responses from one
// frame up to several chained frames, with normal and extended frames.
func TestEndToEndExchange(t *testing.T) {
	big := pattern(700, 3)
	tests := []struct {
		name  string
		chunk int  // both directions; 0 = default 252 (normal frames)
		ta    byte // ATS TA(1) of the card; 0 = 106 kbps only
		max   int  // Config.MaxBitRate
		rate  int  // bit rate expected after Connect
	}{
		{"normal frames", 0, 0, 0, 106},
		{"extended frames at 424 kbps", 262, 0xB3, 0, 424},
		{"small chunks capped at 212 kbps", 40, 0xB3, 212, 212},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, r := startBench(t, &testChip{}, pn532emu.Options{Chunk: tc.chunk, TA: tc.ta}, pn532.Config{Chunk: tc.chunk, MaxBitRate: tc.max})
			ctx := testCtx(t)
			if r.Name() != "pn532:"+b.Path {
				t.Fatalf("Name = %q", r.Name())
			}
			c, err := r.Connect(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if got, emu := c.(*pn532.Card).BitRate(), b.Emulator().Stats().BitRate; got != tc.rate || emu != tc.rate {
				t.Fatalf("bit rate: driver %d, emulator %d, want %d kbps", got, emu, tc.rate)
			}
			ats := c.(*pn532.Card).ATS()
			if !bytes.HasSuffix(ats, []byte("CCCDTEST")) || int(ats[0]) != len(ats) {
				t.Fatalf("ATS % X does not carry the chip's historical bytes", ats)
			}
			steps := []struct {
				name string
				apdu []byte
				data []byte
			}{
				{"short read, one frame", readBinary(16), pattern(16, 5)},
				{"256-byte answer", readBinary(256), pattern(256, 5)},
				{"1000-byte answer", readBinary(1000), pattern(1000, 5)},
				{"700-byte command echoed", echo(big), big},
				{"252-byte command", echo(big[:252]), big[:252]},
			}
			for _, s := range steps {
				resp, err := c.Transmit(ctx, s.apdu)
				if err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
				wantOK(t, resp, s.data)
			}
			st := b.Emulator().Stats()
			if st.Exchanges != len(steps) || st.ChainedIn == 0 || st.ChainedOut == 0 || st.Wakeups != 1 {
				t.Fatalf("emulator stats %+v: want %d exchanges, chaining both ways, one wake-up", st, len(steps))
			}
		})
	}
}

// TestEndToEndFaults injects each fault the emulator knows and checks the
// driver's error and that the next exchange works without a restart.
func TestEndToEndFaults(t *testing.T) {
	chip := &testChip{}
	b, r := startBench(t, chip, pn532emu.Options{}, pn532.Config{Retries: 2})
	ctx := testCtx(t)
	c, err := r.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	healthy := func(t *testing.T, c reader.Card) {
		t.Helper()
		resp, err := c.Transmit(ctx, readBinary(300))
		if err != nil {
			t.Fatalf("exchange after the fault: %v", err)
		}
		wantOK(t, resp, pattern(300, 5))
	}
	tests := []struct {
		name   string
		inject func(e *pn532emu.Emulator)
		is     error  // nil: the driver recovers transparently
		text   string // in the error message
	}{
		{"one broken checksum is NACKed", func(e *pn532emu.Emulator) { e.BreakChecksum(1) }, nil, ""},
		{"persistent broken checksum", func(e *pn532emu.Emulator) { e.BreakChecksum(3) }, pn532.ErrChecksum, "still damaged after 2 NACKs"},
		{"one NACK is retransmitted", func(e *pn532emu.Emulator) { e.NackCommands(1) }, nil, ""},
		{"persistent NACK", func(e *pn532emu.Emulator) { e.NackCommands(3) }, pn532.ErrFrame, "NACK"},
		{"no answer at all", func(e *pn532emu.Emulator) { e.DropCommands(1) }, reader.ErrTimeout, "did not acknowledge"},
		{"acknowledged, no response", func(e *pn532emu.Emulator) { e.StallResponses(1) }, reader.ErrTimeout, "sent no response"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := b.Emulator()
			before := e.Stats()
			tc.inject(e)
			resp, err := c.Transmit(ctx, readBinary(300))
			if tc.is == nil {
				if err != nil {
					t.Fatalf("Transmit: %v", err)
				}
				wantOK(t, resp, pattern(300, 5))
				after := e.Stats()
				if after.NacksReceived+after.Commands <= before.NacksReceived+before.Commands+2 {
					t.Fatalf("no retry visible in emulator stats %+v → %+v", before, after)
				}
			} else {
				if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.text) {
					t.Fatalf("Transmit err = %v, want %v mentioning %q", err, tc.is, tc.text)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("error spans lines: %q", err)
				}
			}
			healthy(t, c)
		})
	}

	t.Run("context cancelled while waiting", func(t *testing.T) {
		e := b.Emulator()
		acks := e.Stats().AcksReceived
		e.StallResponses(1)
		cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.Transmit(cctx, readBinary(10))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Transmit: %v, want DeadlineExceeded", err)
		}
		if waited := time.Since(start); waited > time.Second {
			t.Fatalf("cancellation took %v", waited)
		}
		healthy(t, c)
		if e.Stats().AcksReceived <= acks {
			t.Fatal("the cancelled command was not aborted with an ACK")
		}
	})

	t.Run("card taken away and back", func(t *testing.T) {
		b.Emulator().SetChip(nil)
		_, err := c.Transmit(ctx, readBinary(10))
		if !errors.Is(err, reader.ErrTimeout) {
			t.Fatalf("Transmit without card: %v, want ErrTimeout (status 0x01)", err)
		}
		if _, err := r.Connect(ctx); !errors.Is(err, reader.ErrNoCard) {
			t.Fatalf("Connect without card: %v, want ErrNoCard", err)
		}
		b.Emulator().SetChip(chip)
		c, err = r.Connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		healthy(t, c)
	})

	t.Run("unplug and replug", func(t *testing.T) {
		if err := b.Unplug(); err == nil {
			t.Fatal("emulator did not see the hang-up")
		}
		_, err := c.Transmit(ctx, readBinary(10))
		if !errors.Is(err, reader.ErrNoReader) || !strings.Contains(err.Error(), "unplugged") {
			t.Fatalf("Transmit after unplug: %v, want ErrNoReader", err)
		}
		if _, err := c.Transmit(ctx, readBinary(10)); !errors.Is(err, reader.ErrNoReader) {
			t.Fatalf("stale card after unplug: %v, want ErrNoReader", err)
		}
		if _, err := r.Connect(ctx); !errors.Is(err, reader.ErrNoReader) {
			t.Fatalf("Connect while unplugged: %v, want ErrNoReader", err)
		}
		if err := b.Replug(ctx); err != nil {
			t.Fatal(err)
		}
		c, err = r.Connect(ctx)
		if err != nil {
			t.Fatalf("Connect after replug: %v", err)
		}
		healthy(t, c)
		if w := b.Emulator().Stats().Wakeups; w != 1 {
			t.Fatalf("replugged PN532 woken %d times, want 1", w)
		}
	})
}

// TestFirmwareAndProbe checks GetFirmwareVersion through the port and that
// Probe accepts a PN532 and rejects another device.
func TestFirmwareAndProbe(t *testing.T) {
	b, r := startBench(t, nil, pn532emu.Options{}, pn532.Config{})
	ctx := testCtx(t)
	fw, err := r.Firmware(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fw.IC != 0x32 || fw.Version != 1 || fw.Revision != 6 || fw.Support != 0x07 {
		t.Fatalf("firmware %v", fw)
	}
	if _, err := r.Connect(ctx); !errors.Is(err, reader.ErrNoCard) {
		t.Fatalf("Connect with empty field: %v, want ErrNoCard", err)
	}
	r.Close()
	if err := pn532.Probe(ctx, pn532.Config{Path: b.Path, ReadTimeout: 2 * time.Second}); err != nil {
		t.Fatalf("Probe: %v", err)
	}

	other, _ := startBench(t, nil, pn532emu.Options{Firmware: pn532.Firmware{IC: 0x33, Version: 2}}, pn532.Config{})
	if err := pn532.Probe(ctx, pn532.Config{Path: other.Path, ReadTimeout: 2 * time.Second}); !errors.Is(err, pn532.ErrNotPN532) {
		t.Fatalf("Probe of a PN533: %v, want ErrNotPN532", err)
	}
	if err := pn532.Probe(ctx, pn532.Config{Path: b.Path + ".missing"}); !errors.Is(err, reader.ErrNoReader) {
		t.Fatalf("Probe of a missing port: %v, want ErrNoReader", err)
	}
}

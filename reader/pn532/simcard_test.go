package pn532_test

import (
	"bytes"
	"testing"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/icao/mrz"
	"github.com/cccd-agent/cccd/internal/testkit/pn532emu"
	"github.com/cccd-agent/cccd/reader/pn532"
	"github.com/cccd-agent/cccd/reader/sim"
)

// demoCard returns the simulated demo CCCD and its BAC key seed.
func demoCard(t testing.TB) (*sim.Profile, *sim.Card, string) {
	t.Helper()
	p, err := sim.DemoProfile()
	if err != nil {
		t.Fatal(err)
	}
	chip, err := sim.NewCard(p)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mrz.Parse(p.MRZ)
	if err != nil {
		t.Fatal(err)
	}
	seed, err := mrz.KeySeed(m.DocumentNumber, m.DateOfBirth, m.DateOfExpiry)
	if err != nil {
		t.Fatal(err)
	}
	return p, chip, seed
}

// TestReadSimulatedCard reads the demo CCCD with icao.BAC and
// icao.ReadDocument through the pn532 driver → socat PTY → emulator →
// sim.Card, with short APDUs and with extended-length reads.
func TestReadSimulatedCard(t *testing.T) {
	tests := []struct {
		name string
		ext  bool
	}{
		{"short APDUs", false},
		{"extended length", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, chip, seed := demoCard(t)
			p.ExtendedLength = tc.ext
			if tc.ext {
				var err error
				if chip, err = sim.NewCard(p); err != nil {
					t.Fatal(err)
				}
			}
			b, r := startBench(t, chip, pn532emu.Options{TA: 0xB3}, pn532.Config{ExtendedLength: tc.ext})
			ctx := testCtx(t)
			c, err := r.Connect(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if rate := c.(*pn532.Card).BitRate(); rate != 424 {
				t.Fatalf("bit rate %d kbps, want 424", rate)
			}
			s := icao.NewSession(c)
			if err := icao.SelectApplication(ctx, s); err != nil {
				t.Fatalf("select: %v", err)
			}
			if err := icao.BAC(ctx, s, seed); err != nil {
				t.Fatalf("BAC: %v", err)
			}
			files, err := icao.ReadDocument(ctx, s, icao.DocumentOptions{})
			if err != nil {
				t.Fatalf("ReadDocument: %v", err)
			}
			for _, id := range []lds.FileID{lds.EFCOM, lds.EFSOD, lds.DG(1), lds.DG(2)} {
				if files.Get(id) == nil {
					t.Fatalf("%s not read", id)
				}
			}
			for _, id := range files.IDs() {
				name := id.String()
				if got, want := files.Get(id), p.Files[name]; !bytes.Equal(got, want) {
					t.Fatalf("%s: read %d bytes, want the profile's %d", name, len(got), len(want))
				}
			}
			st := b.Emulator().Stats()
			if st.Exchanges != s.Stats().APDUs {
				t.Fatalf("emulator forwarded %d APDUs, the session sent %d", st.Exchanges, s.Stats().APDUs)
			}
			if tc.ext && st.ChainedOut == 0 {
				t.Fatalf("extended reads used no response chaining: %+v", st)
			}
			t.Logf("%s: %d files, %d APDUs, %d bytes in, %d chained response frames",
				tc.name, files.Len(), files.Stats.APDUs, files.Stats.BytesIn, st.ChainedOut)
		})
	}
}

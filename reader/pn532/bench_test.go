package pn532_test

import (
	"context"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/internal/testkit/pn532emu"
	"github.com/cccd-agent/cccd/reader/pn532"
	"github.com/cccd-agent/cccd/reader/sim"
)

// direct is the baseline transport: the chip called in process, no link.
type direct struct{ c sim.Chip }

func (d direct) Transmit(_ context.Context, apdu []byte) ([]byte, error) {
	return d.c.Process(apdu), nil
}

// readDemo runs SELECT + BAC + ReadDocument on t and returns the stats.
func readDemo(b *testing.B, t icao.Transport, seed string) icao.Stats {
	ctx := context.Background()
	s := icao.NewSession(t)
	if err := icao.SelectApplication(ctx, s); err != nil {
		b.Fatal(err)
	}
	if err := icao.BAC(ctx, s, seed); err != nil {
		b.Fatal(err)
	}
	if _, err := icao.ReadDocument(ctx, s, icao.DocumentOptions{}); err != nil {
		b.Fatal(err)
	}
	return s.Stats()
}

// BenchmarkReadDocument reads the demo CCCD (BAC + COM, SOD, DG1, DG13,
// DG14, DG15, DG2) through pn532 → socat PTY → emulator → sim.Card with
// short APDUs, and reports APDUs and bytes per read, the time per APDU and
// the ratio to the same read with the chip called in process (measured in
// the same run). The PTY has no baud rate, so the figures are the driver's
// and the kernel's overhead, not a real UART's.
func BenchmarkReadDocument(b *testing.B) {
	_, chip, seed := demoCard(b)

	const baseRuns = 20
	start := time.Now()
	for range baseRuns {
		chip.PowerOn()
		readDemo(b, direct{chip}, seed)
	}
	base := time.Since(start) / baseRuns

	r := startBenchB(b, chip)
	ctx := context.Background()
	var st icao.Stats
	b.ResetTimer()
	for range b.N {
		c, err := r.Connect(ctx)
		if err != nil {
			b.Fatal(err)
		}
		st = readDemo(b, c, seed)
		c.Close()
	}
	b.StopTimer()
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(st.APDUs), "APDUs/read")
	b.ReportMetric(float64(st.BytesIn+st.BytesOut), "bytes/read")
	b.ReportMetric(float64(per.Microseconds())/float64(st.APDUs), "µs/APDU")
	b.ReportMetric(float64(per)/float64(base), "x-in-process")
}

func startBenchB(b *testing.B, chip sim.Chip) *pn532.Reader {
	b.Helper()
	socat := lookSocat(b)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	bench, err := pn532emu.StartBench(ctx, socat, b.TempDir(), chip, pn532emu.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(bench.Close)
	r, err := pn532.New(pn532.Config{Path: bench.Path})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close() })
	return r
}

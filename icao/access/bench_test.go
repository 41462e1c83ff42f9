package access

import (
	"context"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/reader/sim"
)

// session runs one whole chip session against an in-process sim reader:
// access control, DG14 and DG15 read, Active Authentication, then Chip
// Authentication. It returns the APDUs used.
func session(tb testing.TB, rdr *sim.Reader, key Key) int {
	ctx := context.Background()
	card, err := rdr.Connect(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer card.Close()
	c, err := Connect(ctx, card, key, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	f14, _ := icao.DGFile(14)
	f15, _ := icao.DGFile(15)
	dg14, err := icao.ReadFile(ctx, c.Session, f14)
	if err != nil {
		tb.Fatal(err)
	}
	dg15, err := icao.ReadFile(ctx, c.Session, f15)
	if err != nil {
		tb.Fatal(err)
	}
	if v := AuthenticateChip(ctx, c, ChipFiles{DG15: dg15}, ChipOptions{}); !v.OK || v.Method != ChipAA {
		tb.Fatalf("AA: %+v", v)
	}
	if v := AuthenticateChip(ctx, c, ChipFiles{DG14: dg14}, ChipOptions{}); !v.OK || v.Method != ChipCA {
		tb.Fatalf("CA: %+v", v)
	}
	return c.Session.Stats().APDUs
}

func benchReader(tb testing.TB, opts sim.ChipKeyOptions) *sim.Reader {
	chip, err := sim.NewCard(newProfile(tb, opts))
	if err != nil {
		tb.Fatal(err)
	}
	return sim.NewReader("bench", chip)
}

// BenchmarkSessionCPU measures one whole session on brainpoolP256r1 —
// PACE-CAN (ECDH-GM, AES-128) + AA (ECDSA) + CA (ECDH, AES-128), as on a
// CCCD — against the in-process simulated chip (terminal and simulated chip
// together), and the same session opened with BAC (3DES) on a chip without
// PACE. ns/op is wall time and suffers from a loaded machine; cpu-ns/session
// is the process CPU time. The PACE run also runs a BAC session outside the
// timer in every iteration, so its x-BAC ratio compares CPU time measured
// under the same load.
func BenchmarkSessionCPU(b *testing.B) {
	paceKey, bacKey := Key{CAN: testCAN}, Key{MRZInfo: testMRZInfo}
	b.Run("BAC+AA+CA", func(b *testing.B) {
		rdr := benchReader(b, sim.ChipKeyOptions{NoPACE: true})
		var cpu time.Duration
		apdus := 0
		b.ReportAllocs()
		for b.Loop() {
			c0 := cpuTime()
			apdus = session(b, rdr, bacKey)
			cpu += cpuTime() - c0
		}
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/session")
		b.ReportMetric(float64(apdus), "APDUs/session")
	})
	b.Run("PACE-CAN+AA+CA", func(b *testing.B) {
		rdr := benchReader(b, sim.ChipKeyOptions{})
		bacRdr := benchReader(b, sim.ChipKeyOptions{NoPACE: true})
		var cpu, bacCPU time.Duration
		apdus := 0
		b.ReportAllocs()
		for b.Loop() {
			c0 := cpuTime()
			apdus = session(b, rdr, paceKey)
			c1 := cpuTime()
			b.StopTimer()
			session(b, bacRdr, bacKey)
			bacCPU += cpuTime() - c1
			b.StartTimer()
			cpu += c1 - c0
		}
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/session")
		b.ReportMetric(float64(cpu)/float64(bacCPU), "x-BAC")
		b.ReportMetric(float64(apdus), "APDUs/session")
	})
}

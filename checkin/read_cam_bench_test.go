package checkin

import (
	"context"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/reader/sim"
)

// BenchmarkReadPACECAM compares a full read (CaptureCard + Assemble) of a
// PACE-CAM card with the same citizen's PACE-GM card, whose chip check is
// Chip Authentication: the baseline, measured in the same run. CAM adds a
// SELECT MF and EF.CardSecurity's read and saves CA's MSE:Set AT and GENERAL
// AUTHENTICATE. Metrics per read: apdus (gm-apdus for the baseline), link-ms (sim.DefaultLinkModel:
// 424 kbit/s, 5 ms per APDU; modelled, not slept), bytes-in, and
// link-ratio = CAM link-ms / GM link-ms.
func BenchmarkReadPACECAM(b *testing.B) {
	cam, camTrust := camProfile(b, 7)
	seed := [32]byte{'c', 'a', 'm', '-', 'c', 'h', 'e', 'c', 'k', 'i', 'n', 7}
	gm, _, err := sim.GenerateProfile(sim.ProfileOptions{
		ID: sim.DemoID, FullName: sim.DemoName, DateOfBirth: sim.DemoDateOfBirth, IssueDate: sim.DemoIssueDate,
		Now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Seed: &seed,
	})
	if err != nil {
		b.Fatal(err)
	}
	key, _ := ParseKey(sim.DemoCAN)
	read := func(b *testing.B, p *sim.Profile, wantChip string) (apdus, bytesIn int, link time.Duration) {
		chip, err := sim.NewCard(p)
		if err != nil {
			b.Fatal(err)
		}
		r := sim.NewReader("sim:bench", chip, sim.WithLinkModel(sim.DefaultLinkModel))
		card, err := r.Connect(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		defer card.Close()
		c, err := CaptureCard(context.Background(), card, key, ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		res := Assemble(c, r.Name(), ReadOptions{Trust: camTrust})
		if res.Verification.Chip.Method != wantChip || res.Verification.Chip.Status != "ok" {
			b.Fatalf("chip %+v", res.Verification.Chip)
		}
		return c.Stats.APDUs, int(c.Stats.BytesIn), card.(*sim.ReaderCard).ModelledTime()
	}
	read(b, gm, "CA") // warm the same paths as the CAM reads
	b.ReportAllocs()
	var apdus, bytesIn int
	var link time.Duration
	for b.Loop() {
		apdus, bytesIn, link = read(b, cam, "PACE-CAM")
	}
	gmAPDUs, _, gmLink := read(b, gm, "CA")
	b.ReportMetric(float64(apdus), "apdus")
	b.ReportMetric(float64(gmAPDUs), "gm-apdus")
	b.ReportMetric(float64(bytesIn), "bytes-in")
	b.ReportMetric(float64(link.Microseconds())/1000, "link-ms")
	b.ReportMetric(float64(link)/float64(gmLink), "link-ratio")
}

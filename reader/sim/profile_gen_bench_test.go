package sim

import (
	"encoding/json"
	"testing"
)

// BenchmarkGenerateProfile measures making one card (face drawing, keys,
// SOD signing) and reports the sizes that matter for the chip: DG2 and SOD
// bytes and the whole profile JSON.
func BenchmarkGenerateProfile(b *testing.B) {
	var p *Profile
	for b.Loop() {
		var err error
		if p, _, err = GenerateProfile(ProfileOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	js, _ := json.Marshal(p)
	b.ReportMetric(float64(len(p.Files["DG2"])), "DG2-bytes")
	b.ReportMetric(float64(len(p.Files["SOD"])), "SOD-bytes")
	b.ReportMetric(float64(len(js)), "profile-bytes")
}

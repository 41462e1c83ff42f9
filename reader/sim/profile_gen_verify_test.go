package sim

import (
	"encoding/pem"
	"fmt"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/verify"
)

// TestGeneratedSODPassesPassiveAuthentication runs the project's own
// verifier on generated cards: verified against their CSCA,
// intact-untrusted without it, failed when a data group is altered.
func TestGeneratedSODPassesPassiveAuthentication(t *testing.T) {
	p, err := DemoProfile()
	if err != nil {
		t.Fatal(err)
	}
	pki, err := DemoPKI()
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pki.CSCACert)
	trusted := verify.NewTrustStore()
	if err := trusted.Add(block.Bytes); err != nil {
		t.Fatal(err)
	}
	dgs := func(alter int) map[int][]byte {
		m := map[int][]byte{}
		for _, n := range signedDGs {
			b := append([]byte(nil), p.Files[fmt.Sprintf("DG%d", n)]...)
			if n == alter {
				b[len(b)-1] ^= 1
			}
			m[n] = b
		}
		return m
	}
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		trust *verify.TrustStore
		alter int
		want  string
	}{
		{"trusted", trusted, 0, "verified"},
		{"unknown CSCA", verify.NewTrustStore(), 0, "intact-untrusted"},
		{"DG13 altered", trusted, 13, "failed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := verify.Passive(p.Files["SOD"], dgs(tc.alter), tc.trust, at)
			if r.Status != tc.want {
				t.Errorf("status %s, want %s (reasons %v, passive %+v)", r.Status, tc.want, r.Reasons, r.Passive)
			}
		})
	}
}

package pkitest

import (
	"path/filepath"
	"testing"

	"github.com/cccd-agent/cccd/internal/testenv"
)

// RealSODSeeds are fuzz seeds from the shared test data: the real SODs of
// twelve countries as CMS ContentInfos (some BER-encoded) and a real
// EF.CardSecurity.
func RealSODSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	var seeds [][]byte
	for _, c := range []string{"AT", "DE", "FI", "FR", "ID", "MY", "NZ", "PH", "RU", "SG", "UK", "US"} {
		b := testenv.ReadShared(tb, filepath.Join("pa/gmrtd-sods", c+"_EF_SOD.bin"))
		seeds = append(seeds, b[4:]) // the ContentInfo without the 77 wrapper
	}
	return append(seeds, testenv.ReadShared(tb, "pa/gmrtd-sods/DE_EF_CardSecurity.bin"))
}

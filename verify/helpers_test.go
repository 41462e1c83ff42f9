package verify

import (
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/cccd-agent/cccd/internal/testenv"
)

var (
	realTrustOnce  sync.Once
	realTrustStore *TrustStore
	realTrustErr   error
)

// realTrust loads the DE and NL master lists (each checked against its
// root) and the Indonesian CSCAs from the shared test data, once per run.
func realTrust(t testing.TB) *TrustStore {
	t.Helper()
	dir := filepath.Join(testenv.SharedTestdata(t), "masterlists")
	realTrustOnce.Do(func() {
		ts := NewTrustStore()
		for _, p := range [][2]string{
			{"DE_ML_2026-05-28-08-28-45.ml", "DE_ROOT_CA_CSCA07.cer"},
			{"NL_ML_2026-07-22.ml", "NL_ROOT_CA.cer"},
		} {
			ml, err := os.ReadFile(filepath.Join(dir, p[0]))
			if err != nil {
				realTrustErr = err
				return
			}
			rootDER, err := os.ReadFile(filepath.Join(dir, p[1]))
			if err != nil {
				realTrustErr = err
				return
			}
			root, err := ParseCertificate(rootDER)
			if err != nil {
				realTrustErr = err
				return
			}
			if _, err := ts.AddMasterList(ml, root); err != nil {
				realTrustErr = err
				return
			}
		}
		realTrustErr = ts.LoadPath(filepath.Join(dir, "IDN_2010_SERIES_CSCA_CERT"))
		realTrustStore = ts
	})
	if realTrustErr != nil {
		t.Fatalf("loading the real trust store: %v", realTrustErr)
	}
	return realTrustStore
}

// readSet reads EF_SOD.bin and every DGn.bin of a pa/ set.
func readSet(t testing.TB, set string) (sod []byte, dgs map[int][]byte) {
	t.Helper()
	dir := filepath.Join(testenv.SharedTestdata(t), "pa", set)
	sod = testenv.ReadShared(t, filepath.Join("pa", set, "EF_SOD.bin"))
	dgs = map[int][]byte{}
	for n := 1; n <= 16; n++ {
		b, err := os.ReadFile(filepath.Join(dir, "DG"+strconv.Itoa(n)+".bin"))
		if err == nil {
			dgs[n] = b
		}
	}
	return sod, dgs
}

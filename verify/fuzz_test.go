package verify

import (
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testkit/pkitest"
)

// Seeds: the real SODs (incl. BER), CardSecurity, the UK CSCA, and small
// generated objects. Master lists are ~1 MB, too big for useful mutation,
// so FuzzParseMasterList seeds with generated lists.

// FuzzPassive runs the whole pipeline on mutated SODs: it must not panic.
func FuzzPassive(f *testing.F) {
	for _, seed := range pkitest.RealSODSeeds(f) {
		f.Add(seed)
	}
	f.Add(mustHex("30800201010000"))
	f.Fuzz(func(t *testing.T, b []byte) {
		Passive(append([]byte{0x77, 0x82, byte(len(b) >> 8), byte(len(b))}, b...), map[int][]byte{1: b[:min(len(b), 10)]}, nil, time.Now())
	})
}

func FuzzParseMasterList(f *testing.F) {
	ca := pkitest.Issue(pkitest.Template{Subject: pkitest.Name{C: "VN", CN: "CSCA"}, NotBefore: t0, NotAfter: t0.AddDate(5, 0, 0), CA: true},
		pkitest.ECKey("P-256", true), nil)
	signer := pkitest.Issue(pkitest.Template{Subject: pkitest.Name{C: "VN", CN: "ML signer"}, NotBefore: t0, NotAfter: t0.AddDate(5, 0, 0)},
		pkitest.RSAKey(1024), ca)
	f.Add(pkitest.MasterList(signer, ca.DER))
	f.Add(pkitest.MasterList(signer, ca.DER, signer.DER))
	f.Fuzz(func(t *testing.T, b []byte) {
		ml, err := ParseMasterList(b)
		if err != nil {
			return
		}
		if !cheapKeys(ml.SignedData.Certificates) {
			return
		}
		_, _ = ml.Verify()
		ts := NewTrustStore()
		_, _ = ts.AddMasterList(b)
		_, _ = DecodeTrustFile(b)
	})
}

// cheapKeys reports whether every certificate key is pkitest.CheapKey.
func cheapKeys(certs []*Certificate) bool {
	for _, c := range certs {
		if !pkitest.CheapKey(c.PublicKey) {
			return false
		}
	}
	return true
}

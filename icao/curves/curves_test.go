package curves

import (
	"errors"
	"math/big"
	"testing"

	"github.com/cccd-agent/cccd/pki/ecc"
)

// PACE parameter IDs 8–18 name the curves of pki/ecc in table order.
func TestPACECurveIDs(t *testing.T) {
	for i, d := range ecc.Domains() {
		id := 8 + i
		s, err := ByPACEParameterID(id)
		if err != nil || s.EC != d || s.DH != nil || s.Name() != d.Name {
			t.Errorf("ByPACEParameterID(%d) = %+v, %v", id, s, err)
		}
	}
}

func TestDHGroups(t *testing.T) {
	want := []struct {
		id    int
		pBits int
		qBits int
	}{{0, 1024, 160}, {1, 2048, 224}, {2, 2048, 256}}
	for _, w := range want {
		s, err := ByPACEParameterID(w.id)
		if err != nil || s.DH == nil || s.EC != nil {
			t.Fatalf("ID %d: %+v %v", w.id, s, err)
		}
		g := s.DH
		if g.P.BitLen() != w.pBits || g.Q.BitLen() != w.qBits {
			t.Errorf("ID %d: %d/%d bits", w.id, g.P.BitLen(), g.Q.BitLen())
		}
		if !g.P.ProbablyPrime(20) || !g.Q.ProbablyPrime(20) {
			t.Errorf("ID %d: p or q not prime", w.id)
		}
		if new(big.Int).Mod(new(big.Int).Sub(g.P, big.NewInt(1)), g.Q).Sign() != 0 {
			t.Errorf("ID %d: q does not divide p-1", w.id)
		}
		if !g.ValidElement(g.G) {
			t.Errorf("ID %d: generator not of order q", w.id)
		}
		if m, ok := MatchDH(g.P, g.G, g.Q); !ok || m != g {
			t.Errorf("ID %d: MatchDH", w.id)
		}
		if g.ValidElement(big.NewInt(1)) || g.ValidElement(new(big.Int).Sub(g.P, big.NewInt(1))) || g.ValidElement(big.NewInt(2)) {
			t.Errorf("ID %d: ValidElement accepts a small-subgroup value", w.id)
		}
	}
	for _, id := range []int{-1, 3, 7, 19, 255} {
		if _, err := ByPACEParameterID(id); !errors.Is(err, ErrUnknownParameters) {
			t.Errorf("ID %d: err %v", id, err)
		}
	}
}

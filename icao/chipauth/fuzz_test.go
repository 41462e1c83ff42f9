package chipauth

import (
	"crypto/ecdsa"
	"errors"
	"testing"

	"github.com/cccd-agent/cccd/icao/curves"
	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/internal/testenv"
)

// FuzzSecurityInfosForCA feeds DG14 and EF.CardSecurity bytes through the
// lds parsers into SelectKey: any input gives a usable key or an error,
// never a panic, and a selected key is always a valid group element.
func FuzzSecurityInfosForCA(f *testing.F) {
	for _, seed := range seedDG14s(f) {
		f.Add(seed)
	}
	for _, rel := range []string{"pa/gmrtd-sods/DE_EF_CardSecurity.bin", "pa/gmrtd-sods/FI_EF_CardSecurity.bin"} {
		f.Add(testenv.ReadShared(f, rel))
	}
	f.Add([]byte{0x6E, 0x02, 0x31, 0x00})
	f.Add([]byte{0x31, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, parse := range []func([]byte) (*lds.SecurityInfos, error){lds.ParseDG14, lds.ParseCardSecurity, lds.ParseSecurityInfos} {
			si, err := parse(b)
			if err != nil {
				continue
			}
			k, err := SelectKey(si)
			if err != nil {
				if !errors.Is(err, ErrNotSupported) {
					t.Fatalf("unexpected error kind: %v", err)
				}
				continue
			}
			switch pub := k.Public.(type) {
			case *ecdsa.PublicKey:
				if !k.ECDH || !pub.Curve.IsOnCurve(pub.X, pub.Y) {
					t.Fatal("selected an invalid EC key")
				}
			case *curves.DHPublicKey:
				if k.ECDH || !pub.Group.ValidElement(pub.Y) {
					t.Fatal("selected an invalid DH key")
				}
			default:
				t.Fatalf("selected key of type %T", pub)
			}
		}
	})
}

// seedDG14s are the real DG14 files of the shared PA sets.
func seedDG14s(tb testing.TB) map[string][]byte {
	out := map[string][]byte{}
	for _, set := range []string{"jmrtd-bsi2008", "pymrtd-tr03105-5", "pymrtd-etsi-tr103200-eacaa"} {
		out[set] = testenv.ReadShared(tb, "pa/"+set+"/DG14.bin")
	}
	return out
}

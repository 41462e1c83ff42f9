package access

import (
	"crypto/ecdsa"
	"crypto/rand"
	"testing"

	"github.com/cccd-agent/cccd/pki/ecc"

	"github.com/cccd-agent/cccd/icao/chipauth"
	"github.com/cccd-agent/cccd/icao/lds"
)

type randReader struct{}

func (randReader) Read(p []byte) (int, error) { return rand.Read(p) }

// dg14Key returns the uncompressed EC point of the CA key in DG14.
func dg14Key(t testing.TB, dg14 []byte) []byte {
	t.Helper()
	si, err := lds.ParseDG14(dg14)
	if err != nil {
		t.Fatal(err)
	}
	k, err := chipauth.SelectKey(si)
	if err != nil {
		t.Fatal(err)
	}
	ek := k.Public.(*ecdsa.PublicKey)
	return ecc.Marshal(ek.Curve, ek.X, ek.Y)
}

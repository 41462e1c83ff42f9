package curves

import (
	"crypto/ecdsa"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/cccd-agent/cccd/pki/ecc"
)

// FuzzParseKeys feeds arbitrary DER to the SPKI, PKCS#8 and point decoders:
// they return a valid key or an error, never panic.
func FuzzParseKeys(f *testing.F) {
	for _, d := range ecc.Domains()[:6] {
		k, _ := ecdsa.GenerateKey(d.Curve, rand.Reader)
		spki, _ := MarshalPKIXPublicKey(&k.PublicKey)
		der, _ := MarshalPKCS8(k)
		f.Add(spki)
		f.Add(der)
	}
	g := DHGroups()[0]
	dspki, _ := MarshalPKIXPublicKey(&DHPublicKey{Group: g, Y: g.G})
	f.Add(dspki)
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		if k, err := ParsePKIXPublicKey(b); err == nil {
			switch pub := k.(type) {
			case *ecdsa.PublicKey:
				if !pub.Curve.IsOnCurve(pub.X, pub.Y) {
					t.Fatal("accepted an off-curve point")
				}
			case *DHPublicKey:
				if !pub.Group.ValidElement(pub.Y) {
					t.Fatal("accepted an invalid DH value")
				}
			}
		} else if !errors.Is(err, ErrUnsupportedKey) && !errors.Is(err, ecc.ErrInvalidPoint) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		_, _ = ParsePKCS8(b)
		for _, d := range ecc.Domains()[:2] {
			if x, y, err := ecc.Unmarshal(d.Curve, b); err == nil && !d.Curve.IsOnCurve(x, y) {
				t.Fatal("Unmarshal accepted an off-curve point")
			}
		}
	})
}

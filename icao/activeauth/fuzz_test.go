package activeauth

import (
	"crypto"
	"crypto/ecdsa"
	"errors"
	"testing"

	"github.com/cccd-agent/cccd/pki/ecc"
)

// FuzzAAResponse feeds arbitrary INTERNAL AUTHENTICATE answers (and
// challenges) to the RSA 9796-2 and ECDSA verifiers: they must reject
// anything not signed by the key, with ErrBadSignature and without panic.
func FuzzAAResponse(f *testing.F) {
	for _, v := range iso9796Vectors {
		f.Add(unhex(f, v.msg), unhex(f, v.sig))
	}
	f.Add([]byte("12345678"), []byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01})
	f.Add([]byte{}, []byte{})
	f.Add([]byte("12345678"), make([]byte, 64))
	rsaPub := vectorKey(f, "dg15")
	d, _ := ecc.DomainByOID([]int{1, 3, 36, 3, 3, 2, 8, 1, 1, 7})
	// A fixed point on brainpoolP256r1 (2·G) stands in for a DG15 key.
	x, y := d.Curve.Double(d.Gx, d.Gy)
	ecPub := &ecdsa.PublicKey{Curve: d.Curve, X: x, Y: y}
	f.Fuzz(func(t *testing.T, challenge, sig []byte) {
		if err := Verify(rsaPub, 0, challenge, sig); err != nil && !errors.Is(err, ErrBadSignature) {
			t.Fatalf("RSA: unexpected error kind: %v", err)
		}
		if _, err := RecoverISO9796(rsaPub, sig); err == nil && len(sig) == 0 {
			t.Fatal("empty signature recovered")
		}
		if err := Verify(ecPub, crypto.SHA256, challenge, sig); err == nil {
			t.Fatal("ECDSA signature by an unknown key accepted")
		} else if !errors.Is(err, ErrBadSignature) {
			t.Fatalf("ECDSA: unexpected error kind: %v", err)
		}
	})
}

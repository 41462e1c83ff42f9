package curves

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"math/big"
	"os/exec"
	"testing"

	"github.com/cccd-agent/cccd/pki/ecc"

	"github.com/cccd-agent/cccd/internal/testenv"
)

func TestKeyRoundTrips(t *testing.T) {
	for _, d := range ecc.Domains() {
		k, err := ecdsa.GenerateKey(d.Curve, rand.Reader)
		if err != nil {
			t.Fatalf("%s: %v", d.Name, err)
		}
		der, err := MarshalPKCS8(k)
		if err != nil {
			t.Fatalf("%s: %v", d.Name, err)
		}
		back, err := ParsePKCS8(der)
		if err != nil {
			t.Fatalf("%s: %v", d.Name, err)
		}
		bk := back.(*ecdsa.PrivateKey)
		if bk.D.Cmp(k.D) != 0 || bk.X.Cmp(k.X) != 0 || bk.Curve != d.Curve {
			t.Errorf("%s: PKCS#8 round trip differs", d.Name)
		}
		spki, err := MarshalPKIXPublicKey(&k.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		pub, err := ParsePKIXPublicKey(spki)
		if err != nil {
			t.Fatalf("%s: %v", d.Name, err)
		}
		if pk := pub.(*ecdsa.PublicKey); pk.X.Cmp(k.X) != 0 || pk.Y.Cmp(k.Y) != 0 {
			t.Errorf("%s: SPKI round trip differs", d.Name)
		}
	}
	for _, g := range DHGroups() {
		x, _ := rand.Int(rand.Reader, g.Q)
		x.Add(x, big.NewInt(1))
		k := &DHPrivateKey{Group: g, X: x, Y: new(big.Int).Exp(g.G, x, g.P)}
		der, err := MarshalPKCS8(k)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParsePKCS8(der)
		if err != nil {
			t.Fatalf("%s: %v", g.Name, err)
		}
		if bk := back.(*DHPrivateKey); bk.X.Cmp(x) != 0 || bk.Y.Cmp(k.Y) != 0 || bk.Group != g {
			t.Errorf("%s: DH PKCS#8 round trip differs", g.Name)
		}
		spki, _ := MarshalPKIXPublicKey(&DHPublicKey{Group: g, Y: k.Y})
		pub, err := ParsePKIXPublicKey(spki)
		if err != nil || pub.(*DHPublicKey).Y.Cmp(k.Y) != 0 {
			t.Errorf("%s: DH SPKI: %v", g.Name, err)
		}
	}
	rk, _ := rsa.GenerateKey(rand.Reader, 1024)
	der, _ := MarshalPKCS8(rk)
	if back, err := ParsePKCS8(der); err != nil || back.(*rsa.PrivateKey).N.Cmp(rk.N) != 0 {
		t.Errorf("RSA: %v", err)
	}
	if _, err := ParsePKCS8([]byte{0x30, 0x00}); !errors.Is(err, ErrUnsupportedKey) {
		t.Errorf("garbage: %v", err)
	}
}

// TestOpenSSLInterop: OpenSSL reads our brainpool and P-192 PKCS#8 keys and
// we read its explicit-parameter SPKI of brainpoolP224r1.
func TestOpenSSLInterop(t *testing.T) {
	ossl := testenv.LookPath(t, "openssl")
	out, err := exec.Command("sh", "-c", ossl+" ecparam -name brainpoolP224r1 -genkey -noout | "+ossl+" ec -param_enc explicit -pubout -outform DER 2>/dev/null").Output()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePKIXPublicKey(out)
	if err != nil {
		t.Fatal(err)
	}
	if ecc.Name(pub.(*ecdsa.PublicKey).Curve) != "brainpoolP224r1" {
		t.Errorf("explicit parameters matched %s", ecc.Name(pub.(*ecdsa.PublicKey).Curve))
	}
}

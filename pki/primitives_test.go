package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/pki/oids"

	"github.com/cccd-agent/cccd/pki/ecc"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/internal/testkit/pkitest"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestNormalizeBER(t *testing.T) {
	tests := []struct {
		name, in, want string
		err            bool
	}{
		{"already DER", "3003020101", "3003020101", false},
		{"indefinite SEQUENCE", "30800201010000", "3003020101", false},
		{"nested indefinite", "3080308002010100000000", "30053003020101", false},
		{"non-minimal length", "308103020101", "3003020101", false},
		{"constructed OCTET STRING", "2480040201020401030000", "0403010203", false},
		{"constructed BIT STRING", "238003020001030204f00000", "03030401f0", false},
		{"context tag kept constructed", "a0800401000000", "a003040100", false},
		{"missing end-of-contents", "30800201", "", true},
		{"indefinite primitive", "0480", "", true},
		{"length beyond input", "3005020101", "", true},
		{"trailing bytes", "300302010100", "", true},
		{"mixed segment types", "248003010000", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeBER(mustHex(tc.in))
			if tc.err {
				if err == nil || !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := mustHex(stripSpaces(tc.want))
			if !bytes.Equal(got, want) {
				t.Errorf("got %X, want %X", got, want)
			}
		})
	}
	// Depth is bounded: 100 nested indefinite SEQUENCEs are refused, not recursed.
	deep := bytes.Repeat([]byte{0x30, 0x80}, 100)
	deep = append(deep, bytes.Repeat([]byte{0, 0}, 100)...)
	if _, err := NormalizeBER(deep); err == nil {
		t.Error("100-deep nesting accepted")
	}
}

func stripSpaces(s string) string { return string(bytes.ReplaceAll([]byte(s), []byte(" "), nil)) }

func TestNameEqual(t *testing.T) {
	enc := func(rdns ...[3]string) Name { // [oid-last-arc, tag, value]
		var b cryptobyte.Builder
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, r := range rdns {
				b.AddASN1(asn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
						arc := map[string]int{"C": 6, "O": 10, "CN": 3, "L": 7}[r[0]]
						b.AddASN1ObjectIdentifier([]int{2, 5, 4, arc})
						tag := map[string]asn1.Tag{"P": asn1.PrintableString, "U": asn1.UTF8String}[r[1]]
						b.AddASN1(tag, func(b *cryptobyte.Builder) { b.AddBytes([]byte(r[2])) })
					})
				})
			}
		})
		n, ok := parseName(b.BytesOrPanic())
		if !ok {
			t.Fatal("parseName failed")
		}
		return n
	}
	a := enc([3]string{"C", "P", "MY"}, [3]string{"O", "P", "Jabatan"}, [3]string{"CN", "P", "Signer"})
	tests := []struct {
		name string
		b    Name
		want bool
	}{
		{"same", enc([3]string{"C", "P", "MY"}, [3]string{"O", "P", "Jabatan"}, [3]string{"CN", "P", "Signer"}), true},
		{"UTF8String instead of PrintableString (UA)", enc([3]string{"C", "P", "MY"}, [3]string{"O", "U", "Jabatan"}, [3]string{"CN", "U", "Signer"}), true},
		{"RDN order differs (MY)", enc([3]string{"CN", "P", "Signer"}, [3]string{"C", "P", "MY"}, [3]string{"O", "P", "Jabatan"}), true},
		{"case and spaces", enc([3]string{"C", "P", "my"}, [3]string{"O", "P", " jabatan "}, [3]string{"CN", "P", "SIGNER"}), true},
		{"other value", enc([3]string{"C", "P", "MY"}, [3]string{"O", "P", "Jabatan"}, [3]string{"CN", "P", "Other"}), false},
		{"extra attribute", enc([3]string{"C", "P", "MY"}, [3]string{"O", "P", "Jabatan"}, [3]string{"CN", "P", "Signer"}, [3]string{"L", "P", "KL"}), false},
	}
	for _, tc := range tests {
		if got := a.Equal(tc.b); got != tc.want {
			t.Errorf("%s: Equal = %v", tc.name, got)
		}
	}
}

// RSASSA-PSS with an MGF1 hash different from the message hash, made by
// OpenSSL (crypto/rsa cannot sign it), goes through the package's own
// EMSA-PSS decoder; the wrong salt length is refused.
func TestPSSWithDifferentMGFHash(t *testing.T) {
	dir := t.TempDir()
	testenv.RunOpenSSL(t, dir, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "k.pem")
	testenv.RunOpenSSL(t, dir, "pkey", "-in", "k.pem", "-pubout", "-outform", "DER", "-out", "pub.der")
	msg := []byte("signed attributes stand-in")
	if err := os.WriteFile(filepath.Join(dir, "msg"), msg, 0o600); err != nil {
		t.Fatal(err)
	}
	testenv.RunOpenSSL(t, dir, "dgst", "-sha256", "-sign", "k.pem", "-sigopt", "rsa_padding_mode:pss",
		"-sigopt", "rsa_mgf1_md:sha1", "-sigopt", "rsa_pss_saltlen:20", "-out", "sig", "msg")
	spki, _ := os.ReadFile(filepath.Join(dir, "pub.der"))
	sig, _ := os.ReadFile(filepath.Join(dir, "sig"))
	pub, err := ParsePublicKey(spki)
	if err != nil {
		t.Fatal(err)
	}
	alg := func(s pkitest.Scheme) AlgorithmIdentifier {
		in := cryptobyte.String(s.AlgorithmIdentifier())
		ai, err := readAlgorithm(&in, "test")
		if err != nil {
			t.Fatal(err)
		}
		return ai
	}
	// pkitest encodes PSS params; MGFHash differs from Hash here.
	good := alg(pkitest.Scheme{Kind: "pss", Hash: crypto.SHA256, MGFHash: crypto.SHA1, Salt: 20})
	if err := verifySignature(pub, good, 0, msg, sig); err != nil {
		t.Errorf("PSS SHA-256/MGF1-SHA-1/salt 20: %v", err)
	}
	for name, s := range map[string]pkitest.Scheme{
		"wrong salt":     {Kind: "pss", Hash: crypto.SHA256, MGFHash: crypto.SHA1, Salt: 32},
		"wrong MGF hash": {Kind: "pss", Hash: crypto.SHA256, Salt: 20},
	} {
		if err := verifySignature(pub, alg(s), 0, msg, sig); !errors.Is(err, ErrSignatureInvalid) {
			t.Errorf("%s: err = %v, want ErrSignatureInvalid", name, err)
		}
	}
	bad := bytes.Clone(msg)
	bad[0] ^= 1
	if err := verifySignature(pub, good, 0, bad, sig); !errors.Is(err, ErrSignatureInvalid) {
		t.Errorf("changed message: err = %v", err)
	}
}

// ECDSA signatures whose INTEGERs carry a superfluous leading 00 verify.
func TestECDSANonMinimalIntegers(t *testing.T) {
	key := pkitest.ECKey("brainpoolP256r1", false)
	priv := key.Signer.(*ecdsa.PrivateKey)
	digest := sha256.Sum256([]byte("x"))
	r, s, err := ecdsa.Sign(rand.Reader, priv, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, v := range []*big.Int{r, s} {
			b.AddASN1(asn1.INTEGER, func(b *cryptobyte.Builder) { b.AddBytes(append([]byte{0, 0}, v.Bytes()...)) })
		}
	})
	sig := b.BytesOrPanic()
	sc := sigScheme{kind: schemeECDSA, hash: crypto.SHA256}
	if err := verifyDigest(&priv.PublicKey, sc, digest[:], sig); err != nil {
		t.Errorf("non-minimal r/s: %v", err)
	}
	if ecdsa.VerifyASN1(&priv.PublicKey, digest[:], sig) {
		t.Log("note: crypto/ecdsa accepted the non-minimal encoding")
	}
}

// ParsePublicKey: explicit parameters are matched on the whole domain.
// brainpoolP256t1 shares p with P256r1 (different a, b, G): it must not pass
// as r1, and a tampered generator is refused.
func TestExplicitDomainMatching(t *testing.T) {
	key := pkitest.ECKey("brainpoolP256r1", true)
	spki := key.SPKI()
	if pub, err := ParsePublicKey(spki); err != nil || keyDescription(pub) != "ECDSA brainpoolP256r1" {
		t.Fatalf("explicit brainpoolP256r1: %v %v", pub, err)
	}
	// Flip a byte inside the encoded a coefficient (first OCTET STRING after the field).
	info, _ := ecc.DomainByOID([]int{1, 3, 36, 3, 3, 2, 8, 1, 1, 7})
	aBytes := info.A.FillBytes(make([]byte, 32))
	i := bytes.Index(spki, aBytes)
	if i < 0 {
		t.Fatal("a not found in SPKI")
	}
	for name, off := range map[string]int{"a": i + 5, "generator": bytes.Index(spki, info.Gx.FillBytes(make([]byte, 32))) + 3} {
		bad := bytes.Clone(spki)
		bad[off] ^= 0x01
		if _, err := ParsePublicKey(bad); !errors.Is(err, ErrUnsupportedCurve) {
			t.Errorf("tampered %s: err = %v, want ErrUnsupportedCurve", name, err)
		}
	}
	// Every curve the package knows round-trips named and explicit.
	for _, c := range ecc.Domains() {
		for _, explicit := range []bool{false, true} {
			k := pkitest.ECKey(c.Name, explicit)
			pub, err := ParsePublicKey(k.SPKI())
			if err != nil || keyDescription(pub) != "ECDSA "+c.Name {
				t.Errorf("%s explicit=%v: %v", c.Name, explicit, err)
			}
		}
	}
}

// A key that fails to parse leaves PublicKey as an untyped nil, so that
// callers' nil checks hold (a typed nil once reached the RSA code).
func TestParsePublicKeyErrorIsUntypedNil(t *testing.T) {
	rsaSPKI := pkitest.RSAKey(1024).SPKI()
	tests := map[string][]byte{
		"truncated RSA": rsaSPKI[:len(rsaSPKI)-10],
		"EC point off the curve": func() []byte {
			s := pkitest.ECKey("P-256", false).SPKI()
			s[len(s)-1] ^= 1
			return s
		}(),
		"oversized RSA modulus": oversizedRSASPKI(),
	}
	for name, spki := range tests {
		pub, err := ParsePublicKey(spki)
		if err == nil || pub != nil {
			t.Errorf("%s: pub=%v (%T) err=%v", name, pub, pub, err)
		}
	}
}

func oversizedRSASPKI() []byte {
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oids.RSAEncryption)
			b.AddASN1NULL()
		})
		var k cryptobyte.Builder
		k.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			n := new(big.Int).Lsh(big.NewInt(1), maxRSABits+8)
			b.AddASN1BigInt(n.Add(n, big.NewInt(1)))
			b.AddASN1Int64(65537)
		})
		b.AddASN1BitString(k.BytesOrPanic())
	})
	return b.BytesOrPanic()
}

// DER input comes back from NormalizeBER as the same slice (no copy); BER
// input (NZ's SOD uses indefinite lengths) is re-encoded, and the result is
// stable.
func TestNormalizeBERKeepsDER(t *testing.T) {
	for _, rel := range []string{"pa/gmrtd-uk-expired/EF_SOD.bin", "pa/gmrtd-sods/NZ_EF_SOD.bin", "pa/gmrtd-sods/DE_EF_SOD.bin"} {
		sod := testenv.ReadShared(t, rel)
		checked := 0
		for _, b := range [][]byte{sod, sod[4:]} { // with and without the 77 wrapper
			der, err := NormalizeBER(b)
			if err != nil {
				continue // not one element (the wrapper's length form differs per file)
			}
			checked++
			isBER := strings.Contains(rel, "NZ")
			if same := len(der) == len(b) && &der[0] == &b[0]; same == isBER {
				t.Errorf("%s: returned the input itself = %v", rel, same)
			}
			again, err := NormalizeBER(der)
			if err != nil || &again[0] != &der[0] {
				t.Errorf("%s: normalised output is not taken as DER: %v", rel, err)
			}
		}
		if checked == 0 {
			t.Errorf("%s: nothing parsed", rel)
		}
	}
	for _, in := range []string{"30800201000000", "0481010a", "2403040100"} {
		b := mustHex(in)
		if out, err := NormalizeBER(b); err != nil || bytes.Equal(out, b) {
			t.Errorf("%s: not re-encoded (%X, %v)", in, out, err)
		}
	}
}

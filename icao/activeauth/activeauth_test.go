package activeauth

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/cccd-agent/cccd/pki/ecc"

	"github.com/cccd-agent/cccd/internal/tlv"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func rsaKey(t testing.TB, spki []byte) *rsa.PublicKey {
	t.Helper()
	k, err := x509.ParsePKIXPublicKey(spki)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*rsa.PublicKey)
}

// Vectors from pymrtd tests/pki/iso9796e2_test.py @ 3731a0e: a real passport's DG15 with four challenge/signature pairs, and a
// BouncyCastle ISO9796Test vector.
const (
	realDG15 = "6F81A230819F300D06092A864886F70D010101050003818D0030818902818100BD8620D45693E1CD8678639F22E9553F09E3AFD87BD26000113CE2798B7A02A2E0AB6B7525D09072109D938D6708167E8FAFAF83F17BFBA36CECCE26058C7ED9AE29516755B19F78CE0E73DA02340B117B8AB2ECA007F1390E93E896016335EB5C1E330B961C03E253D17874F7ABEE8D4962C49FFE578D46954FF23B26F5E5550203010001"
	bcSPKI   = "30819f300d06092a864886f70d010101050003818d0030818902818100CDCBDABBF93BE8E8294E32B055256BBD0397735189BF75816341BB0D488D05D627991221DF7D59835C76A4BB4808ADEEB779E7794504E956ADC2A661B46904CDC71337DD29DDDD454124EF79CFDD7BC2C21952573CEFBA485CC38C6BD2428809B5A31A898A6B5648CAA4ED678D9743B589134B7187478996300EDBA16271A8610203010001"
)

var iso9796Vectors = []struct {
	name, key, msg, sig, m1 string
}{
	{"passport 1", "dg15", "47E4EE7F211F7326", "8AECE4E0AB1A6B9E06B31ACBA51AE316D0B7B48E2F5FE13E575060F6B9DC27A2F9D03DCF67A141F466EEC753879106BE0992F46F5EAAD075EB1886D2ACE90D60C2EDA69880780CE4FA36EF27AB01C47527BD23B178EC8F213307281572C219487FC11B2C3D9C144DC98D96D1A79A7478449D692D3D14E8C044F81B3ADF0047E0", "60735d54c4fc7759a2093c4b6f6f09dac2ddb103bd14b512e5683aed8ed7eb8fd3dd6bf122dadf8c2c43d359f8f6e6537dadec03d21b385a9b3bf6111751558f860ce3701574d742962110ad81d08f13e5e9439d912ac2b3f61d60cc48700f5260a82ca06362dd077e75"},
	{"passport 2", "dg15", "5DD17658F6E21C13", "97251259E9EB453A8DC2D9CD85D5A49D2E83F31D6465CB1FBD09C5E7800D4F0FB9FF7312343CD3955CA3BE6768AD7938F3D36B0C9E2205923786949B5F48FBF1C94D01B5BC9DA88C8293E118F87E14E4CC409D52AA7ED266E20248AB3C04949838540DEB24588436607EA620B4825D002C5FAB4F07B618D72C0A9EC247653FE7", "51d3acac47e1f3b2f438218d4deb5386f6a53d74271c4c2498c86c721f485f0332ff4d1ab94b559fbf4c6c73917647eaa09ff5d179fb7a5e84327b6ded162a967ef0fd78d8f3f05cb360a4aa78651f4464c830a62575d4fbea6fe56f6021e50970925c7447b7d0274f68"},
	{"passport 3", "dg15", "18BD6C81F37598E2", "12C0972DFE9E1DDB42B46130D64339E0845578D85E5F0ED7C9E12036AE0C3D417BBAAA6CA5579E782DDEADA825E432C2AE9593B8DB5806327E22B18CD0AB86353C314925A01390806A1D6E8DDE2CD0D82D9671457139241E93BC308E5573C335D14EF6182A5171A443A82A2568D6B1373A1F227377C584ABA7B1E8B1F47E393F", "097d0235b982189b854a80e67ad9087b22590b49279727d471c12fa40412c499aefc6a38faacb1e5042b9fb06826c678dca36e61e16ea3a7c17ead774a28f66a6a21d2277355ce134b59d8953dda7ce37ea836210aa3a2abed9159e91ea047223dcb16578537864642b2"},
	{"passport 4", "dg15", "0A2756299542EFCF", "0854CF7B69FB54286F97FC8B396722E21156DFEEC38CF5C63035B09A59C4EA7FCA79865D5EE166548AAE5AE1F629A57459B46F5D1D1E4EFE9369C0075903D3CA282D6B2CF5843E62CE53BEA33E3D6AA7A48147CC38C9B534437FD0DCD0F0C787BE74061DFA844435253D651E7986BA47F49FA49D7041BD1FE72B5E5D09221FD1", "6ed132d3836b72e561edfb1948b8cfc6049de6d00a724a9747f13fb2ad26676455bf1bf2a7b29a5b27b34c893bdabee203e1c8a20ffb277971363fc74543ac6419916ae2179360252519e25e4f2e5534810071072a34c25b92773e61f6ab75c35da4238bd78eb6cbbdde"},
	{"bouncycastle", "bc", "0000000000000000", "482E20D1EDDED34359C38F5E7C01203F9D6B2641CDCA5C404D49ADAEDE034C7481D781D043722587761C90468DE69C6585A1E8B9C322F90E1B580EEDAB3F6007D0C366CF92B4DB8B41C8314929DCE2BE889C0129123484D2FD3D12763D2EBFD12AC8E51D7061AFCA1A53DEDEC7B9A617472A78C952CCC72467AE008E5F132994", "539bb29260e7bc226c8798b01af2caaadc3675e26065e1e3856615894d5baef7d97634278d6dd609cf9091b68b248cc2f817ccc2e98ad7efa3b730ee97afc20ad5c00e24f8a49b89cdb05613b5ce2094cc21c9afb84a23c771be5ca500e8fb5d75f40d93cab6ee019569"},
}

func vectorKey(t testing.TB, which string) *rsa.PublicKey {
	if which == "bc" {
		return rsaKey(t, unhex(t, bcSPKI))
	}
	spki, err := tlv.Unwrap(unhex(t, realDG15), 0x6F)
	if err != nil {
		t.Fatal(err)
	}
	return rsaKey(t, spki)
}

func TestISO9796Vectors(t *testing.T) {
	for _, v := range iso9796Vectors {
		t.Run(v.name, func(t *testing.T) {
			pub := vectorKey(t, v.key)
			msg, sig := unhex(t, v.msg), unhex(t, v.sig)
			r, err := RecoverISO9796(pub, sig)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(r.M1, unhex(t, v.m1)) || r.Hash != crypto.SHA1 || !r.Partial {
				t.Fatalf("recovered M1 %X hash %v partial %v", r.M1, r.Hash, r.Partial)
			}
			if err := Verify(pub, 0, msg, sig); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			for _, i := range []int{0, len(sig) / 2, len(sig) - 1} {
				bad := append([]byte(nil), sig...)
				bad[i] ^= 1
				if err := Verify(pub, 0, msg, bad); !errors.Is(err, ErrBadSignature) {
					t.Errorf("sig byte %d flipped: %v", i, err)
				}
			}
			for _, i := range []int{0, 4, 7} {
				bad := append([]byte(nil), msg...)
				bad[i] ^= 1
				if err := Verify(pub, 0, bad, sig); !errors.Is(err, ErrBadSignature) {
					t.Errorf("challenge byte %d flipped: %v", i, err)
				}
			}
		})
	}
}

// TestAppendixF checks the parse of the message representative F printed in
// ICAO 9303-11 Appendix F (also in pymrtd's tests).
func TestAppendixF(t *testing.T) {
	f := unhex(t, "6A9D2784A67F8E7C659973EA1AEA25D95B6C8F91E5002F369F0FBDCE8A3CEC1991B543F1696546C5524CF23A5303CD6C98599F40B79F377B5F3A1406B3B4D8F96784D23AA88DB7E1032A405E69325FA91A6E86F5C71AEA978264C4A207446DAD4E7292E2DCDA3024B47DA8C063AA1E6D22FBD976AB0FE73D94D2D9C6D88127BC")
	r, err := parseRepresentative(f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.M1, unhex(t, "9D2784A67F8E7C659973EA1AEA25D95B6C8F91E5002F369F0FBDCE8A3CEC1991B543F1696546C5524CF23A5303CD6C98599F40B79F377B5F3A1406B3B4D8F96784D23AA88DB7E1032A405E69325FA91A6E86F5C71AEA978264C4A207446DAD4E7292E2DCDA3024B47DA8")) {
		t.Errorf("M1 %X", r.M1)
	}
	if !bytes.Equal(r.Digest, unhex(t, "C063AA1E6D22FBD976AB0FE73D94D2D9C6D88127")) || r.Hash != crypto.SHA1 {
		t.Errorf("digest %X hash %v", r.Digest, r.Hash)
	}
	h := crypto.SHA1.New()
	h.Write(r.M1)
	h.Write(unhex(t, "F173589974BF40C6"))
	if !bytes.Equal(h.Sum(nil), r.Digest) {
		t.Error("H(M1 ‖ M2) != D for the Appendix F challenge")
	}
}

func TestParseRepresentativeRejects(t *testing.T) {
	tests := map[string]string{
		"empty":           "",
		"bad header":      "8A" + "00112233445566778899AABBCCDDEEFF0011223344BC",
		"bad padding":     "6C" + "00112233445566778899AABBCCDDEEFF0011223344BC",
		"unterminated B":  "6BBBBBBB",
		"bad trailer":     "6A" + "00112233445566778899AABBCCDDEEFF00112233440D",
		"unknown hash id": "6A" + "00112233445566778899AABBCCDDEEFF00112233" + "37CC",
		"too short":       "6A" + "0011BC",
	}
	for name, h := range tests {
		if _, err := parseRepresentative(unhex(t, h)); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: %v", name, err)
		}
	}
	r, err := parseRepresentative(unhex(t, "6BBBBA"+"0102"+"00112233445566778899AABBCCDDEEFF00112233"+"BC"))
	if err != nil || !bytes.Equal(r.M1, []byte{1, 2}) {
		t.Errorf("padded form: %v %+v", err, r)
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	challenge := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA224, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		sig, err := SignISO9796(rand.Reader, rk, h, challenge)
		if err != nil {
			t.Fatalf("%v: %v", h, err)
		}
		r, err := RecoverISO9796(&rk.PublicKey, sig)
		if err != nil || r.Hash != h {
			t.Fatalf("%v: recovered %v, %v", h, r, err)
		}
		if err := Verify(&rk.PublicKey, 0, challenge, sig); err != nil {
			t.Errorf("RSA %v: %v", h, err)
		}
	}
	for _, d := range ecc.Domains() {
		ek, err := ecdsa.GenerateKey(d.Curve, rand.Reader)
		if err != nil {
			t.Fatalf("%s: %v", d.Name, err)
		}
		h := HashForKeySize(d.N.BitLen())
		sig, err := SignECDSAPlain(rand.Reader, ek, h, challenge)
		if err != nil {
			t.Fatal(err)
		}
		if err := Verify(&ek.PublicKey, h, challenge, sig); err != nil {
			t.Errorf("%s plain: %v", d.Name, err)
		}
		if err := Verify(&ek.PublicKey, 0, challenge, sig); err != nil {
			t.Errorf("%s plain, hash by size: %v", d.Name, err)
		}
		// DER form, as the Portuguese eID sends it.
		n := len(sig) / 2
		der := tlv.Encode(0x30, tlv.Encode(0x02, append([]byte{0}, sig[:n]...)), tlv.Encode(0x02, append([]byte{0}, sig[n:]...)))
		if err := Verify(&ek.PublicKey, h, challenge, der); err != nil {
			t.Errorf("%s DER: %v", d.Name, err)
		}
		bad := append([]byte(nil), sig...)
		bad[n-1] ^= 1
		if err := Verify(&ek.PublicKey, h, challenge, bad); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s tampered: %v", d.Name, err)
		}
		if err := Verify(&ek.PublicKey, h, challenge, sig[:n]); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s truncated: %v", d.Name, err)
		}
	}
}

type fakeChip struct {
	sign func(ch []byte) ([]byte, error)
}

func (f fakeChip) InternalAuthenticate(_ context.Context, ch []byte) ([]byte, error) {
	return f.sign(ch)
}

func TestAuthenticate(t *testing.T) {
	ek, _ := ecdsa.GenerateKey(ecc.Domains()[5].Curve, rand.Reader)
	good := fakeChip{func(ch []byte) ([]byte, error) { return SignECDSAPlain(rand.Reader, ek, crypto.SHA256, ch) }}
	other, _ := ecdsa.GenerateKey(ecc.Domains()[5].Curve, rand.Reader)
	clone := fakeChip{func(ch []byte) ([]byte, error) { return SignECDSAPlain(rand.Reader, other, crypto.SHA256, ch) }}
	fixed := []byte("88888888")
	ch, sig, err := Authenticate(context.Background(), good, &ek.PublicKey, Options{Hash: crypto.SHA256, Challenge: fixed})
	if err != nil || !bytes.Equal(ch, fixed) || len(sig) != 64 {
		t.Fatalf("genuine chip: %v", err)
	}
	if _, _, err := Authenticate(context.Background(), clone, &ek.PublicKey, Options{Hash: crypto.SHA256}); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("clone: %v", err)
	}
	if _, _, err := Authenticate(context.Background(), good, &ek.PublicKey, Options{Challenge: []byte{1}}); err == nil {
		t.Fatal("short challenge accepted")
	}
	if _, err := HashForSignatureAlgorithm([]int{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 3}); err != nil {
		t.Error(err)
	}
	if o, ok := SignatureAlgorithmOID(crypto.SHA256); !ok {
		t.Error("no OID for SHA-256")
	} else if h, _ := HashForSignatureAlgorithm(o); h != crypto.SHA256 {
		t.Error("OID round trip")
	}
}

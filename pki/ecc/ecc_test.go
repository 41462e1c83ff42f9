package ecc

import (
	"bytes"
	"crypto/elliptic"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"math/big"
	"testing"
)

// knownPoints were made with OpenSSL 3.0 (`openssl ecparam -genkey` then
// `openssl ec -text`): a private scalar and its uncompressed public point.
var knownPoints = []struct{ curve, priv, pub string }{
	{"P-192", "F4D60D5E079141A3B938566B16F831ED2EA42983494097D9", "04162ED4792EF231325F6F1F8A6FD905473FA7FF4134503DC5F24A520A433ACB317A5B502738960F744ADCD0A80BC24411"},
	{"brainpoolP192r1", "1AA1141C1E66B5F3DA81CE654DE1103C83192087462F3A4D", "0421EAA1974E86029F79A40744E1C46BB3C93E588CC3B665AC7B52E7280BC74818393C8B49247825B94B980C11787DBC81"},
	{"P-224", "AD49E90FA8AC3D04FC45B25721B388743F12637108A1C33E0A664BF5", "04599A8F3E2CAD16BA5C7596DEAD1BEF235C1C045890DDD571B71FD1B21613DB9D1D7C2B4970F9AAB3FC1FD46AF5A66B4212EC9A94F04AD827"},
	{"brainpoolP224r1", "8C2E4EE670396353FAB8366AF73B1D3976A7AEF005298399CC56C9D7", "0424FBAA58A0380F9F23AD7162A3518424E0240FB5FBB9458B9E166A872E09CAFBD19B21CEFA0C6548EBD3A38C0945C35543D2501A9275ADF8"},
	{"P-256", "A3D8BEF94C6F00A5C9062DAE56F9ED2CEA1FC50ED25DBC48DFB7D1833193758E", "043E8956027041676EBEFECB8795F9A72E40CDECBA1207CA92EC966880775F42C0193C31361B599E2BEE1FD396D3C4BA92EA8ACD95ED99695AD361AEC1FE02A2BC"},
	{"brainpoolP256r1", "0F9567DEC73739538D7F91F0709DC72906BB7A7666C2213F1E6020E4CFF29A61", "04773767324F748A7A2252681BFF46723FE1599B6590E38325A45C078E8BE9A5282E72287882439418C603907E9520CCE1D09B98D0A64BFD9174E61418BF1E77C3"},
	{"brainpoolP320r1", "5CD3D07A42988467BC319D7F170CAF9760F1654BDB5F5E6D290E96F71121F07F83F482641F4E9ECC", "04B4A7E6D3622CC2F61E9A22DFFE520D04F973CD260A3E9E4E7955C40957081CA1DC75E9B44919D57157866422DFCD82EB3459AA55BFFAB9B075DD75616FC0C844F76B88C2642624271B90E6021AA7FFEC"},
	{"P-384", "9D20F33323285C77E007C65A18538FF2D7AE2D5A50E8912786D8FE9260B7D69E71C10848934A004D7B5E42C92727F2BC", "048E29C75F44E797B1BB9EED6CB0D9FF6D99373EE0AE2717B3FF2DB74E24777E66DFCCAE5B6CF2F3427B2B364F0FB25BEFDAC8FFE1EC4032459E5B4A9775B781801D68F457E94DA6141D9AAD85C218579B630AE0C2EE553F4507D1424BEB4470B3"},
	{"brainpoolP384r1", "82F587836BE8B82771B4D316DE0AE9224B299C955A47C05B46F6AA3018600CCFB9A2E7A390353F100E6995ABA0053329", "04855E7B39284D0DCA7C7A9D01D90F93ABAEB7BD8FB4A7D575234A7D4751D1B1F3FBA4F95D2E8060D96F370154201F20AA2FEC9C63544F2CCA1E4B6977C8C2C1E2408DB73782020DF41DDA324C7653933D0900390CAF468CCA2D6CB642823C5300"},
	{"brainpoolP512r1", "412D6FC08586680AA5AB3558187CDDBD17C8733B5938D7D82503ACF12F609938C2F01DBFE5E55834E38F886B4D714998CC672964CA3A46A07C7DE4D8EF90AAB7", "04A4AE08D07CB2C3B98709F4F883B9B08CEAAC5C2E7D01C35F1FE29476E55CC3FB5F8AE06555D0F0594428E155CAF8FB3027DD1AA0CD5B3B8B4C61BA8362ED38260D4D245F9461919A7E1AAA30BDA802C818C9602BFA561DBAA6C5A7D9D4886101E44133D1E44DE4E937D6B2D73E705E6A7D4B377EB786F70144D5D07811D31E27"},
	{"P-521", "00DCC159751759F7C044E48FB1218A8B9E4C80B5D4A05D0C7671AC09D1A2AFC5DD31F336B1CB661C3347067D70154C1279D4F0AC3723DEB5A18C7C5696908F94F9B8", "0401695DBCD0928586F02630CF8CAA4856990A134F5332CF2DA08D9122013F801ED149B279FE0D2EED41D1440F06E765A6A62AD918C0FF0015461EC400B359F3D900FC01395AC2780EDE7FB87DF44E87EFE3649FEC977020B6423EF4A0F1783E87047B2B331FE43AB4FE166816E685772946EC1EFF76EA2703F8EFCAC2928B44FBEC2888C1"},
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func domainByName(t *testing.T, name string) *Domain {
	t.Helper()
	for _, d := range Domains() {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("no curve %q", name)
	return nil
}

func TestDomainsAreConsistent(t *testing.T) {
	if got := len(Domains()); got != 11 {
		t.Fatalf("got %d curves, want 11 (PACE IDs 8-18)", got)
	}
	for _, d := range Domains() {
		t.Run(d.Name, func(t *testing.T) {
			c := d.Curve
			p := c.Params()
			if p.P.Cmp(d.P) != 0 || p.N.Cmp(d.N) != 0 || p.Gx.Cmp(d.Gx) != 0 || p.Gy.Cmp(d.Gy) != 0 {
				t.Fatal("curve implementation parameters differ from the table")
			}
			if p.BitSize != d.P.BitLen() {
				t.Errorf("BitSize %d, want %d", p.BitSize, d.P.BitLen())
			}
			if !c.IsOnCurve(d.Gx, d.Gy) {
				t.Fatal("generator not on curve")
			}
			// The table's own a and b must hold for G too (catches a typo in a or b).
			g := NewWeierstrass(d.Name, d.P, d.A, d.B, d.Gx, d.Gy, d.N)
			if !g.IsOnCurve(d.Gx, d.Gy) {
				t.Fatal("generator does not satisfy the table's a, b")
			}
			if x, y := c.ScalarBaseMult(d.N.Bytes()); x.Sign() != 0 || y.Sign() != 0 {
				t.Fatal("n·G is not the point at infinity")
			}
			if x, y := g.ScalarBaseMult(d.N.Bytes()); x.Sign() != 0 || y.Sign() != 0 {
				t.Fatal("generic n·G is not the point at infinity")
			}
			nm1 := new(big.Int).Sub(d.N, big.NewInt(1))
			x, y := c.ScalarBaseMult(nm1.Bytes())
			if x.Cmp(d.Gx) != 0 || new(big.Int).Add(y, d.Gy).Cmp(d.P) != 0 {
				t.Fatal("(n-1)·G is not -G")
			}
			if c2, ok := ByOID(d.OID); !ok || c2 != c {
				t.Error("ByOID does not return the curve")
			}
			if Name(c) != d.Name {
				t.Errorf("Name = %q", Name(c))
			}
			if o, ok := OID(c); !ok || !o.Equal(d.OID) {
				t.Error("OID does not round-trip")
			}
		})
	}
}

func TestKnownPoints(t *testing.T) {
	for _, kp := range knownPoints {
		t.Run(kp.curve, func(t *testing.T) {
			d := domainByName(t, kp.curve)
			want := unhex(t, kp.pub)
			x, y := d.Curve.ScalarBaseMult(unhex(t, kp.priv))
			if got := Marshal(d.Curve, x, y); !bytes.Equal(got, want) {
				t.Fatalf("k·G = %X, want %X", got, want)
			}
			// The generic implementation must agree with every other one,
			// including for an arbitrary base point (PACE's mapped generator).
			g := NewWeierstrass(d.Name, d.P, d.A, d.B, d.Gx, d.Gy, d.N)
			gx, gy := g.ScalarBaseMult(unhex(t, kp.priv))
			if gx.Cmp(x) != 0 || gy.Cmp(y) != 0 {
				t.Fatal("generic k·G differs")
			}
			k2 := []byte{0x12, 0x34, 0x56, 0x78, 0x9a}
			ax, ay := d.Curve.ScalarMult(x, y, k2)
			bx, by := g.ScalarMult(x, y, k2)
			if ax.Cmp(bx) != 0 || ay.Cmp(by) != 0 {
				t.Fatal("generic k·P differs")
			}
			sx, sy := d.Curve.Add(x, y, d.Gx, d.Gy)
			tx, ty := g.Add(x, y, d.Gx, d.Gy)
			if sx.Cmp(tx) != 0 || sy.Cmp(ty) != 0 || !g.IsOnCurve(sx, sy) {
				t.Fatal("generic P+G differs")
			}
			dx, dy := g.Double(x, y)
			ex, ey := g.Add(x, y, x, y)
			if dx.Cmp(ex) != 0 || dy.Cmp(ey) != 0 {
				t.Fatal("Double differs from Add(P, P)")
			}
			px, py, err := Unmarshal(d.Curve, want)
			if err != nil || px.Cmp(x) != 0 || py.Cmp(y) != 0 {
				t.Fatalf("Unmarshal: %v", err)
			}
		})
	}
}

func TestInfinityHandling(t *testing.T) {
	d := domainByName(t, "brainpoolP192r1")
	c := d.Curve
	zero := new(big.Int)
	if x, y := c.Add(zero, zero, d.Gx, d.Gy); x.Cmp(d.Gx) != 0 || y.Cmp(d.Gy) != 0 {
		t.Error("O + G != G")
	}
	negY := new(big.Int).Sub(d.P, d.Gy)
	if x, y := c.Add(d.Gx, d.Gy, d.Gx, negY); x.Sign() != 0 || y.Sign() != 0 {
		t.Error("G + (-G) != O")
	}
	if x, y := c.Double(zero, zero); x.Sign() != 0 || y.Sign() != 0 {
		t.Error("2·O != O")
	}
	if c.IsOnCurve(zero, zero) {
		t.Error("(0,0) reported on curve")
	}
}

func TestMatchExplicit(t *testing.T) {
	bp := domainByName(t, "brainpoolP256r1")
	// brainpoolP256t1 shares p and n with P256r1: matching must refuse it.
	t1a := new(big.Int).Sub(bp.P, big.NewInt(3))
	t1b, _ := new(big.Int).SetString("662C61C430D84EA4FE66A7733D0B76B7BF93EBC4AF2F49256AE58101FEE92B04", 16)
	t1gx, _ := new(big.Int).SetString("A3E8EB3CC1CFE7B7732213B23A656149AFA142C47AAFBC2B79A191562E1305F4", 16)
	t1gy, _ := new(big.Int).SetString("2D996C823439C56D7F7B22E14644417E69BCB6DE39D027001DABE8F35B25C9BE", 16)
	tests := []struct {
		name                  string
		p, a, b, gx, gy, n, h *big.Int
		want                  string
	}{
		{"brainpoolP256r1", bp.P, bp.A, bp.B, bp.Gx, bp.Gy, bp.N, big.NewInt(1), "brainpoolP256r1"},
		{"cofactor omitted", bp.P, bp.A, bp.B, bp.Gx, bp.Gy, bp.N, nil, "brainpoolP256r1"},
		{"brainpoolP256t1 (same p)", bp.P, t1a, t1b, t1gx, t1gy, bp.N, big.NewInt(1), ""},
		{"wrong cofactor", bp.P, bp.A, bp.B, bp.Gx, bp.Gy, bp.N, big.NewInt(2), ""},
		{"wrong generator", bp.P, bp.A, bp.B, bp.Gy, bp.Gx, bp.N, big.NewInt(1), ""},
		{"missing a", bp.P, nil, bp.B, bp.Gx, bp.Gy, bp.N, nil, ""},
	}
	for _, d := range Domains() {
		tests = append(tests, struct {
			name                  string
			p, a, b, gx, gy, n, h *big.Int
			want                  string
		}{"all " + d.Name, d.P, d.A, d.B, d.Gx, d.Gy, d.N, d.H, d.Name})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, name, ok := MatchExplicit(tc.p, tc.a, tc.b, tc.gx, tc.gy, tc.n, tc.h)
			if tc.want == "" {
				if ok {
					t.Fatalf("matched %s", name)
				}
				return
			}
			if !ok || name != tc.want || Name(c) != tc.want {
				t.Fatalf("got %q %v, want %q", name, ok, tc.want)
			}
		})
	}
}

func TestUnmarshalRejects(t *testing.T) {
	d := domainByName(t, "brainpoolP256r1")
	good := Marshal(d.Curve, d.Gx, d.Gy)
	offCurve := append([]byte(nil), good...)
	offCurve[len(offCurve)-1] ^= 1
	big := append([]byte{4}, bytes.Repeat([]byte{0xff}, 64)...)
	compressed := append([]byte{2}, good[1:33]...)
	for name, b := range map[string][]byte{
		"off curve": offCurve, "x,y >= p": big, "compressed": compressed,
		"empty": nil, "infinity": {0}, "short": good[:40],
	} {
		if _, _, err := Unmarshal(d.Curve, b); !errors.Is(err, ErrInvalidPoint) {
			t.Errorf("%s: err %v", name, err)
		}
	}
}

func TestRandomScalarRange(t *testing.T) {
	n := big.NewInt(7)
	for _, seed := range []byte{0, 1, 0x55, 0xff} {
		k, err := RandomScalar(bytes.NewReader(bytes.Repeat([]byte{seed}, 16)), n)
		if err != nil {
			t.Fatal(err)
		}
		v := new(big.Int).SetBytes(k)
		if v.Sign() <= 0 || v.Cmp(n) >= 0 {
			t.Errorf("seed %x: scalar %v out of [1, n-1]", seed, v)
		}
	}
	if _, err := RandomScalar(bytes.NewReader(nil), n); err == nil {
		t.Error("no error on short random source")
	}
}

func TestUnknownLookups(t *testing.T) {
	if _, ok := ByOID(asn1.ObjectIdentifier{1, 2, 3}); ok {
		t.Error("ByOID matched a bogus OID")
	}
	if Name(nil) != "" {
		t.Error("Name(nil)")
	}
	if Name(elliptic.P256()) != "P-256" {
		t.Error("Name(P256)")
	}
}

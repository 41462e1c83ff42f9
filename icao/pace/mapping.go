package pace

import (
	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/pki/ecc"

	"errors"
	"fmt"
	"math/big"
)

// Constants c0 and c1 of the IM pseudo-random function (ICAO 9303-11
// §4.4.3.3.2), for 128-bit and 256-bit nonces.
var (
	imC0128 = mustHex("A668892A7C41E3CA739F40B057D85904")
	imC1128 = mustHex("A4E136AC725F738B01C1F60217C188AD")
	imC0256 = mustHex("D463D65234124EF7897054986DCA0A174E28DF758CBAA03F240616414D5A1676")
	imC1256 = mustHex("54BD7255F0AAF831BEC3423FCF39D69B6CBF066677D0FAAE5AADD99DF8E53517")
)

// ErrIMUnsupported is returned for an IM run this package cannot do (3DES,
// or a curve with p ≢ 3 mod 4).
var ErrIMUnsupported = errors.New("pace: integrated mapping not supported for these parameters")

// prf is R_p(s, t) of the integrated mapping: k0 = E(t, s); then
// k_{i+1} = E(k_i, c0), x_i = E(k_i, c1) (CBC, IV 0, keys cut to t's
// length) until the output has log2(p)+64 bits; the result is x mod p.
func prf(c icao.Cipher, s, t []byte, p *big.Int) (*big.Int, error) {
	if c == icao.Cipher3DES {
		return nil, fmt.Errorf("%w: 3DES", ErrIMUnsupported)
	}
	var c0, c1 []byte
	switch len(s) {
	case 16:
		c0, c1 = imC0128, imC1128
	case 24, 32:
		c0, c1 = imC0256, imC1256
	default:
		return nil, fmt.Errorf("%w: nonce of %d bytes", ErrBadPublicKey, len(s))
	}
	if len(t) != c.KeySize() {
		return nil, fmt.Errorf("pace: IM nonce t must be %d bytes", c.KeySize())
	}
	key, err := cbc(c, t, s, true)
	if err != nil {
		return nil, err
	}
	var x []byte
	for n := 0; n*len(s)*8 < p.BitLen()+64; n++ {
		k := key[:len(t)]
		if len(key) < len(t) {
			return nil, fmt.Errorf("%w: PRF key too short", ErrIMUnsupported)
		}
		if key, err = cbc(c, k, c0, true); err != nil {
			return nil, err
		}
		xi, err := cbc(c, k, c1, true)
		if err != nil {
			return nil, err
		}
		x = append(x, xi...)
	}
	return new(big.Int).Mod(new(big.Int).SetBytes(x), p), nil
}

// encodePoint maps a field element onto the curve with the simplified SWU
// encoding for p ≡ 3 mod 4 that ICAO 9303-11 Appendix H uses:
// α = −t², X2 = −b(1+α+α²)/(a(α+α²)), X3 = α·X2, h2 = X2³+aX2+b,
// U = t³·h2, A = h2^(p−1−(p+1)/4); (X2, A·h2) if A²·h2 = 1 else (X3, A·U).
func encodePoint(d *ecc.Domain, t *big.Int) (*big.Int, *big.Int, error) {
	p := d.P
	if new(big.Int).Mod(p, big.NewInt(4)).Cmp(big.NewInt(3)) != 0 {
		return nil, nil, fmt.Errorf("%w: p ≢ 3 mod 4 on %s", ErrIMUnsupported, d.Name)
	}
	mod := func(v *big.Int) *big.Int { return v.Mod(v, p) }
	alpha := mod(new(big.Int).Neg(new(big.Int).Mul(t, t)))
	aa := mod(new(big.Int).Add(alpha, new(big.Int).Mul(alpha, alpha))) // α + α²
	den := mod(new(big.Int).Mul(d.A, aa))
	if den.Sign() == 0 {
		return nil, nil, fmt.Errorf("%w: degenerate field element", ErrBadPublicKey)
	}
	num := mod(new(big.Int).Mul(new(big.Int).Neg(d.B), new(big.Int).Add(aa, big.NewInt(1))))
	x2 := mod(num.Mul(num, new(big.Int).ModInverse(den, p)))
	x3 := mod(new(big.Int).Mul(alpha, x2))
	h2 := new(big.Int).Exp(x2, big.NewInt(3), p)
	h2.Add(h2, new(big.Int).Mul(d.A, x2))
	h2 = mod(h2.Add(h2, d.B))
	u := mod(new(big.Int).Mul(new(big.Int).Exp(t, big.NewInt(3), p), h2))
	e := new(big.Int).Add(p, big.NewInt(1))
	e.Rsh(e, 2)
	e.Sub(new(big.Int).Sub(p, big.NewInt(1)), e)
	a := new(big.Int).Exp(h2, e, p)
	var x, y *big.Int
	if mod(new(big.Int).Mul(new(big.Int).Mul(a, a), h2)).Cmp(big.NewInt(1)) == 0 {
		x, y = x2, mod(new(big.Int).Mul(a, h2))
	} else {
		x, y = x3, mod(new(big.Int).Mul(a, u))
	}
	if !d.Curve.IsOnCurve(x, y) {
		return nil, nil, fmt.Errorf("%w: encoded point not on curve", ErrBadPublicKey)
	}
	return x, y, nil
}

// MapIntegrated maps g with the integrated-mapping nonces: s from the chip,
// t from the terminal (both sides of IM call it).
func MapIntegrated(c icao.Cipher, g Group, s, t []byte) (Group, error) {
	rp, err := prf(c, s, t, g.Prime())
	if err != nil {
		return nil, err
	}
	return g.MapIntegrated(rp)
}

package ecc

import (
	"crypto/elliptic"
	"math/big"
)

// Weierstrass is a prime-field elliptic curve y² = x³ + a·x + b with an
// arbitrary a, implemented with Jacobian coordinates on math/big. It exists
// because crypto/elliptic only knows a = −3 and lacks P-192 and several
// brainpool sizes. It is variable-time: fine for verification and for
// terminal-side ephemeral keys, not for long-term secrets on shared hardware.
//
// A Weierstrass value is immutable and safe for concurrent use. The point at
// infinity is (0, 0), as in crypto/elliptic.
type Weierstrass struct {
	params *elliptic.CurveParams
	a      *big.Int
}

var _ elliptic.Curve = (*Weierstrass)(nil)

// NewWeierstrass returns the curve with the given domain parameters. The
// returned Params() carry P, N, B, Gx, Gy, BitSize and Name; A is available
// from the A method because elliptic.CurveParams has no field for it.
func NewWeierstrass(name string, p, a, b, gx, gy, n *big.Int) *Weierstrass {
	return &Weierstrass{
		params: &elliptic.CurveParams{Name: name, P: p, N: n, B: b, Gx: gx, Gy: gy, BitSize: p.BitLen()},
		a:      new(big.Int).Mod(a, p),
	}
}

// Params returns the curve's parameters (B is the true b; see A for a).
func (c *Weierstrass) Params() *elliptic.CurveParams { return c.params }

// A returns the curve coefficient a.
func (c *Weierstrass) A() *big.Int { return new(big.Int).Set(c.a) }

// IsOnCurve reports whether (x, y) is a finite point of the curve with
// coordinates in [0, p).
func (c *Weierstrass) IsOnCurve(x, y *big.Int) bool {
	p := c.params.P
	if x == nil || y == nil || x.Sign() < 0 || y.Sign() < 0 || x.Cmp(p) >= 0 || y.Cmp(p) >= 0 {
		return false
	}
	rhs := new(big.Int).Mul(x, x)
	rhs.Add(rhs, c.a)
	rhs.Mul(rhs, x)
	rhs.Add(rhs, c.params.B)
	rhs.Mod(rhs, p)
	lhs := new(big.Int).Mul(y, y)
	lhs.Mod(lhs, p)
	return lhs.Cmp(rhs) == 0
}

// jacobian is a point (X : Y : Z) with x = X/Z², y = Y/Z³; Z = 0 is infinity.
type jacobian struct{ x, y, z *big.Int }

func (c *Weierstrass) fromAffine(x, y *big.Int) jacobian {
	if x.Sign() == 0 && y.Sign() == 0 {
		return jacobian{new(big.Int), new(big.Int), new(big.Int)}
	}
	return jacobian{new(big.Int).Set(x), new(big.Int).Set(y), big.NewInt(1)}
}

func (c *Weierstrass) toAffine(j jacobian) (*big.Int, *big.Int) {
	if j.z.Sign() == 0 {
		return new(big.Int), new(big.Int)
	}
	p := c.params.P
	zinv := new(big.Int).ModInverse(j.z, p)
	zinv2 := new(big.Int).Mul(zinv, zinv)
	x := new(big.Int).Mul(j.x, zinv2)
	x.Mod(x, p)
	zinv2.Mul(zinv2, zinv)
	y := new(big.Int).Mul(j.y, zinv2)
	y.Mod(y, p)
	return x, y
}

// double returns 2·P (formula dbl-2007-bl adapted to any a).
func (c *Weierstrass) double(q jacobian) jacobian {
	p := c.params.P
	if q.z.Sign() == 0 || q.y.Sign() == 0 {
		return jacobian{new(big.Int), new(big.Int), new(big.Int)}
	}
	xx := new(big.Int).Mul(q.x, q.x)
	xx.Mod(xx, p)
	yy := new(big.Int).Mul(q.y, q.y)
	yy.Mod(yy, p)
	yyyy := new(big.Int).Mul(yy, yy)
	yyyy.Mod(yyyy, p)
	zz := new(big.Int).Mul(q.z, q.z)
	zz.Mod(zz, p)
	// S = 4·X·YY
	s := new(big.Int).Mul(q.x, yy)
	s.Lsh(s, 2)
	s.Mod(s, p)
	// M = 3·XX + a·ZZ²
	m := new(big.Int).Mul(zz, zz)
	m.Mul(m, c.a)
	m.Add(m, new(big.Int).Mul(xx, big.NewInt(3)))
	m.Mod(m, p)
	// X3 = M² − 2S
	x3 := new(big.Int).Mul(m, m)
	x3.Sub(x3, new(big.Int).Lsh(s, 1))
	x3.Mod(x3, p)
	// Y3 = M·(S − X3) − 8·YYYY
	y3 := new(big.Int).Sub(s, x3)
	y3.Mul(y3, m)
	y3.Sub(y3, new(big.Int).Lsh(yyyy, 3))
	y3.Mod(y3, p)
	// Z3 = 2·Y·Z
	z3 := new(big.Int).Mul(q.y, q.z)
	z3.Lsh(z3, 1)
	z3.Mod(z3, p)
	return jacobian{x3, y3, z3}
}

// add returns P1 + P2 (formula add-1998-cmo-2), falling back to doubling.
func (c *Weierstrass) add(a, b jacobian) jacobian {
	if a.z.Sign() == 0 {
		return b
	}
	if b.z.Sign() == 0 {
		return a
	}
	p := c.params.P
	z1z1 := new(big.Int).Mul(a.z, a.z)
	z1z1.Mod(z1z1, p)
	z2z2 := new(big.Int).Mul(b.z, b.z)
	z2z2.Mod(z2z2, p)
	u1 := new(big.Int).Mul(a.x, z2z2)
	u1.Mod(u1, p)
	u2 := new(big.Int).Mul(b.x, z1z1)
	u2.Mod(u2, p)
	s1 := new(big.Int).Mul(a.y, b.z)
	s1.Mul(s1, z2z2)
	s1.Mod(s1, p)
	s2 := new(big.Int).Mul(b.y, a.z)
	s2.Mul(s2, z1z1)
	s2.Mod(s2, p)
	h := new(big.Int).Sub(u2, u1)
	h.Mod(h, p)
	r := new(big.Int).Sub(s2, s1)
	r.Mod(r, p)
	if h.Sign() == 0 {
		if r.Sign() == 0 {
			return c.double(a)
		}
		return jacobian{new(big.Int), new(big.Int), new(big.Int)}
	}
	hh := new(big.Int).Mul(h, h)
	hh.Mod(hh, p)
	hhh := new(big.Int).Mul(hh, h)
	hhh.Mod(hhh, p)
	v := new(big.Int).Mul(u1, hh)
	v.Mod(v, p)
	// X3 = R² − HHH − 2V
	x3 := new(big.Int).Mul(r, r)
	x3.Sub(x3, hhh)
	x3.Sub(x3, new(big.Int).Lsh(v, 1))
	x3.Mod(x3, p)
	// Y3 = R·(V − X3) − S1·HHH
	y3 := new(big.Int).Sub(v, x3)
	y3.Mul(y3, r)
	y3.Sub(y3, new(big.Int).Mul(s1, hhh))
	y3.Mod(y3, p)
	// Z3 = Z1·Z2·H
	z3 := new(big.Int).Mul(a.z, b.z)
	z3.Mul(z3, h)
	z3.Mod(z3, p)
	return jacobian{x3, y3, z3}
}

// Add returns the sum of two points (either may be the infinity (0, 0)).
func (c *Weierstrass) Add(x1, y1, x2, y2 *big.Int) (*big.Int, *big.Int) {
	return c.toAffine(c.add(c.fromAffine(x1, y1), c.fromAffine(x2, y2)))
}

// Double returns 2·(x, y).
func (c *Weierstrass) Double(x1, y1 *big.Int) (*big.Int, *big.Int) {
	return c.toAffine(c.double(c.fromAffine(x1, y1)))
}

// ScalarMult returns k·(x, y) where k is a big-endian integer of any length.
func (c *Weierstrass) ScalarMult(x1, y1 *big.Int, k []byte) (*big.Int, *big.Int) {
	base := c.fromAffine(x1, y1)
	acc := jacobian{new(big.Int), new(big.Int), new(big.Int)}
	for _, byt := range k {
		for bit := 7; bit >= 0; bit-- {
			acc = c.double(acc)
			if byt>>uint(bit)&1 == 1 {
				acc = c.add(acc, base)
			}
		}
	}
	return c.toAffine(acc)
}

// ScalarBaseMult returns k·G.
func (c *Weierstrass) ScalarBaseMult(k []byte) (*big.Int, *big.Int) {
	return c.ScalarMult(c.params.Gx, c.params.Gy, k)
}

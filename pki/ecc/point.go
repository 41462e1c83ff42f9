package ecc

import (
	"crypto/elliptic"
	"errors"
	"fmt"
	"io"
	"math/big"
)

// ErrInvalidPoint means encoded point bytes are not an uncompressed point on
// the curve (or are the point at infinity). A peer sending one is hostile or
// broken; the protocol must stop.
var ErrInvalidPoint = errors.New("curves: invalid curve point")

// ByteLen returns the length of one field element of c.
func ByteLen(c elliptic.Curve) int { return (c.Params().P.BitLen() + 7) / 8 }

// Marshal encodes a point uncompressed: 04 ‖ x ‖ y, each padded to ByteLen.
func Marshal(c elliptic.Curve, x, y *big.Int) []byte {
	n := ByteLen(c)
	out := make([]byte, 1+2*n)
	out[0] = 4
	x.FillBytes(out[1 : 1+n])
	y.FillBytes(out[1+n:])
	return out
}

// Unmarshal decodes an uncompressed point and checks that it is a finite
// point on c; anything else is ErrInvalidPoint.
func Unmarshal(c elliptic.Curve, b []byte) (*big.Int, *big.Int, error) {
	n := ByteLen(c)
	if len(b) != 1+2*n || b[0] != 4 {
		return nil, nil, fmt.Errorf("%w: want %d bytes starting 04, got %d", ErrInvalidPoint, 1+2*n, len(b))
	}
	x := new(big.Int).SetBytes(b[1 : 1+n])
	y := new(big.Int).SetBytes(b[1+n:])
	// Range first: some implementations reduce x, y before the curve check.
	if p := c.Params().P; x.Cmp(p) >= 0 || y.Cmp(p) >= 0 || !c.IsOnCurve(x, y) {
		return nil, nil, fmt.Errorf("%w: not on %s", ErrInvalidPoint, c.Params().Name)
	}
	return x, y, nil
}

// RandomScalar returns a uniformly random scalar in [1, n−1] as a
// big-endian byte string of n's length.
func RandomScalar(rand io.Reader, n *big.Int) ([]byte, error) {
	size := (n.BitLen() + 7) / 8
	buf := make([]byte, size+8) // 64 extra bits make the modular bias negligible
	if _, err := io.ReadFull(rand, buf); err != nil {
		return nil, fmt.Errorf("curves: random scalar: %w", err)
	}
	k := new(big.Int).SetBytes(buf)
	k.Mod(k, new(big.Int).Sub(n, big.NewInt(1)))
	k.Add(k, big.NewInt(1))
	return k.FillBytes(make([]byte, size)), nil
}

// DecodePoint decodes an uncompressed (04) or compressed (02/03) point with
// d's p, a and b, as certificates may carry either. Coordinates must be
// below p; whether the point is on the curve is the caller's check.
func (d *Domain) DecodePoint(b []byte) (x, y *big.Int, err error) {
	size := (d.P.BitLen() + 7) / 8
	bad := fmt.Errorf("%w: bad encoding for %s", ErrInvalidPoint, d.Name)
	switch {
	case len(b) == 1+2*size && b[0] == 4:
		x = new(big.Int).SetBytes(b[1 : 1+size])
		y = new(big.Int).SetBytes(b[1+size:])
	case len(b) == 1+size && (b[0] == 2 || b[0] == 3):
		x = new(big.Int).SetBytes(b[1:])
		// y² = x³ + a·x + b (mod p)
		rhs := new(big.Int).Exp(x, big.NewInt(3), d.P)
		rhs.Add(rhs, new(big.Int).Mul(d.A, x))
		rhs.Add(rhs, d.B)
		rhs.Mod(rhs, d.P)
		y = new(big.Int).ModSqrt(rhs, d.P)
		if y == nil {
			return nil, nil, bad
		}
		if y.Bit(0) != uint(b[0]&1) {
			y.Sub(d.P, y)
		}
	default:
		return nil, nil, bad
	}
	if x.Cmp(d.P) >= 0 || y.Cmp(d.P) >= 0 {
		return nil, nil, bad
	}
	return x, y, nil
}

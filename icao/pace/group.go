package pace

import (
	"crypto/elliptic"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/cccd-agent/cccd/pki/ecc"

	"github.com/cccd-agent/cccd/icao/curves"
)

// ErrBadPublicKey means the peer sent a public key or mapping value that is
// not a valid group element; the run stops (a hostile or broken peer).
var ErrBadPublicKey = errors.New("pace: invalid public key from peer")

// Group is a key-agreement group with its current generator: an elliptic
// curve (ECDH) or a prime-order MODP subgroup (DH). Elements travel encoded:
// EC points uncompressed (04 ‖ x ‖ y), DH values big-endian padded to the
// length of p. Groups are immutable; mapping returns a new one.
type Group interface {
	// NewKey returns a random private key and its public key.
	NewKey(rand io.Reader) (priv, pub []byte, err error)
	// Public returns the public key of priv under the current generator.
	Public(priv []byte) []byte
	// Agree returns priv applied to the peer's public element, after
	// checking it; never the neutral element.
	Agree(priv, peer []byte) ([]byte, error)
	// SharedSecret turns an agreed element into KDF input: the x-coordinate
	// for ECDH, the value itself for DH.
	SharedSecret(elem []byte) []byte
	// MapGeneric returns the group with generator s·G + H (GM).
	MapGeneric(s, h []byte) (Group, error)
	// MapIntegrated returns the group with generator f(R_p(s, t)) (IM).
	MapIntegrated(rp *big.Int) (Group, error)
	// Prime returns the field prime p.
	Prime() *big.Int
	// Order returns the generator's order.
	Order() *big.Int
	// PublicTag is the tag of a public key in the 7F49 data object:
	// 0x86 for an EC point, 0x84 for a DH value.
	PublicTag() uint32
}

// NewGroup returns the group of a standardized domain parameter.
func NewGroup(s curves.Standard) (Group, error) {
	switch {
	case s.EC != nil:
		return &ecGroup{d: s.EC, c: s.EC.Curve, gx: s.EC.Gx, gy: s.EC.Gy}, nil
	case s.DH != nil:
		return &dhGroup{p: s.DH.P, g: s.DH.G, q: s.DH.Q}, nil
	}
	return nil, fmt.Errorf("%w: empty domain parameters", curves.ErrUnknownParameters)
}

type ecGroup struct {
	d      *ecc.Domain
	c      elliptic.Curve
	gx, gy *big.Int
}

func (g *ecGroup) NewKey(rand io.Reader) ([]byte, []byte, error) {
	k, err := ecc.RandomScalar(rand, g.d.N)
	if err != nil {
		return nil, nil, err
	}
	return k, g.Public(k), nil
}

func (g *ecGroup) Public(priv []byte) []byte {
	x, y := g.c.ScalarMult(g.gx, g.gy, priv)
	return ecc.Marshal(g.c, x, y)
}

func (g *ecGroup) Agree(priv, peer []byte) ([]byte, error) {
	px, py, err := ecc.Unmarshal(g.c, peer)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadPublicKey, err)
	}
	x, y := g.c.ScalarMult(px, py, priv)
	if x.Sign() == 0 && y.Sign() == 0 {
		return nil, fmt.Errorf("%w: shared point at infinity", ErrBadPublicKey)
	}
	return ecc.Marshal(g.c, x, y), nil
}

func (g *ecGroup) SharedSecret(elem []byte) []byte {
	n := ecc.ByteLen(g.c)
	return append([]byte(nil), elem[1:1+n]...)
}

func (g *ecGroup) MapGeneric(s, h []byte) (Group, error) {
	hx, hy, err := ecc.Unmarshal(g.c, h)
	if err != nil {
		return nil, fmt.Errorf("%w: mapping point H: %w", ErrBadPublicKey, err)
	}
	sx, sy := g.c.ScalarBaseMult(s)
	if g.gx.Cmp(g.d.Gx) != 0 || g.gy.Cmp(g.d.Gy) != 0 {
		sx, sy = g.c.ScalarMult(g.gx, g.gy, s)
	}
	nx, ny := g.c.Add(sx, sy, hx, hy)
	if nx.Sign() == 0 && ny.Sign() == 0 {
		return nil, fmt.Errorf("%w: mapped generator at infinity", ErrBadPublicKey)
	}
	return &ecGroup{d: g.d, c: g.c, gx: nx, gy: ny}, nil
}

func (g *ecGroup) MapIntegrated(rp *big.Int) (Group, error) {
	x, y, err := encodePoint(g.d, rp)
	if err != nil {
		return nil, err
	}
	return &ecGroup{d: g.d, c: g.c, gx: x, gy: y}, nil
}

func (g *ecGroup) Prime() *big.Int   { return g.d.P }
func (g *ecGroup) Order() *big.Int   { return g.d.N }
func (g *ecGroup) PublicTag() uint32 { return 0x86 }

// generator returns the current generator (tests and CAM).
func (g *ecGroup) generator() (*big.Int, *big.Int) { return g.gx, g.gy }

type dhGroup struct {
	p, g, q *big.Int
}

func (g *dhGroup) size() int { return (g.p.BitLen() + 7) / 8 }

func (g *dhGroup) NewKey(rand io.Reader) ([]byte, []byte, error) {
	k, err := ecc.RandomScalar(rand, g.q)
	if err != nil {
		return nil, nil, err
	}
	return k, g.Public(k), nil
}

func (g *dhGroup) Public(priv []byte) []byte {
	y := new(big.Int).Exp(g.g, new(big.Int).SetBytes(priv), g.p)
	return y.FillBytes(make([]byte, g.size()))
}

func (g *dhGroup) element(b []byte) (*big.Int, error) {
	if len(b) == 0 || len(b) > g.size() {
		return nil, fmt.Errorf("%w: DH value of %d bytes", ErrBadPublicKey, len(b))
	}
	y := new(big.Int).SetBytes(b)
	grp := curves.DHGroup{P: g.p, G: g.g, Q: g.q}
	if !grp.ValidElement(y) {
		return nil, fmt.Errorf("%w: DH value outside the prime-order subgroup", ErrBadPublicKey)
	}
	return y, nil
}

func (g *dhGroup) Agree(priv, peer []byte) ([]byte, error) {
	y, err := g.element(peer)
	if err != nil {
		return nil, err
	}
	z := new(big.Int).Exp(y, new(big.Int).SetBytes(priv), g.p)
	return z.FillBytes(make([]byte, g.size())), nil
}

func (g *dhGroup) SharedSecret(elem []byte) []byte { return append([]byte(nil), elem...) }

func (g *dhGroup) MapGeneric(s, h []byte) (Group, error) {
	hv, err := g.element(h)
	if err != nil {
		return nil, err
	}
	ng := new(big.Int).Exp(g.g, new(big.Int).SetBytes(s), g.p)
	ng.Mul(ng, hv)
	ng.Mod(ng, g.p)
	if ng.Cmp(big.NewInt(1)) == 0 {
		return nil, fmt.Errorf("%w: mapped generator is 1", ErrBadPublicKey)
	}
	return &dhGroup{p: g.p, g: ng, q: g.q}, nil
}

func (g *dhGroup) MapIntegrated(rp *big.Int) (Group, error) {
	e := new(big.Int).Sub(g.p, big.NewInt(1))
	e.Div(e, g.q)
	ng := new(big.Int).Exp(rp, e, g.p)
	if ng.Cmp(big.NewInt(1)) <= 0 {
		return nil, fmt.Errorf("%w: mapped generator is 1", ErrBadPublicKey)
	}
	return &dhGroup{p: g.p, g: ng, q: g.q}, nil
}

func (g *dhGroup) Prime() *big.Int   { return g.p }
func (g *dhGroup) Order() *big.Int   { return g.q }
func (g *dhGroup) PublicTag() uint32 { return 0x84 }

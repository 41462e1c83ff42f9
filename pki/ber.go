package pki

import (
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by every parse error of this package: the input is
// not the ASN.1 structure it claims to be. Callers branch on it to tell "bad
// input" (exit 2 / failed) from internal failures.
var ErrMalformed = errors.New("malformed ASN.1")

// BER normalisation limits. Real SODs nest about 12 deep and master lists
// hold ~1 MB; anything deeper or larger is hostile.
const (
	berMaxDepth = 64
	berMaxNodes = 1 << 19 // ~50 MB of tree at most; a BER master list of 8 MB has fewer
)

// berNode is one element of the BER tree being normalised.
type berNode struct {
	tag      []byte     // identifier octets, as encoded
	content  []byte     // primitive content (aliases the input unless flattened)
	children []*berNode // constructed content
	prim     bool       // encode as primitive
	size     int        // DER content length
}

// NormalizeBER re-encodes one BER element as DER where that only changes
// framing: indefinite lengths become definite, lengths become minimal and
// constructed universal strings (OCTET STRING, BIT STRING, character strings)
// become primitive. Element order is kept (SET OF is not re-sorted) so signed
// attributes keep the bytes their signer hashed. Input that is already DER
// is returned as it is, without a copy: almost every chip writes DER. Work is
// linear in the input times the bounded depth.
func NormalizeBER(in []byte) ([]byte, error) {
	p := berParser{in: in}
	root, end, err := p.element(0, 0)
	if err != nil {
		return nil, err
	}
	if end != len(in) {
		return nil, fmt.Errorf("%w: %d trailing bytes after the outer element", ErrMalformed, len(in)-end)
	}
	if !p.changed {
		return in, nil
	}
	out := make([]byte, 0, headerLen(root)+root.size)
	return appendDER(out, root), nil
}

type berParser struct {
	in      []byte
	nodes   int
	changed bool // some framing differs from DER
}

// element parses one element at off and returns it with the offset after it.
func (p *berParser) element(off, depth int) (*berNode, int, error) {
	if depth > berMaxDepth {
		return nil, 0, fmt.Errorf("%w: nesting deeper than %d", ErrMalformed, berMaxDepth)
	}
	if p.nodes++; p.nodes > berMaxNodes {
		return nil, 0, fmt.Errorf("%w: more than %d elements", ErrMalformed, berMaxNodes)
	}
	in := p.in
	start := off
	if off >= len(in) {
		return nil, 0, fmt.Errorf("%w: truncated tag", ErrMalformed)
	}
	first := in[off]
	off++
	if first&0x1F == 0x1F { // high tag number form
		for {
			if off >= len(in) || off-start > 4 {
				return nil, 0, fmt.Errorf("%w: bad tag", ErrMalformed)
			}
			c := in[off]
			off++
			if c&0x80 == 0 {
				break
			}
		}
	}
	n := &berNode{tag: in[start:off]}
	constructed := first&0x20 != 0
	if off >= len(in) {
		return nil, 0, fmt.Errorf("%w: truncated length", ErrMalformed)
	}
	lb := in[off]
	off++
	indefinite := false
	length := 0
	switch {
	case lb == 0x80:
		if !constructed {
			return nil, 0, fmt.Errorf("%w: indefinite length on a primitive element", ErrMalformed)
		}
		indefinite = true
		p.changed = true
	case lb < 0x80:
		length = int(lb)
	default:
		k := int(lb & 0x7F)
		if k > 4 || off+k > len(in) {
			return nil, 0, fmt.Errorf("%w: bad length", ErrMalformed)
		}
		for i := 0; i < k; i++ {
			length = length<<8 | int(in[off+i])
		}
		off += k
		if length < 0 || length > len(in)-off {
			return nil, 0, fmt.Errorf("%w: length exceeds input", ErrMalformed)
		}
		if lengthLen(length) != 1+k {
			p.changed = true // long form where a shorter one would do
		}
	}
	if !constructed {
		if length > len(in)-off {
			return nil, 0, fmt.Errorf("%w: length exceeds input", ErrMalformed)
		}
		n.prim = true
		n.content = in[off : off+length]
		n.size = length
		return n, off + length, nil
	}
	end := off + length
	for {
		if indefinite {
			if off+1 < len(in) && in[off] == 0 && in[off+1] == 0 {
				off += 2
				break
			}
			if off >= len(in) {
				return nil, 0, fmt.Errorf("%w: missing end-of-contents", ErrMalformed)
			}
		} else if off >= end {
			break
		}
		child, next, err := p.element(off, depth+1)
		if err != nil {
			return nil, 0, err
		}
		if !indefinite && next > end {
			return nil, 0, fmt.Errorf("%w: child overruns its parent", ErrMalformed)
		}
		n.children = append(n.children, child)
		off = next
	}
	if len(n.tag) == 1 && first&0xC0 == 0 && isStringTag(first&0x1F) {
		p.changed = true
		if err := flattenString(n, first&0x1F); err != nil {
			return nil, 0, err
		}
		return n, off, nil
	}
	for _, c := range n.children {
		n.size += headerLen(c) + c.size
	}
	return n, off, nil
}

// isStringTag reports universal types whose BER form may be constructed.
func isStringTag(t byte) bool {
	switch t {
	case 3, 4, 12, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30:
		return true
	}
	return false
}

// flattenString turns a constructed string into the primitive DER form by
// concatenating its segments (BIT STRING segments carry an unused-bits byte).
func flattenString(n *berNode, t byte) error {
	var buf []byte
	unused := byte(0)
	var walk func(m *berNode, last bool) error
	walk = func(m *berNode, last bool) error {
		if m.prim {
			if t != 3 {
				buf = append(buf, m.content...)
				return nil
			}
			if len(m.content) == 0 {
				return fmt.Errorf("%w: empty BIT STRING segment", ErrMalformed)
			}
			if m.content[0] != 0 && !last {
				return fmt.Errorf("%w: unused bits in a middle BIT STRING segment", ErrMalformed)
			}
			unused = m.content[0]
			buf = append(buf, m.content[1:]...)
			return nil
		}
		for i, c := range m.children {
			if c.tag[0]&0x1F != t {
				return fmt.Errorf("%w: mixed segment types in a constructed string", ErrMalformed)
			}
			if err := walk(c, last && i == len(m.children)-1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(n, true); err != nil {
		return err
	}
	if t == 3 {
		buf = append([]byte{unused}, buf...)
	}
	n.tag = []byte{t} // primitive form of the same universal tag
	n.prim = true
	n.children = nil
	n.content = buf
	n.size = len(buf)
	return nil
}

func headerLen(n *berNode) int {
	return len(n.tag) + lengthLen(n.size)
}

func lengthLen(n int) int {
	switch {
	case n < 0x80:
		return 1
	case n <= 0xFF:
		return 2
	case n <= 0xFFFF:
		return 3
	case n <= 0xFFFFFF:
		return 4
	}
	return 5
}

func appendLength(dst []byte, n int) []byte {
	switch k := lengthLen(n); k {
	case 1:
		return append(dst, byte(n))
	default:
		dst = append(dst, 0x80|byte(k-1))
		for i := k - 2; i >= 0; i-- {
			dst = append(dst, byte(n>>(8*i)))
		}
		return dst
	}
}

func appendDER(dst []byte, n *berNode) []byte {
	dst = append(dst, n.tag...)
	dst = appendLength(dst, n.size)
	if n.prim {
		return append(dst, n.content...)
	}
	for _, c := range n.children {
		dst = appendDER(dst, c)
	}
	return dst
}

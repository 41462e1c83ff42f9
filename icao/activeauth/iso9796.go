package activeauth

import (
	"crypto"
	"crypto/rsa"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"math/big"

	_ "crypto/sha1" // the hashes a 9796-2 trailer can name
	_ "crypto/sha256"
	_ "crypto/sha512"
)

// ErrBadSignature means the chip's Active Authentication signature does not
// verify: a clone, a tampered DG15, or a chip that answered garbage.
var ErrBadSignature = errors.New("activeauth: signature does not verify")

// trailerHashes maps the ISO/IEC 10118-3 hash identifier of a two-byte
// 9796-2 trailer (xx CC) to the hash; a one-byte trailer BC means SHA-1.
var trailerHashes = map[byte]crypto.Hash{
	0x33: crypto.SHA1,
	0x34: crypto.SHA256,
	0x35: crypto.SHA512,
	0x36: crypto.SHA384,
	0x38: crypto.SHA224,
	0x39: crypto.SHA512_224,
	0x3A: crypto.SHA512_256,
}

// Recovered is what an ISO/IEC 9796-2 scheme 1 signature yields.
type Recovered struct {
	// M1 is the recoverable part of the message the chip chose.
	M1 []byte
	// Digest is H(M1 ‖ M2) as carried in the signature.
	Digest []byte
	// Hash is the hash named by the trailer.
	Hash crypto.Hash
	// Partial reports partial recovery (header bit 0x20): M2 was not in F.
	Partial bool
}

// RecoverISO9796 opens an ISO/IEC 9796-2 digital signature scheme 1
// signature: F = s^e mod n (or n − F when its last nibble is not C), header
// 01·P·0 with padding nibbles B…BA, then M1, the digest and the trailer (BC
// for SHA-1, or hashID CC). It checks the structure, not the digest.
func RecoverISO9796(pub *rsa.PublicKey, sig []byte) (*Recovered, error) {
	if pub == nil || pub.N == nil || pub.N.Sign() <= 0 || pub.E < 3 {
		return nil, fmt.Errorf("activeauth: unusable RSA key")
	}
	k := (pub.N.BitLen() + 7) / 8
	if len(sig) == 0 || len(sig) > k {
		return nil, fmt.Errorf("%w: signature of %d bytes for a %d-byte modulus", ErrBadSignature, len(sig), k)
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(pub.N) >= 0 {
		return nil, fmt.Errorf("%w: signature not below the modulus", ErrBadSignature)
	}
	m := new(big.Int).Exp(s, big.NewInt(int64(pub.E)), pub.N)
	if m.Bit(0)|m.Bit(1)<<1|m.Bit(2)<<2|m.Bit(3)<<3 != 0xC {
		m.Sub(pub.N, m)
	}
	return parseRepresentative(m.FillBytes(make([]byte, k)))
}

// parseRepresentative splits a recovered message representative F.
func parseRepresentative(f []byte) (*Recovered, error) {
	for len(f) > 0 && f[0] == 0 { // F is one bit shorter than n: drop the zero top
		f = f[1:]
	}
	if len(f) < 3 || f[0]&0xC0 != 0x40 {
		return nil, fmt.Errorf("%w: bad header", ErrBadSignature)
	}
	r := &Recovered{Partial: f[0]&0x20 != 0}
	// Padding: the header's low nibble is A, or B followed by B nibbles up to A.
	i := 1
	switch f[0] & 0x0F {
	case 0x0A:
	case 0x0B:
		for i < len(f) && f[i] == 0xBB {
			i++
		}
		if i >= len(f) || f[i] != 0xBA {
			return nil, fmt.Errorf("%w: bad padding", ErrBadSignature)
		}
		i++
	default:
		return nil, fmt.Errorf("%w: bad padding", ErrBadSignature)
	}
	var tlen int
	switch {
	case f[len(f)-1] == 0xBC:
		r.Hash, tlen = crypto.SHA1, 1
	case f[len(f)-1] == 0xCC:
		h, ok := trailerHashes[f[len(f)-2]]
		if !ok {
			return nil, fmt.Errorf("%w: unknown hash %02X in the trailer", ErrBadSignature, f[len(f)-2])
		}
		r.Hash, tlen = h, 2
	default:
		return nil, fmt.Errorf("%w: bad trailer", ErrBadSignature)
	}
	hl := r.Hash.Size()
	if len(f)-tlen-hl < i {
		return nil, fmt.Errorf("%w: too short for a %s digest", ErrBadSignature, r.Hash)
	}
	r.M1 = f[i : len(f)-tlen-hl]
	r.Digest = f[len(f)-tlen-hl : len(f)-tlen]
	return r, nil
}

// VerifyISO9796 verifies an Active Authentication RSA signature over the
// challenge M2 (ICAO 9303-11 §6.1): the recovered digest must equal
// H(M1 ‖ M2) with the hash the trailer names. Signatures without partial
// recovery must carry the challenge itself as M1.
func VerifyISO9796(pub *rsa.PublicKey, challenge, sig []byte) error {
	r, err := RecoverISO9796(pub, sig)
	if err != nil {
		return err
	}
	if !r.Hash.Available() {
		return fmt.Errorf("%w: hash %s not available", ErrBadSignature, r.Hash)
	}
	h := r.Hash.New()
	h.Write(r.M1)
	if r.Partial {
		h.Write(challenge)
	} else if subtle.ConstantTimeCompare(r.M1, challenge) != 1 {
		return fmt.Errorf("%w: recovered message is not the challenge", ErrBadSignature)
	}
	if subtle.ConstantTimeCompare(h.Sum(nil), r.Digest) != 1 {
		return fmt.Errorf("%w: digest mismatch", ErrBadSignature)
	}
	return nil
}

// SignISO9796 is the chip side of VerifyISO9796 (for the simulator and
// tests): F = 6A ‖ M1 ‖ H(M1 ‖ challenge) ‖ trailer with a random M1 filling
// the modulus, signed with the raw RSA private operation.
func SignISO9796(rand io.Reader, priv *rsa.PrivateKey, h crypto.Hash, challenge []byte) ([]byte, error) {
	var trailer []byte
	if h == crypto.SHA1 {
		trailer = []byte{0xBC}
	} else {
		for id, th := range trailerHashes {
			if th == h {
				trailer = []byte{id, 0xCC}
			}
		}
	}
	if trailer == nil || !h.Available() {
		return nil, fmt.Errorf("activeauth: hash %s cannot be named in a 9796-2 trailer", h)
	}
	k := (priv.N.BitLen() - 1 + 7) / 8 // F stays below n
	m1len := k - 1 - h.Size() - len(trailer)
	if m1len < 1 {
		return nil, fmt.Errorf("activeauth: RSA key too small for %s", h)
	}
	m1 := make([]byte, m1len)
	if _, err := io.ReadFull(rand, m1); err != nil {
		return nil, fmt.Errorf("activeauth: random M1: %w", err)
	}
	d := h.New()
	d.Write(m1)
	d.Write(challenge)
	f := append(append(append([]byte{0x6A}, m1...), d.Sum(nil)...), trailer...)
	fi := new(big.Int).SetBytes(f)
	if fi.Cmp(priv.N) >= 0 {
		return nil, fmt.Errorf("activeauth: message representative not below the modulus")
	}
	s := new(big.Int).Exp(fi, priv.D, priv.N)
	return s.FillBytes(make([]byte, (priv.N.BitLen()+7)/8)), nil
}

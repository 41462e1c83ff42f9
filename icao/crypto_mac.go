package icao

import (
	"crypto/cipher"
	"crypto/des"
	"crypto/subtle"
	"errors"
	"fmt"
)

// ErrBadPadding reports data whose ISO 9797-1 method 2 padding is missing.
var ErrBadPadding = errors.New("icao: bad ISO 9797-1 padding")

// Pad appends ISO/IEC 9797-1 padding method 2 (0x80 then zeros) up to a
// multiple of blockSize. It always adds at least one byte and never changes b.
func Pad(b []byte, blockSize int) []byte {
	n := len(b) + 1
	if r := n % blockSize; r != 0 {
		n += blockSize - r
	}
	out := make([]byte, n)
	copy(out, b)
	out[len(b)] = 0x80
	return out
}

// Unpad removes ISO/IEC 9797-1 padding method 2. The result aliases b.
func Unpad(b []byte) ([]byte, error) {
	for i := len(b) - 1; i >= 0; i-- {
		switch b[i] {
		case 0x00:
			continue
		case 0x80:
			return b[:i], nil
		}
		break
	}
	return nil, ErrBadPadding
}

// RetailMAC is ISO/IEC 9797-1 MAC algorithm 3 with DES (the "retail MAC"):
// single-DES CBC under K1 over the message, then DES-decrypt under K2 and
// encrypt under K1 on the last block. key is 16 bytes (K1 ‖ K2); msg must
// already be padded to a multiple of 8. It returns the 8-byte MAC.
func RetailMAC(key, msg []byte) ([]byte, error) {
	if len(key) != 16 {
		return nil, fmt.Errorf("%w: retail MAC takes 16 bytes, got %d", ErrBadKey, len(key))
	}
	if len(msg) == 0 || len(msg)%8 != 0 {
		return nil, fmt.Errorf("%w: retail MAC input of %d bytes is not padded", ErrBadPadding, len(msg))
	}
	k1, _ := des.NewCipher(key[:8])
	k2, _ := des.NewCipher(key[8:16])
	return retailMAC(k1, k2, msg), nil
}

// retailMAC is RetailMAC with the two DES key schedules prepared; msg is a
// non-empty multiple of 8 bytes.
func retailMAC(k1, k2 cipher.Block, msg []byte) []byte {
	h := make([]byte, 8)
	for i := 0; i < len(msg); i += 8 {
		subtle.XORBytes(h, h, msg[i:i+8])
		k1.Encrypt(h, h)
	}
	k2.Decrypt(h, h)
	k1.Encrypt(h, h)
	return h
}

// AESCMAC computes the full 16-byte AES-CMAC of msg (NIST SP 800-38B,
// RFC 4493). key is 16, 24 or 32 bytes. ICAO secure messaging and the PACE
// tokens use its first 8 bytes.
func AESCMAC(key, msg []byte) ([]byte, error) {
	alg := map[int]Cipher{16: CipherAES128, 24: CipherAES192, 32: CipherAES256}[len(key)]
	b, err := NewBlock(alg, key)
	if err != nil {
		return nil, err
	}
	return cmac(b, msg), nil
}

// cmac is CMAC over a 16-byte block cipher.
func cmac(b cipher.Block, msg []byte) []byte {
	const bs = 16
	k1 := make([]byte, bs)
	b.Encrypt(k1, k1) // L = E(K, 0^128)
	k1 = cmacDouble(k1)
	k2 := cmacDouble(k1)

	n := (len(msg) + bs - 1) / bs
	complete := n > 0 && len(msg)%bs == 0
	if n == 0 {
		n = 1
	}
	last := make([]byte, bs)
	if complete {
		subtle.XORBytes(last, msg[(n-1)*bs:], k1)
	} else {
		copy(last, msg[(n-1)*bs:])
		last[len(msg)-(n-1)*bs] = 0x80
		subtle.XORBytes(last, last, k2)
	}
	x := make([]byte, bs)
	for i := 0; i < n-1; i++ {
		subtle.XORBytes(x, x, msg[i*bs:(i+1)*bs])
		b.Encrypt(x, x)
	}
	subtle.XORBytes(x, x, last)
	b.Encrypt(x, x)
	return x
}

// cmacDouble multiplies a 128-bit value by x in GF(2^128) (shift left, and
// XOR 0x87 into the last byte when the top bit falls off).
func cmacDouble(v []byte) []byte {
	out := make([]byte, len(v))
	var carry byte
	for i := len(v) - 1; i >= 0; i-- {
		out[i] = v[i]<<1 | carry
		carry = v[i] >> 7
	}
	if carry != 0 {
		out[len(out)-1] ^= 0x87
	}
	return out
}

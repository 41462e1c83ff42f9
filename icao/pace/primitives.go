package pace

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// KDF counters (ICAO 9303-11 §9.7.1).
const (
	kdfEnc = 1
	kdfMAC = 2
	kdfPi  = 3
)

// kdf derives a key of c's length from a shared secret: SHA-1(secret ‖ c)
// for 3DES and AES-128, SHA-256 for AES-192/256; 3DES keys get DES parity.
func kdf(secret []byte, counter uint32, c Cipher) []byte {
	in := binary.BigEndian.AppendUint32(append([]byte(nil), secret...), counter)
	var d []byte
	if c == CipherAES192 || c == CipherAES256 {
		h := sha256.Sum256(in)
		d = h[:]
	} else {
		h := sha1.Sum(in)
		d = h[:]
	}
	k := append([]byte(nil), d[:c.KeyLen()]...)
	if c == Cipher3DES {
		for i, b := range k {
			// odd parity in the low bit of every byte
			p := b & 0xFE
			ones := 0
			for v := p; v != 0; v >>= 1 {
				ones += int(v & 1)
			}
			if ones%2 == 0 {
				p |= 1
			}
			k[i] = p
		}
	}
	return k
}

// block returns the block cipher for a key (3DES takes a 16-byte 2-key key).
func block(c Cipher, key []byte) (cipher.Block, error) {
	if c == Cipher3DES {
		if len(key) != 16 {
			return nil, fmt.Errorf("pace: 3DES key must be 16 bytes")
		}
		k := append(append([]byte(nil), key...), key[:8]...)
		return des.NewTripleDESCipher(k)
	}
	return aes.NewCipher(key)
}

// cbc runs CBC with a zero IV over data (a whole number of blocks).
func cbc(c Cipher, key, data []byte, encrypt bool) ([]byte, error) {
	b, err := block(c, key)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 || len(data)%b.BlockSize() != 0 {
		return nil, fmt.Errorf("pace: %d bytes is not a whole number of %d-byte blocks", len(data), b.BlockSize())
	}
	out := make([]byte, len(data))
	iv := make([]byte, b.BlockSize())
	if encrypt {
		cipher.NewCBCEncrypter(b, iv).CryptBlocks(out, data)
	} else {
		cipher.NewCBCDecrypter(b, iv).CryptBlocks(out, data)
	}
	return out, nil
}

// mac8 is the 8-byte PACE/CA authentication MAC: AES-CMAC truncated to 8
// bytes for AES, ISO/IEC 9797-1 MAC algorithm 3 (retail MAC, padding
// method 2) for 3DES.
func mac8(c Cipher, key, data []byte) ([]byte, error) {
	if c == Cipher3DES {
		return retailMAC(key, data)
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cmac(b, data)[:8], nil
}

// cmac is AES-CMAC (NIST SP 800-38B).
func cmac(b cipher.Block, msg []byte) []byte {
	const bs = 16
	l := make([]byte, bs)
	b.Encrypt(l, l)
	k1 := dbl(l)
	k2 := dbl(k1)
	n := (len(msg) + bs - 1) / bs
	last := make([]byte, bs)
	if n == 0 || len(msg)%bs != 0 {
		if n == 0 {
			n = 1
		}
		rest := msg[(n-1)*bs:]
		copy(last, rest)
		last[len(rest)] = 0x80
		xorInto(last, k2)
	} else {
		copy(last, msg[(n-1)*bs:])
		xorInto(last, k1)
	}
	x := make([]byte, bs)
	for i := 0; i < n-1; i++ {
		xorInto(x, msg[i*bs:(i+1)*bs])
		b.Encrypt(x, x)
	}
	xorInto(x, last)
	b.Encrypt(x, x)
	return x
}

func dbl(in []byte) []byte {
	out := make([]byte, len(in))
	carry := byte(0)
	for i := len(in) - 1; i >= 0; i-- {
		out[i] = in[i]<<1 | carry
		carry = in[i] >> 7
	}
	if carry != 0 {
		out[len(out)-1] ^= 0x87
	}
	return out
}

func xorInto(dst, src []byte) {
	for i := range dst {
		dst[i] ^= src[i]
	}
}

// pad applies ISO/IEC 9797-1 padding method 2 to a multiple of bs.
func pad(data []byte, bs int) []byte {
	out := append(append([]byte(nil), data...), 0x80)
	for len(out)%bs != 0 {
		out = append(out, 0)
	}
	return out
}

// retailMAC is ISO/IEC 9797-1 MAC algorithm 3 with single DES and a final
// 3DES step, over data padded with method 2.
func retailMAC(key, data []byte) ([]byte, error) {
	if len(key) != 16 {
		return nil, fmt.Errorf("pace: retail MAC key must be 16 bytes")
	}
	ka, err := des.NewCipher(key[:8])
	if err != nil {
		return nil, err
	}
	kb, err := des.NewCipher(key[8:])
	if err != nil {
		return nil, err
	}
	m := pad(data, 8)
	h := make([]byte, 8)
	for i := 0; i < len(m); i += 8 {
		xorInto(h, m[i:i+8])
		ka.Encrypt(h, h)
	}
	kb.Decrypt(h, h)
	ka.Encrypt(h, h)
	return h, nil
}

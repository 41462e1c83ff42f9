package icao

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// Cipher names the block cipher of a secure-messaging session and of the key
// derivation function (ICAO 9303-11 §9.7.1).
type Cipher int

// The ciphers ICAO 9303 defines for secure messaging.
const (
	Cipher3DES Cipher = iota + 1 // two-key 3DES-CBC with retail MAC
	CipherAES128
	CipherAES192
	CipherAES256
)

// KDF counters of ICAO 9303-11 §9.7.1.
const (
	KDFEnc uint32 = 1 // session encryption key
	KDFMac uint32 = 2 // session MAC key
	KDFPi  uint32 = 3 // PACE password key K_π
)

// ErrBadKey reports a key whose length does not fit the cipher.
var ErrBadKey = errors.New("icao: key length does not fit the cipher")

// String names the cipher.
func (c Cipher) String() string {
	switch c {
	case Cipher3DES:
		return "3DES"
	case CipherAES128:
		return "AES-128"
	case CipherAES192:
		return "AES-192"
	case CipherAES256:
		return "AES-256"
	}
	return fmt.Sprintf("Cipher(%d)", int(c))
}

// KeySize is the key length in bytes (16 for two-key 3DES).
func (c Cipher) KeySize() int {
	switch c {
	case Cipher3DES, CipherAES128:
		return 16
	case CipherAES192:
		return 24
	case CipherAES256:
		return 32
	}
	return 0
}

// BlockSize is the cipher block size in bytes: 8 for 3DES, 16 for AES.
func (c Cipher) BlockSize() int {
	if c == Cipher3DES {
		return des.BlockSize
	}
	return aes.BlockSize
}

// KDF derives a key from a shared secret as ICAO 9303-11 §9.7.1 defines it:
// H(secret ‖ counter) truncated to the key size, with SHA-1 for 3DES and
// AES-128 and SHA-256 for AES-192/256. 3DES keys come back parity-adjusted.
// It returns nil for an unknown cipher.
func KDF(secret []byte, counter uint32, alg Cipher) []byte {
	var ctr [4]byte
	binary.BigEndian.PutUint32(ctr[:], counter)
	var sum []byte
	switch alg {
	case Cipher3DES, CipherAES128:
		h := sha1.New()
		h.Write(secret)
		h.Write(ctr[:])
		sum = h.Sum(nil)
	case CipherAES192, CipherAES256:
		h := sha256.New()
		h.Write(secret)
		h.Write(ctr[:])
		sum = h.Sum(nil)
	default:
		return nil
	}
	key := sum[:alg.KeySize()]
	if alg == Cipher3DES {
		AdjustParity(key)
	}
	return key
}

// AdjustParity sets the low bit of every byte so the byte has odd parity, as
// DES keys require. It changes key in place.
func AdjustParity(key []byte) {
	for i, b := range key {
		b &^= 1
		ones := 0
		for v := b; v != 0; v &= v - 1 {
			ones++
		}
		if ones%2 == 0 {
			b |= 1
		}
		key[i] = b
	}
}

// NewBlock returns the block cipher for alg and key. A 16-byte 3DES key is
// used as K1 K2 K1 (two-key 3DES).
func NewBlock(alg Cipher, key []byte) (cipher.Block, error) {
	switch alg {
	case Cipher3DES:
		var k []byte
		switch len(key) {
		case 16:
			k = append(append(make([]byte, 0, 24), key...), key[:8]...)
		case 24:
			k = key
		default:
			return nil, fmt.Errorf("%w: 3DES takes 16 or 24 bytes, got %d", ErrBadKey, len(key))
		}
		return des.NewTripleDESCipher(k)
	case CipherAES128, CipherAES192, CipherAES256:
		if len(key) != alg.KeySize() {
			return nil, fmt.Errorf("%w: %s takes %d bytes, got %d", ErrBadKey, alg, alg.KeySize(), len(key))
		}
		return aes.NewCipher(key)
	}
	return nil, fmt.Errorf("%w: unknown cipher %d", ErrBadKey, int(alg))
}

// cbcEncrypt encrypts data (a whole number of blocks) in CBC mode.
func cbcEncrypt(b cipher.Block, iv, data []byte) []byte {
	out := make([]byte, len(data))
	cipher.NewCBCEncrypter(b, iv).CryptBlocks(out, data)
	return out
}

// cbcDecrypt decrypts data (a whole number of blocks) in CBC mode.
func cbcDecrypt(b cipher.Block, iv, data []byte) []byte {
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(b, iv).CryptBlocks(out, data)
	return out
}

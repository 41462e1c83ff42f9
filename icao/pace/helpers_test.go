package pace

import (
	"crypto/aes"
	"crypto/cipher"
)

func aesBlockForTest(key []byte) (cipher.Block, error) { return aes.NewCipher(key) }

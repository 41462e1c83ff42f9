package pace

import (
	"crypto/cipher"
	"fmt"

	"github.com/cccd-agent/cccd/icao"
)

// cbc runs CBC with a zero IV over data (a whole number of blocks).
func cbc(c icao.Cipher, key, data []byte, encrypt bool) ([]byte, error) {
	b, err := icao.NewBlock(c, key)
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

// MAC8 is the 8-byte authentication MAC of PACE tokens and CA: AES-CMAC cut
// to 8 bytes for AES, the retail MAC over ISO 9797-1 padded data for 3DES.
func MAC8(c icao.Cipher, key, data []byte) ([]byte, error) {
	if c == icao.Cipher3DES {
		return icao.RetailMAC(key, icao.Pad(data, 8))
	}
	m, err := icao.AESCMAC(key, data)
	if err != nil {
		return nil, err
	}
	return m[:8], nil
}

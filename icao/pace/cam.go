package pace

import (
	"crypto/cipher"
	"fmt"

	"github.com/cccd-agent/cccd/icao"
)

// decryptCAM recovers CA_IC from A_IC: AES-CBC with IV = E(KS_enc, −1),
// ISO 9797-1 padding method 2 (ICAO 9303-11 §4.4.3.5.1).
func decryptCAM(c icao.Cipher, ksEnc, enc []byte) ([]byte, error) {
	b, err := icao.NewBlock(c, ksEnc)
	if err != nil {
		return nil, err
	}
	if len(enc) == 0 || len(enc)%b.BlockSize() != 0 {
		return nil, fmt.Errorf("%w: chip authentication data of %d bytes", ErrBadResponse, len(enc))
	}
	iv, err := camIV(c, ksEnc)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(enc))
	cipher.NewCBCDecrypter(b, iv).CryptBlocks(out, enc)
	plain, err := icao.Unpad(out)
	if err != nil {
		return nil, fmt.Errorf("%w: chip authentication data: %w", ErrBadResponse, err)
	}
	return plain, nil
}

// EncryptCAM is the chip side of decryptCAM (simulator and tests).
func EncryptCAM(c icao.Cipher, ksEnc, caIC []byte) ([]byte, error) {
	b, err := icao.NewBlock(c, ksEnc)
	if err != nil {
		return nil, err
	}
	iv, err := camIV(c, ksEnc)
	if err != nil {
		return nil, err
	}
	in := icao.Pad(caIC, b.BlockSize())
	out := make([]byte, len(in))
	cipher.NewCBCEncrypter(b, iv).CryptBlocks(out, in)
	return out, nil
}

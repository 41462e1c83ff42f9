package ble

import (
	"crypto/aes"
	"crypto/cipher"
	"fmt"
)

// DefaultMasterKey is the factory Customer Master Key, ASCII
// "ACR1255U-J1 Auth" (obniz masterKey; not printed in the manual pages
// found). Never rewrite the CMK from the daemon: a wrong rewrite bricks the
// reader.
var DefaultMasterKey = []byte("ACR1255U-J1 Auth")

// zeroIV: every AES-CBC operation of the protocol uses a zero IV and no
// padding (Flomio support on the ACS SDK; obniz).
var zeroIV = make([]byte, aes.BlockSize)

// cbcEncrypt encrypts whole blocks with AES-128-CBC, zero IV.
func cbcEncrypt(key, p []byte) ([]byte, error) {
	blk, err := newBlock(key, p)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(p))
	cipher.NewCBCEncrypter(blk, zeroIV).CryptBlocks(out, p)
	return out, nil
}

// cbcDecrypt decrypts whole blocks with AES-128-CBC, zero IV.
func cbcDecrypt(key, c []byte) ([]byte, error) {
	blk, err := newBlock(key, c)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(c))
	cipher.NewCBCDecrypter(blk, zeroIV).CryptBlocks(out, c)
	return out, nil
}

func newBlock(key, data []byte) (cipher.Block, error) {
	if len(key) != 16 {
		return nil, fmt.Errorf("ble: AES-128 key must be 16 bytes, got %d", len(key))
	}
	if len(data)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: %d bytes is not a whole number of AES blocks", ErrFrame, len(data))
	}
	return aes.NewCipher(key)
}

// sealMessage pads m with FF to whole blocks, sets its checksum and
// encrypts it with the session key.
func sealMessage(sk []byte, m Message) ([]byte, error) {
	return cbcEncrypt(sk, m.encode(aes.BlockSize))
}

// openMessage decrypts a session payload and parses the message in it.
func openMessage(sk, payload []byte) (Message, error) {
	p, err := cbcDecrypt(sk, payload)
	if err != nil {
		return Message{}, err
	}
	return DecodeMessage(p)
}

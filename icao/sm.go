package icao

import (
	"crypto/cipher"
	"crypto/des"
	"errors"
	"fmt"

	"github.com/cccd-agent/cccd/internal/tlv"
)

// Errors of the secure-messaging layer. They never carry plaintext or keys.
var (
	// ErrBadMAC: a secure-messaging MAC did not verify. On the reader side
	// this means a corrupted, forged or desynchronised response; the session
	// cannot continue without new access control.
	ErrBadMAC = errors.New("icao: secure-messaging MAC does not verify")
	// ErrSMFormat: the secure-messaging data objects are malformed, missing
	// or unexpected.
	ErrSMFormat = errors.New("icao: malformed secure-messaging data objects")
)

// SecureMessaging is one secure-messaging session (ICAO 9303-11 §9.8):
// the session keys and the send sequence counter (SSC).
//
// SSC rule (both sides): the counter is incremented once for every DO'8E'
// MAC that is produced or checked, and at no other time. A command always
// carries a MAC, so Wrap and UnwrapCommand always advance the SSC. A
// response advances it only if it carries DO'8E': a chip that answers an
// error with a bare status word (6A82, 6B00, 6988 ...) or returns DO'87'
// without a MAC (6282) counted our command but produced no MAC, so the
// reader must not count a response either. This is what ICAO-conformant
// chips and vsmartcard do, and it keeps both sides in step after any error.
//
// A SecureMessaging is not safe for concurrent use: a card session is one
// command at a time.
type SecureMessaging struct {
	alg    Cipher
	enc    cipher.Block
	macK1  cipher.Block // 3DES: the retail MAC's DES keys K1 and K2
	macK2  cipher.Block
	macBlk cipher.Block // AES: CMAC key schedule
	ssc    []byte

	maxShort int // MaxShortRead, computed once
}

// NewSecureMessaging starts a session with the given session keys and
// initial SSC (8 bytes for 3DES, 16 for AES). The slices are copied. PACE and
// Chip Authentication call it again to restart SM with new keys.
func NewSecureMessaging(alg Cipher, ksEnc, ksMac, ssc []byte) (*SecureMessaging, error) {
	enc, err := NewBlock(alg, ksEnc)
	if err != nil {
		return nil, fmt.Errorf("icao: secure messaging encryption key: %w", err)
	}
	sm := &SecureMessaging{alg: alg, enc: enc, ssc: append([]byte(nil), ssc...)}
	if alg == Cipher3DES {
		if len(ksMac) != 16 {
			return nil, fmt.Errorf("icao: secure messaging MAC key: %w: 3DES takes 16 bytes, got %d", ErrBadKey, len(ksMac))
		}
		sm.macK1, _ = des.NewCipher(ksMac[:8]) // 8-byte keys never fail
		sm.macK2, _ = des.NewCipher(ksMac[8:])
	} else {
		if sm.macBlk, err = NewBlock(alg, ksMac); err != nil {
			return nil, fmt.Errorf("icao: secure messaging MAC key: %w", err)
		}
	}
	if len(ssc) != alg.BlockSize() {
		return nil, fmt.Errorf("icao: secure messaging SSC of %d bytes, %s needs %d", len(ssc), alg, alg.BlockSize())
	}
	return sm, nil
}

// Cipher returns the session's cipher.
func (sm *SecureMessaging) Cipher() Cipher { return sm.alg }

// SSC returns a copy of the current send sequence counter.
func (sm *SecureMessaging) SSC() []byte { return append([]byte(nil), sm.ssc...) }

func (sm *SecureMessaging) incSSC() {
	for i := len(sm.ssc) - 1; i >= 0; i-- {
		sm.ssc[i]++
		if sm.ssc[i] != 0 {
			return
		}
	}
}

// rewind undoes one incSSC: used when a command is known never to have
// reached the chip's secure-messaging layer.
func (sm *SecureMessaging) rewind() {
	for i := len(sm.ssc) - 1; i >= 0; i-- {
		sm.ssc[i]--
		if sm.ssc[i] != 0xFF {
			return
		}
	}
}

// mac returns the 8-byte MAC of SSC ‖ parts, padded.
func (sm *SecureMessaging) mac(parts ...[]byte) []byte {
	var msg []byte
	msg = append(msg, sm.ssc...)
	for _, p := range parts {
		msg = append(msg, p...)
	}
	msg = Pad(msg, sm.alg.BlockSize())
	if sm.alg == Cipher3DES {
		return retailMAC(sm.macK1, sm.macK2, msg)
	}
	return cmac(sm.macBlk, msg)[:8]
}

// iv is zero for 3DES and E(KSenc, SSC) for AES (ICAO 9303-11 §9.8.6.1).
func (sm *SecureMessaging) iv() []byte {
	iv := make([]byte, sm.alg.BlockSize())
	if sm.alg != Cipher3DES {
		sm.enc.Encrypt(iv, sm.ssc)
	}
	return iv
}

func (sm *SecureMessaging) encrypt(plain []byte) []byte {
	return cbcEncrypt(sm.enc, sm.iv(), Pad(plain, sm.alg.BlockSize()))
}

func (sm *SecureMessaging) decrypt(ct []byte) ([]byte, error) {
	if len(ct) == 0 || len(ct)%sm.alg.BlockSize() != 0 {
		return nil, fmt.Errorf("%w: cryptogram of %d bytes is not whole blocks", ErrSMFormat, len(ct))
	}
	p, err := Unpad(cbcDecrypt(sm.enc, sm.iv(), ct))
	if err != nil {
		return nil, fmt.Errorf("%w: decrypted data has no padding", ErrSMFormat)
	}
	return p, nil
}

// ProtectedResponseLen is the length of a protected response carrying n
// plaintext bytes: DO'87', DO'99', DO'8E' and the status word.
func (sm *SecureMessaging) ProtectedResponseLen(n int) int {
	l := 4 + 10 + 2 // DO'99' + DO'8E' + SW
	if n > 0 {
		bs := sm.alg.BlockSize()
		l += doLen(1 + (n/bs+1)*bs) // padding method 2 always adds a byte
	}
	return l
}

// MaxShortRead is the largest plaintext a protected response can carry in
// a short response APDU (256 data bytes + SW): 231 for 3DES, 223 for AES.
// Without secure messaging (nil receiver) it is 256.
func (sm *SecureMessaging) MaxShortRead() int {
	if sm == nil {
		return MaxShortNe
	}
	if sm.maxShort == 0 {
		n := MaxShortNe
		for n > 0 && sm.ProtectedResponseLen(n) > MaxShortNe+2 {
			n--
		}
		sm.maxShort = n
	}
	return sm.maxShort
}

// doLen is the encoded size of a TLV with a one-byte tag and n value bytes.
func doLen(n int) int { return 1 + len(tlv.AppendLength(nil, n)) + n }

// leBytes encodes Ne for DO'97': one byte up to 256 (00 = 256), else two
// (00 00 = 65536).
func leBytes(ne int) []byte {
	if ne <= MaxShortNe {
		return []byte{byte(ne)}
	}
	return []byte{byte(ne >> 8), byte(ne)}
}

func leValue(b []byte) (int, error) {
	switch len(b) {
	case 1:
		return shortNe(b[0]), nil
	case 2:
		return extendedNe(b[0], b[1]), nil
	}
	return 0, fmt.Errorf("%w: DO'97' of %d bytes", ErrSMFormat, len(b))
}

package ble

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
)

// ErrAuth means the reader and the host do not share the master key (or the
// reader is not an ACR1255U-J1): check Config.MasterKey.
var ErrAuth = errors.New("ble: mutual authentication with the reader failed")

// Escape payloads of the authentication (manual p.28–32; obniz connectWait).
var (
	authRequest1 = []byte{0xE0, 0x00, 0x00, 0x45, 0x00}
	authRequest2 = []byte{0xE0, 0x00, 0x00, 0x46, 0x00}
	authReply1   = []byte{0xE1, 0x00, 0x00, 0x45, 0x00}
	authReply2   = []byte{0xE1, 0x00, 0x00, 0x46, 0x00}
)

// AuthStart is step 1: the plaintext escape E0 00 00 45 00.
func AuthStart() Message {
	return Message{Type: MsgEscape, Data: bytes.Clone(authRequest1)}
}

// AuthRespond is step 3. reply1 is the reader's step-2 answer (E1 00 00 45
// 00 + E_CMK(RND_A)); rndB is the host's 16 random bytes. It returns the
// step-3 message (E0 00 00 46 00 + D_CMK(RND_B ‖ RND_A), a CBC
// *decryption* as the manual prescribes) and RND_A.
func AuthRespond(cmk []byte, reply1 Message, rndB []byte) (Message, []byte, error) {
	enc, err := authPayload(reply1, authReply1)
	if err != nil {
		return Message{}, nil, err
	}
	if len(rndB) != 16 {
		return Message{}, nil, fmt.Errorf("ble: RND_B must be 16 bytes, got %d", len(rndB))
	}
	rndA, err := cbcDecrypt(cmk, enc)
	if err != nil {
		return Message{}, nil, err
	}
	p, err := cbcDecrypt(cmk, append(bytes.Clone(rndB), rndA...))
	if err != nil {
		return Message{}, nil, err
	}
	return Message{Type: MsgEscape, Data: append(bytes.Clone(authRequest2), p...)}, rndA, nil
}

// AuthFinish is step 5: reply2 (E1 00 00 46 00 + E_CMK(RND_B)) must decrypt
// to rndB. It returns the session key RND_A[0:8] ‖ RND_B[0:8].
func AuthFinish(cmk []byte, reply2 Message, rndA, rndB []byte) ([]byte, error) {
	enc, err := authPayload(reply2, authReply2)
	if err != nil {
		return nil, err
	}
	got, err := cbcDecrypt(cmk, enc)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(got, rndB) != 1 {
		return nil, fmt.Errorf("%w: the reader's proof does not match; check the master key", ErrAuth)
	}
	return append(bytes.Clone(rndA[:8]), rndB[:8]...), nil
}

// authPayload checks an authentication reply and returns its 16 bytes.
func authPayload(m Message, prefix []byte) ([]byte, error) {
	if m.Type != RspEscape || len(m.Data) != len(prefix)+16 || !bytes.Equal(m.Data[:4], prefix[:4]) {
		return nil, fmt.Errorf("%w: unexpected reply (type 0x%02X, %d data bytes)", ErrAuth, m.Type, len(m.Data))
	}
	return m.Data[len(prefix):], nil
}

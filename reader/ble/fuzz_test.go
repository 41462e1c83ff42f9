package ble

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecodeFrame feeds arbitrary notification bytes through the frame
// assembler, the message decoder and the session decryption: no panic, and
// every accepted frame and message re-encodes to the same content.
func FuzzDecodeFrame(f *testing.F) {
	step1, _ := EncodeFrame(AuthStart().Encode())
	atr, _ := EncodeFrame(Message{Type: RspDataBlock, Data: []byte{0x3B, 0x83, 0x80, 0x01, 0x41, 0x07, 0x00, 0x44}}.Encode())
	sealed, _ := EncodeFrame(aesCBC(bytes.Repeat([]byte{7}, 16), Message{Type: MsgAPDU, Data: []byte{0, 0xA4, 4, 0}}.encode(16), true))
	for _, s := range [][]byte{step1, atr, sealed, {0x05, 0x00, 0x00, 0x00, 0x0A}, {0x05, 0xFF, 0xFF}} {
		f.Add(s)
	}
	sk := bytes.Repeat([]byte{7}, 16)
	f.Fuzz(func(t *testing.T, in []byte) {
		var a Assembler
		for _, c := range Split(in, DefaultChunk) {
			a.Feed(c)
			for range len(in) + 1 {
				p, err := a.Next()
				if errors.Is(err, ErrIncomplete) {
					break
				}
				if err != nil {
					continue
				}
				re, err := EncodeFrame(p)
				if err != nil {
					t.Fatalf("accepted payload does not re-encode: %v", err)
				}
				if p2, n, err := DecodeFrame(re); err != nil || n != len(re) || !bytes.Equal(p2, p) {
					t.Fatalf("re-encoded frame decodes differently")
				}
				if m, err := DecodeMessage(p); err == nil {
					if m2, err := DecodeMessage(m.Encode()); err != nil || m2.Type != m.Type || !bytes.Equal(m2.Data, m.Data) {
						t.Fatalf("message does not round-trip: %v", err)
					}
				}
				if len(p) > 0 && len(p)%16 == 0 {
					_, _ = openMessage(sk, p)
				}
			}
			if a.Buffered() > maxAssembled {
				t.Fatalf("assembler holds %d bytes", a.Buffered())
			}
		}
	})
}

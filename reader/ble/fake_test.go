package ble

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"sync"
)

// fakeACR is an in-memory ACR1255U-J1 behind a GATTLink: it reassembles the
// host's writes, answers the documented authentication and CCID-like
// messages, and notifies its replies in 20-byte chunks. Its crypto uses
// crypto/cipher directly, independently of the package's helpers.
type fakeACR struct {
	cmk  []byte
	rndA []byte

	mu       sync.Mutex
	asm      Assembler
	sk       []byte
	writes   [][]byte // every chunk the host wrote
	notes    chan []byte
	closed   bool
	card     bool
	silent   bool // swallow commands without replying
	apdus    int
	answer   func(apdu []byte) []byte
	lastSent []byte // last plaintext reply message, for assertions
}

var fakeATR = []byte{0x3B, 0x8E, 0x80, 0x01, 0x80, 0x31, 0x80, 0x66, 0xB1, 0x84, 0x0C, 0x01, 0x6E, 0x01, 0x83, 0x00, 0x90, 0x00, 0x1C}

func newFakeACR(cmk []byte) *fakeACR {
	return &fakeACR{cmk: cmk, rndA: bytes.Repeat([]byte{0xA5, 0x5A}, 8), notes: make(chan []byte, 256), card: true,
		answer: func(apdu []byte) []byte { return append(bytes.Clone(apdu), 0x90, 0x00) }}
}

func aesCBC(key, in []byte, encrypt bool) []byte {
	blk, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	out := make([]byte, len(in))
	iv := make([]byte, 16)
	if encrypt {
		cipher.NewCBCEncrypter(blk, iv).CryptBlocks(out, in)
	} else {
		cipher.NewCBCDecrypter(blk, iv).CryptBlocks(out, in)
	}
	return out
}

func (f *fakeACR) Write(ctx context.Context, chunk []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return errors.New("fake: disconnected")
	}
	if len(chunk) > DefaultChunk {
		return errors.New("fake: write longer than the MTU")
	}
	f.writes = append(f.writes, bytes.Clone(chunk))
	f.asm.Feed(chunk)
	for {
		p, err := f.asm.Next()
		if errors.Is(err, ErrIncomplete) {
			return nil
		}
		if err != nil {
			return nil // a real reader ignores a damaged frame
		}
		f.handle(p)
	}
}

func (f *fakeACR) handle(p []byte) {
	if f.silent {
		return
	}
	var m Message
	var err error
	if f.sk != nil {
		m, err = DecodeMessage(aesCBC(f.sk, p, false))
	} else {
		m, err = DecodeMessage(p)
	}
	if err != nil {
		return
	}
	reply := Message{Slot: m.Slot, Seq: m.Seq}
	switch {
	case m.Type == MsgEscape && bytes.Equal(m.Data, []byte{0xE0, 0x00, 0x00, 0x45, 0x00}):
		f.sk = nil
		reply.Type, reply.Data = RspEscape, append([]byte{0xE1, 0x00, 0x00, 0x45, 0x00}, aesCBC(f.cmk, f.rndA, true)...)
		f.sendPlain(reply)
		return
	case m.Type == MsgEscape && len(m.Data) == 37 && bytes.Equal(m.Data[:5], []byte{0xE0, 0x00, 0x00, 0x46, 0x00}):
		plain := aesCBC(f.cmk, m.Data[5:], true) // undo the host's CBC decryption
		rndB, rndA := plain[:16], plain[16:]
		if !bytes.Equal(rndA, f.rndA) {
			return // wrong key: the real reader stays silent
		}
		reply.Type, reply.Data = RspEscape, append([]byte{0xE1, 0x00, 0x00, 0x46, 0x00}, aesCBC(f.cmk, rndB, true)...)
		f.sendPlain(reply)
		f.sk = append(bytes.Clone(f.rndA[:8]), rndB[:8]...)
		return
	case f.sk == nil:
		return
	case m.Type == MsgPowerOn && f.card:
		reply.Type, reply.Data = RspDataBlock, bytes.Clone(fakeATR)
	case m.Type == MsgPowerOn:
		reply.Type, reply.Param = RspDataBlock, 0x42 // failed, no card
	case m.Type == MsgAPDU && f.card:
		f.apdus++
		reply.Type, reply.Data = RspDataBlock, f.answer(m.Data)
	case m.Type == MsgAPDU:
		reply.Type, reply.Param = RspDataBlock, 0x42
	case m.Type == MsgPowerOff:
		reply.Type = RspSlotStatus
	default:
		return
	}
	f.sendSealed(reply)
}

func (f *fakeACR) sendPlain(m Message) {
	f.lastSent = m.Encode()
	fr, _ := EncodeFrame(f.lastSent)
	f.notify(fr)
}

func (f *fakeACR) sendSealed(m Message) {
	f.lastSent = m.encode(16)
	fr, _ := EncodeFrame(aesCBC(f.sk, f.lastSent, true))
	f.notify(fr)
}

func (f *fakeACR) notify(frame []byte) {
	for _, c := range Split(frame, DefaultChunk) {
		f.notes <- bytes.Clone(c)
	}
}

// cardEvent sends a 50 notification (02 present, 03 absent), encrypted when
// a session exists, as a reader-initiated message.
func (f *fakeACR) cardEvent(present bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.card = present
	m := Message{Type: MsgCardNotify, Param: 0x03}
	if present {
		m.Param = 0x02
	}
	if f.sk != nil {
		f.sendSealed(m)
	} else {
		f.sendPlain(m)
	}
}

// drop simulates the reader going out of range.
func (f *fakeACR) drop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.closed {
		f.closed = true
		close(f.notes)
	}
}

func (f *fakeACR) Notifications() <-chan []byte { return f.notes }
func (f *fakeACR) ChunkSize() int               { return DefaultChunk }
func (f *fakeACR) Close() error                 { f.drop(); return nil }

func (f *fakeACR) written() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return bytes.Join(f.writes, nil)
}

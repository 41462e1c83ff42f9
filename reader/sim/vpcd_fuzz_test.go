package sim

import (
	"bytes"
	"errors"
	"io"
	"sync/atomic"
	"testing"
)

// FuzzVPCDFrame feeds arbitrary bytes from "vpcd" through the frame reader,
// the message decoder and the bridge's serve loop: no panic, every decoded
// frame re-encodes to the same bytes, and the loop ends with an error.
func FuzzVPCDFrame(f *testing.F) {
	f.Add([]byte{0x00, 0x01, 0x04})
	f.Add([]byte{0x00, 0x01, 0x01, 0x00, 0x01, 0x04, 0x00, 0x05, 0x00, 0xA4, 0x04, 0x0C, 0x00})
	f.Add([]byte{0x00, 0x01, 0x03})
	f.Add([]byte{0x00, 0x00})
	f.Add([]byte{0xFF, 0xFF, 0x00})
	f.Add([]byte{0x00, 0x04, 0x00, 0x84, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		var buf []byte
		for {
			payload, err := ReadVPCDFrame(r, buf)
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("unexpected read error %v", err)
				}
				break
			}
			frame, err := AppendVPCDFrame(nil, payload)
			if err != nil {
				t.Fatalf("re-encode of a %d-byte payload: %v", len(payload), err)
			}
			if len(frame) != len(payload)+2 || !bytes.Equal(frame[2:], payload) {
				t.Fatalf("re-encode changed the payload")
			}
			m, err := DecodeVPCDMessage(payload)
			if err == nil && !m.Control && len(m.APDU) < 2 {
				t.Fatalf("APDU of %d bytes accepted", len(m.APDU))
			}
			buf = payload[:0]
		}

		var out bytes.Buffer
		var n atomic.Int64
		rw := struct {
			io.Reader
			io.Writer
		}{bytes.NewReader(data), &out}
		if err := serveVPCD(rw, &testChip{atr: []byte{0x3B, 0x00}}, &n, nil); err == nil {
			t.Fatal("serve loop ended without an error")
		}
		// Every reply the loop wrote must itself be a well-formed frame.
		replies := bytes.NewReader(out.Bytes())
		for replies.Len() > 0 {
			if _, err := ReadVPCDFrame(replies, nil); err != nil {
				t.Fatalf("serve loop wrote a broken frame: %v", err)
			}
		}
	})
}

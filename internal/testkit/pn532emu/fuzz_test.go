package pn532emu

import (
	"bytes"
	"io"
	"testing"

	"github.com/cccd-agent/cccd/reader/pn532"
)

// discard is a port that swallows the emulator's answers.
type discard struct{ io.Reader }

func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) Close() error                { return nil }

// FuzzEmulator feeds arbitrary host bytes (and the same bytes wrapped as a
// command frame) to an awake emulator: it must never panic.
func FuzzEmulator(f *testing.F) {
	for _, s := range [][]byte{
		{0x4A, 0x01, 0x00}, {0x40, 0x41, 0x00, 0xA4}, {0x40, 0x01}, {0x4E, 0x01, 0x02, 0x02},
		{0x52, 0x00}, {0x14, 0x01}, {0x00, 0x00, 0x01, 0x02}, {0x32, 0x05, 0xFF, 0x01, 0x02},
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		e := New(discard{bytes.NewReader(nil)}, echoChip{}, Options{AwakeAtStart: true, Chunk: 16, TA: 0xB3})
		var dec pn532.Decoder
		// Activate a target first so that exchange paths are reachable.
		list, _ := pn532.EncodeFrame(pn532.TFIHost, []byte{0x12, 0x14})
		act, _ := pn532.EncodeFrame(pn532.TFIHost, []byte{0x4A, 0x01, 0x00})
		if err := e.receive(&dec, append(list, act...)); err != nil {
			t.Fatal(err)
		}
		if err := e.receive(&dec, in); err != nil {
			t.Fatal(err)
		}
		if len(in) <= pn532.MaxExtendedData {
			fr, _ := pn532.EncodeFrame(pn532.TFIHost, in)
			if err := e.receive(&dec, fr); err != nil {
				t.Fatal(err)
			}
			more, _ := pn532.EncodeFrame(pn532.TFIHost, []byte{0x40, 0x01})
			if err := e.receive(&dec, more); err != nil {
				t.Fatal(err)
			}
		}
	})
}

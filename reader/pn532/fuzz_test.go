package pn532

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecodeFrame feeds arbitrary bytes to DecodeFrame and the stream
// Decoder: they must never panic, always make progress, and every frame they
// accept must re-encode to bytes that decode to the same frame.
func FuzzDecodeFrame(f *testing.F) {
	seeds := [][]byte{
		ackFrame, nackFrame, errorFrame,
		{0x00, 0x00, 0xFF, 0x02, 0xFE, 0xD4, 0x02, 0x2A, 0x00},
		{0x00, 0x00, 0xFF, 0x06, 0xFA, 0xD5, 0x03, 0x32, 0x01, 0x06, 0x07, 0xE8, 0x00},
		{0x55, 0x55, 0x00, 0x00, 0x00, 0x00, 0xFF, 0x05, 0xFB, 0xD4, 0x14, 0x01, 0x14, 0x01, 0x02, 0x00},
		{0x00, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0xFF},
	}
	ext, _ := EncodeFrame(TFIPN532, bytes.Repeat([]byte{0x41}, 260))
	seeds = append(seeds, ext)
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		buf := in
		for steps := 0; len(buf) > 0; steps++ {
			fr, n, err := DecodeFrame(buf)
			if n < 0 || n > len(buf) {
				t.Fatalf("n = %d outside [0,%d]", n, len(buf))
			}
			if errors.Is(err, ErrIncomplete) {
				break
			}
			if n == 0 {
				t.Fatalf("no progress on a complete result (err %v)", err)
			}
			if err == nil && fr.Kind == KindInfo {
				re, eerr := EncodeFrame(fr.TFI, fr.Data)
				if eerr != nil {
					t.Fatalf("decoded frame does not re-encode: %v", eerr)
				}
				fr2, n2, err2 := DecodeFrame(re)
				if err2 != nil || n2 != len(re) || fr2.TFI != fr.TFI || !bytes.Equal(fr2.Data, fr.Data) {
					t.Fatalf("re-encoded frame decodes differently: %v", err2)
				}
			}
			buf = buf[n:]
		}
		var d Decoder
		for i := 0; i < len(in); i += 7 {
			d.Feed(in[i:min(i+7, len(in))])
			for range len(in) + 1 {
				if _, err := d.Next(); errors.Is(err, ErrIncomplete) {
					break
				}
			}
			if d.Buffered() > maxBuffered {
				t.Fatalf("decoder holds %d bytes", d.Buffered())
			}
		}
	})
}

// FuzzParseTargetA: any InListPassiveTarget body parses or errors cleanly,
// and what parses re-encodes to the bytes it came from (up to the ATS).
func FuzzParseTargetA(f *testing.F) {
	f.Add([]byte{0x01, 0x01, 0x00, 0x08, 0x28, 0x04, 0x85, 0x82, 0x2F, 0xA0, 0x07, 0x77, 0xF7, 0x80, 0x02, 0x47, 0x65})
	f.Add([]byte{0x00})
	f.Add([]byte{0x01, 0x01, 0x00, 0x04, 0x08, 0x04, 0xDE, 0xAD, 0xBE, 0xEF})
	f.Add([]byte{0x01, 0x01, 0x00, 0x04, 0x20, 0x07, 0x01})
	f.Fuzz(func(t *testing.T, in []byte) {
		tg, err := ParseTargetA(in)
		if err != nil || tg == nil {
			return
		}
		re := AppendTargetA(nil, tg)
		if !bytes.HasPrefix(in[1:], re[1:]) {
			t.Fatalf("re-encoding % X is not a prefix of the input % X", re, in)
		}
		_, _ = tg.MaxRate(424)
		_ = PseudoATR(tg.ATS)
	})
}

package icao

import (
	"bytes"
	"testing"
)

// BenchmarkSMReadChunk is the crypto cost of one protected 223-byte READ
// BINARY, reader and chip side together: Wrap, UnwrapCommand, WrapResponse,
// Unwrap. It reports the plaintext throughput next to ns/op and allocs.
func BenchmarkSMReadChunk(b *testing.B) {
	for _, alg := range []Cipher{Cipher3DES, CipherAES128, CipherAES256} {
		b.Run(alg.String(), func(b *testing.B) {
			ks, km := bytes.Repeat([]byte{1}, alg.KeySize()), bytes.Repeat([]byte{2}, alg.KeySize())
			r, _ := NewSecureMessaging(alg, ks, km, make([]byte, alg.BlockSize()))
			c, _ := NewSecureMessaging(alg, ks, km, make([]byte, alg.BlockSize()))
			chunk := make([]byte, 0xDF)
			b.SetBytes(int64(len(chunk)))
			b.ReportAllocs()
			for b.Loop() {
				w, _ := r.Wrap(Command{INS: 0xB0, Ne: len(chunk)})
				if _, err := c.UnwrapCommand(w); err != nil {
					b.Fatal(err)
				}
				if _, _, err := r.Unwrap(c.WrapResponse(chunk, SWOK)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

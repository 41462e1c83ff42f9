package sim

import (
	"bytes"
	"testing"
)

// FuzzPACECardSide sends a hostile terminal's commands to the PACE, CA and
// AA card side: a valid MSE:Set AT for the CCCD PACEInfo, then fuzzed
// GENERAL AUTHENTICATE / MSE / INTERNAL AUTHENTICATE commands. The chip must
// answer each with a status word and never panic or open a session.
func FuzzPACECardSide(f *testing.F) {
	p := &Profile{
		MRZ:   "IDVNM0990123459001099012345<<0" + "9902152M3902150VNM<<<<<<<<<<<8" + "NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<",
		CAN:   "012345",
		Files: map[string][]byte{"DG1": {0x61, 0x00}},
	}
	if err := AddChipKeys(p, ChipKeyOptions{}); err != nil {
		f.Fatal(err)
	}
	mse := []byte{0x00, 0x22, 0xC1, 0xA4, 0x12, 0x80, 0x0A, 0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04, 0x02, 0x02, 0x83, 0x01, 0x02, 0x84, 0x01, 0x0D}
	f.Add([]byte{0x10, 0x86, 0x00, 0x00, 0x02, 0x7C, 0x00, 0x00}, []byte{0x10, 0x86, 0x00, 0x00, 0x05, 0x7C, 0x03, 0x81, 0x01, 0x04, 0x00})
	f.Add([]byte{0x00, 0x86, 0x00, 0x00, 0x0C, 0x7C, 0x0A, 0x85, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0x00}, []byte{0x00, 0x88, 0x00, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0x00})
	f.Add([]byte{0x00, 0x22, 0x41, 0xA6, 0x03, 0x91, 0x01, 0x04}, []byte{0x00, 0x22, 0x41, 0xA4, 0x02, 0x80, 0x00})
	f.Fuzz(func(t *testing.T, c1, c2 []byte) {
		card, err := NewCard(p)
		if err != nil {
			t.Fatal(err)
		}
		if r := card.Process(mse); !bytes.Equal(r, []byte{0x90, 0x00}) {
			t.Fatalf("MSE:Set AT answered %X", r)
		}
		for _, c := range [][]byte{c1, c2} {
			if r := card.Process(c); len(r) < 2 {
				t.Fatalf("answer without status word: %X", r)
			}
		}
		if card.sm != nil {
			t.Fatal("a secure-messaging session opened without a PACE run")
		}
	})
}

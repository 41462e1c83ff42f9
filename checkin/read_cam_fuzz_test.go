package checkin

import (
	"bytes"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/icao/access"
	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/verify"
)

// FuzzCAMBinding feeds hostile EF.CardSecurity bytes to the PACE-CAM
// binding of a genuine card's verification: it never panics, and a file it
// accepts as bound carries exactly the chip keys the issuer signed.
func FuzzCAMBinding(f *testing.F) {
	p, trust := camProfile(f, 9)
	genuine := p.Files["CardSecurity"]
	flipped := append([]byte(nil), genuine...)
	flipped[len(flipped)-1] ^= 1
	f.Add(genuine)
	f.Add(flipped)
	f.Add(append(append([]byte(nil), genuine...), 0, 0, 0)) // read padding
	f.Add(p.Files["CardAccess"])
	f.Add(p.Files["SOD"])
	f.Add(testenv.ReadShared(f, "pa/gmrtd-sods/DE_EF_CardSecurity.bin"))
	f.Add([]byte{})
	signedKeys := func(cs []byte) [][]byte {
		si, err := lds.ParseCardSecurity(cs)
		if err != nil {
			return nil
		}
		var out [][]byte
		for _, k := range si.ChipAuthPublicKeys {
			out = append(out, k.SPKI)
		}
		return out
	}
	want := signedKeys(genuine)
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	opts := ReadOptions{Trust: trust, Now: func() time.Time { return at }}
	sod := verify.Passive(p.Files["SOD"], nil, trust, at)
	if sod.DS == nil {
		f.Fatal("the genuine SOD does not verify")
	}
	if !camBound(sod.DS, genuine, opts) || !camBound(sod.DS, append(append([]byte(nil), genuine...), 0, 0), opts) || camBound(sod.DS, flipped, opts) {
		f.Fatal("seeds: the genuine file (with or without padding) must bind, the flipped one not")
	}
	f.Fuzz(func(t *testing.T, cs []byte) {
		bound := camBound(sod.DS, cs, opts)
		if bound {
			got := signedKeys(cs)
			if len(got) != len(want) {
				t.Fatalf("bound file carries %d chip keys, the signed one %d", len(got), len(want))
			}
			for i := range got {
				if !bytes.Equal(got[i], want[i]) {
					t.Fatalf("bound file carries chip key %d unlike the signed one", i)
				}
			}
		}
		v := verify.Passive(p.Files["SOD"], nil, trust, at)
		applyChip(v, &Capture{Chip: access.ChipVerdict{Method: access.ChipPACECAM, OK: true}, Files: csFiles(cs)}, opts)
		if (v.Chip.Status == verify.ChipOK) != bound {
			t.Fatalf("chip status %s, bound %v", v.Chip.Status, bound)
		}
	})
}

func csFiles(cs []byte) *lds.Files {
	f := &lds.Files{}
	f.Set(lds.EFCardSecurity, cs)
	return f
}

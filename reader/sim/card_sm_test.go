package sim

import (
	"bytes"
	"context"
	"testing"

	"github.com/cccd-agent/cccd/icao"
)

// TestCardStartSMAES: the helper PACE and CA use to switch keys. After
// c.startSM with AES keys, a reader with the same keys reads the files,
// including odd-INS reads past 32 KB.
func TestCardStartSMAES(t *testing.T) {
	big := make([]byte, 40000)
	for i := range big {
		big[i] = byte(i * 7)
	}
	dg2 := append([]byte{0x75, 0x82, byte((len(big)) >> 8), byte(len(big))}, big...)
	for _, alg := range []icao.Cipher{icao.CipherAES128, icao.CipherAES192, icao.CipherAES256} {
		t.Run(alg.String(), func(t *testing.T) {
			p := fsProfile(false)
			p.Files["DG2"] = dg2
			c, err := NewCard(p)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			rc, err := NewReader("r", c).Connect(ctx)
			if err != nil {
				t.Fatal(err)
			}
			s := icao.NewSession(rc)
			if err := icao.SelectApplication(ctx, s); err != nil {
				t.Fatal(err)
			}
			ks := bytes.Repeat([]byte{0x5A}, alg.KeySize())
			km := bytes.Repeat([]byte{0xA5}, alg.KeySize())
			ssc := make([]byte, 16)
			if err := c.startSM(alg, ks, km, ssc); err != nil {
				t.Fatal(err)
			}
			sm, err := icao.NewSecureMessaging(alg, ks, km, ssc)
			if err != nil {
				t.Fatal(err)
			}
			s.SetSecureMessaging(sm)
			for name, want := range map[string][]byte{"COM": p.Files["COM"], "DG1": p.Files["DG1"], "DG2": dg2} {
				f, _ := icao.FileByName(name)
				got, err := icao.ReadFile(ctx, s, f)
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("%s: %d bytes, %v", name, len(got), err)
				}
			}
			if got, ok := c.fileData("DG1"); !ok || !bytes.Equal(got, p.Files["DG1"]) {
				t.Error("fileData(DG1) wrong")
			}
			if !c.protected() || c.atMF() || c.profile() != p {
				t.Error("helpers report the wrong state")
			}
			c.stopSM()
			if _, err := icao.ReadFile(ctx, s, icao.FileCOM); err == nil {
				t.Error("read succeeded after stopSM")
			}
		})
	}
	c := fsCard(t, false)
	if err := c.startSM(icao.CipherAES128, make([]byte, 15), make([]byte, 16), make([]byte, 16)); err == nil {
		t.Error("startSM accepted a 15-byte key")
	}
}

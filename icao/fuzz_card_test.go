package icao_test

import (
	"context"
	"testing"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/reader/sim"
)

// FuzzCardProcess feeds arbitrary APDUs to the simulated chip, in plain and,
// after a real BAC, wrapped in valid secure messaging so they reach every
// handler: the chip must answer each with at least a status word, never
// panic, and afterwards still accept a fresh BAC and serve EF.COM. Input: a
// mode byte (bit 0: BAC first, bit 1: wrap the APDUs in SM, bit 2: extended
// length), then APDUs as length-prefixed records.
func FuzzCardProcess(f *testing.F) {
	seeds := [][]string{
		{"00A4040C07A0000002471001", "00B09E0004", "00B0000012"},
		{"00A4000C023F00", "00B09C0000", "00B1000004540100"},
		{"00A4020C02011E", "00B0000400", "00B000000000FF"},
		{"0084000008", "0082000028" + "00000000000000000000000000000000000000000000000000000000000000000000000000000000" + "28"},
		{"00B1010104540300800000", "00B1001D00", "00B0800000"},
		{"0022C1A40F800A04007F00070202040202830102", "10860000027C0000", "00880000080102030405060708"},
		{"0CB000000D9701048E08ED6705417E96BA5500", "00A4040400"},
	}
	for i, s := range seeds {
		var in []byte
		in = append(in, byte(i))
		for _, h := range s {
			b := unhexTB(f, h)
			in = append(in, byte(len(b)))
			in = append(in, b...)
		}
		f.Add(in)
	}
	_, info := testMRZ()
	p := testProfile(false, 0)
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		mode := in[0]
		p.ExtendedLength = mode&4 != 0
		card, err := sim.NewCard(p)
		if err != nil {
			t.Fatal(err)
		}
		r := sim.NewReader("fuzz", card)
		ctx := context.Background()
		rc, err := r.Connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var sm *icao.SecureMessaging
		if mode&1 != 0 { // run a real BAC so wrapped commands verify
			s := icao.NewSession(rc)
			if err := icao.SelectApplication(ctx, s); err != nil {
				t.Fatal(err)
			}
			if err := icao.BAC(ctx, s, info); err != nil {
				t.Fatal(err)
			}
			sm = s.SecureMessaging()
		}
		rest := in[1:]
		for len(rest) > 0 {
			n := int(rest[0])
			rest = rest[1:]
			if n > len(rest) {
				n = len(rest)
			}
			apdu := rest[:n]
			rest = rest[n:]
			if sm != nil && mode&2 != 0 {
				if cmd, err := icao.ParseCommand(apdu); err == nil && cmd.CLA&0x0C == 0 {
					if w, err := sm.Wrap(cmd); err == nil {
						apdu = w.Bytes()
					}
				}
			}
			resp, err := rc.Transmit(ctx, apdu)
			if err != nil {
				t.Fatalf("transmit: %v", err)
			}
			if len(resp) < 2 {
				t.Fatalf("answer %X to %X has no status word", resp, apdu)
			}
		}
		// Whatever came before, a new access control brings the chip back.
		s := icao.NewSession(rc)
		if err := icao.SelectApplication(ctx, s); err != nil {
			t.Fatalf("select application after the fuzz input: %v", err)
		}
		if err := icao.BAC(ctx, s, info); err != nil {
			t.Fatalf("BAC after the fuzz input: %v", err)
		}
		if _, err := icao.ReadFile(ctx, s, icao.FileCOM); err != nil {
			t.Fatalf("EF.COM after the fuzz input: %v", err)
		}
	})
}

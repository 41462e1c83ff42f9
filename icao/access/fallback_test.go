package access

import (
	"bytes"
	"context"
	"encoding/asn1"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/icao/pace"
	"github.com/cccd-agent/cccd/internal/tlv"
	"github.com/cccd-agent/cccd/reader"
	"github.com/cccd-agent/cccd/reader/sim"
)

// hideCardAccess refuses every plain attempt to reach EF.CardAccess, as
// some CCCDs do towards iOS readers.
type hideCardAccess struct{ reader.Card }

func (h hideCardAccess) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	if len(apdu) >= 4 && apdu[0] == 0 && ((apdu[1] == 0xB0 && apdu[2] == 0x9C) || (apdu[1] == 0xA4 && bytes.Contains(apdu, []byte{0x01, 0x1C}))) {
		return []byte{0x69, 0x82}, nil
	}
	return h.Card.Transmit(ctx, apdu)
}

func TestCardAccessFallback(t *testing.T) {
	var trace []string
	card := hideCardAccess{connect(t, newProfile(t, sim.ChipKeyOptions{}))}
	c, err := Connect(context.Background(), card, Key{CAN: testCAN}, Options{Trace: func(l string) { trace = append(trace, l) }})
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(trace, "\n")
	if c.Method != PACECAN || c.CardAccess != nil || !strings.Contains(all, "using the known CCCD PACEInfo") {
		t.Fatalf("method %s, CardAccess %X, trace:\n%s", c.Method, c.CardAccess, all)
	}
	if !c.PACE.Protocol.OID.Equal(pace.CCCDInfo.Protocol) || c.PACE.Parameters.ID != 13 {
		t.Errorf("PACE %+v", c.PACE)
	}
	readDG(t, c.Session, 1)
}

// cardSecurity wraps the SecurityInfos of a DG14 in a minimal (unsigned)
// EF.CardSecurity SignedData; enough for the CAM key lookup.
func cardSecurity(t testing.TB, dg14 []byte) []byte {
	set, err := tlv.Unwrap(dg14, 0x6E)
	if err != nil {
		t.Fatal(err)
	}
	oid := func(o asn1.ObjectIdentifier) []byte { b, _ := asn1.Marshal(o); return b }
	encap := tlv.Encode(0x30, oid(lds.OIDSecurityObject), tlv.Encode(0xA0, tlv.Encode(0x04, set)))
	sd := tlv.Encode(0x30, []byte{0x02, 0x01, 0x03}, tlv.Encode(0x31), encap, tlv.Encode(0x31))
	return tlv.Encode(0x30, oid(lds.OIDSignedData), tlv.Encode(0xA0, sd))
}

func TestPACECAMVerdict(t *testing.T) {
	genuine := newProfile(t, sim.ChipKeyOptions{PACEMapping: pace.ChipAuthenticationMapping})
	clone, _ := sim.CloneChipKeys(genuine, nil)
	for _, tc := range []struct {
		name string
		p    *sim.Profile
		ok   bool
	}{{"genuine", genuine, true}, {"clone", clone, false}} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Connect(context.Background(), connect(t, tc.p), Key{CAN: testCAN}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if c.PACE.CAM == nil {
				t.Fatal("no CAM data")
			}
			cs := cardSecurity(t, genuine.Files["DG14"])
			v := AuthenticateChip(context.Background(), c, ChipFiles{CardSecurity: cs, DG14: readDG(t, c.Session, 14)}, ChipOptions{})
			if v.Method != ChipPACECAM || v.OK != tc.ok {
				t.Fatalf("%+v", v)
			}
		})
	}
}

// refuse answers sw to the plain commands match selects, passing the rest.
type refuse struct {
	reader.Card
	match func(apdu []byte) bool
	sw    []byte
}

func (r refuse) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	if len(apdu) >= 4 && apdu[0] == 0 && r.match(apdu) {
		return r.sw, nil
	}
	return r.Card.Transmit(ctx, apdu)
}

// TestCardAccessWays: EF.CardAccess is read whichever known way the chip
// accepts; the APDU trace shows the way that worked.
func TestCardAccessWays(t *testing.T) {
	p := newProfile(t, sim.ChipKeyOptions{})
	tests := []struct {
		name  string
		match func([]byte) bool
		sw    []byte
		way   string
	}{
		{"SELECT MF refused (6D00)", func(a []byte) bool { return a[1] == 0xA4 && a[2] == 0x00 }, []byte{0x6D, 0x00}, "> 00B0 9C00 Le=100  < 9000"},
		{"no SFI reads (6A86)", func(a []byte) bool { return a[1] == 0xB0 && a[2]&0x80 != 0 }, []byte{0x6A, 0x86}, "> 00A4 020C Lc=2  < 9000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var trace []string
			card := refuse{connect(t, p), tc.match, tc.sw}
			c, err := Connect(context.Background(), card, Key{CAN: testCAN}, Options{Trace: func(l string) { trace = append(trace, l) }})
			if err != nil {
				t.Fatal(err)
			}
			all := strings.Join(trace, "\n")
			if !bytes.Equal(c.CardAccess, p.Files["CardAccess"]) || !strings.Contains(all, "EF.CardAccess read (54 bytes)") || !strings.Contains(all, tc.way) {
				t.Fatalf("CardAccess %X, trace:\n%s", c.CardAccess, all)
			}
		})
	}
}

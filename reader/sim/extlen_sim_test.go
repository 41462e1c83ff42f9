package sim

import (
	"bytes"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/pace"
	"github.com/cccd-agent/cccd/internal/tlv"
)

// TestProfilesBindCardAccess: for every chip GenerateProfile makes, each
// SecurityInfo of EF.CardAccess is also in DG14 and, when the chip has one,
// in EF.CardSecurity (ICAO 9303-11 §9.2), byte for byte.
func TestProfilesBindCardAccess(t *testing.T) {
	seed := [32]byte{7}
	for name, chip := range map[string]ChipKeyOptions{
		"cccd": {}, "pace-cam": {PACEMapping: pace.ChipAuthenticationMapping},
		"pace-im": {PACEMapping: pace.IntegratedMapping}, "bac": {NoPACE: true},
	} {
		t.Run(name, func(t *testing.T) {
			p, _, err := GenerateProfile(ProfileOptions{Seed: &seed, Chip: chip, Now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)})
			if err != nil {
				t.Fatal(err)
			}
			ca, ok := p.Files["CardAccess"]
			if chip.NoPACE {
				if ok {
					t.Fatal("a BAC chip has EF.CardAccess")
				}
				return
			}
			infos, err := tlv.Unwrap(ca, 0x31)
			if err != nil {
				t.Fatal(err)
			}
			els, err := tlv.ParseAll(infos)
			if err != nil || len(els) < 3 {
				t.Fatalf("EF.CardAccess: %d SecurityInfos, %v", len(els), err)
			}
			dg14, err := tlv.Unwrap(p.Files["DG14"], 0x6E)
			if err != nil {
				t.Fatal(err)
			}
			dgSet, err := tlv.Unwrap(dg14, 0x31)
			if err != nil {
				t.Fatal(err)
			}
			dgEls, err := tlv.ParseAll(dgSet)
			if err != nil {
				t.Fatal(err)
			}
			for _, el := range els {
				found := false
				for _, d := range dgEls {
					found = found || bytes.Equal(d.Raw, el.Raw)
				}
				if !found {
					t.Errorf("DG14 lacks EF.CardAccess SecurityInfo %X", el.Raw)
				}
				if cs, ok := p.Files["CardSecurity"]; ok && !bytes.Contains(cs, el.Raw) {
					t.Errorf("EF.CardSecurity lacks EF.CardAccess SecurityInfo %X", el.Raw)
				}
			}
			if chip.PACEMapping == pace.ChipAuthenticationMapping && p.Files["CardSecurity"] == nil {
				t.Error("PACE-CAM chip without EF.CardSecurity")
			}
		})
	}
}

// TestExtendedLengthAnnouncements: where a chip announces extended length,
// the ATR (as the in-process reader and vpcd get it) and EF.ATR/INFO say so,
// and icao's parsers read them back.
func TestExtendedLengthAnnouncements(t *testing.T) {
	tests := []struct {
		ext         bool
		in          string
		atrSaid     bool // the ATR makes a statement
		atrExt      bool
		atrPoints   bool // the ATR points to EF.ATR/INFO
		efatrExists bool
	}{
		{ext: false, atrSaid: true},
		{ext: true, in: "", atrSaid: true, atrExt: true},
		{ext: true, in: AnnounceATR, atrSaid: true, atrExt: true},
		{ext: true, in: AnnounceEFATR, atrPoints: true, efatrExists: true},
		{ext: true, in: AnnounceBoth, atrSaid: true, atrExt: true, efatrExists: true},
		{ext: true, in: AnnounceNone},
	}
	for _, tt := range tests {
		p := fsProfile(tt.ext)
		p.ExtendedLengthIn = tt.in
		c, err := NewCard(p)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := NewReader("r", c).Connect(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		atr := rc.(icao.ATRReporter).ATR()
		hist, err := icao.HistoricalBytes(atr)
		if err != nil {
			t.Fatalf("%v/%q: %v", tt.ext, tt.in, err)
		}
		info, err := icao.ParseHistoricalBytes(hist)
		if err != nil || info.Said != tt.atrSaid || info.Extended != tt.atrExt || info.InEFATR != tt.atrPoints {
			t.Errorf("%v/%q: ATR %X says %+v, %v", tt.ext, tt.in, atr, info, err)
		}
		if rc.(icao.ExtendedLengthKnower).KnowsExtendedLength() {
			t.Errorf("%v/%q: a reader without WithExtendedLength claims to know", tt.ext, tt.in)
		}
		c.Process([]byte{0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00})
		resp := c.Process([]byte{0x00, 0xB0, 0x81, 0x00, 0x00})
		sw := resp[len(resp)-2:]
		if !tt.efatrExists {
			if !bytes.Equal(sw, []byte{0x6A, 0x82}) {
				t.Errorf("%v/%q: EF.ATR/INFO read = %X, want 6A82", tt.ext, tt.in, resp)
			}
			rc.Close()
			continue
		}
		ef, err := icao.ParseATRInfo(resp[:len(resp)-2])
		if !bytes.Equal(sw, []byte{0x90, 0x00}) || err != nil || !ef.Said || !ef.Extended || ef.MaxResponse != 65538 {
			t.Errorf("%v/%q: EF.ATR/INFO %X says %+v, %v", tt.ext, tt.in, resp, ef, err)
		}
		rc.Close()

		// vpcd gets the same ATR from the bridge.
		a, b := net.Pipe()
		done := make(chan error, 1)
		var apdus atomic.Int64
		go func() { done <- serveVPCD(b, c, &apdus, nil) }()
		frame, _ := AppendVPCDFrame(nil, []byte{VPCDGetATR})
		if _, err := a.Write(frame); err != nil {
			t.Fatal(err)
		}
		got, err := ReadVPCDFrame(a, nil)
		if err != nil || !bytes.Equal(got, atr) {
			t.Errorf("%v/%q: vpcd ATR %X, %v; want %X", tt.ext, tt.in, got, err, atr)
		}
		a.Close()
		<-done
	}
}

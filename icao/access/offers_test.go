package access

import (
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/reader"
	"github.com/cccd-agent/cccd/reader/sim"
)

// TestUnsupportedPACENamed: a chip whose EF.CardAccess offers only PACE
// that cccd does not implement (ECDH-IM with 3DES) is not called a
// "BAC-only" chip: the error names what the chip offers and what cccd
// lacks, with or without the BAC policy in the way.
func TestUnsupportedPACENamed(t *testing.T) {
	p := newProfile(t, sim.ChipKeyOptions{})
	// SET { PACEInfo { id-PACE-ECDH-IM-3DES-CBC-CBC, 2, 13 } }
	p.Files["CardAccess"], _ = hex.DecodeString("31143012060a04007f0007020204040102010202010d")
	for _, tc := range []struct {
		name string
		key  Key
		opts Options
		want string
	}{
		{"CAN only", Key{CAN: testCAN}, Options{}, "give the ID number with the dates of birth and expiry, or the MRZ"},
		{"MRZ, BAC never", Key{MRZInfo: testMRZInfo}, Options{BAC: BACNever}, "this reader is set not to use BAC"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Connect(context.Background(), connect(t, p), tc.key, tc.opts)
			var nk *NoKeyError
			if !errors.Is(err, ErrNoKey) || !errors.As(err, &nk) {
				t.Fatalf("err = %v, want a *NoKeyError", err)
			}
			for _, want := range []string{
				"the chip offers PACE ECDH-IM-3DES-CBC-CBC with parameter ID 13, which cccd does not implement (it lacks integrated mapping with 3DES), and BAC",
				tc.want,
			} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q\ndoes not say %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "only BAC") {
				t.Errorf("error %q calls the chip BAC-only", err)
			}
		})
	}
	// The MRZ with the default policy still opens it with BAC.
	c, err := Connect(context.Background(), connect(t, p), Key{MRZInfo: testMRZInfo}, Options{})
	if err != nil || c.Method != BAC {
		t.Fatalf("MRZ on the IM-3DES chip: %v, %v; want BAC", c, err)
	}
}

func TestDescribeUnsupported(t *testing.T) {
	oid := func(s string) []int {
		var out []int
		for _, a := range strings.Split(s, ".") {
			n := 0
			for _, c := range a {
				n = n*10 + int(c-'0')
			}
			out = append(out, n)
		}
		return out
	}
	tests := []struct {
		infos []lds.PACEInfo
		want  string
	}{
		{nil, ""},
		{[]lds.PACEInfo{{Protocol: oid("0.4.0.127.0.7.2.2.4.2.2"), ParameterID: 99}}, "PACE ECDH-GM-AES-CBC-CMAC-128 with parameter ID 99, which cccd does not implement (it lacks parameter ID 99 (not a standardized domain parameter it knows))"},
		{[]lds.PACEInfo{{Protocol: oid("0.4.0.127.0.7.2.2.4.4.2"), ParameterID: 10}}, "PACE ECDH-IM-AES-CBC-CMAC-128 with parameter ID 10, which cccd does not implement (it lacks integrated mapping on "},
		{[]lds.PACEInfo{{Protocol: oid("0.4.0.127.0.7.2.2.4.1.2"), ParameterID: 13}}, "PACE DH-GM-AES-CBC-CMAC-128 with parameter ID 13, which cccd does not implement (it lacks DH-GM-AES-CBC-CMAC-128 with parameter ID 13 (brainpoolP256r1): the protocol and the domain parameters disagree)"},
	}
	for _, tc := range tests {
		got := describeUnsupported(tc.infos)
		if !strings.HasPrefix(got, tc.want) || (tc.want == "" && got != "") {
			t.Errorf("describeUnsupported(%v) = %q, want %q...", tc.infos, got, tc.want)
		}
	}
}

// noApp answers a protected SELECT of the eMRTD application with a bare
// 6A82, as a PACE card without an eMRTD application does.
type noApp struct{ reader.Card }

func (n noApp) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	if len(apdu) > 4 && apdu[0] == 0x0C && apdu[1] == 0xA4 && apdu[2] == 0x04 {
		return []byte{0x6A, 0x82}, nil
	}
	return n.Card.Transmit(ctx, apdu)
}

// TestNoEMRTDApplication: PACE succeeds but the chip has no eMRTD
// application: ErrNoApplication, worded as such (not a crypto or key
// failure), saying whether the status came under a verified MAC.
func TestNoEMRTDApplication(t *testing.T) {
	p := newProfile(t, sim.ChipKeyOptions{})
	_, err := Connect(context.Background(), noApp{connect(t, p)}, Key{CAN: testCAN}, Options{})
	if !errors.Is(err, ErrNoApplication) || !errors.Is(err, icao.ErrNotFound) || errors.Is(err, icao.ErrAccessDenied) {
		t.Fatalf("err = %v, want ErrNoApplication (and 6A82)", err)
	}
	for _, want := range []string{"PACE-CAN succeeded", "6A82 (file not found) without a MAC on the status", "not an ICAO travel document"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

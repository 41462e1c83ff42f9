package access

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"testing"

	"github.com/cccd-agent/cccd/pki/ecc"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/curves"
	"github.com/cccd-agent/cccd/icao/pace"
	"github.com/cccd-agent/cccd/reader/sim"
)

// paceParameterIDs are every standardized domain parameter pace claims.
var paceParameterIDs = []int{0, 1, 2, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}

// TestEveryPACEParameterRoundTrip runs PACE against the simulated chip on
// every claimed parameter ID with generic and integrated mapping (IM where
// supported), plus CAM on every curve, then Chip Authentication with a CA
// key on the same domain, and reads DG1 under the resulting keys.
func TestEveryPACEParameterRoundTrip(t *testing.T) {
	type run struct {
		id      int
		mapping pace.Mapping
		cipher  icao.Cipher
	}
	var runs []run
	for _, id := range paceParameterIDs {
		std, _ := curves.ByPACEParameterID(id)
		for _, m := range []pace.Mapping{pace.GenericMapping, pace.IntegratedMapping, pace.ChipAuthenticationMapping} {
			pr := pace.Protocol{Mapping: m, ECDH: std.EC != nil, Cipher: icao.CipherAES128}
			if (m == pace.ChipAuthenticationMapping && std.EC == nil) || !pace.Supported(pr, id) {
				continue
			}
			runs = append(runs, run{id, m, icao.CipherAES128})
		}
	}
	// Every cipher, on the CCCD curve and on a DH group.
	for _, c := range []icao.Cipher{icao.Cipher3DES, icao.CipherAES192, icao.CipherAES256} {
		runs = append(runs, run{13, pace.GenericMapping, c}, run{0, pace.GenericMapping, c})
	}
	runs = append(runs, run{13, pace.IntegratedMapping, icao.CipherAES256}, run{13, pace.ChipAuthenticationMapping, icao.CipherAES256})
	if len(runs) < 14+13+11 {
		t.Fatalf("only %d runs planned", len(runs))
	}
	for _, r := range runs {
		std, _ := curves.ByPACEParameterID(r.id)
		t.Run(fmt.Sprintf("%d-%s-%s-%s", r.id, std.Name(), r.mapping, r.cipher), func(t *testing.T) {
			caCipher := r.cipher
			p := newProfile(t, sim.ChipKeyOptions{PACEDomain: std.Name(), PACEMapping: r.mapping, PACECipher: r.cipher, CADomain: std.Name(), CACipher: caCipher})
			p.ExtendedLength = std.DH != nil && std.DH.P.BitLen() > 1024 // 2048-bit DH values need extended APDUs
			c, err := Connect(context.Background(), connectExt(t, p, p.ExtendedLength), Key{CAN: testCAN}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if c.Method != PACECAN || c.PACE.Parameters.ID != r.id || c.PACE.Protocol.Mapping != r.mapping || c.PACE.Protocol.Cipher != r.cipher {
				t.Fatalf("opened %s with %+v", c.Method, c.PACE.Protocol)
			}
			if c.Session.SecureMessaging().Cipher() != r.cipher {
				t.Fatalf("SM cipher %s", c.Session.SecureMessaging().Cipher())
			}
			dg14 := readDG(t, c.Session, 14)
			if r.mapping == pace.ChipAuthenticationMapping {
				caPub := dg14Key(t, dg14)
				if err := c.PACE.CAM.VerifyCAM(caPub); err != nil {
					t.Fatalf("CAM: %v", err)
				}
				other, _ := ecdsa.GenerateKey(std.EC.Curve, randReader{})
				if err := c.PACE.CAM.VerifyCAM(ecc.Marshal(std.EC.Curve, other.X, other.Y)); err == nil {
					t.Fatal("CAM verified against a foreign key")
				}
			}
			v := AuthenticateChip(context.Background(), c, ChipFiles{DG14: dg14}, ChipOptions{})
			if v.Method != ChipCA || !v.OK {
				t.Fatalf("CA: %+v", v)
			}
			readDG(t, c.Session, 1)
		})
	}
}

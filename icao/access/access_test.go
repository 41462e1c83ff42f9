package access

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/pace"
	"github.com/cccd-agent/cccd/reader/sim"
)

// readDG reads a data group under the session's secure messaging.
func readDG(t *testing.T, s *icao.Session, n int) []byte {
	t.Helper()
	f, _ := icao.DGFile(n)
	b, err := icao.ReadFile(context.Background(), s, f)
	if err != nil {
		t.Fatalf("read DG%d: %v", n, err)
	}
	return b
}

func TestAccessOrder(t *testing.T) {
	cccd := newProfile(t, sim.ChipKeyOptions{})
	noPACE := newProfile(t, sim.ChipKeyOptions{NoPACE: true})
	tests := []struct {
		name    string
		p       *sim.Profile
		key     Key
		opts    Options
		want    Method
		wantErr error
	}{
		{"CAN", cccd, Key{CAN: testCAN}, Options{}, PACECAN, nil},
		{"CAN and MRZ: CAN first", cccd, Key{CAN: testCAN, MRZInfo: testMRZInfo}, Options{}, PACECAN, nil},
		{"MRZ only", cccd, Key{MRZInfo: testMRZInfo}, Options{}, PACEMRZ, nil},
		{"wrong CAN, right MRZ", cccd, Key{CAN: "999999", MRZInfo: testMRZInfo}, Options{}, PACEMRZ, nil},
		{"wrong CAN", cccd, Key{CAN: "999999"}, Options{}, "", icao.ErrAccessDenied},
		{"wrong CAN, BAC not allowed after PACE", cccd, Key{CAN: "999999", MRZInfo: "L898902C<369080619406236"}, Options{}, "", icao.ErrAccessDenied},
		{"wrong CAN, fallback allowed", cccd, Key{CAN: "999999", MRZInfo: testMRZInfo}, Options{BAC: BACFallback}, PACEMRZ, nil},
		{"no PACE: BAC", noPACE, Key{CAN: testCAN, MRZInfo: testMRZInfo}, Options{}, BAC, nil},
		{"no PACE, CAN only", noPACE, Key{CAN: testCAN}, Options{}, "", ErrNoKey},
		{"no PACE, BAC forbidden", noPACE, Key{MRZInfo: testMRZInfo}, Options{BAC: BACNever}, "", ErrNoKey},
		{"no PACE, wrong MRZ", noPACE, Key{MRZInfo: "L898902C<369080619406236"}, Options{}, "", icao.ErrAccessDenied},
		{"PACE chip, no key", cccd, Key{}, Options{}, "", ErrNoKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var trace []string
			tc.opts.Trace = func(l string) { trace = append(trace, l) }
			c, err := Connect(context.Background(), connect(t, tc.p), tc.key, tc.opts)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				for _, secret := range []string{testCAN, "999999", testMRZInfo, "001099012345"} {
					if strings.Contains(err.Error(), secret) || strings.Contains(strings.Join(trace, "\n"), secret) {
						t.Errorf("error or trace leaks a key: %v", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Connect: %v\n%s", err, strings.Join(trace, "\n"))
			}
			if c.Method != tc.want {
				t.Fatalf("method %s, want %s", c.Method, tc.want)
			}
			if dg1 := readDG(t, c.Session, 1); !bytes.Contains(dg1, []byte(testMRZ)) {
				t.Error("DG1 read under the new session does not hold the MRZ")
			}
		})
	}
}

// TestWrongCANThenRight: a refused CAN leaves the chip usable; the right CAN
// opens it on the same connection.
func TestWrongCANThenRight(t *testing.T) {
	card := connect(t, newProfile(t, sim.ChipKeyOptions{}))
	if _, err := Connect(context.Background(), card, Key{CAN: "111111"}, Options{}); !errors.Is(err, icao.ErrAccessDenied) {
		t.Fatalf("wrong CAN: %v", err)
	}
	c, err := Connect(context.Background(), card, Key{CAN: testCAN}, Options{})
	if err != nil || c.Method != PACECAN {
		t.Fatalf("right CAN after a wrong one: %v", err)
	}
	readDG(t, c.Session, 1)
}

func TestChipAuthentication(t *testing.T) {
	genuine := newProfile(t, sim.ChipKeyOptions{})
	clone, err := sim.CloneChipKeys(genuine, nil)
	if err != nil {
		t.Fatal(err)
	}
	rsaAA := newProfile(t, sim.ChipKeyOptions{AARSABits: 1024})
	rsaClone, _ := sim.CloneChipKeys(rsaAA, nil)
	tests := []struct {
		name   string
		p      *sim.Profile
		useCA  bool
		method string
		ok     bool
	}{
		{"CA genuine", genuine, true, ChipCA, true},
		{"CA clone", clone, true, ChipCA, false},
		{"AA ECDSA genuine", genuine, false, ChipAA, true},
		{"AA ECDSA clone", clone, false, ChipAA, false},
		{"AA RSA genuine", rsaAA, false, ChipAA, true},
		{"AA RSA clone", rsaClone, false, ChipAA, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Connect(context.Background(), connect(t, tc.p), Key{CAN: testCAN}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			files := ChipFiles{DG15: readDG(t, c.Session, 15)}
			dg14 := readDG(t, c.Session, 14)
			if tc.useCA {
				files.DG14 = dg14
			}
			v := AuthenticateChip(context.Background(), c, files, ChipOptions{})
			if v.Method != tc.method || v.OK != tc.ok || v.Inconclusive() {
				t.Fatalf("verdict %+v", v)
			}
			if tc.ok && tc.useCA {
				// The session continues under the CA keys.
				readDG(t, c.Session, 1)
			}
		})
	}
	v := AuthenticateChip(context.Background(), &Conn{}, ChipFiles{}, ChipOptions{})
	if v.Method != ChipNone || v.OK {
		t.Errorf("no keys: %+v", v)
	}
}

// TestAAChallengeSupplied: a caller-chosen challenge is signed and returned.
func TestAAChallengeSupplied(t *testing.T) {
	c, err := Connect(context.Background(), connect(t, newProfile(t, sim.ChipKeyOptions{})), Key{CAN: testCAN}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ch := []byte("8bytes!!")
	v := AuthenticateChip(context.Background(), c, ChipFiles{DG15: readDG(t, c.Session, 15)}, ChipOptions{AAChallenge: ch})
	if !v.OK || !bytes.Equal(v.AAChallenge, ch) || len(v.AASignature) != 64 {
		t.Fatalf("%+v", v)
	}
}

func TestCardAccessRead(t *testing.T) {
	p := newProfile(t, sim.ChipKeyOptions{})
	c, err := Connect(context.Background(), connect(t, p), Key{CAN: testCAN}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.CardAccess, p.Files["CardAccess"]) {
		t.Errorf("CardAccess %X, want %X", c.CardAccess, p.Files["CardAccess"])
	}
	if c.PACE == nil || c.PACE.Parameters.Name() != "brainpoolP256r1" || c.PACE.Protocol.String() != "ECDH-GM-AES-CBC-CMAC-128" {
		t.Errorf("PACE %+v", c.PACE)
	}
	// The default chip advertises exactly the CCCD's EF.CardAccess.
	known := "3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d"
	if got := strings.ToLower(hexString(p.Files["CardAccess"])); got != known {
		t.Errorf("sim CardAccess %s, want the CCCD's %s", got, known)
	}
	_ = pace.CCCDInfo
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, x := range b {
		out = append(out, digits[x>>4], digits[x&15])
	}
	return string(out)
}

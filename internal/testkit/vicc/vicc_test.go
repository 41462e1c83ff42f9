package vicc_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/mrz"
	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/internal/testkit/vicc"
	"github.com/cccd-agent/cccd/reader/pcsc"
)

// syntheticMRZ is the TD1 MRZ of the synthetic person of the shared test
// data (testdata/README.md, DG13_synthetic): its BAC key material is
// 099012345999021523902150, K_seed 63D68727933860F64789D9CF0C5A2D1C.
func syntheticMRZ(t *testing.T) string {
	t.Helper()
	s, err := mrz.BuildCCCD(mrz.CCCDFields{
		ID:          "001099012345",
		DateOfBirth: time.Date(1999, 2, 15, 0, 0, 0, 0, time.UTC),
		Sex:         "M",
		Expiry:      mrz.Expiry{Date: time.Date(2039, 2, 15, 0, 0, 0, 0, time.UTC)},
		FullName:    "Nguyen Van A",
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func transmit(t *testing.T, card interface {
	Transmit(context.Context, []byte) ([]byte, error)
}, cmd []byte) []byte {
	t.Helper()
	rsp, err := card.Transmit(context.Background(), cmd)
	if err != nil {
		t.Fatalf("% X: %v", cmd, err)
	}
	return rsp
}

// TestEmulatorTD1 starts the repaired emulator with a CCCD-shaped TD1 card
// and checks, through pcscd, the file system the launcher built and the BAC
// key it derived from the TD1 MRZ (the library alone derives a wrong one).
func TestEmulatorTD1(t *testing.T) {
	testenv.LockVPCD(t)
	com := []byte{0x60, 0x16, 0x5F, 0x01, 0x04, '0', '1', '0', '7', 0x5F, 0x36, 0x06, '0', '4', '0', '0', '0', '0', 0x5C, 0x04, 0x61, 0x75, 0x6D, 0x6E}
	m := syntheticMRZ(t)
	e := vicc.StartOptions(t, vicc.BasePort+1, map[string][]byte{"011E": com}, vicc.Options{MRZ: m, Trace: true})
	if !strings.Contains(e.Log(), "MRZ TD1") || !strings.Contains(e.Log(), "K_seed 63D68727933860F64789D9CF0C5A2D1C") {
		t.Fatalf("launcher did not key the card from the TD1 MRZ:\n%s", e.Log())
	}
	for _, want := range []string{"TLVutils.pack", "operation_on_string", "parse_SM_CAPDU", "protect_response", "SSC always 8 bytes", "guarded"} {
		if !strings.Contains(e.Log(), want) {
			t.Errorf("repair %q not reported", want)
		}
	}

	r := pcsc.NewReader(e.Reader, pcsc.Options{})
	defer r.Close()
	card, err := r.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer card.Close()
	if rsp := transmit(t, card, []byte{0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01}); !bytes.Equal(rsp, []byte{0x90, 0x00}) {
		t.Fatalf("SELECT LDS application: % X", rsp)
	}
	if rsp := transmit(t, card, []byte{0x00, 0x84, 0x00, 0x00, 0x08}); len(rsp) != 10 || !bytes.Equal(rsp[8:], []byte{0x90, 0x00}) {
		t.Fatalf("GET CHALLENGE: % X", rsp)
	}
	// The emulator has no access control: plain reads
	// show what it serves.
	tests := []struct {
		fid  []byte
		want []byte
	}{
		{[]byte{0x01, 0x1E}, com},
		{[]byte{0x01, 0x01}, append([]byte{0x61, 0x5D, 0x5F, 0x1F, 0x5A}, m...)},
	}
	for _, tc := range tests {
		if rsp := transmit(t, card, append([]byte{0x00, 0xA4, 0x02, 0x0C, 0x02}, tc.fid...)); !bytes.Equal(rsp, []byte{0x90, 0x00}) {
			t.Fatalf("SELECT % X: % X", tc.fid, rsp)
		}
		rsp := transmit(t, card, []byte{0x00, 0xB0, 0x00, 0x00, byte(len(tc.want))})
		if !bytes.Equal(rsp[:len(rsp)-2], tc.want) || !bytes.Equal(rsp[len(rsp)-2:], []byte{0x90, 0x00}) {
			t.Errorf("READ BINARY % X: got % X", tc.fid, rsp)
		}
	}
}

// TestEmulatorGuard sends the command that kills the unguarded library (an
// ICAO odd-INS READ BINARY under secure messaging, data in DO'85',
// observed over PC/SC): the guarded card answers 6F00 and keeps serving.
func TestEmulatorGuard(t *testing.T) {
	testenv.LockVPCD(t)
	m := syntheticMRZ(t)
	e := vicc.StartOptions(t, vicc.BasePort, map[string][]byte{}, vicc.Options{MRZ: m})
	info, err := mrz.KeySeedForID("001099012345", time.Date(1999, 2, 15, 0, 0, 0, 0, time.UTC), time.Date(2039, 2, 15, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	r := pcsc.NewReader(e.Reader, pcsc.Options{})
	defer r.Close()
	ctx := context.Background()
	card, err := r.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer card.Close()
	s := icao.NewSession(card)
	if err := icao.SelectApplication(ctx, s); err != nil {
		t.Fatal(err)
	}
	if err := icao.BAC(ctx, s, info); err != nil {
		t.Fatalf("BAC with the TD1 keys: %v", err)
	}
	_, err = s.Transmit(ctx, icao.Command{CLA: 0x00, INS: 0xB1, Data: []byte{0x54, 0x02, 0x01, 0x00}, Ne: 0xDF})
	var se *icao.StatusError
	if !errors.As(err, &se) || se.SW != 0x6F00 {
		t.Fatalf("odd-INS READ BINARY under SM: %v, want status 6F00 from the guard", err)
	}
	// The emulator answers before Python has flushed the traceback to its
	// stderr pipe: give the log a moment.
	for wait := time.Now().Add(5 * time.Second); !strings.Contains(e.Log(), "Traceback") && time.Now().Before(wait); {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(e.Log(), "Traceback") {
		t.Errorf("the guard did not print the library's traceback:\n%s", e.Log())
	}
	// Still alive: a plain SELECT of the application answers.
	if rsp := transmit(t, card, []byte{0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01}); !bytes.Equal(rsp, []byte{0x90, 0x00}) {
		t.Fatalf("after the guarded failure: % X", rsp)
	}
}

// TestNPAEmulator starts the nPA card with a rewritten PACEInfo and checks,
// in plain through pcscd, that the launcher reported its PACE-path repairs
// and that EF.CardAccess carries the new PACEInfo (the card's
// EF.CardSecurity gets the same, which only PACE itself shows: see
// reader/pcsc's TestNPAPACE).
func TestNPAEmulator(t *testing.T) {
	testenv.LockVPCD(t)
	e := vicc.StartNPA(t, vicc.BasePort, vicc.NPAOptions{CAN: "123456", PACEOID: vicc.PACEECDHGMAES256, ParameterID: 16})
	for _, want := range []string{"encodes str values", "__replace_tag on bytes", "behind a 6988", "guarded", "parameter 16"} {
		if !strings.Contains(e.Log(), want) {
			t.Errorf("launcher log lacks %q:\n%s", want, e.Log())
		}
	}
	r := pcsc.NewReader(e.Reader, pcsc.Options{})
	defer r.Close()
	card, err := r.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer card.Close()
	if rsp := transmit(t, card, []byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x1C}); !bytes.Equal(rsp, []byte{0x90, 0x00}) {
		t.Fatalf("SELECT EF.CardAccess: % X", rsp)
	}
	rsp := transmit(t, card, []byte{0x00, 0xB0, 0x00, 0x00, 0x00})
	// PACEInfo { id-PACE-ECDH-GM-AES-CBC-CMAC-256, 2, 16 }
	info := []byte{0x30, 0x12, 0x06, 0x0A, 0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04, 0x02, 0x04, 0x02, 0x01, 0x02, 0x02, 0x01, 0x10}
	if !bytes.HasSuffix(rsp, []byte{0x90, 0x00}) || !bytes.Contains(rsp, info) {
		t.Fatalf("EF.CardAccess % X does not hold % X", rsp, info)
	}
}

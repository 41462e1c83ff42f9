package pcsc_test

import (
	"context"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/access"
	"github.com/cccd-agent/cccd/icao/pace"
	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/internal/testkit/vicc"
	"github.com/cccd-agent/cccd/reader"
	"github.com/cccd-agent/cccd/reader/pcsc"
)

// npaCAN is the CAN given to the nPA emulator (not the library's 222222,
// so a reader that ignored the CAN would fail).
const npaCAN = "482915"

// npaConnect opens the nPA emulator of e with access.Connect over pcscd and
// returns the trace and Connect's error.
func npaConnect(t *testing.T, e *vicc.Emulator, can string) ([]string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r := pcsc.NewReader(e.Reader, pcsc.Options{})
	defer r.Close()
	card, err := r.Connect(ctx)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer card.Close()
	var trace []string
	_, err = access.Connect(ctx, card, access.Key{CAN: can}, access.Options{BAC: access.BACNever,
		Trace: func(l string) { trace = append(trace, l) }})
	return trace, err
}

// TestNPAPACE runs PACE-CAN against an independent implementation:
// vsmartcard's German eID emulator, whose PACE is OpenPACE's (C, through
// its Python bindings), behind the real pcscd + vpcd. Each case rewrites the
// card's PACEInfo (EF.CardAccess and EF.CardSecurity together). PACE must
// complete and the first command under the new secure messaging, SELECT of
// the eMRTD application, must come back with a verified MAC: the card has
// no eMRTD application, so that answer is a protected 6A82, which access
// reports as ErrNoApplication with StatusError.Authenticated.
func TestNPAPACE(t *testing.T) {
	testenv.LockVPCD(t)
	requirePCSCD(t)
	vicc.OpenPACEDir(t)
	type tc struct {
		oid   string
		param int
	}
	var cases []tc
	for id := 8; id <= 18; id++ { // every standardized curve
		cases = append(cases, tc{vicc.PACEECDHGMAES128, id})
	}
	for _, id := range []int{12, 13, 18} {
		cases = append(cases, tc{vicc.PACEECDHGMAES192, id}, tc{vicc.PACEECDHGMAES256, id})
	}
	for id := 0; id <= 2; id++ { // the MODP groups
		cases = append(cases, tc{vicc.PACEDHGMAES128, id})
	}
	for i, c := range cases {
		pr, err := pace.ParseProtocol(asn1.ObjectIdentifier(oid(t, c.oid)))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(fmt.Sprintf("%s/param%d", pr, c.param), func(t *testing.T) {
			e := vicc.StartNPA(t, vicc.BasePort+i%2, vicc.NPAOptions{CAN: npaCAN, PACEOID: c.oid, ParameterID: c.param})
			trace, err := npaConnect(t, e, npaCAN)
			var se *icao.StatusError
			if !errors.Is(err, access.ErrNoApplication) || !errors.As(err, &se) || se.SW != 0x6A82 || !se.Authenticated {
				t.Fatalf("PACE-CAN with %s, parameter %d: %v\nwant ErrNoApplication from a MAC-verified 6A82\n%s\nemulator:\n%s",
					pr, c.param, err, strings.Join(trace, "\n"), e.Log())
			}
			want := fmt.Sprintf("access: PACE-CAN with %s, parameter ID %d", pr, c.param)
			if !strings.Contains(strings.Join(trace, "\n"), want) || !strings.Contains(err.Error(), "PACE-CAN succeeded") {
				t.Errorf("trace or error does not show %q / success:\n%v\n%s", want, err, strings.Join(trace, "\n"))
			}
			e.Stop()
		})
	}
}

// TestNPAWrongCAN: the emulator refuses a wrong CAN at the last GENERAL
// AUTHENTICATE (6300): a refused key, worded as "refused the CAN or failed
// the mapping".
func TestNPAWrongCAN(t *testing.T) {
	testenv.LockVPCD(t)
	requirePCSCD(t)
	e := vicc.StartNPA(t, vicc.BasePort, vicc.NPAOptions{CAN: npaCAN})
	trace, err := npaConnect(t, e, "123456")
	if !errors.Is(err, icao.ErrAccessDenied) || !errors.Is(err, pace.ErrRefusedKeyOrMapping) || !strings.Contains(err.Error(), "6300 at the last GENERAL AUTHENTICATE") {
		t.Fatalf("wrong CAN: %v, want 6300 at the last GENERAL AUTHENTICATE\n%s", err, strings.Join(trace, "\n"))
	}
}

// TestNPAUnsupported documents, by asserting them, what this card does not
// do; each case fails loudly if the emulator (or cccd) changes.
//
//   - PACE-CAM: it lists the OID but answers GA1 with 6A80: "the card does
//     not support PACE-CAM", never a success or a wrong key.
//   - Integrated mapping (ECDH and DH): OpenPACE stops at the first GENERAL
//     AUTHENTICATE ("Invalid arguments" in pace_lib.c) and the emulator
//     process ends, which cccd sees as the card removed. (Its IM is not
//     ICAO 9303's anyway: cccd's IM is checked against the ICAO vectors.)
//   - 3DES: the emulator sets the MAC block length to 16 for every cipher,
//     so its 3DES secure messaging pads the MAC input to 16 bytes: PACE
//     completes, then it rejects cccd's first protected command (correct
//     ICAO padding to 8) with 6988.
func TestNPAUnsupported(t *testing.T) {
	testenv.LockVPCD(t)
	requirePCSCD(t)
	vicc.OpenPACEDir(t)
	cases := []struct {
		name  string
		oid   string
		param int
		check func(error) bool
		want  string
	}{
		{"CAM", vicc.PACEECDHCAMAES128, 13, func(err error) bool {
			return errors.Is(err, pace.ErrChipLacksProtocol) && !errors.Is(err, icao.ErrAccessDenied)
		}, "the card does not support PACE-CAM"},
		{"ECDH-IM", vicc.PACEECDHIMAES128, 13, func(err error) bool {
			return errors.Is(err, reader.ErrCardRemoved)
		}, "card removed"},
		{"DH-IM", "0.4.0.127.0.7.2.2.4.3.2", 0, func(err error) bool {
			return errors.Is(err, reader.ErrCardRemoved)
		}, "card removed"},
		{"GM 3DES", vicc.PACEECDHGM3DES, 13, func(err error) bool {
			return errors.Is(err, icao.ErrSecurityStatus) && !errors.Is(err, access.ErrNoApplication)
		}, "6988"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := vicc.StartNPA(t, vicc.BasePort+i%2, vicc.NPAOptions{CAN: npaCAN, PACEOID: c.oid, ParameterID: c.param})
			trace, err := npaConnect(t, e, npaCAN)
			if c.name == "ECDH-IM" || c.name == "DH-IM" {
				waitLog(e, "pace_lib.c")
				if !strings.Contains(e.Log(), "pace_lib.c") {
					t.Errorf("%s: the emulator did not fail in OpenPACE's PACE code:\n%s", c.name, e.Log())
				}
			}
			if err == nil || !c.check(err) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("%s: %v, want %q\n%s\nemulator:\n%s", c.name, err, c.want, strings.Join(trace, "\n"), e.Log())
			}
			t.Logf("%s, as documented: %v", c.name, err)
			e.Stop()
		})
	}
}

// waitLog gives the emulator's stderr a moment to arrive.
func waitLog(e *vicc.Emulator, want string) {
	for end := time.Now().Add(5 * time.Second); !strings.Contains(e.Log(), want) && time.Now().Before(end); {
		time.Sleep(20 * time.Millisecond)
	}
}

// oid parses a dotted OID.
func oid(t *testing.T, s string) []int {
	t.Helper()
	var out []int
	for _, a := range strings.Split(s, ".") {
		var n int
		if _, err := fmt.Sscan(a, &n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

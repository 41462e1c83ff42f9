package sim

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/access"
	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/reader"
)

// fsMRZ is a synthetic TD1 MRZ (ICAO's specimen document number and dates).
const fsMRZ = "I<UTOL898902C<3<<<<<<<<<<<<<<<" + "6908061F9406236UTO<<<<<<<<<<<1" + "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"

var fsCardAccess = []byte{0x31, 0x14, 0x30, 0x12, 0x06, 0x0A, 0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04, 0x02, 0x02, 0x02, 0x01, 0x02, 0x02, 0x01, 0x0D}

func fsProfile(ext bool) *Profile {
	com := []byte{0x60, 0x14, 0x5F, 0x01, 0x04, 0x30, 0x31, 0x30, 0x36, 0x5F, 0x36, 0x06, 0x30, 0x34, 0x30, 0x30, 0x30, 0x30, 0x5C, 0x02, 0x61, 0x75}
	dg1 := append([]byte{0x61, 0x5D, 0x5F, 0x1F, 0x5A}, fsMRZ...)
	return &Profile{MRZ: fsMRZ, CAN: "123456", ExtendedLength: ext, Files: map[string][]byte{
		"CardAccess": fsCardAccess, "COM": com, "DG1": dg1, "NotAnEF": {1, 2, 3}, // an unknown name is ignored
	}}
}

func fsCard(t *testing.T, ext bool) *Card {
	t.Helper()
	c, err := NewCard(fsProfile(ext))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func hx(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCardPlainCommands walks the file system in plain APDUs (no access
// control yet): selects, free reads of EF.CardAccess, refused reads of the
// LDS files, reads at and past the end.
func TestCardPlainCommands(t *testing.T) {
	c := fsCard(t, false)
	steps := []struct{ cmd, want string }{
		{"00B0000004", "6986"},          // no current EF
		{"00B09C0004", "31143012 9000"}, // SFI 1C under the MF, free
		{"00B0001410", "010D 6282"},     // 2 bytes left, 16 asked
		{"00B0001604", "6B00"},          // at the end
		{"00B0000000", strings.ToUpper(hex.EncodeToString(fsCardAccess)) + "9000"}, // Le=00: to the end, 9000
		{"00B1000004 5401 14 00", "5302010D 9000"},                                 // odd INS at offset 20, Le max
		{"00B1001C00 0454011400", "6700"},                                          // Lc does not match the body
		{"00A4000C023F00", "9000"},
		{"00A4020C02011C", "9000"},
		{"00A4020C020101", "6A82"},           // DG1 is not under the MF
		{"00A4040C07A0000002471002", "6A82"}, // unknown AID
		{"00A4040C05A000000247", "9000"},     // AID prefix
		{"00B0000004", "6986"},               // application selected, no EF
		{"00B09C0004", "6A82"},               // SFI 1C is not in the application
		{"00A4020C02011E", "9000"},
		{"00B0000004", "6982"},                                          // EF.COM needs secure messaging
		{"00A4020402011E", "620E 80020016 820101 8302011E 8801F0 9000"}, // FCP
		{"00A4020C03011E00", "6A87"},
		{"00A40A0C02011E", "6A86"},
		{"00A4020102011E", "6A86"},
		{"00CA000000", "6D00"},
		{"80B0000004", "6E00"},
		{"00B0000000 0004", "6700"}, // extended APDU, chip without extended length
		{"00B0", "6700"},            // not an APDU
		{"0084000008", ""},          // 8 random bytes, checked below
		{"0084010008", "6A86"},
		{"0084000004", "6700"},
		{"0082000028" + strings.Repeat("00", 40) + "28", "6300"}, // wrong cryptogram
		{"0082000028" + strings.Repeat("00", 40) + "28", "6985"}, // challenge used up
		{"0CB0000004", "6988"},                                   // SM command without a session
	}
	for i, st := range steps {
		got := c.Process(hx(t, st.cmd))
		if st.want == "" {
			if len(got) != 10 || !bytes.Equal(got[8:], []byte{0x90, 0}) {
				t.Errorf("step %d %s = %X, want 8 bytes 9000", i, st.cmd, got)
			}
			continue
		}
		if want := hx(t, st.want); !bytes.Equal(got, want) {
			t.Errorf("step %d %s = %X, want %X", i, st.cmd, got, want)
		}
	}
	if c.Processed() != len(steps) {
		t.Errorf("Processed = %d", c.Processed())
	}
}

func TestCardExtendedLength(t *testing.T) {
	c := fsCard(t, true)
	c.Process(hx(t, "00A4000C023F00"))
	got := c.Process(hx(t, "00B09C00000000")) // case 2E, Le max
	if !bytes.Equal(got, append(append([]byte{}, fsCardAccess...), 0x90, 0x00)) {
		t.Errorf("extended read = %X", got)
	}
	got = c.Process(hx(t, "00B09C00000100")) // 256 asked literally in an extended APDU
	if !bytes.Equal(got[len(got)-2:], []byte{0x62, 0x82}) || len(got) != len(fsCardAccess)+2 {
		t.Errorf("explicit Ne=256 = %X, want the file with 6282", got)
	}
}

// TestCardSecureMessagingRules: BAC starts SM; a wrong MAC or a plain
// command ends it; errors come back bare.
func TestCardSecureMessagingRules(t *testing.T) {
	ctx := context.Background()
	c := fsCard(t, false)
	r := NewReader("r", c)
	rc, err := r.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := icao.NewSession(rc)
	if err := icao.SelectApplication(ctx, s); err != nil {
		t.Fatal(err)
	}
	if err := icao.BAC(ctx, s, "L898902C<369080619406236"); err != nil {
		t.Fatalf("BAC: %v", err)
	}
	com, err := icao.ReadFile(ctx, s, icao.FileCOM)
	if err != nil || !bytes.Equal(com, fsProfile(false).Files["COM"]) {
		t.Fatalf("EF.COM over SM = %X, %v", com, err)
	}
	if _, err := s.Transmit(ctx, icao.Command{INS: 0xA4, P1: 2, P2: 0x0C, Data: []byte{0x01, 0x0F}}); !errors.Is(err, icao.ErrNotFound) {
		t.Errorf("missing file under SM: %v", err)
	}
	dg1, err := icao.ReadFile(ctx, s, icao.File{ID: lds.DG(1), FID: 0x0101, SFI: 1})
	if err != nil || len(dg1) != 95 {
		t.Errorf("DG1 after a bare 6A82: %d bytes, %v", len(dg1), err)
	}
	// Corrupt the MAC of the next command: 6988 and SM is gone.
	w, _ := s.SecureMessaging().Wrap(icao.Command{INS: 0xB0, Ne: 4})
	raw := w.Bytes()
	raw[len(raw)-2] ^= 1
	resp, _ := rc.Transmit(ctx, raw)
	if !bytes.Equal(resp, []byte{0x69, 0x88}) {
		t.Errorf("wrong MAC answered %X", resp)
	}
	if _, err := s.Transmit(ctx, icao.Command{INS: 0xB0, Ne: 4}); !errors.Is(err, icao.ErrSecurityStatus) {
		t.Errorf("command after the SM session ended: %v, want 6988", err)
	}
	// A new BAC restores it; then a plain command ends it again.
	if err := icao.BAC(ctx, s, "L898902C<369080619406236"); err != nil {
		t.Fatal(err)
	}
	if resp, _ := rc.Transmit(ctx, hx(t, "00A4020C02011E")); !bytes.Equal(resp, []byte{0x90, 0}) {
		t.Errorf("plain SELECT after BAC = %X", resp)
	}
	if _, err := s.Transmit(ctx, icao.Command{INS: 0xB0, Ne: 4}); !errors.Is(err, icao.ErrSecurityStatus) {
		t.Errorf("SM command after a plain one: %v, want 6988", err)
	}
}

func TestMRZInformation(t *testing.T) {
	tests := []struct{ mrz, want string }{
		{fsMRZ, "L898902C<369080619406236"},
		{"I<UTOD23145890<7349<<<<<<<<<<<" + "3407127M9507122UTO<<<<<<<<<<<2" + "STEVENSON<<PETER<JOHN<<<<<<<<<", "D23145890734934071279507122"},
	}
	for _, tt := range tests {
		if got, err := mrzInformation(tt.mrz); err != nil || got != tt.want {
			t.Errorf("mrzInformation = %q, %v; want %q", got, err, tt.want)
		}
	}
	for _, bad := range []string{"", fsMRZ[:89], "I<UTOD23145890<" + strings.Repeat("7", 15) + fsMRZ[30:]} {
		_, err := mrzInformation(bad)
		if !errors.Is(err, errBadMRZ) {
			t.Errorf("bad MRZ accepted: %v", err)
		}
	}
	if _, err := NewCard(&Profile{MRZ: "short"}); err == nil || strings.Contains(err.Error(), "short") {
		t.Errorf("NewCard with a bad MRZ: %v", err)
	}
}

func TestATR(t *testing.T) {
	for _, ext := range []bool{false, true} {
		atr := fsCard(t, ext).PowerOn()
		var x byte
		for _, b := range atr[1:] {
			x ^= b
		}
		if atr[0] != 0x3B || atr[1]&0x0F != byte(len(atr)-5) || x != 0 {
			t.Errorf("ATR %X: bad structure or TCK", atr)
		}
		if (atr[len(atr)-2]&0x40 != 0) != ext {
			t.Errorf("ATR %X: extended-length bit wrong for ext=%v", atr, ext)
		}
	}
}

func TestHandlersRegistered(t *testing.T) {
	for _, ins := range []byte{0xA4, 0xB0, 0xB1, 0x84, 0x82} {
		if handlers[ins] == nil {
			t.Errorf("no handler for INS %02X", ins)
		}
	}
}

func TestReaderSessions(t *testing.T) {
	ctx := context.Background()
	r := NewReader("sim0", fsCard(t, false), WithExtendedLength(true), WithLinkModel(DefaultLinkModel))
	if r.Name() != "sim0" {
		t.Errorf("Name = %q", r.Name())
	}
	card, err := r.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Connect(ctx); !errors.Is(err, reader.ErrReaderBusy) {
		t.Errorf("second Connect: %v", err)
	}
	rc := card.(*ReaderCard)
	if !rc.ExtendedLength() || len(rc.ATR()) == 0 {
		t.Error("ExtendedLength or ATR missing")
	}
	r.RemoveAfter(1)
	if resp, err := card.Transmit(ctx, hx(t, "00A4000C")); err != nil || !bytes.Equal(resp, []byte{0x90, 0}) {
		t.Fatalf("first APDU: %X, %v", resp, err)
	}
	if _, err := card.Transmit(ctx, hx(t, "00A4000C")); !errors.Is(err, reader.ErrCardRemoved) {
		t.Errorf("after removal: %v", err)
	}
	if _, err := card.Transmit(ctx, hx(t, "00A4000C")); !errors.Is(err, reader.ErrCardRemoved) {
		t.Errorf("still removed: %v", err)
	}
	want := DefaultLinkModel.Cost(4, 2)
	if rc.ModelledTime() != want || r.ModelledTime() != want {
		t.Errorf("modelled %v/%v, want %v", rc.ModelledTime(), r.ModelledTime(), want)
	}
	card2, err := r.Connect(ctx)
	if err != nil {
		t.Fatalf("Connect after removal: %v", err)
	}
	if resp, err := card2.Transmit(ctx, hx(t, "00A4000C")); err != nil || !bytes.Equal(resp, []byte{0x90, 0}) {
		t.Errorf("new session: %X, %v", resp, err)
	}
	card2.Close()
	if _, err := card2.Transmit(ctx, hx(t, "00A4000C")); !errors.Is(err, reader.ErrNoCard) {
		t.Errorf("closed session: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := r.Connect(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Connect: %v", err)
	}
}

func TestLinkModelCost(t *testing.T) {
	tests := []struct {
		m       LinkModel
		out, in int
		want    time.Duration
	}{
		{DefaultLinkModel, 0, 0, 5 * time.Millisecond},
		{DefaultLinkModel, 26, 27, 5*time.Millisecond + time.Duration(53*8)*time.Second/424000},
		{LinkModel{BitRate: 8000}, 500, 500, time.Second},
		{LinkModel{PerAPDU: time.Millisecond}, 100, 100, time.Millisecond},
	}
	for _, tt := range tests {
		if got := tt.m.Cost(tt.out, tt.in); got != tt.want {
			t.Errorf("%+v.Cost(%d, %d) = %v, want %v", tt.m, tt.out, tt.in, got, tt.want)
		}
	}
}

// TestProcessDoesNotKeepCallerBuffer runs PACE with a front end that reuses
// one buffer for every command (as the vpcd bridge does): the chip must not
// keep references into it.
func TestProcessDoesNotKeepCallerBuffer(t *testing.T) {
	p, err := DemoProfile()
	if err != nil {
		t.Fatal(err)
	}
	chip, err := NewCard(p)
	if err != nil {
		t.Fatal(err)
	}
	r := NewReader("reuse", reusingChip{chip: chip, buf: make([]byte, 0, 1024)})
	card, err := r.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer card.Close()
	if _, err := access.Connect(context.Background(), card, access.Key{CAN: DemoCAN}, access.Options{}); err != nil {
		t.Fatalf("PACE through a reused buffer: %v", err)
	}
}

// reusingChip copies every command into one buffer and scribbles over it
// after the chip answered.
type reusingChip struct {
	chip Chip
	buf  []byte
}

func (r reusingChip) PowerOn() []byte { return r.chip.PowerOn() }
func (r reusingChip) PowerOff()       { r.chip.PowerOff() }
func (r reusingChip) Process(cmd []byte) []byte {
	b := append(r.buf[:0], cmd...)
	resp := r.chip.Process(b)
	for i := range b {
		b[i] = 0xEE
	}
	return resp
}

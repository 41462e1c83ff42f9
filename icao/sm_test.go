package icao

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

func newPair(t *testing.T, alg Cipher) (reader, card *SecureMessaging) {
	t.Helper()
	ks := bytes.Repeat([]byte{0x11}, alg.KeySize())
	km := bytes.Repeat([]byte{0x22}, alg.KeySize())
	ssc := make([]byte, alg.BlockSize())
	r, err := NewSecureMessaging(alg, ks, km, ssc)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := NewSecureMessaging(alg, ks, km, ssc)
	return r, c
}

// TestSMStatusWithoutMACKeepsSync is the SSC rule: bare error statuses and
// unMACed 6282 data leave both counters where the command put them, so the
// next command still verifies on both sides.
func TestSMStatusWithoutMACKeepsSync(t *testing.T) {
	for _, alg := range []Cipher{Cipher3DES, CipherAES128, CipherAES256} {
		t.Run(alg.String(), func(t *testing.T) {
			r, c := newPair(t, alg)
			read := Command{INS: 0xB0, Ne: 4}
			cases := []struct {
				name string
				resp func() []byte
				sw   uint16
			}{
				{"bare 6A82", func() []byte { return []byte{0x6A, 0x82} }, 0x6A82},
				{"bare 6988", func() []byte { return []byte{0x69, 0x88} }, 0x6988},
				{"bare 6B00", func() []byte { return []byte{0x6B, 0x00} }, 0x6B00},
				{"DO87 without MAC, 6282", func() []byte {
					enc := c.encrypt([]byte{1, 2})
					return append(append([]byte{0x87, byte(len(enc) + 1), 0x01}, enc...), 0x62, 0x82)
				}, 0x6282},
				{"MACed 9000", func() []byte { return c.WrapResponse([]byte{1, 2, 3, 4}, 0x9000) }, 0x9000},
				{"MACed 6282", func() []byte { return c.WrapResponse([]byte{1, 2}, 0x6282) }, 0x6282},
			}
			for _, tc := range cases {
				w, err := r.Wrap(read)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := c.UnwrapCommand(w); err != nil {
					t.Fatalf("%s: card rejects command: %v", tc.name, err)
				}
				data, sw, err := r.Unwrap(tc.resp())
				if err != nil || sw != tc.sw {
					t.Fatalf("%s: Unwrap = %04X, %v", tc.name, sw, err)
				}
				if tc.name == "DO87 without MAC, 6282" && data != nil {
					t.Errorf("%s: unauthenticated data returned", tc.name)
				}
				if !bytes.Equal(r.SSC(), c.SSC()) {
					t.Fatalf("%s: SSC reader %X card %X", tc.name, r.SSC(), c.SSC())
				}
			}
		})
	}
}

func TestSMUnwrapRejects(t *testing.T) {
	r, c := newPair(t, Cipher3DES)
	good := func() []byte {
		w, _ := r.Wrap(Command{INS: 0xB0, Ne: 2})
		c.UnwrapCommand(w)
		return c.WrapResponse([]byte{0xAA, 0xBB}, 0x9000)
	}
	tests := []struct {
		name   string
		mutate func([]byte) []byte
		want   error
	}{
		{"9000 without MAC", func([]byte) []byte { return []byte{0x90, 0x00} }, ErrSMFormat},
		{"flipped MAC", func(b []byte) []byte { b[len(b)-3] ^= 1; return b }, ErrBadMAC},
		{"flipped cryptogram", func(b []byte) []byte { b[4] ^= 1; return b }, ErrBadMAC},
		{"DO99 differs from SW", func(b []byte) []byte { b[len(b)-1] = 0x01; b[len(b)-2] = 0x62; return b }, ErrSMFormat},
		{"unknown object", func(b []byte) []byte { return append([]byte{0x53, 0x00}, b...) }, ErrSMFormat},
		{"truncated TLV", func(b []byte) []byte { return append([]byte{0x87, 0x20}, 0x90, 0x00) }, ErrSMFormat},
		{"no SW", func([]byte) []byte { return []byte{0x90} }, ErrMalformedAPDU},
	}
	for _, tt := range tests {
		resp := tt.mutate(good())
		if _, _, err := r.Unwrap(resp); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
		// Resynchronise for the next case: a broken response leaves the
		// pair wherever it was; restart both from the same SSC.
		r, c = newPair(t, Cipher3DES)
	}
}

func TestSMUnwrapCommandRejects(t *testing.T) {
	r, c := newPair(t, CipherAES128)
	w, _ := r.Wrap(Command{INS: 0xA4, P1: 2, P2: 0x0C, Data: []byte{1, 0x1E}})
	noMAC := w
	noMAC.Data = w.Data[:len(w.Data)-10]
	before := c.SSC()
	if _, err := c.UnwrapCommand(noMAC); !errors.Is(err, ErrSMFormat) || !bytes.Equal(c.SSC(), before) {
		t.Errorf("missing DO8E: err %v, SSC moved %X→%X", err, before, c.SSC())
	}
	bad := w
	bad.Data = append([]byte(nil), w.Data...)
	bad.Data[len(bad.Data)-1] ^= 0xFF
	if _, err := c.UnwrapCommand(bad); !errors.Is(err, ErrBadMAC) {
		t.Errorf("bad MAC err = %v", err)
	}
	if _, err := c.UnwrapCommand(Command{CLA: 0, INS: 0xB0}); !errors.Is(err, ErrSMFormat) {
		t.Errorf("plain command err = %v", err)
	}
	if _, err := r.Wrap(Command{CLA: 0x0C, INS: 0xB0}); !errors.Is(err, ErrSMFormat) {
		t.Errorf("double wrap err = %v", err)
	}
}

func TestSMOddINSUsesDO85(t *testing.T) {
	r, c := newPair(t, Cipher3DES)
	cmd := Command{INS: 0xB1, Data: []byte{0x54, 0x02, 0x80, 0x00}, Ne: 0xDF}
	w, err := r.Wrap(cmd)
	if err != nil {
		t.Fatal(err)
	}
	if w.Data[0] != 0x85 {
		t.Fatalf("odd INS data object %02X, want 85", w.Data[0])
	}
	got, err := c.UnwrapCommand(w)
	if err != nil || !bytes.Equal(got.Data, cmd.Data) || got.Ne != 0xDF {
		t.Errorf("UnwrapCommand = %+v, %v", got, err)
	}
}

func TestSMWrapExtendedLe(t *testing.T) {
	r, c := newPair(t, CipherAES128)
	for _, tc := range []struct {
		ne       int
		outer    int
		extended bool
	}{{0xDF, 256, false}, {0xE0, 65536, true}, {0x1000, 65536, true}, {65536, 65536, true}, {0, 256, false}} {
		w, err := r.Wrap(Command{INS: 0xB0, Ne: tc.ne})
		if err != nil {
			t.Fatal(err)
		}
		if w.Ne != tc.outer || IsExtendedAPDU(w.Bytes()) != tc.extended {
			t.Errorf("Ne %d: outer Ne %d extended %v", tc.ne, w.Ne, IsExtendedAPDU(w.Bytes()))
		}
		got, err := c.UnwrapCommand(mustParse(t, w.Bytes()))
		if err != nil || got.Ne != tc.ne {
			t.Errorf("Ne %d: card sees %d, %v", tc.ne, got.Ne, err)
		}
	}
}

func TestNewSecureMessagingChecks(t *testing.T) {
	k16 := make([]byte, 16)
	for _, tc := range []struct {
		alg           Cipher
		enc, mac, ssc []byte
	}{
		{Cipher3DES, k16, k16, make([]byte, 16)},
		{Cipher3DES, make([]byte, 8), k16, make([]byte, 8)},
		{Cipher3DES, k16, make([]byte, 24), make([]byte, 8)},
		{CipherAES256, k16, k16, make([]byte, 16)},
		{Cipher(9), k16, k16, make([]byte, 16)},
	} {
		if _, err := NewSecureMessaging(tc.alg, tc.enc, tc.mac, tc.ssc); err == nil {
			t.Errorf("%s enc %d mac %d ssc %d: accepted", tc.alg, len(tc.enc), len(tc.mac), len(tc.ssc))
		}
	}
}

// TestSMResponseWithoutDO99: vsmartcard (and some chips) answer DO'87' ‖
// DO'8E' with the MAC over SSC ‖ DO'87' only; the reader must accept it.
func TestSMResponseWithoutDO99(t *testing.T) {
	for _, alg := range []Cipher{Cipher3DES, CipherAES256} {
		r, c := newPair(t, alg)
		w, _ := r.Wrap(Command{INS: 0xB0, Ne: 3})
		if _, err := c.UnwrapCommand(w); err != nil {
			t.Fatal(err)
		}
		c.incSSC()
		ct := c.encrypt([]byte{7, 8, 9})
		do87 := append([]byte{0x87, byte(len(ct) + 1), 0x01}, ct...)
		resp := append(append(append(do87, 0x8E, 0x08), c.mac(do87)...), 0x90, 0x00)
		data, sw, err := r.Unwrap(resp)
		if err != nil || sw != SWOK || !bytes.Equal(data, []byte{7, 8, 9}) {
			t.Errorf("%s: Unwrap = %X %04X %v", alg, data, sw, err)
		}
		// An SM SELECT answered with DO'8E' alone.
		w, _ = r.Wrap(Command{INS: 0xA4, P1: 2, P2: 0x0C, Data: []byte{1, 1}})
		c.UnwrapCommand(w)
		c.incSSC()
		resp = append(append([]byte{0x8E, 0x08}, c.mac(nil)...), 0x90, 0x00)
		if data, sw, err := r.Unwrap(resp); err != nil || sw != SWOK || data != nil {
			t.Errorf("%s: MAC-only answer = %X %04X %v", alg, data, sw, err)
		}
	}
}

// TestSessionStatusAuthenticated: a status word under secure messaging is
// Authenticated only when DO'99' carries it under a verified MAC (the nPA
// emulator's protected 6A82 for the eMRTD application); a bare one is not,
// and the trace says which.
func TestSessionStatusAuthenticated(t *testing.T) {
	r, c := newPair(t, CipherAES128)
	cases := []struct {
		name string
		resp func() []byte
		auth bool
		note string
	}{
		{"MACed 6A82", func() []byte { return c.WrapResponse(nil, 0x6A82) }, true, "status MAC verified"},
		{"bare 6A82", func() []byte { return []byte{0x6A, 0x82} }, false, "status not MAC-protected"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var lines []string
			tr := &cardSide{t: t, card: c, resp: tc.resp}
			s := NewSession(tr)
			s.SetSecureMessaging(r)
			s.Trace = func(l string) { lines = append(lines, l) }
			_, err := s.Transmit(context.Background(), Command{INS: 0xA4, P1: 4, P2: 0x0C, Data: AID})
			var se *StatusError
			if !errors.As(err, &se) || se.SW != 0x6A82 || se.Authenticated != tc.auth || !errors.Is(err, ErrNotFound) {
				t.Fatalf("err = %#v (%v), want 6A82 Authenticated=%v", se, err, tc.auth)
			}
			if len(lines) != 1 || !strings.Contains(lines[0], tc.note) {
				t.Errorf("trace %q, want the note %q", lines, tc.note)
			}
		})
	}
}

// cardSide checks the protected command on the card's SM and answers resp.
type cardSide struct {
	t    *testing.T
	card *SecureMessaging
	resp func() []byte
}

func (c *cardSide) Transmit(_ context.Context, apdu []byte) ([]byte, error) {
	cmd, err := ParseCommand(apdu)
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.card.UnwrapCommand(cmd); err != nil {
		c.t.Fatalf("card rejects the command: %v", err)
	}
	return c.resp(), nil
}

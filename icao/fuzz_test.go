package icao

import (
	"bytes"
	"testing"
)

// FuzzParseResponse: any bytes give a response or ErrMalformedAPDU, never a
// panic; a parsed response re-encodes to its input.
func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{"9000", "6A82", "4608F919887022129000", "6282", "00", "", "6000", "990290008E08FA855A5D4C50A8ED9000"} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseResponse(b)
		if err != nil {
			return
		}
		enc := append(append([]byte(nil), r.Data...), byte(r.SW>>8), byte(r.SW))
		if !bytes.Equal(enc, b) {
			t.Fatalf("re-encoded %X, input %X", enc, b)
		}
		if (r.Err() == nil) != r.OK() {
			t.Fatalf("Err/OK disagree for %04X", r.SW)
		}
		if r.Err() != nil {
			_ = r.Err().Error()
		}
	})
}

// FuzzParseCommand: any bytes give a command or ErrMalformedAPDU; a parsed
// command encodes (in its canonical form) to bytes that parse back to it.
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"00A4020C02011E", "00B0000004", "00B00000000000", "0CB000000D9701048E08ED6705417E96BA5500",
		"0CB0000000000E9702040080000000000000000000", "00A4", "00B0000000", "00B1000004540100" + "00", "0082000028" + "00"} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCommand(b)
		if err != nil {
			return
		}
		enc := c.Bytes()
		if enc == nil {
			t.Fatalf("parsed %X into an unencodable command %+v", b, c)
		}
		back, err := ParseCommand(enc)
		if err != nil || back.CLA != c.CLA || back.INS != c.INS || back.P1 != c.P1 || back.P2 != c.P2 ||
			!bytes.Equal(back.Data, c.Data) || back.Ne != c.Ne {
			t.Fatalf("round trip of %X: %X → %+v, %v", b, enc, back, err)
		}
	})
}

// smFuzzKeys are fixed sessions: 0 = ICAO Appendix D.4 (3DES), 1 = gmrtd's
// AES-128 223-byte trace.
func smFuzzSession(t testing.TB, alg byte, sscLow byte) *SecureMessaging {
	var sm *SecureMessaging
	var err error
	if alg%2 == 0 {
		sm, err = NewSecureMessaging(Cipher3DES, unhex(t, "979EC13B1CBFE9DCD01AB0FED307EAE5"), unhex(t, "F1CB1F1FB5ADF208806B89DC579DC1F8"),
			[]byte{0x88, 0x70, 0x22, 0x12, 0x0C, 0x06, 0xC2, sscLow})
	} else {
		ssc := make([]byte, 16)
		ssc[15] = sscLow
		sm, err = NewSecureMessaging(CipherAES128, unhex(t, "A8E85E938514EC67AE33CDA3D43D3C48"), unhex(t, "27F1ADEB705A049A305B0C619B14B9B3"), ssc)
	}
	if err != nil {
		t.Fatal(err)
	}
	return sm
}

// FuzzSMUnwrap: secure-messaging unwrap with fixed keys never panics,
// advances the SSC by at most one, and only returns data when a MAC
// verified it.
func FuzzSMUnwrap(f *testing.F) {
	f.Add(byte(0), byte(0x27), unhex(f, "990290008E08FA855A5D4C50A8ED9000"))
	f.Add(byte(0), byte(0x29), unhex(f, "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"))
	f.Add(byte(0), byte(0x2B), unhex(f, "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000"))
	f.Add(byte(1), byte(0x0B), unhex(f, "8781E1012FABF9E0655D7E987FD28A8AEB19C9CADD990D49399799ED1FE465BCEA56DA9BA3024291D40D23D7F1E00485D71FADDC6D8C1382E8028DD22EFDCC72ED47663D56D20DD6C4B867956FE0507313083AE7FC54FB46133F184FEBBE13AD6FD3E2616A1F4A829E75ADA1A0E443CA738288F6014BE8A7745D8259B089E6BEE35BCC4BF5B63DB5FDD84244F67ECA099213B70A861B4487225AA68AF684278FCEB4CB809DE42BE3EE95B0E0D72BCDB0ED47CB56EFC264E04A9397A90E81AD1D81EFA2D14B2CA8EC7BD997F4B1C1FD344D5DEE8589C38B227CA4CB35810060A7CC76403E990290008E083EB47EF4FA82AFC99000"))
	f.Add(byte(0), byte(0), unhex(f, "6A82"))
	f.Add(byte(0), byte(0), unhex(f, "871101000000000000000000000000000000006282"))
	f.Fuzz(func(t *testing.T, alg, sscLow byte, resp []byte) {
		sm := smFuzzSession(t, alg, sscLow)
		before := sm.SSC()
		data, sw, err := sm.Unwrap(resp)
		after := sm.SSC()
		moved := !bytes.Equal(before, after)
		if moved {
			sm.rewind()
			if !bytes.Equal(sm.SSC(), before) {
				t.Fatalf("SSC moved by more than one: %X → %X", before, after)
			}
		}
		if err == nil && len(data) > 0 && !moved {
			t.Fatalf("data returned without a verified MAC (SW %04X)", sw)
		}
		if err == nil && sw == SWOK && !moved {
			t.Fatal("9000 accepted without a MAC")
		}
	})
}

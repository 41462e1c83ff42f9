package icao

import (
	"bytes"
	"testing"
)

// TestSM3DESAppendixD4 reproduces every intermediate of ICAO 9303-11 D.4.
func TestSM3DESAppendixD4(t *testing.T) {
	set := loadVectorSet(t, "icao9303-p11-appD4-3des-sm")
	ksEnc, ksMac, ssc0 := unhex(t, set.Keys["ks_enc"]), unhex(t, set.Keys["ks_mac"]), unhex(t, set.Keys["ssc_initial"])
	sm, err := NewSecureMessaging(Cipher3DES, ksEnc, ksMac, ssc0)
	if err != nil {
		t.Fatal(err)
	}
	card, _ := NewSecureMessaging(Cipher3DES, ksEnc, ksMac, ssc0)
	var file []byte
	for _, st := range set.Steps {
		t.Run(st.Step, func(t *testing.T) {
			v := newValueMap(t, st.Values)
			plain, err := ParseCommand(unhex(t, st.UnprotectedCAPDU))
			if err != nil {
				t.Fatal(err)
			}
			// Intermediates, computed the way Wrap does.
			hdr := Pad([]byte{plain.CLA | 0x0C, plain.INS, plain.P1, plain.P2}, 8)
			v.check("masked_padded_header", hdr)
			m := append([]byte(nil), hdr...)
			if len(plain.Data) > 0 {
				v.check("padded_data", Pad(plain.Data, 8))
				enc := cbcEncrypt(sm.enc, make([]byte, 8), Pad(plain.Data, 8))
				v.check("encrypted_data", enc)
				do87 := append([]byte{0x87, byte(len(enc) + 1), 0x01}, enc...)
				v.check("do87", do87)
				m = append(m, do87...)
			} else {
				do97 := []byte{0x97, 0x01, byte(plain.Ne)}
				v.check("do97", do97)
				m = append(m, do97...)
			}
			v.check("m", m)
			wrapped, err := sm.Wrap(plain)
			if err != nil {
				t.Fatal(err)
			}
			v.check("ssc", sm.SSC())
			n := Pad(append(sm.SSC(), m...), 8)
			v.check("n", n)
			cc, _ := RetailMAC(ksMac, n)
			v.check("cc", cc)
			v.check("do8e", append([]byte{0x8E, 0x08}, cc...))
			v.check("protected_capdu", wrapped.Bytes())

			// The card side sees the same command.
			got, err := card.UnwrapCommand(mustParse(t, wrapped.Bytes()))
			if err != nil {
				t.Fatalf("UnwrapCommand: %v", err)
			}
			if !bytes.Equal(got.Data, plain.Data) || got.Ne != plain.Ne || got.CLA != plain.CLA {
				t.Errorf("UnwrapCommand = %+v, want %+v", got, plain)
			}

			rapdu := v.hex("rapdu")
			data, sw, err := sm.Unwrap(rapdu)
			if err != nil || sw != 0x9000 {
				t.Fatalf("Unwrap = %04X, %v", sw, err)
			}
			v.check("ssc_response", sm.SSC())
			body := rapdu[:len(rapdu)-2]
			k := Pad(append(sm.SSC(), body[:len(body)-10]...), 8)
			v.check("k", k)
			ccr, _ := RetailMAC(ksMac, k)
			v.check("cc_response", ccr)
			if _, ok := v.m["unprotected_rapdu"]; ok {
				v.check("unprotected_rapdu", append(data, 0x90, 0x00))
			} else {
				v.check("decrypted_do87", data)
			}
			if _, ok := v.m["decrypted_do87_padded"]; ok {
				v.check("decrypted_do87_padded", Pad(data, 8))
			}
			// The card side produces the byte-identical response.
			if resp := card.WrapResponse(data, sw); !bytes.Equal(resp, rapdu) {
				t.Errorf("WrapResponse = %X, want %X", resp, rapdu)
			}
			file = append(file, data...)
			v.allUsed()
		})
	}
	if want := unhex(t, set.Result["ef_com"]); !bytes.Equal(file, want) {
		t.Errorf("EF.COM = %X, want %X", file, want)
	}
	if want := unhex(t, set.Result["ssc_final"]); !bytes.Equal(sm.SSC(), want) || !bytes.Equal(card.SSC(), want) {
		t.Errorf("final SSC reader %X card %X, want %X", sm.SSC(), card.SSC(), want)
	}
	if n := sm.MaxShortRead(); n != 231 {
		t.Errorf("3DES MaxShortRead = %d, want 231", n)
	}
}

func mustParse(t *testing.T, b []byte) Command {
	t.Helper()
	c, err := ParseCommand(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSMAES256Trace replays gmrtd's recorded AES-256 exchange.
func TestSMAES256Trace(t *testing.T) {
	set := loadVectorSet(t, "gmrtd-aes256-sm-read-efcom")
	ksEnc, ksMac, ssc0 := unhex(t, set.Keys["ks_enc"]), unhex(t, set.Keys["ks_mac"]), unhex(t, set.Keys["ssc_initial"])
	sm, err := NewSecureMessaging(CipherAES256, ksEnc, ksMac, ssc0)
	if err != nil {
		t.Fatal(err)
	}
	card, _ := NewSecureMessaging(CipherAES256, ksEnc, ksMac, ssc0)
	var file []byte
	for _, st := range set.Steps {
		t.Run(st.Step, func(t *testing.T) {
			plain := mustParse(t, unhex(t, st.UnprotectedCAPDU))
			wrapped, err := sm.Wrap(plain)
			if err != nil {
				t.Fatal(err)
			}
			if got := sm.SSC(); !bytes.Equal(got, unhex(t, st.SSCCommand)) {
				t.Errorf("command SSC = %X, want %s", got, st.SSCCommand)
			}
			if st.IVCommand != "" {
				if got := sm.iv(); !bytes.Equal(got, unhex(t, st.IVCommand)) {
					t.Errorf("command IV = %X, want %s", got, st.IVCommand)
				}
			}
			if got := wrapped.Bytes(); !bytes.Equal(got, unhex(t, st.ProtectedCAPDU)) {
				t.Errorf("protected = %X, want %s", got, st.ProtectedCAPDU)
			}
			if got, err := card.UnwrapCommand(wrapped); err != nil || !bytes.Equal(got.Data, plain.Data) || got.Ne != plain.Ne {
				t.Errorf("UnwrapCommand = %+v, %v", got, err)
			}
			rapdu := unhex(t, st.RAPDU)
			data, sw, err := sm.Unwrap(rapdu)
			if err != nil || sw != 0x9000 {
				t.Fatalf("Unwrap = %04X, %v", sw, err)
			}
			if got := sm.SSC(); !bytes.Equal(got, unhex(t, st.SSCResponse)) {
				t.Errorf("response SSC = %X, want %s", got, st.SSCResponse)
			}
			if got := sm.iv(); !bytes.Equal(got, unhex(t, st.IVResponse)) {
				t.Errorf("response IV = %X, want %s", got, st.IVResponse)
			}
			if got := rapdu[len(rapdu)-10 : len(rapdu)-2]; !bytes.Equal(got, unhex(t, st.ResponseMAC)) {
				t.Errorf("response MAC = %X, want %s", got, st.ResponseMAC)
			}
			if st.DecryptedDO87 != "" && !bytes.Equal(data, unhex(t, st.DecryptedDO87)) {
				t.Errorf("data = %X, want %s", data, st.DecryptedDO87)
			}
			if resp := card.WrapResponse(data, sw); !bytes.Equal(resp, rapdu) {
				t.Errorf("WrapResponse = %X, want %X", resp, rapdu)
			}
			file = append(file, data...)
		})
	}
	if want := unhex(t, set.Result["ef_com"]); !bytes.Equal(file, want) {
		t.Errorf("EF.COM = %X, want %X", file, want)
	}
	if want := unhex(t, set.Result["ssc_final"]); !bytes.Equal(sm.SSC(), want) {
		t.Errorf("final SSC = %X, want %X", sm.SSC(), want)
	}
}

// TestSMAES128Encode reproduces gmrtd's AES-128 MSE:Set AT encoding.
func TestSMAES128Encode(t *testing.T) {
	set := loadVectorSet(t, "gmrtd-aes128-sm-encode-mse-set-at")
	v := newValueMap(t, set.Values)
	sm, err := NewSecureMessaging(CipherAES128, unhex(t, set.Keys["ks_enc"]), unhex(t, set.Keys["ks_mac"]), unhex(t, set.Keys["ssc_initial"]))
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err := sm.Wrap(mustParse(t, v.hex("unprotected_capdu")))
	if err != nil {
		t.Fatal(err)
	}
	v.check("ssc_command", sm.SSC())
	v.check("iv_command", sm.iv())
	v.check("protected_capdu", wrapped.Bytes())
	v.check("ssc_after", sm.SSC())
	v.allUsed()
}

// TestSMAES128Decode223 decodes gmrtd's 244-byte response carrying 223 bytes.
func TestSMAES128Decode223(t *testing.T) {
	set := loadVectorSet(t, "gmrtd-aes128-sm-decode-223-bytes")
	v := newValueMap(t, set.Values)
	sm, err := NewSecureMessaging(CipherAES128, unhex(t, set.Keys["ks_enc"]), unhex(t, set.Keys["ks_mac"]), unhex(t, set.Keys["ssc_initial"]))
	if err != nil {
		t.Fatal(err)
	}
	rapdu := v.hex("rapdu")
	if len(rapdu) != 244 {
		t.Errorf("response is %d bytes, want 244", len(rapdu))
	}
	data, sw, err := sm.Unwrap(rapdu)
	if err != nil || sw != 0x9000 {
		t.Fatalf("Unwrap = %04X, %v", sw, err)
	}
	v.check("ssc_response", sm.SSC())
	v.check("iv_response", sm.iv())
	v.check("response_mac", rapdu[len(rapdu)-10:len(rapdu)-2])
	v.check("decrypted_data", data)
	v.check("ssc_after", sm.SSC())
	if n := sm.MaxShortRead(); n != 223 {
		t.Errorf("AES MaxShortRead = %d, want 223", n)
	}
	if n := sm.ProtectedResponseLen(223); n != 244 {
		t.Errorf("ProtectedResponseLen(223) = %d, want 244", n)
	}
	v.allUsed()
}

package pace

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/icao"
)

// script is a transport that checks each command against an expected APDU
// and answers with a recorded response.
type script struct {
	t     testing.TB
	steps [][2][]byte // expected command (nil: any), response
	n     int
}

func (s *script) Transmit(_ context.Context, apdu []byte) ([]byte, error) {
	if s.n >= len(s.steps) {
		return nil, fmt.Errorf("script: unexpected command %X", apdu)
	}
	st := s.steps[s.n]
	s.n++
	if st[0] != nil && !bytes.Equal(apdu, st[0]) {
		s.t.Errorf("command %d = %X, want %X", s.n, apdu, st[0])
	}
	return st[1], nil
}

// TestEstablishAppendixG1APDUs replays Appendix G.1 APDU by APDU (with the
// worked example's ephemeral keys), including MSE:Set AT with DO'84'.
func TestEstablishAppendixG1APDUs(t *testing.T) {
	v, set := vectors(t, "icao9303-p11-appG1-pace-ecdh-gm")
	steps := map[string][2][]byte{}
	for _, a := range set.APDUs {
		c, _ := hex.DecodeString(a.CAPDU)
		r, _ := hex.DecodeString(a.RAPDU)
		steps[a.Step] = [2][]byte{c, r}
	}
	tr := &script{t: t, steps: [][2][]byte{
		steps["mse_set_at_with_do84"],
		steps["general_authenticate_1_get_nonce"],
		steps["general_authenticate_2_map_nonce"],
		steps["general_authenticate_3_key_agreement"],
		steps["general_authenticate_4_mutual_auth"],
	}}
	keys := [][]byte{v["sk_map_ifd"], v["sk_ifd"]}
	term := terminal{newKey: func(g Group) ([]byte, []byte, error) {
		k := keys[0]
		keys = keys[1:]
		return k, g.Public(k), nil
	}}
	pw, _ := MRZ(string(v["mrz_information"]))
	s := icao.NewSession(tr)
	res, err := term.run(context.Background(), s, pw, Info{Protocol: CCCDInfo.Protocol, Version: 2, ParameterID: 13})
	if err != nil {
		t.Fatal(err)
	}
	if tr.n != 5 {
		t.Fatalf("%d APDUs, want 5", tr.n)
	}
	if res.Protocol.String() != "ECDH-GM-AES-CBC-CMAC-128" || res.Parameters.Name() != "brainpoolP256r1" || res.CAM != nil {
		t.Errorf("result %+v", res)
	}
	sm := s.SecureMessaging()
	if sm == nil || sm.Cipher() != icao.CipherAES128 || !bytes.Equal(sm.SSC(), make([]byte, 16)) {
		t.Fatalf("secure messaging not restarted with AES and SSC 0: %v", sm)
	}
}

// TestEstablishRefusals: a chip answering 6300 or 63C2 at step 4, or a bad
// chip token, is a refused password (icao.ErrAccessDenied), and the error
// never carries the password. A 6300/63Cx there is worded as the refusal
// or the chip's own mapping failure (ErrRefusedKeyOrMapping): the status
// word cannot tell them apart.
func TestEstablishRefusals(t *testing.T) {
	v, set := vectors(t, "icao9303-p11-appG1-pace-ecdh-gm")
	resp := map[string][]byte{}
	for _, a := range set.APDUs {
		r, _ := hex.DecodeString(a.RAPDU)
		resp[a.Step] = r
	}
	badToken := append([]byte(nil), resp["general_authenticate_4_mutual_auth"]...)
	badToken[5] ^= 1
	tests := []struct {
		name    string
		step4   []byte
		denied  bool
		mapping string // the "refused or failed the mapping" wording, with this SW; "" for none
	}{
		{"6300", []byte{0x63, 0x00}, true, "6300"},
		{"63C2", []byte{0x63, 0xC2}, true, "63C2"},
		{"bad chip token", badToken, true, ""},
		{"6A80", []byte{0x6A, 0x80}, false, ""},
		{"garbage", []byte{0x7C, 0x05, 0x86, 0x08, 0x00, 0x90, 0x00}, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := &script{t: t, steps: [][2][]byte{
				{nil, []byte{0x90, 0x00}},
				{nil, resp["general_authenticate_1_get_nonce"]},
				{nil, resp["general_authenticate_2_map_nonce"]},
				{nil, resp["general_authenticate_3_key_agreement"]},
				{nil, tc.step4},
			}}
			keys := [][]byte{v["sk_map_ifd"], v["sk_ifd"]}
			term := terminal{newKey: func(g Group) ([]byte, []byte, error) {
				k := keys[0]
				keys = keys[1:]
				return k, g.Public(k), nil
			}}
			pw, _ := MRZ(string(v["mrz_information"]))
			s := icao.NewSession(tr)
			_, err := term.run(context.Background(), s, pw, CCCDInfo)
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, icao.ErrAccessDenied) != tc.denied {
				t.Errorf("ErrAccessDenied = %v, want %v: %v", !tc.denied, tc.denied, err)
			}
			if errors.Is(err, ErrRefusedKeyOrMapping) != (tc.mapping != "") {
				t.Errorf("ErrRefusedKeyOrMapping = %v, want %v: %v", !(tc.mapping != ""), tc.mapping != "", err)
			}
			if want := "refused the MRZ or failed the mapping (" + tc.mapping + " at the last GENERAL AUTHENTICATE)"; tc.mapping != "" && !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
			if strings.Contains(err.Error(), string(v["mrz_information"])) || strings.Contains(err.Error(), "T22000129") {
				t.Errorf("error leaks the MRZ: %v", err)
			}
			if s.SecureMessaging() != nil {
				t.Error("secure messaging installed after a failure")
			}
		})
	}
}

func TestCANPassword(t *testing.T) {
	if _, err := CAN("12a456"); err == nil {
		t.Error("non-digit CAN accepted")
	}
	if _, err := CAN(""); err == nil {
		t.Error("empty CAN accepted")
	}
	p, err := CAN("012345")
	if err != nil || p.Ref() != RefCAN || !bytes.Equal(p.key(), []byte("012345")) {
		t.Fatalf("%v %v", p, err)
	}
	if strings.Contains(p.String(), "012345") || strings.Contains(fmt.Sprintf("%v %+v", p, p), "012345") {
		t.Error("password formatting leaks the CAN")
	}
	if _, err := MRZ("short"); err == nil {
		t.Error("short MRZ information accepted")
	}
}

func TestMSESetAT(t *testing.T) {
	got := mseSetAT(CCCDInfo.Protocol, RefCAN, 13)
	want, _ := hex.DecodeString("800A04007F0007020204020283010284010D")
	if !bytes.Equal(got, want) {
		t.Fatalf("%X, want %X", got, want)
	}
}

// TestEstablishChipLacksProtocol: a chip that advertises a protocol and
// then refuses it with 6A80 at MSE:Set AT or at the first GENERAL
// AUTHENTICATE (vsmartcard's nPA emulator with PACE-CAM) is reported as
// the card not supporting it, not as a wrong key and never as a success.
func TestEstablishChipLacksProtocol(t *testing.T) {
	camInfo := Info{Protocol: ProtocolOID(ChipAuthenticationMapping, true, icao.CipherAES128), Version: 2, ParameterID: 13}
	for _, tc := range []struct {
		name  string
		steps [][2][]byte
	}{
		{"6A80 at MSE:Set AT", [][2][]byte{{nil, []byte{0x6A, 0x80}}}},
		{"6A80 at GA1", [][2][]byte{{nil, []byte{0x90, 0x00}}, {nil, []byte{0x6A, 0x80}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pw, _ := CAN("123456")
			s := icao.NewSession(&script{t: t, steps: tc.steps})
			_, err := Establish(context.Background(), s, pw, camInfo, Options{})
			if !errors.Is(err, ErrChipLacksProtocol) || errors.Is(err, icao.ErrAccessDenied) {
				t.Fatalf("err = %v, want ErrChipLacksProtocol", err)
			}
			if want := "the card does not support PACE-CAM (ECDH-CAM-AES-CBC-CMAC-128, parameter ID 13)"; !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		})
	}
}

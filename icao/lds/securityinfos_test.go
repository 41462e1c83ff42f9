package lds

import (
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/cccd-agent/cccd/internal/testenv"
)

// cccdCardAccess is the EF.CardAccess constant Vietnamese apps hard-code:
// TA v1, CA-ECDH-AES-128 v1, PACE-ECDH-GM-AES-128 v2 on
// parameter 13 (brainpoolP256r1).
const cccdCardAccess = "3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d"

func TestParseCardAccessCCCD(t *testing.T) {
	b, _ := hex.DecodeString(cccdCardAccess)
	si, err := ParseCardAccess(append(b, 0x00, 0x00)) // with read padding
	if err != nil {
		t.Fatal(err)
	}
	if len(si.PACE) != 1 || !si.PACE[0].Protocol.Equal(OIDPACEECDHGMAESCBCCMAC128) || si.PACE[0].Version != 2 || si.PACE[0].ParameterID != 13 {
		t.Errorf("PACE = %+v", si.PACE)
	}
	if len(si.ChipAuth) != 1 || !si.ChipAuth[0].Protocol.Equal(OIDCAECDHAESCBCCMAC128) || si.ChipAuth[0].Version != 1 || si.ChipAuth[0].KeyID != -1 {
		t.Errorf("CA = %+v", si.ChipAuth)
	}
	if len(si.TerminalAuth) != 1 || si.TerminalAuth[0].Version != 1 {
		t.Errorf("TA = %+v", si.TerminalAuth)
	}
}

func TestParseCardSecurity(t *testing.T) {
	cases := []struct {
		file     string
		pace     []asn1.ObjectIdentifier
		param    int
		caKeyIDs []int
		pkKeyIDs []int
	}{
		{"pa/gmrtd-sods/DE_EF_CardSecurity.bin", []asn1.ObjectIdentifier{OIDPACEECDHGMAESCBCCMAC128, OIDPACEECDHCAMAESCBCCMAC128}, 13, []int{0x48}, []int{13, 0x48}},
		{"pa/gmrtd-sods/FI_EF_CardSecurity.bin", []asn1.ObjectIdentifier{OIDPACEECDHGMAESCBCCMAC256, OIDPACEECDHCAMAESCBCCMAC256}, 16, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			si, err := ParseCardSecurity(testenv.ReadShared(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(si.PACE) != len(tc.pace) {
				t.Fatalf("PACE infos = %+v", si.PACE)
			}
			for _, want := range tc.pace {
				found := false
				for _, p := range si.PACE {
					found = found || (p.Protocol.Equal(want) && p.ParameterID == tc.param)
				}
				if !found {
					t.Errorf("no PACEInfo %s with parameter %d in %+v", want, tc.param, si.PACE)
				}
			}
			if len(si.ChipAuthPublicKeys) == 0 {
				t.Fatal("no CA public key")
			}
			for _, k := range si.ChipAuthPublicKeys {
				if !k.Protocol.Equal(OIDPKECDH) || !(k.Algorithm.Equal(OIDECPublicKey) || k.Algorithm.Equal(OIDStandardizedDomainParameters)) || len(k.SPKI) < 50 {
					t.Errorf("CA key = %v %v %d bytes", k.Protocol, k.Algorithm, len(k.SPKI))
				}
			}
			if tc.pkKeyIDs != nil {
				var ids []int
				for _, k := range si.ChipAuthPublicKeys {
					ids = append(ids, k.KeyID)
				}
				if len(ids) != len(tc.pkKeyIDs) || ids[0] != tc.pkKeyIDs[0] && ids[0] != tc.pkKeyIDs[1] {
					t.Errorf("CA key ids = %v, want %v", ids, tc.pkKeyIDs)
				}
				if len(si.ChipAuth) != 1 || si.ChipAuth[0].KeyID != tc.caKeyIDs[0] || !si.ChipAuth[0].Protocol.Equal(OIDCAECDHAESCBCCMAC128) {
					t.Errorf("CA infos = %+v", si.ChipAuth)
				}
				if len(si.TerminalAuth) != 1 || si.TerminalAuth[0].Version != 2 || len(si.ChipAuthDomainParameters) != 1 {
					t.Errorf("TA = %+v, CA domain parameters = %d", si.TerminalAuth, len(si.ChipAuthDomainParameters))
				}
			}
		})
	}
}

func TestParseDG14(t *testing.T) {
	cases := []struct {
		file    string
		caKeys  int
		keyAlg  asn1.ObjectIdentifier
		hasCA   bool
		aaInfos int
	}{
		{"pa/jmrtd-bsi2008/DG14.bin", 1, OIDECPublicKey, true, 0},
		{"pa/pymrtd-tr03105-5/DG14.bin", 1, OIDECPublicKey, true, 0},
		{"pa/pymrtd-etsi-tr103200-eacaa/DG14.bin", 1, nil, true, -1},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			si, err := ParseDG14(testenv.ReadShared(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(si.ChipAuthPublicKeys) != tc.caKeys {
				t.Errorf("CA public keys = %d, want %d", len(si.ChipAuthPublicKeys), tc.caKeys)
			}
			if tc.keyAlg != nil && !si.ChipAuthPublicKeys[0].Algorithm.Equal(tc.keyAlg) {
				t.Errorf("key algorithm = %v", si.ChipAuthPublicKeys[0].Algorithm)
			}
			if tc.hasCA && len(si.ChipAuth) == 0 {
				t.Errorf("no ChipAuthenticationInfo")
			}
			if tc.aaInfos >= 0 && len(si.ActiveAuth) != tc.aaInfos {
				t.Errorf("AA infos = %+v", si.ActiveAuth)
			}
			t.Logf("%s: PACE %d, CA %d, CA keys %d, TA %d, AA %d, unknown %d", tc.file, len(si.PACE), len(si.ChipAuth),
				len(si.ChipAuthPublicKeys), len(si.TerminalAuth), len(si.ActiveAuth), len(si.Unknown))
		})
	}
}

func TestParseSecurityInfosErrors(t *testing.T) {
	ca, _ := hex.DecodeString(cccdCardAccess)
	cases := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"sequence not set", "3000"},
		{"info not a sequence", "3103020101"},
		{"no oid", "31053003020101"},
		{"pace without version", "310e300c060a04007f00070202040202"},
		{"pace trailing", "3117" + "3015060a04007f00070202040202" + "020102" + "02010d" + "020100"},
		{"aa without algorithm", "310b3009060667810801010502"},
		{"truncated", cccdCardAccess[:40]},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := hex.DecodeString(tc.in)
			if _, err := ParseSecurityInfos(b); !errors.Is(err, ErrMalformed) {
				t.Errorf("err = %v, want ErrMalformed", err)
			}
		})
	}
	// Unknown protocols are kept raw, not refused.
	unknown, _ := hex.DecodeString("310a300806032a0304020101")
	si, err := ParseSecurityInfos(unknown)
	if err != nil || len(si.Unknown) != 1 || si.Unknown[0].Protocol.String() != "1.2.3.4" || len(si.Unknown[0].Raw) != 10 {
		t.Errorf("unknown info: %+v, %v", si, err)
	}
	if _, err := ParseDG14(ca); !errors.Is(err, ErrMalformed) {
		t.Errorf("CardAccess accepted as DG14: %v", err)
	}
}

func TestParseDG15(t *testing.T) {
	cases := []struct {
		file string
		alg  asn1.ObjectIdentifier
	}{
		{"pa/jmrtd-bsi2008/DG15.bin", nil},
		{"pa/jmrtd-loes2006/DG15.bin", OIDRSAEncryption},
		{"pa/pymrtd-tr03105-5/DG15.bin", OIDRSAEncryption},
		{"pa/pymrtd-etsi-tr103200-eacaa/DG15.bin", nil},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			raw := testenv.ReadShared(t, tc.file)
			d, err := ParseDG15(raw)
			if err != nil {
				t.Fatal(err)
			}
			if tc.alg != nil && !d.Algorithm.Equal(tc.alg) {
				t.Errorf("algorithm = %v, want %v", d.Algorithm, tc.alg)
			}
			if len(d.SPKI) < 60 || d.SPKI[0] != 0x30 {
				t.Errorf("SPKI is %d bytes", len(d.SPKI))
			}
			if got := EncodeDG15(d.SPKI); string(got) != string(raw[:len(got)]) {
				t.Errorf("EncodeDG15 does not reproduce the file")
			}
		})
	}
	for name, in := range map[string][]byte{"empty": nil, "wrong tag": {0x6E, 0x02, 0x30, 0x00}, "not spki": {0x6F, 0x02, 0x30, 0x00}} {
		if _, err := ParseDG15(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

package pace

import (
	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/pki/ecc"

	"bytes"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/icao/curves"
	"github.com/cccd-agent/cccd/internal/testenv"
)

// vectorSet is one set of shared/testdata/vectors/icao9303-vectors.json.
type vectorSet struct {
	ID     string `json:"id"`
	Values []struct {
		Name  string `json:"name"`
		Hex   string `json:"hex"`
		ASCII string `json:"ascii"`
	} `json:"values"`
	APDUs []struct {
		Step  string `json:"step"`
		CAPDU string `json:"capdu"`
		RAPDU string `json:"rapdu"`
	} `json:"apdus"`
}

// vectors returns the named set as name → bytes (ASCII values as bytes too).
func vectors(t testing.TB, id string) (map[string][]byte, vectorSet) {
	t.Helper()
	var doc struct {
		Sets []vectorSet `json:"sets"`
	}
	if err := json.Unmarshal(testenv.ReadShared(t, "vectors/icao9303-vectors.json"), &doc); err != nil {
		t.Fatal(err)
	}
	for _, s := range doc.Sets {
		if s.ID != id {
			continue
		}
		m := map[string][]byte{}
		for _, v := range s.Values {
			if v.Hex != "" {
				b, err := hex.DecodeString(v.Hex)
				if err != nil {
					t.Fatalf("%s: %v", v.Name, err)
				}
				m[v.Name] = b
			} else {
				m[v.Name] = []byte(v.ASCII)
			}
		}
		return m, s
	}
	t.Fatalf("vector set %s not found", id)
	return nil, vectorSet{}
}

func eqHex(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s = %X, want %X", what, got, want)
	}
}

func point(x, y []byte) []byte { return append(append([]byte{4}, x...), y...) }

// TestAppendixG1 reproduces every intermediate value of ICAO 9303-11
// Appendix G.1 (ECDH-GM, brainpoolP256r1, AES-128, MRZ password).
func TestAppendixG1(t *testing.T) {
	v, _ := vectors(t, "icao9303-p11-appG1-pace-ecdh-gm")
	pr, err := ParseProtocol(CCCDInfo.Protocol)
	if err != nil || pr.Cipher != icao.CipherAES128 || pr.Mapping != GenericMapping || !pr.ECDH {
		t.Fatalf("protocol %+v %v", pr, err)
	}
	oidDER := v["pace_oid"]
	pw, err := MRZ(string(v["mrz_information"]))
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "f(pi)", pw.key(), v["f_pi"])
	kPi := PasswordKey(icao.CipherAES128, pw)
	eqHex(t, "K_pi", kPi, v["k_pi"])
	s, err := DecryptNonce(icao.CipherAES128, kPi, v["encrypted_nonce_z"])
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "s", s, v["nonce_s"])
	z, _ := EncryptNonce(icao.CipherAES128, kPi, s)
	eqHex(t, "z", z, v["encrypted_nonce_z"])

	std, err := curves.ByPACEParameterID(13)
	if err != nil {
		t.Fatal(err)
	}
	g, err := NewGroup(std)
	if err != nil {
		t.Fatal(err)
	}
	pkMapIFD := g.Public(v["sk_map_ifd"])
	eqHex(t, "PK_map,IFD", pkMapIFD, point(v["pk_map_ifd_x"], v["pk_map_ifd_y"]))
	pkMapIC := g.Public(v["sk_map_ic"])
	eqHex(t, "PK_map,IC", pkMapIC, point(v["pk_map_ic_x"], v["pk_map_ic_y"]))
	h, err := g.Agree(v["sk_map_ifd"], pkMapIC)
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "H", h, point(v["h_x"], v["h_y"]))
	hIC, _ := g.Agree(v["sk_map_ic"], pkMapIFD)
	eqHex(t, "H (chip side)", hIC, h)
	mapped, err := g.MapGeneric(s, h)
	if err != nil {
		t.Fatal(err)
	}
	gx, gy := mapped.(*ecGroup).generator()
	eqHex(t, "G~", ecc.Marshal(std.EC.Curve, gx, gy), point(v["mapped_generator_x"], v["mapped_generator_y"]))
	pkIFD := mapped.Public(v["sk_ifd"])
	eqHex(t, "PK_IFD", pkIFD, point(v["pk_ifd_x"], v["pk_ifd_y"]))
	pkIC := mapped.Public(v["sk_ic"])
	eqHex(t, "PK_IC", pkIC, point(v["pk_ic_x"], v["pk_ic_y"]))
	k, err := mapped.Agree(v["sk_ifd"], pkIC)
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "K", mapped.SharedSecret(k), v["shared_secret_k"])
	ksEnc, ksMAC := SessionKeys(icao.CipherAES128, mapped.SharedSecret(k))
	eqHex(t, "KS_enc", ksEnc, v["ks_enc"])
	eqHex(t, "KS_mac", ksMAC, v["ks_mac"])
	in, _ := PublicKeyDO(pr.OID, mapped.PublicTag(), pkIC)
	eqHex(t, "T_IFD input", in, v["t_ifd_input"])
	if !bytes.Contains(in, oidDER) {
		t.Error("token input lacks the PACE OID")
	}
	tIFD, _ := Token(icao.CipherAES128, ksMAC, pr.OID, 0x86, pkIC)
	eqHex(t, "T_IFD", tIFD, v["t_ifd"])
	tIC, _ := Token(icao.CipherAES128, ksMAC, pr.OID, 0x86, pkIFD)
	eqHex(t, "T_IC", tIC, v["t_ic"])
	full, _ := icao.AESCMAC(ksMAC, v["t_ifd_input"])
	eqHex(t, "full CMAC", full, v["t_ifd_cmac_full"])
}

// TestAppendixG2 checks DH-GM (RFC 5114 1024-bit group, parameter ID 0)
// against Appendix G.2: mapping, shared secret, session keys and tokens.
func TestAppendixG2(t *testing.T) {
	v, _ := vectors(t, "pace-kdf-extra")
	std, err := curves.ByPACEParameterID(0)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := NewGroup(std)
	eqHex(t, "g", std.DH.G.Bytes(), v["g2_generator_g"])
	mapped, err := g.MapGeneric(v["g2_nonce_s"], v["g2_mapping_shared_secret_h"])
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "g~", mapped.(*dhGroup).g.Bytes(), v["g2_mapped_generator"])
	pcdPub := mapped.Public(v["g2_pcd_private_key"])
	eqHex(t, "PK_PCD", pcdPub, bytes.TrimLeft(v["g2_pcd_public_key"], "\x00"))
	k, err := mapped.Agree(v["g2_pcd_private_key"], v["g2_picc_public_key"])
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "K", mapped.SharedSecret(k), v["g2_shared_secret"])
	ksEnc, ksMAC := SessionKeys(icao.CipherAES128, k)
	eqHex(t, "KS_enc", ksEnc, v["g2_ks_enc"])
	eqHex(t, "KS_mac", ksMAC, v["g2_ks_mac"])
	oid := ProtocolOID(GenericMapping, false, icao.CipherAES128)
	in, _ := PublicKeyDO(oid, mapped.PublicTag(), v["g2_picc_public_key"])
	eqHex(t, "T_IFD input", in, v["g2_t_ifd_input"])
	tIFD, _ := Token(icao.CipherAES128, ksMAC, oid, 0x84, v["g2_picc_public_key"])
	eqHex(t, "T_IFD", tIFD, v["g2_t_ifd"])
	tIC, _ := Token(icao.CipherAES128, ksMAC, oid, 0x84, pcdPub)
	eqHex(t, "T_IC", tIC, v["g2_t_ic"])
	// Appendix I: KDF only.
	e, m := SessionKeys(icao.CipherAES128, v["appI_shared_secret"])
	eqHex(t, "App I KS_enc", e, v["appI_ks_enc"])
	eqHex(t, "App I KS_mac", m, v["appI_ks_mac"])
}

// TestAppendixH reproduces the integrated-mapping values of Appendix H.1
// (ECDH, brainpoolP256r1) and H.2 (DH, 1024-bit group).
func TestAppendixH(t *testing.T) {
	v, _ := vectors(t, "icao9303-p11-appH-pace-im")
	bp, _ := curves.ByPACEParameterID(13)
	rp, err := prf(icao.CipherAES128, v["h1_nonce_s"], v["h1_nonce_t"], bp.EC.P)
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "H.1 R_p", rp.FillBytes(make([]byte, 32)), v["h1_r_p"])
	r := new(big.Int).SetBytes(v["h1_r"])
	if new(big.Int).Mod(r, bp.EC.P).Cmp(rp) != 0 {
		t.Error("H.1: R mod p != R_p")
	}
	g, _ := NewGroup(bp)
	mapped, err := g.MapIntegrated(rp)
	if err != nil {
		t.Fatal(err)
	}
	x, y := mapped.(*ecGroup).generator()
	eqHex(t, "H.1 G~", ecc.Marshal(bp.EC.Curve, x, y), point(v["h1_mapped_generator_x"], v["h1_mapped_generator_y"]))

	dh, _ := curves.ByPACEParameterID(0)
	eqHex(t, "H.2 p", dh.DH.P.Bytes(), v["h2_p"])
	eqHex(t, "H.2 q", dh.DH.Q.Bytes(), v["h2_q"])
	rp2, err := prf(icao.CipherAES128, v["h2_nonce_s"], v["h2_nonce_t"], dh.DH.P)
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "H.2 R_p", rp2.Bytes(), v["h2_r_p"])
	if new(big.Int).Mod(new(big.Int).SetBytes(v["h2_r"]), dh.DH.P).Cmp(rp2) != 0 {
		t.Error("H.2: R mod p != R_p")
	}
	gd, _ := NewGroup(dh)
	m2, err := gd.MapIntegrated(rp2)
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "H.2 g~", m2.(*dhGroup).g.Bytes(), v["h2_mapped_generator"])
}

func TestParseProtocol(t *testing.T) {
	tests := []struct {
		oid  string
		want string
		ok   bool
	}{
		{"0.4.0.127.0.7.2.2.4.2.2", "ECDH-GM-AES-CBC-CMAC-128", true},
		{"0.4.0.127.0.7.2.2.4.1.1", "DH-GM-3DES-CBC-CBC", true},
		{"0.4.0.127.0.7.2.2.4.4.4", "ECDH-IM-AES-CBC-CMAC-256", true},
		{"0.4.0.127.0.7.2.2.4.3.3", "DH-IM-AES-CBC-CMAC-192", true},
		{"0.4.0.127.0.7.2.2.4.6.2", "ECDH-CAM-AES-CBC-CMAC-128", true},
		{"0.4.0.127.0.7.2.2.4.6.1", "", false}, // CAM has no 3DES
		{"0.4.0.127.0.7.2.2.4.5.2", "", false},
		{"0.4.0.127.0.7.2.2.4.2.5", "", false},
		{"0.4.0.127.0.7.2.2.3.2.2", "", false}, // CA, not PACE
		{"0.4.0.127.0.7.2.2.4.2", "", false},
	}
	for _, tc := range tests {
		var oid []int
		for _, p := range strings.Split(tc.oid, ".") {
			n := 0
			for _, r := range p {
				n = n*10 + int(r-'0')
			}
			oid = append(oid, n)
		}
		p, err := ParseProtocol(oid)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v", tc.oid, err)
			continue
		}
		if tc.ok {
			if p.String() != tc.want {
				t.Errorf("%s: %s, want %s", tc.oid, p, tc.want)
			}
			if !ProtocolOID(p.Mapping, p.ECDH, p.Cipher).Equal(p.OID) {
				t.Errorf("%s: ProtocolOID does not round-trip", tc.oid)
			}
		}
	}
}

package sim

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/icao/pace"
	"github.com/cccd-agent/cccd/verify"
)

var camChip = ChipKeyOptions{PACEMapping: pace.ChipAuthenticationMapping}

// camProfileTime is the fixed clock the CAM profiles are made and judged at.
var camProfileTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func camProfile(t *testing.T, seed byte) (*Profile, *TestPKI) {
	t.Helper()
	s := [32]byte{'c', 'a', 'm', seed}
	p, pki, err := GenerateProfile(ProfileOptions{Seed: &s, Now: camProfileTime, Chip: camChip})
	if err != nil {
		t.Fatal(err)
	}
	return p, pki
}

func trustOf(t *testing.T, pki *TestPKI) *verify.TrustStore {
	t.Helper()
	block, _ := pem.Decode(pki.CSCACert)
	store := verify.NewTrustStore()
	if err := store.Add(block.Bytes); err != nil {
		t.Fatal(err)
	}
	return store
}

// TestGeneratedCardSecurity: a PACE-CAM profile carries a signed
// EF.CardSecurity (a bare ContentInfo of type id-SecurityObject) holding the
// PACE-CAM PACEInfo and exactly DG14's CA public key, signed by the SOD's DS;
// a GM profile has none.
func TestGeneratedCardSecurity(t *testing.T) {
	p, pki := camProfile(t, 1)
	cs := p.Files["CardSecurity"]
	if len(cs) == 0 || cs[0] != 0x30 {
		t.Fatalf("EF.CardSecurity missing or not a bare ContentInfo: % X", cs[:min(4, len(cs))])
	}
	ctype, _, err := lds.EncapsulatedContent(cs)
	if err != nil || !ctype.Equal(lds.OIDSecurityObject) || !ctype.Equal(verify.OIDSecurityObject) {
		t.Fatalf("eContentType %v, %v", ctype, err)
	}
	si, err := lds.ParseCardSecurity(cs)
	if err != nil {
		t.Fatal(err)
	}
	dg14, err := lds.ParseDG14(p.Files["DG14"])
	if err != nil {
		t.Fatal(err)
	}
	if len(si.ChipAuthPublicKeys) != 1 || len(dg14.ChipAuthPublicKeys) != 1 ||
		!bytes.Equal(si.ChipAuthPublicKeys[0].SPKI, dg14.ChipAuthPublicKeys[0].SPKI) {
		t.Errorf("CardSecurity keys %+v, DG14 keys %+v", si.ChipAuthPublicKeys, dg14.ChipAuthPublicKeys)
	}
	if len(si.PACE) != 1 || !si.PACE[0].Protocol.Equal(lds.OIDPACEECDHCAMAESCBCCMAC128) || si.PACE[0].ParameterID != 13 {
		t.Errorf("PACEInfo %+v", si.PACE)
	}
	if len(si.ChipAuth) != 1 || len(si.TerminalAuth) != 1 || len(si.ActiveAuth) != 0 {
		t.Errorf("CA infos %d, TA infos %d, AA infos %d; want 1, 1, 0", len(si.ChipAuth), len(si.TerminalAuth), len(si.ActiveAuth))
	}

	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	_, other := camProfile(t, 2)
	flipped := append([]byte(nil), cs...)
	flipped[len(flipped)-1] ^= 1 // last byte of the signature
	cases := []struct {
		name  string
		cs    []byte
		trust *verify.TrustStore
		want  string
	}{
		{"trusted CSCA", cs, trustOf(t, pki), verify.StatusVerified},
		{"no trust", cs, verify.NewTrustStore(), verify.StatusIntactUntrusted},
		{"other CSCA", cs, trustOf(t, other), verify.StatusIntactUntrusted},
		{"signature flipped", flipped, trustOf(t, pki), verify.StatusFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			content, r := verify.CardSecurity(tc.cs, tc.trust, at)
			if r.Status != tc.want {
				t.Fatalf("status %s, want %s (reasons %v)", r.Status, tc.want, r.Reasons)
			}
			_, signed, _ := lds.EncapsulatedContent(cs)
			if ok := bytes.Equal(content, signed); ok != (tc.want != verify.StatusFailed) {
				t.Errorf("signed content returned %v for status %s", ok, r.Status)
			}
			sodRes := verify.Passive(p.Files["SOD"], nil, tc.trust, at)
			if r.DS != nil && (sodRes.DS == nil || !bytes.Equal(r.DS.Raw, sodRes.DS.Raw)) {
				t.Error("EF.CardSecurity and EF.SOD have different signers")
			}
		})
	}

	gm, _, err := GenerateProfile(ProfileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := gm.Files["CardSecurity"]; ok {
		t.Error("a PACE-GM profile got an EF.CardSecurity")
	}
}

// TestCAMProfileDeterministicAndCloned: the same seed gives the same CAM
// profile; a clone keeps EF.CardSecurity and changes the chip key behind it.
func TestCAMProfileDeterministicAndCloned(t *testing.T) {
	a, _ := camProfile(t, 3)
	b, _ := camProfile(t, 3)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Error("same seed gave different PACE-CAM profiles")
	}
	clone, pki, err := GenerateProfile(ProfileOptions{CloneOf: a})
	if err != nil || pki != nil {
		t.Fatalf("clone: %v, PKI %v", err, pki != nil)
	}
	if !bytes.Equal(clone.Files["CardSecurity"], a.Files["CardSecurity"]) || bytes.Equal(clone.ChipAuthKey, a.ChipAuthKey) {
		t.Error("clone must keep EF.CardSecurity and change the CAM key")
	}
}

// TestCAMProfileNeedsECKey: CAM proves an EC key, so a DH CA key is refused
// with a message that says what to change.
func TestCAMProfileNeedsECKey(t *testing.T) {
	_, _, err := GenerateProfile(ProfileOptions{Chip: ChipKeyOptions{PACEMapping: pace.ChipAuthenticationMapping, CADomain: "MODP-1024-160"}})
	if err == nil || !strings.Contains(err.Error(), "ECDH chip key") {
		t.Fatalf("err = %v", err)
	}
}

// TestCardSecurityVerifiesWithOpenSSL: OpenSSL's CMS verifier accepts the
// generated EF.CardSecurity against the generated CSCA and outputs the
// SecurityInfos; it refuses altered content and a foreign CSCA.
func TestCardSecurityVerifiesWithOpenSSL(t *testing.T) {
	p, pki := camProfile(t, 4)
	_, other := camProfile(t, 5)
	checkCMSWithOpenSSL(t, p.Files["CardSecurity"], pki.CSCACert, other.CSCACert, camProfileTime)
}

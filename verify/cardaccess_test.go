package verify

import (
	"encoding/asn1"
	"testing"

	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/internal/testkit/pkitest"
	"github.com/cccd-agent/cccd/internal/tlv"
)

// TestBindCardAccess: EF.CardAccess is read unsigned before PACE; DG14,
// which the SOD covers, must repeat its SecurityInfos (ICAO 9303-11). A DG14
// that lists PACEInfos but not the one used fails the read; a DG14 without
// PACEInfos, or without another SecurityInfo of EF.CardAccess, only says it
// cannot bind them.
func TestBindCardAccess(t *testing.T) {
	p := newTestPKI(t, pkitest.ECKey("P-256", false), pkitest.ECKey("P-256", false), pkitest.Scheme{})
	paceInfo := func(param int) []byte {
		b, err := asn1.Marshal(struct {
			OID          asn1.ObjectIdentifier
			Version, Par int
		}{lds.OIDPACEECDHGMAESCBCCMAC128, 2, param})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	taInfo, err := asn1.Marshal(struct {
		OID     asn1.ObjectIdentifier
		Version int
	}{asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 2}, 1})
	if err != nil {
		t.Fatal(err)
	}
	set := func(infos ...[]byte) []byte {
		var b []byte
		for _, i := range infos {
			b = append(b, i...)
		}
		return tlv.Encode(0x31, b)
	}
	dg14 := func(infos ...[]byte) []byte { return tlv.Encode(lds.TagDG14, set(infos...)) }
	used := &lds.PACEInfo{Protocol: lds.OIDPACEECDHGMAESCBCCMAC128, Version: 2, ParameterID: 13}
	cardAccess := set(paceInfo(13), taInfo)

	tests := []struct {
		name       string
		dg14       []byte
		cardAccess []byte
		used       *lds.PACEInfo
		reason     string // "" for none
		status     string
	}{
		{"DG14 repeats EF.CardAccess", dg14(taInfo, paceInfo(13)), cardAccess, used, "", StatusIntactUntrusted},
		{"PACEInfo used missing from DG14", dg14(paceInfo(12), taInfo), cardAccess, used, ReasonCardAccessNotSigned, StatusFailed},
		{"another SecurityInfo missing from DG14", dg14(paceInfo(13)), cardAccess, used, ReasonCardAccessUnbound, StatusIntactUntrusted},
		{"DG14 lists no PACEInfo", dg14(taInfo), cardAccess, used, ReasonCardAccessUnbound, StatusIntactUntrusted},
		{"no PACE (BAC)", dg14(paceInfo(12)), nil, nil, "", StatusIntactUntrusted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dgs := map[int][]byte{1: pkitest.DG1(testMRZ), 14: tc.dg14}
			sod := pkitest.SOD{DGs: dgs, Signer: p.ds, SigningTime: signingAt}.Build()
			r := Passive(sod, dgs, NewTrustStore(), checkAt)
			r.BindCardAccess(tc.cardAccess, tc.used, tc.dg14, nil)
			has := func(x string) bool {
				for _, y := range r.Reasons {
					if y == x {
						return true
					}
				}
				return false
			}
			for _, tok := range []string{ReasonCardAccessNotSigned, ReasonCardAccessUnbound} {
				if has(tok) != (tok == tc.reason) {
					t.Errorf("reasons %v, want %q", r.Reasons, tc.reason)
				}
			}
			if r.Status != tc.status {
				t.Errorf("status %s, want %s (reasons %v)", r.Status, tc.status, r.Reasons)
			}
		})
	}
}

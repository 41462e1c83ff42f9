package verify

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testenv"
)

// The 12 real SODs: each signature verifies with its embedded DS and the DS
// chains to a CSCA of the DE/NL lists (ID: the IDN 2020-10 CSCA), at a time
// inside the DS validity.
func TestRealSODsVerifyAndChain(t *testing.T) {
	tests := []struct {
		country, csca string // CSCA subject substring
		dgs           []string
	}{
		{"AT", "CN=CSCA-AUSTRIA", []string{"DG1", "DG2", "DG3", "DG11", "DG12", "DG14"}},
		{"DE", "CN=csca-germany", []string{"DG1", "DG2", "DG3", "DG14"}},
		{"FI", "CN=CSCA Finland", []string{"DG1", "DG2", "DG3", "DG7", "DG14"}},
		{"FR", "CN=CSCA-FRANCE", []string{"DG1", "DG2", "DG3", "DG11", "DG12", "DG13", "DG14"}},
		{"ID", "C=ID, O=DIT SISTIK, OU=DITJEN IMIGRASI, CN=CSCA", []string{"DG1", "DG2", "DG3", "DG14", "DG15"}},
		{"MY", "CN=Malaysia Country Signer", []string{"DG1", "DG2", "DG3", "DG11", "DG12", "DG14"}},
		{"NZ", "OU=Identity Services Passport CA", []string{"DG1", "DG2", "DG12", "DG13", "DG14", "DG15"}},
		{"PH", "C=PH, O=DFA, CN=CSCA", []string{"DG1", "DG2", "DG7", "DG11", "DG12", "DG15"}},
		{"RU", "CN=CSCA-Russia", []string{"DG1", "DG2", "DG3", "DG13", "DG14"}},
		{"SG", "CN=Singapore Passport CA", []string{"DG1", "DG2", "DG3", "DG4", "DG13", "DG14"}},
		{"UK", "CN=Country Signing Authority", []string{"DG1", "DG2", "DG14"}},
		{"US", "OU=U.S. Department of State MRTD CA", []string{"DG1", "DG2", "DG11", "DG12"}},
	}
	ts := realTrust(t)
	for _, tc := range tests {
		t.Run(tc.country, func(t *testing.T) {
			sod := testenv.ReadShared(t, filepath.Join("pa/gmrtd-sods", tc.country+"_EF_SOD.bin"))
			first := Passive(sod, nil, ts, time.Now())
			if first.DS == nil || first.Passive.Signature != SignatureValid {
				t.Fatalf("signature = %s, reasons %v", first.Passive.Signature, first.Reasons)
			}
			at := first.DS.NotBefore.Add(24 * time.Hour)
			r := Passive(sod, nil, ts, at)
			if r.Status != StatusVerified || r.Passive.Chain != ChainValid {
				t.Fatalf("status %s chain %s reasons %v", r.Status, r.Passive.Chain, r.Reasons)
			}
			if !strings.Contains(r.Passive.CSCA, tc.csca) {
				t.Errorf("csca = %q, want %q", r.Passive.CSCA, tc.csca)
			}
			var listed []string
			for dg, st := range r.Passive.Hashes {
				if st != HashNotRead {
					t.Errorf("%s = %s with no DG supplied", dg, st)
				}
				listed = append(listed, dg)
			}
			slices.Sort(listed)
			want := slices.Clone(tc.dgs)
			slices.Sort(want)
			if !slices.Equal(listed, want) {
				t.Errorf("DGs listed = %v, want %v", listed, want)
			}
		})
	}
}

func TestCardSecuritySignature(t *testing.T) {
	ts := realTrust(t)
	for _, c := range []string{"DE", "FI"} {
		t.Run(c, func(t *testing.T) {
			sd, err := ParseSignedData(testenv.ReadShared(t, "pa/gmrtd-sods/"+c+"_EF_CardSecurity.bin"))
			if err != nil {
				t.Fatal(err)
			}
			if !sd.EContentType.Equal(OIDSecurityObject) {
				t.Errorf("eContentType = %s", sd.EContentType)
			}
			ds, err := sd.VerifySignature()
			if err != nil {
				t.Fatal(err)
			}
			ch := ts.checkChain(ds, ds.NotBefore.Add(24*time.Hour), false)
			if ch.status != ChainValid {
				t.Errorf("chain %s %v", ch.status, ch.reasons)
			}
		})
	}
}

// The complete sets with DG files and the outcome the testdata README records.
func TestRealSetsOutcomes(t *testing.T) {
	ukCSCA := NewTrustStore()
	if err := ukCSCA.Add(testenv.ReadShared(t, "pa/gmrtd-uk-expired/CSCA.der")); err != nil {
		t.Fatal(err)
	}
	valid := time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)
	today := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		set     string
		trust   *TrustStore
		at      time.Time
		mutate  func(dgs map[int][]byte)
		status  string
		reasons []string // must all be present
		hashes  map[string]string
	}{
		{name: "UK expired doc, at a time both certificates were valid", set: "gmrtd-uk-expired", trust: ukCSCA, at: valid,
			status: StatusVerified, reasons: []string{ReasonSigningTimeAbsent},
			hashes: map[string]string{"DG1": HashMatch, "DG2": HashMatch}},
		{name: "UK expired doc today: DS and CSCA expired, no signingTime", set: "gmrtd-uk-expired", trust: ukCSCA, at: today,
			status: StatusIntactUntrusted, reasons: []string{ReasonDSExpired, ReasonCSCAExpired, ReasonSigningTimeAbsent}},
		{name: "UK one DG2 byte flipped", set: "gmrtd-uk-expired", trust: ukCSCA, at: valid,
			mutate: func(d map[int][]byte) { d[2][len(d[2])/2] ^= 1 },
			status: StatusFailed, reasons: []string{ReasonDGHashMismatch + ":DG2"},
			hashes: map[string]string{"DG1": HashMatch, "DG2": HashMismatch}},
		{name: "UK without a trust store", set: "gmrtd-uk-expired", trust: nil, at: valid,
			status: StatusIntactUntrusted, reasons: []string{ReasonCSCAUnknown}},
		{name: "BSI 2008: DG4 and DG15 not in the SOD (injection)", set: "jmrtd-bsi2008", trust: ukCSCA, at: valid,
			status: StatusFailed, reasons: []string{ReasonDGNotInSOD + ":DG4", ReasonDGNotInSOD + ":DG15"},
			hashes: map[string]string{"DG1": HashMatch, "DG2": HashMatch, "DG3": HashMatch, "DG14": HashMatch, "DG4": HashNotInSOD, "DG15": HashNotInSOD}},
		{name: "BSI 2008 without the injected DGs", set: "jmrtd-bsi2008", trust: nil, at: time.Date(2008, 6, 1, 0, 0, 0, 0, time.UTC),
			mutate: func(d map[int][]byte) { delete(d, 4); delete(d, 15) },
			status: StatusIntactUntrusted, reasons: []string{ReasonCSCAUnknown}},
		{name: "Sdu 2006 (no CSCA available)", set: "jmrtd-loes2006", trust: nil, at: time.Date(2007, 1, 1, 0, 0, 0, 0, time.UTC),
			status: StatusIntactUntrusted, reasons: []string{ReasonCSCAUnknown},
			hashes: map[string]string{"DG1": HashMatch, "DG2": HashMatch, "DG15": HashMatch}},
		{name: "TR-03105-5: DG15 not in the SOD", set: "pymrtd-tr03105-5", trust: nil, at: valid,
			status: StatusFailed, reasons: []string{ReasonDGNotInSOD + ":DG15"},
			hashes: map[string]string{"DG1": HashMatch, "DG14": HashMatch, "DG15": HashNotInSOD, "DG2": HashNotRead}},
		{name: "ETSI TR 103 200", set: "pymrtd-etsi-tr103200-eacaa", trust: nil, at: time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC),
			status: StatusIntactUntrusted, reasons: []string{ReasonCSCAUnknown},
			hashes: map[string]string{"DG1": HashMatch, "DG14": HashMatch, "DG15": HashMatch}},
		{name: "ETSI: DG14 changed", set: "pymrtd-etsi-tr103200-eacaa", trust: nil, at: time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC),
			mutate: func(d map[int][]byte) { d[14][len(d[14])-1] ^= 0x80 },
			status: StatusFailed, reasons: []string{ReasonDGHashMismatch + ":DG14"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sod, dgs := readSet(t, tc.set)
			if tc.mutate != nil {
				tc.mutate(dgs)
			}
			r := Passive(sod, dgs, tc.trust, tc.at)
			if r.Status != tc.status {
				t.Errorf("status = %s, want %s (reasons %v)", r.Status, tc.status, r.Reasons)
			}
			for _, want := range tc.reasons {
				if !slices.Contains(r.Reasons, want) {
					t.Errorf("reasons %v lack %s", r.Reasons, want)
				}
			}
			for dg, want := range tc.hashes {
				if got := r.Passive.Hashes[dg]; got != want {
					t.Errorf("%s = %q, want %q", dg, got, want)
				}
			}
			if r.Passive.Signature != SignatureValid {
				t.Errorf("signature = %s", r.Passive.Signature)
			}
		})
	}
}

// Tampering with the SOD itself: a changed hash in the signed content, a
// changed signature byte (pymrtd's negative cases, generated here).
func TestRealSODTampered(t *testing.T) {
	sod, dgs := readSet(t, "pymrtd-etsi-tr103200-eacaa")
	at := time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC)
	sd, err := ParseSignedData(sod[4:])
	if err != nil {
		t.Fatal(err)
	}
	lastSigByte := len(sod) - 1 - indexFromEnd(sod, sd.SignerInfos[0].Signature)
	tests := []struct {
		name   string
		offset int
		reason string
	}{
		{"signature byte", lastSigByte, ReasonSODSignatureInvalid},
		{"eContent byte (a DG hash)", indexOf(sod, sd.EContent) + len(sd.EContent) - 3, ReasonSODSignatureInvalid},
		{"outer tag", 0, ReasonSODMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bad := slices.Clone(sod)
			bad[tc.offset] ^= 0x01
			r := Passive(bad, dgs, nil, at)
			if r.Status != StatusFailed || !slices.Contains(r.Reasons, tc.reason) {
				t.Errorf("status %s reasons %v, want failed with %s", r.Status, r.Reasons, tc.reason)
			}
		})
	}
}

func indexOf(hay, needle []byte) int {
	for i := 0; i+len(needle) <= len(hay); i++ {
		if string(hay[i:i+len(needle)]) == string(needle) {
			return i
		}
	}
	panic("not found")
}

// indexFromEnd returns how far from the end the last byte of needle sits.
func indexFromEnd(hay, needle []byte) int {
	return len(hay) - (indexOf(hay, needle) + len(needle))
}

func TestCardSecurityResult(t *testing.T) {
	ts := realTrust(t)
	for _, c := range []string{"DE", "FI"} {
		cs := testenv.ReadShared(t, "pa/gmrtd-sods/"+c+"_EF_CardSecurity.bin")
		content, r := CardSecurity(cs, ts, time.Now())
		if r.Passive.Signature != SignatureValid || r.DS == nil || len(content) == 0 {
			t.Fatalf("%s: %s %v", c, r.Passive.Signature, r.Reasons)
		}
		_, r = CardSecurity(cs, ts, r.DS.NotBefore.Add(24*time.Hour))
		if r.Status != StatusVerified {
			t.Errorf("%s at DS start: %s %v", c, r.Status, r.Reasons)
		}
		bad := slices.Clone(cs)
		bad[len(bad)-5] ^= 1 // inside the signature
		if content, r := CardSecurity(bad, ts, time.Now()); r.Status != StatusFailed || content != nil {
			t.Errorf("%s tampered: %s", c, r.Status)
		}
	}
	// An SOD is not a CardSecurity.
	if _, r := CardSecurity(testenv.ReadShared(t, "pa/gmrtd-sods/DE_EF_SOD.bin")[4:], ts, time.Now()); !slices.Contains(r.Reasons, ReasonSODContentType) {
		t.Errorf("SOD as CardSecurity: %v", r.Reasons)
	}
}

package verify

import (
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testkit/pkitest"
)

// TestCRLOutdated: a CRL past its nextUpdate (three months after
// thisUpdate in pkitest) leaves the verdict alone but says so, because a
// DS revoked since would go unnoticed; a fresh CRL from the same CSCA, or
// none at all, says nothing.
func TestCRLOutdated(t *testing.T) {
	p := newTestPKI(t, pkitest.ECKey("P-256", false), pkitest.ECKey("P-256", false), pkitest.Scheme{})
	dgs := testDGs()
	sod := pkitest.SOD{DGs: dgs, Signer: p.ds, SigningTime: signingAt}.Build()
	unrelated := big.NewInt(777)

	tests := []struct {
		name         string
		crlIssued    []time.Time // one CRL per entry
		at           time.Time
		wantOutdated bool
	}{
		{"no CRL", nil, checkAt, false},
		{"CRL due later", []time.Time{checkAt.AddDate(0, -1, 0)}, checkAt, false},
		{"CRL past its next update", []time.Time{checkAt.AddDate(0, -4, 0)}, checkAt, true},
		{"an old and a fresh CRL", []time.Time{checkAt.AddDate(0, -4, 0), checkAt.AddDate(0, -1, 0)}, checkAt, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := trustOf(t, p.csca)
			for _, issued := range tc.crlIssued {
				if err := ts.AddCRL(pkitest.CRL(p.csca, issued, unrelated)); err != nil {
					t.Fatal(err)
				}
			}
			r := Passive(sod, dgs, ts, tc.at)
			if r.Status != StatusVerified {
				t.Fatalf("status %s %v, want verified", r.Status, r.Reasons)
			}
			if got := slices.Contains(r.Reasons, ReasonCRLOutdated); got != tc.wantOutdated {
				t.Errorf("reasons %v: crl-outdated %v, want %v", r.Reasons, got, tc.wantOutdated)
			}
			if IsFatal(ReasonCRLOutdated) {
				t.Error("crl-outdated must not fail a verification")
			}
			infos := ts.CRLs()
			if len(infos) != len(tc.crlIssued) {
				t.Fatalf("CRLs() lists %d, want %d", len(infos), len(tc.crlIssued))
			}
			for i, info := range infos {
				if !info.ThisUpdate.Equal(tc.crlIssued[i]) || !info.NextUpdate.Equal(tc.crlIssued[i].AddDate(0, 3, 0)) ||
					info.Entries != 1 || !strings.Contains(info.Issuer, "Test CSCA") {
					t.Errorf("CRL %d: %+v", i, info)
				}
			}
		})
	}
}

package checkin

import (
	"errors"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/sync/gateway"
)

// FuzzGatewayAnswer: any bytes either decode into an answer whose evaluation
// is one of the stable statuses with a message, or fail with
// gateway.ErrBadResponse — never a panic.
func FuzzGatewayAnswer(f *testing.F) {
	f.Add([]byte(`{"maKetQua":"000","maThe":"GD4797900000001","gtTheTu":"01/01/2026","gtTheDen":"31/12/2026","maDKBD":"79011"}`))
	f.Add([]byte(`{"maKetQua":"003","gtTheTu":"01/01/2025","gtTheDen":"27/11/2026","maTheMoi":"7900000002","gtTheTuMoi":"29/11/2026"}`))
	f.Add([]byte(`{"maKetQua":"004","gtTheTu":"1/1/2026","gtTheDen":"31/12/2026","maTheMoi":"x","gtTheTuMoi":"00/00/0000"}`))
	f.Add([]byte(`{"maKetQua":"050"}`))
	f.Add([]byte(`{"maKetQua":"999","gtTheDen":"31/02/2026"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	valid := map[EligibilityStatus]bool{Eligible: true, EligibleProvisional: true, ManualCheck: true,
		NotEligible: true, NotFound: true, UnknownEligibility: true}
	now := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := gateway.DecodeAnswer(b)
		if err != nil {
			if !errors.Is(err, gateway.ErrBadResponse) {
				t.Fatalf("error %v is not gateway.ErrBadResponse", err)
			}
			return
		}
		for _, src := range []string{FromGateway, FromCache} {
			for _, lang := range []string{"vi", "en"} {
				e := Evaluate(GatewayInput(a, src, now.Add(-time.Hour)), now, EligibilityConfig{Facility: "79011", Freshness: time.Minute, Lang: lang})
				if !valid[e.Status] || e.Message == "" || e.Code == "" {
					t.Fatalf("evaluated to %+v", e)
				}
				if e.Status == Eligible && src == FromCache {
					t.Fatalf("stale cache answer counted as current: %+v", e)
				}
			}
		}
	})
}

package checkin

import (
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/sync/gateway"
)

// RosterInput makes the input for Evaluate from a roster record; found is
// false when the roster has no record (rec is then ignored). asOf is when the
// roster's data was current: its publication time, or its sync time when
// the publisher gave none.
func RosterInput(rec cache.RosterRecord, found bool, asOf time.Time) EligibilityInput {
	if !found {
		return EligibilityInput{Source: FromRoster, AsOf: asOf}
	}
	return EligibilityInput{
		Found:  true,
		Source: FromRoster,
		AsOf:   asOf,
		Code:   rec.TrangThai,
		Card: EligibilityCard{
			MaThe: rec.MaThe, MaSoBHXH: rec.MaSoBHXH, MaDKBD: rec.MaDKBD, TenDKBD: rec.TenDKBD,
			GtTheTu: rec.GtTheTu, GtTheDen: rec.GtTheDen, MaKV: rec.MaKV,
			NgayDu5Nam: rec.NgayDu5Nam, MucHuong: rec.MucHuong,
		},
	}
}

// GatewayInput makes the input for Evaluate from a gateway answer; source is
// FromGateway for a fresh answer or FromCache for one from the lookup cache
// (decoded with gateway.DecodeAnswer), at the time the gateway gave it.
func GatewayInput(a *gateway.Answer, source string, at time.Time) EligibilityInput {
	return EligibilityInput{
		Found:  a.MaKetQua != "050",
		Source: source,
		AsOf:   at,
		Code:   a.MaKetQua,
		Card: EligibilityCard{
			MaThe: a.MaThe, MaSoBHXH: a.MaSoBHXH, MaDKBD: a.MaDKBD,
			GtTheTu: a.GtTheTu, GtTheDen: a.GtTheDen, MaKV: a.MaKV, NgayDu5Nam: a.NgayDu5Nam,
		},
		NewCard: NewCardInfo{MaThe: a.MaTheMoi, GtTheTu: a.GtTheTuMoi, GtTheDen: a.GtTheDenMoi,
			MaDKBD: a.MaDKBDMoi, TenDKBD: a.TenDKBDMoi},
	}
}

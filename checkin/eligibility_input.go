package checkin

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cccd-agent/cccd/cache"
)

// ErrBadGatewayAnswer means stored or received gateway bytes are not a
// KQNhanLichSuKCB2024 answer.
var ErrBadGatewayAnswer = errors.New("checkin: not a BHXH gateway answer")

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

// GatewayAnswer is the part of a KQNhanLichSuKCB2024 answer (bhyt.md §2.3)
// that eligibility needs, in the gateway's JSON names. Personal fields
// (hoTen, ngaySinh, gioiTinh, diaChi) are kept for the check-in record.
type GatewayAnswer struct {
	MaKetQua    string `json:"maKetQua"`
	GhiChu      string `json:"ghiChu"`
	MaThe       string `json:"maThe"`
	HoTen       string `json:"hoTen"`
	NgaySinh    string `json:"ngaySinh"`
	GioiTinh    string `json:"gioiTinh"`
	DiaChi      string `json:"diaChi"`
	MaDKBD      string `json:"maDKBD"`
	TenDKBD     string `json:"tenDKBD"`
	CqBHXH      string `json:"cqBHXH"`
	GtTheTu     string `json:"gtTheTu"`
	GtTheDen    string `json:"gtTheDen"`
	MaKV        string `json:"maKV"`
	NgayDu5Nam  string `json:"ngayDu5Nam"`
	MaSoBHXH    string `json:"maSoBHXH"`
	MucHuong    string `json:"mucHuong"`
	MaTheCu     string `json:"maTheCu"`
	MaTheMoi    string `json:"maTheMoi"`
	GtTheTuMoi  string `json:"gtTheTuMoi"`
	GtTheDenMoi string `json:"gtTheDenMoi"`
	MaDKBDMoi   string `json:"maDKBDMoi"`
	TenDKBDMoi  string `json:"tenDKBDMoi"`
}

// ParseGatewayAnswer decodes a raw gateway answer, as received or as kept in
// the lookup cache. An answer without maKetQua is ErrBadGatewayAnswer; the
// error never quotes the bytes.
func ParseGatewayAnswer(b []byte) (GatewayAnswer, error) {
	var a GatewayAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		return GatewayAnswer{}, fmt.Errorf("%w: %d bytes of malformed JSON", ErrBadGatewayAnswer, len(b))
	}
	if a.MaKetQua == "" {
		return GatewayAnswer{}, fmt.Errorf("%w: no maKetQua", ErrBadGatewayAnswer)
	}
	return a, nil
}

// Input makes the input for Evaluate from the answer; source is FromGateway
// for a fresh answer or FromCache for one from the lookup cache, at the time
// the gateway gave it.
func (a GatewayAnswer) Input(source string, at time.Time) EligibilityInput {
	return EligibilityInput{
		Found:  a.MaKetQua != "050",
		Source: source,
		AsOf:   at,
		Code:   a.MaKetQua,
		Card: EligibilityCard{
			MaThe: a.MaThe, MaSoBHXH: a.MaSoBHXH, MaDKBD: a.MaDKBD, TenDKBD: a.TenDKBD,
			GtTheTu: a.GtTheTu, GtTheDen: a.GtTheDen, MaKV: a.MaKV,
			NgayDu5Nam: a.NgayDu5Nam, MucHuong: a.MucHuong,
		},
		NewCard: NewCardInfo{MaThe: a.MaTheMoi, GtTheTu: a.GtTheTuMoi, GtTheDen: a.GtTheDenMoi,
			MaDKBD: a.MaDKBDMoi, TenDKBD: a.TenDKBDMoi},
	}
}

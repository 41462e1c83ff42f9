package delivery

import (
	"strconv"
	"time"

	"github.com/cccd-agent/cccd/cache"
)

// Payload is the webhook body: the check-in as the HIS needs it, without
// the outbox's delivery bookkeeping.
type Payload struct {
	Event    string    `json:"event"` // always "checkin"
	Seq      uint64    `json:"seq"`
	Key      string    `json:"key"` // the check-in's key, the same in every revision
	Time     time.Time `json:"time"`
	Reader   string    `json:"reader"`
	Facility string    `json:"facility"`

	SoCCCD   string `json:"soCCCD"`
	HoTen    string `json:"hoTen"`
	NgaySinh string `json:"ngaySinh"`
	GioiTinh string `json:"gioiTinh"`
	DiaChi   string `json:"diaChi"`
	// DiaChiSource: "chip" (may carry pre-2025-merger place names).
	DiaChiSource string `json:"diaChiSource,omitempty"`

	MaThe      string `json:"maThe"`
	MaDKBD     string `json:"maDKBD"`
	GtTheTu    string `json:"gtTheTu"`
	GtTheDen   string `json:"gtTheDen"`
	MaKV       string `json:"maKV"`
	NgayDu5Nam string `json:"ngayDu5Nam"`

	Eligibility    cache.CheckinEligibility `json:"eligibility"`
	Verification   string                   `json:"verification"`
	Confirmed      bool                     `json:"confirmed"`
	RecheckChanged bool                     `json:"recheck_changed"`
	// Cancelled: the receptionist cancelled the check-in; a cancel after
	// the HIS may hold it comes as the next revision.
	Cancelled   bool      `json:"cancelled"`
	CancelledAt time.Time `json:"cancelled_at,omitzero"`

	// Revision is 0 for the first version of a check-in and N for the
	// N-th correction: an online re-check changed its eligibility, or the
	// receptionist confirmed or cancelled it after the HIS may have taken it.
	Revision int `json:"revision"`
	// PreviousEligibility is, from revision 1 on, the eligibility of the
	// version this one replaces; omitted at revision 0.
	PreviousEligibility *cache.CheckinEligibility `json:"previous_eligibility,omitempty"`
}

// NewPayload builds the webhook body of c.
func NewPayload(c *cache.Checkin) Payload {
	return Payload{
		Event: "checkin", Seq: c.Seq, Key: c.Key, Time: c.Time, Reader: c.Reader, Facility: c.Facility,
		SoCCCD: c.SoCCCD, HoTen: c.HoTen, NgaySinh: c.NgaySinh, GioiTinh: c.GioiTinh, DiaChi: c.DiaChi,
		DiaChiSource: c.DiaChiSource,
		MaThe:        c.MaThe, MaDKBD: c.MaDKBD, GtTheTu: c.GtTheTu, GtTheDen: c.GtTheDen, MaKV: c.MaKV,
		NgayDu5Nam: c.NgayDu5Nam, Eligibility: c.Eligibility, Verification: c.Verification,
		Confirmed: c.Confirmed, RecheckChanged: c.RecheckChanged, Cancelled: c.Cancelled, CancelledAt: c.CancelledAt,
		Revision: c.Revision, PreviousEligibility: c.PreviousEligibility,
	}
}

// IdempotencyKey is the Idempotency-Key header of c's current revision:
// its key at revision 0, "<key>-r<N>" at revision N, so that the HIS, which
// de-duplicates by this header, takes each revision once.
func IdempotencyKey(c *cache.Checkin) string {
	if c.Revision <= 0 {
		return c.Key
	}
	return c.Key + "-r" + strconv.Itoa(c.Revision)
}

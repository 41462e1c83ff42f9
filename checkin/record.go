package checkin

import (
	"time"

	"github.com/cccd-agent/cccd/cache"
)

// personOf is who the read says the patient is: DG13 where the card has it,
// the MRZ otherwise.
func personOf(r *ReadResult) Person {
	p := Person{IDNumber: r.Document.IDNumber, DateOfBirth: r.Document.DateOfBirth,
		FullName: r.Document.Surname + " " + r.Document.GivenNames}
	if r.Personal != nil {
		if r.Personal.IDNumber != "" {
			p.IDNumber = r.Personal.IDNumber
		}
		if r.Personal.FullName != "" {
			p.FullName = r.Personal.FullName
		}
		if r.Personal.DateOfBirth != "" {
			p.DateOfBirth = r.Personal.DateOfBirth
		}
	}
	return p
}

// newCheckinRecord keeps what the HIS needs of a read and its eligibility:
// identity, insurance card, verdicts. The photo, the MRZ and the other DG13
// fields are not kept.
func newCheckinRecord(r *ReadResult, e Eligibility, readerName, facility string, now time.Time) *cache.Checkin {
	p := personOf(r)
	c := &cache.Checkin{ // the idempotency key is the outbox's to make (AppendCheckin)
		Time:     now,
		Reader:   readerName,
		Facility: facility,
		SoCCCD:   p.IDNumber,
		HoTen:    p.FullName,
		NgaySinh: p.DateOfBirth,
		GioiTinh: sexWords(r),
		MaThe:    e.Card.MaThe,
		MaDKBD:   e.Card.MaDKBD,
		GtTheTu:  e.Card.GtTheTu,
		GtTheDen: e.Card.GtTheDen,
		MaKV:     e.Card.MaKV,

		NgayDu5Nam: e.Card.NgayDu5Nam,
		Eligibility: cache.CheckinEligibility{
			Status: string(e.Status), Code: e.Code, Source: e.Source, AsOf: e.AsOf,
		},
		Verification: r.Verification.Status,
	}
	if r.Personal != nil && r.Personal.PlaceOfResidence != "" {
		c.DiaChi, c.DiaChiSource = r.Personal.PlaceOfResidence, cache.DiaChiFromChip
	}
	return c
}

// sexWords gives the sex as the gateway and QĐ 4750 records write it.
func sexWords(r *ReadResult) string {
	if r.Personal != nil && r.Personal.Sex != "" {
		return r.Personal.Sex
	}
	switch r.Document.Sex {
	case "M":
		return "Nam"
	case "F":
		return "Nữ"
	}
	return ""
}

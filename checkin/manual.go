package checkin

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cccd-agent/cccd/cache"
	"golang.org/x/text/unicode/norm"
)

// ReaderManual is the reader of a check-in typed in by the receptionist
// for a patient without a card (Agent.ManualLookup).
const ReaderManual = "manual"

// VerificationNone is the verification of a check-in with no chip read: the
// receptionist typed the person's data, so nothing was verified.
const VerificationNone = "none"

// ManualPerson is what the receptionist types for a patient without a card
// (POST /api/v1/lookups).
type ManualPerson struct {
	IDNumber    string `json:"id_number"`     // 12 digits
	FullName    string `json:"full_name"`     // as on the papers
	DateOfBirth string `json:"date_of_birth"` // yyyy-mm-dd, yyyy-mm or yyyy
}

// ManualResult answers a manual lookup: the check-in recorded and its
// eligibility.
type ManualResult struct {
	Seq         uint64      `json:"seq"`
	Eligibility Eligibility `json:"eligibility"`
}

// maxNameRunes bounds a typed name (QĐ 4750 HO_TEN is VARCHAR(255); real
// Vietnamese names are far shorter).
const maxNameRunes = 100

// Normalize checks p at now and returns it cleaned: the name trimmed, its
// spaces collapsed and NFC-normalised. Errors wrap ErrBadInput and name
// the field, never its value.
func (p ManualPerson) Normalize(now time.Time) (ManualPerson, error) {
	bad := func(msg string) (ManualPerson, error) {
		return ManualPerson{}, fmt.Errorf("%s: %w", msg, ErrBadInput)
	}
	if len(p.IDNumber) != 12 || !allDigits(p.IDNumber) {
		return bad("id_number must be the 12 digits of the ID number")
	}
	if !utf8.ValidString(p.FullName) {
		return bad("full_name must be UTF-8 text")
	}
	name := norm.NFC.String(strings.Join(strings.Fields(p.FullName), " "))
	letters := false
	for _, r := range name {
		switch {
		case unicode.IsControl(r):
			return bad("full_name must not contain control characters")
		case unicode.IsLetter(r):
			letters = true
		}
	}
	switch {
	case !letters:
		return bad("full_name is required: the name as on the patient's papers")
	case utf8.RuneCountInString(name) > maxNameRunes:
		return bad(fmt.Sprintf("full_name must be at most %d characters", maxNameRunes))
	}
	dob, err := parseBirthDate(p.DateOfBirth, now)
	if err != nil {
		return ManualPerson{}, err
	}
	return ManualPerson{IDNumber: p.IDNumber, FullName: name, DateOfBirth: dob}, nil
}

// parseBirthDate accepts yyyy-mm-dd, yyyy-mm or yyyy (the day or month
// unknown, as DG13 writes them) from 1900 up to now.
func parseBirthDate(s string, now time.Time) (string, error) {
	var layout string
	switch len(s) {
	case 10:
		layout = "2006-01-02"
	case 7:
		layout = "2006-01"
	case 4:
		layout = "2006"
	}
	msg := "date_of_birth must be yyyy-mm-dd, yyyy-mm or yyyy"
	if layout == "" || !allDigits(strings.ReplaceAll(s, "-", "")) {
		return "", fmt.Errorf("%s: %w", msg, ErrBadInput)
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return "", fmt.Errorf("%s: %w", msg, ErrBadInput)
	}
	if t.Year() < 1900 || t.After(now) {
		return "", fmt.Errorf("date_of_birth must lie between 1900 and today: %w", ErrBadInput)
	}
	return s, nil
}

// ManualLookup answers eligibility for a patient without a card from what
// the receptionist typed, through the same Lookup as a tap (gateway → cache
// → roster), and records it as a check-in with reader "manual" and
// verification "none", told to the outbox and the subscribers.
func (a *Agent) ManualLookup(ctx context.Context, p ManualPerson) (ManualResult, error) {
	now := a.cfg.Now()
	p, err := p.Normalize(now)
	if err != nil {
		return ManualResult{}, err
	}
	elig := a.lookup.Eligibility(ctx, Person(p), now)
	rec := &cache.Checkin{
		Time: now, Reader: ReaderManual, Facility: a.cfg.Facility,
		SoCCCD: p.IDNumber, HoTen: p.FullName, NgaySinh: p.DateOfBirth,
		MaThe: elig.Card.MaThe, MaDKBD: elig.Card.MaDKBD, GtTheTu: elig.Card.GtTheTu, GtTheDen: elig.Card.GtTheDen,
		MaKV: elig.Card.MaKV, NgayDu5Nam: elig.Card.NgayDu5Nam,
		Eligibility:  cache.CheckinEligibility{Status: string(elig.Status), Code: elig.Code, Source: elig.Source, AsOf: elig.AsOf},
		Verification: VerificationNone,
	}
	seq, err := a.db.AppendCheckin(rec)
	if err != nil {
		return ManualResult{}, fmt.Errorf("record check-in: %w", err)
	}
	a.metrics.Checkins.WithLabelValues(string(elig.Status)).Inc()
	a.log.Info("manual lookup", "eligibility", elig.Status, "checkin", seq)
	if a.cfg.AfterCheckin != nil {
		a.cfg.AfterCheckin()
	}
	a.publish("checkin", ReaderManual, CheckinEvent{Seq: seq})
	return ManualResult{Seq: seq, Eligibility: elig}, nil
}

package mrz

import (
	"sort"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"
)

// Expiry is a card's date of expiry as the ID laws set it: a date, or None
// for cards valid for life ("Không thời hạn", issued from age 58).
type Expiry struct {
	Date time.Time // the expiry date (UTC midnight); zero when None
	None bool      // the card has no expiry
}

// MRZ returns the expiry as it appears in the MRZ: YYMMDD, or "<<<<<<" for
// a card without expiry (ICAO practice; unconfirmed for CCCD, §6.3).
func (e Expiry) MRZ() string {
	if e.None {
		return "<<<<<<"
	}
	return e.Date.Format("060102")
}

// String returns the ISO 8601 date or "none".
func (e Expiry) String() string {
	if e.None {
		return "none"
	}
	return e.Date.Format("2006-01-02")
}

// law2023 is when the 2023 Identity Law (Luật Căn cước 26/2023/QH15) took
// effect; it added the renewal age 14.
var law2023 = time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)

// Milestone ages at which a card must be renewed: 25, 40 and 60 under the
// 2014 law (Luật CCCD 2014, Điều 21); 14, 25, 40 and 60 under the 2023 law.
var (
	milestones2014 = []int{25, 40, 60}
	milestones2023 = []int{14, 25, 40, 60}
)

// ExpiryFor returns the expiry the law gives a card issued on issued to a
// person born on dob: the birthday at the first milestone age that is more
// than two years after the issue date (a card issued within two years before
// a milestone is valid to the next one); none when no milestone qualifies
// (issued from age 58).
func ExpiryFor(dob, issued time.Time) Expiry {
	dob, issued = day(dob), day(issued)
	ms := milestones2014
	if !issued.Before(law2023) {
		ms = milestones2023
	}
	for _, m := range ms {
		if issued.Before(dob.AddDate(m-2, 0, 0)) {
			return Expiry{Date: dob.AddDate(m, 0, 0)}
		}
	}
	return Expiry{None: true}
}

// CandidateExpiries returns the expiries worth trying for BAC, most likely
// first, for a person known by date of birth (and issue date, if known, e.g.
// from the QR code). See CandidateExpiriesAt; this uses the current time.
func CandidateExpiries(dob time.Time, issued *time.Time) []Expiry {
	return CandidateExpiriesAt(dob, issued, clock.Now())
}

// CandidateExpiriesAt is CandidateExpiries at a given time.
//
// With an issue date the law's answer (ExpiryFor) comes first, followed by
// the candidates computed without it, in case the issue date or the card
// does not follow the rule. A milestone m is a candidate when the person is
// old enough to hold a card expiring then (current age ≥ the previous
// milestone − 2): first the milestones still ahead, nearest first, then "no
// expiry" if the person is 58 or older, then the most recent milestone
// already past (an expired card still answers BAC). For a 29 February birth the law's date is ambiguous in
// common years; both 28 February and 1 March are offered, 1 March first.
func CandidateExpiriesAt(dob time.Time, issued *time.Time, now time.Time) []Expiry {
	dob, now = day(dob), day(now)
	out := candidates(dob, now)
	if issued != nil {
		first := ExpiryFor(dob, *issued)
		rest := []Expiry{first}
		for _, e := range out {
			if e != first {
				rest = append(rest, e)
			}
		}
		out = rest
	}
	return withLeapVariant(dob, out)
}

// candidates lists the expiries possible for a card held at now, without
// knowing its issue date.
func candidates(dob, now time.Time) []Expiry {
	var ahead []Expiry
	var past *Expiry
	prev := 0
	for _, m := range milestones2023 {
		if m == 14 && now.Before(law2023) {
			prev = 14 // no under-14 cards before the 2023 law
			continue
		}
		if !now.Before(dob.AddDate(prev-2, 0, 0)) || prev == 0 {
			e := Expiry{Date: dob.AddDate(m, 0, 0)}
			if e.Date.After(now) {
				ahead = append(ahead, e)
			} else {
				past = &e
			}
		}
		prev = m
	}
	sort.Slice(ahead, func(i, j int) bool { return ahead[i].Date.Before(ahead[j].Date) })
	out := ahead
	if !now.Before(dob.AddDate(58, 0, 0)) {
		out = append(out, Expiry{None: true})
	}
	if past != nil {
		out = append(out, *past)
	}
	return out
}

// withLeapVariant adds, after each date that AddDate moved from 29 February
// to 1 March, the 28 February alternative.
func withLeapVariant(dob time.Time, in []Expiry) []Expiry {
	if dob.Month() != time.February || dob.Day() != 29 {
		return in
	}
	out := make([]Expiry, 0, 2*len(in))
	for _, e := range in {
		out = append(out, e)
		if !e.None && e.Date.Month() == time.March && e.Date.Day() == 1 {
			out = append(out, Expiry{Date: e.Date.AddDate(0, 0, -1)})
		}
	}
	return out
}

// day truncates t to its calendar date in UTC, keeping the date as written.
func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

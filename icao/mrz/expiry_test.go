package mrz

import (
	"reflect"
	"testing"
	"time"
)

func TestExpiryFor(t *testing.T) {
	cases := []struct {
		name        string
		dob, issued time.Time
		want        Expiry
	}{
		{"issued at 21 → 25", date(1999, 2, 15), date(2020, 5, 1), Expiry{Date: date(2024, 2, 15)}},
		{"issued at 22 → 25 (two years before is 23)", date(1999, 2, 15), date(2022, 2, 14), Expiry{Date: date(2024, 2, 15)}},
		{"issued on the day 23 → 40", date(1999, 2, 15), date(2022, 2, 15), Expiry{Date: date(2039, 2, 15)}},
		{"issued at 22 (2021) → 25", date(1999, 2, 15), date(2021, 7, 1), Expiry{Date: date(2024, 2, 15)}},
		{"law worked example: 39 → 60", date(1985, 5, 10), date(2024, 3, 1), Expiry{Date: date(2045, 5, 10)}},
		{"issued at 37 → 40", date(1985, 5, 10), date(2022, 5, 9), Expiry{Date: date(2025, 5, 10)}},
		{"issued at 58 → none", date(1960, 1, 1), date(2018, 1, 1), Expiry{None: true}},
		{"issued at 57 → 60", date(1960, 1, 1), date(2017, 12, 31), Expiry{Date: date(2020, 1, 1)}},
		{"2023 law: child of 8 → 14", date(2016, 9, 9), date(2024, 8, 1), Expiry{Date: date(2030, 9, 9)}},
		{"2023 law: child of 12 → 25", date(2012, 9, 9), date(2024, 9, 10), Expiry{Date: date(2037, 9, 9)}},
		{"2014 law: age 12 → 25", date(2012, 9, 9), date(2024, 6, 30), Expiry{Date: date(2037, 9, 9)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ExpiryFor(tc.dob, tc.issued); got != tc.want {
				t.Errorf("ExpiryFor = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCandidateExpiries(t *testing.T) {
	now := date(2026, 11, 29)
	issued := date(2021, 7, 1)
	cases := []struct {
		name   string
		dob    time.Time
		issued *time.Time
		want   []string
	}{
		{"issue date known: the law's answer, then the others", date(1999, 2, 15), &issued, []string{"2024-02-15", "2039-02-15"}},
		{"age 27: 40 ahead, 25 past", date(1999, 2, 15), nil, []string{"2039-02-15", "2024-02-15"}},
		{"age 24: 25 or 40", date(2002, 6, 1), nil, []string{"2027-06-01", "2042-06-01", "2016-06-01"}},
		{"age 39: 40 or 60", date(1987, 1, 10), nil, []string{"2027-01-10", "2047-01-10", "2012-01-10"}},
		{"age 59: 60 or none", date(1967, 3, 3), nil, []string{"2027-03-03", "none", "2007-03-03"}},
		{"age 70: none, then expired 60", date(1956, 3, 3), nil, []string{"none", "2016-03-03"}},
		{"age 10: only 14", date(2016, 5, 5), nil, []string{"2030-05-05"}},
		{"29 Feb", date(2000, 2, 29), nil, []string{"2040-02-29", "2025-03-01", "2025-02-28"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, e := range CandidateExpiriesAt(tc.dob, tc.issued, now) {
				got = append(got, e.String())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("candidates = %v, want %v", got, tc.want)
			}
		})
	}
	if got := CandidateExpiries(date(1999, 2, 15), &issued); len(got) == 0 || got[0].MRZ() != "240215" {
		t.Errorf("CandidateExpiries = %v", got)
	}
}

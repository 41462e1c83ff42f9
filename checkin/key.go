package checkin

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cccd-agent/cccd/icao/mrz"
)

// ErrBadKey means the text given as a card key is none of the accepted forms.
var ErrBadKey = errors.New("checkin: not a card key")

// Key is what a receptionist, a scanner or a caller supplied to open one card.
// A CAN opens a chip with PACE; MRZ seeds (the ICAO "MRZ information") open
// it with PACE-MRZ or BAC.
type Key struct {
	Source      string    // "can", "id", "qr", "mrz"
	CAN         string    // 6 digits; empty when unknown
	IDNumber    string    // 12 digits when known (typed ID or QR)
	DateOfBirth time.Time // from --dob or the QR code; zero when unknown
	IssueDate   time.Time // from the QR code; narrows the expiry to one date
	Expiry      *mrz.Expiry
	// MRZSeed is set when a whole MRZ was given.
	MRZSeed string
}

// ParseKey recognises the forms a receptionist types or a scanner sends: a
// 6-digit CAN, a 12-digit ID number, the QR text of the card, or its MRZ.
// The error never echoes the text (it may be a whole QR code).
func ParseKey(text string) (Key, error) {
	text = strings.TrimSpace(text)
	digits := strings.Trim(text, " ")
	switch {
	case len(digits) == 6 && allDigits(digits):
		return Key{Source: "can", CAN: digits}, nil
	case len(digits) == 12 && mrz.ValidID(digits):
		can, _ := mrz.CAN(digits)
		return Key{Source: "id", CAN: can, IDNumber: digits}, nil
	case strings.Contains(text, "|"):
		q, err := mrz.ParseQR(text)
		if err != nil {
			return Key{}, fmt.Errorf("%w: the scanned QR code is not a CCCD code; scan again or type the 6-digit CAN", ErrBadKey)
		}
		return Key{Source: "qr", CAN: q.CAN(), IDNumber: q.ID, DateOfBirth: q.DateOfBirth, IssueDate: q.IssueDate}, nil
	}
	if m, err := mrz.Parse(text); err == nil {
		seed, err := m.KeySeed()
		if err != nil {
			return Key{}, fmt.Errorf("%w: %v", ErrBadKey, err)
		}
		k := Key{Source: "mrz", MRZSeed: seed}
		if id, err := m.IDNumber(); err == nil {
			k.IDNumber = id
			k.CAN, _ = mrz.CAN(id)
		}
		return k, nil
	} else if len(text) >= 60 {
		return Key{}, fmt.Errorf("%w: the MRZ does not check out (%v); retype it", ErrBadKey, err)
	}
	return Key{}, fmt.Errorf("%w: type the 6-digit CAN printed on the card, the 12-digit ID number, or scan the QR code", ErrBadKey)
}

// MRZSeeds returns the MRZ information strings to try for PACE-MRZ or BAC,
// most likely first: the given MRZ, or the document number from the ID with
// the date of birth and each candidate expiry of the ID laws.
func (k Key) MRZSeeds(now time.Time) []string {
	if k.MRZSeed != "" {
		return []string{k.MRZSeed}
	}
	if k.IDNumber == "" || k.DateOfBirth.IsZero() {
		return nil
	}
	var expiries []mrz.Expiry
	switch {
	case k.Expiry != nil:
		expiries = []mrz.Expiry{*k.Expiry}
	case !k.IssueDate.IsZero():
		issued := k.IssueDate
		expiries = mrz.CandidateExpiriesAt(k.DateOfBirth, &issued, now)
	default:
		expiries = mrz.CandidateExpiriesAt(k.DateOfBirth, nil, now)
	}
	var seeds []string
	for _, e := range expiries {
		var exp time.Time
		if !e.None {
			exp = e.Date
		}
		if s, err := mrz.KeySeedForID(k.IDNumber, k.DateOfBirth, exp); err == nil {
			seeds = append(seeds, s)
		}
	}
	return seeds
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

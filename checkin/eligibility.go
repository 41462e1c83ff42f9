package checkin

import (
	"strings"
	"time"
)

// EligibilityStatus is the verdict on a person's health insurance (stable
// values, docs/FORMATS.md "Eligibility JSON").
type EligibilityStatus string

// The eligibility verdicts.
const (
	Eligible            EligibilityStatus = "eligible"             // valid card, answer current
	EligibleProvisional EligibilityStatus = "eligible-provisional" // valid card per roster/cache data older than the freshness; re-check online
	ManualCheck         EligibilityStatus = "manual-check"         // staff must check the card and ID papers (or the data did not match)
	NotEligible         EligibilityStatus = "not-eligible"         // expired, not yet valid, revoked or stopped
	NotFound            EligibilityStatus = "not-found"            // no card for this person
	UnknownEligibility  EligibilityStatus = "unknown"              // the lookup failed for a reason that is not the patient's (configuration, server)
)

// Where an eligibility answer came from (stable values).
const (
	FromGateway = "gateway" // the BHXH gateway, just now
	FromCache   = "cache"   // an earlier gateway answer from the lookup cache
	FromRoster  = "roster"  // the local roster
)

// EligibilityCard is the insurance card an answer is about, in the gateway's
// field names. Dates are dd/MM/yyyy as the gateway writes them.
type EligibilityCard struct {
	MaThe      string `json:"maThe"`
	MaSoBHXH   string `json:"maSoBHXH"`
	MaDKBD     string `json:"maDKBD"`
	TenDKBD    string `json:"tenDKBD"`
	GtTheTu    string `json:"gtTheTu"`
	GtTheDen   string `json:"gtTheDen"`
	MaKV       string `json:"maKV"`
	NgayDu5Nam string `json:"ngayDu5Nam"`
	MucHuong   string `json:"mucHuong"`
}

// Eligibility is the stable eligibility JSON (docs/FORMATS.md).
type Eligibility struct {
	Status         EligibilityStatus `json:"status"`
	Code           string            `json:"code"`   // BHXH maKetQua semantics
	Source         string            `json:"source"` // FromGateway, FromCache or FromRoster
	AsOf           time.Time         `json:"as_of"`  // when the source's data was current
	Card           EligibilityCard   `json:"card"`
	RegisteredHere bool              `json:"registered_here"` // card's maDKBD is this facility
	Message        string            `json:"message"`         // one line for the receptionist, no personal data
	MessageEN      string            `json:"message_en"`      // the same line in English, for a console switched to English
	// Reason says why a gateway is configured but the answer is not its
	// own (ReasonNoStaffSession, ReasonGatewayFailed); "" otherwise.
	Reason string `json:"reason,omitempty"`
}

// NewCardInfo is the gateway's new-card block (maTheMoi, gtTheTuMoi,
// gtTheDenMoi, maDKBDMoi, tenDKBDMoi): a replacement card valid from
// GtTheTu.
type NewCardInfo struct {
	MaThe    string
	GtTheTu  string
	GtTheDen string
	MaDKBD   string
	TenDKBD  string
}

// EligibilityInput is one answer to evaluate: a gateway answer (see
// GatewayAnswer.Input) or a roster record (RosterInput).
type EligibilityInput struct {
	Found   bool      // false: no record at all
	Source  string    // FromGateway, FromCache or FromRoster
	AsOf    time.Time // when the answer was current (lookup time, roster publication)
	Code    string    // maKetQua, or the roster's trangThai; "" means "000"
	Card    EligibilityCard
	NewCard NewCardInfo // zero when the answer has no new-card block
}

// EligibilityConfig holds the facility's settings for Evaluate.
type EligibilityConfig struct {
	// Facility is this facility's 5-character code; a card registered
	// there (maDKBD) is registered_here.
	Facility string
	// Freshness is how old a roster or cache answer may be and still count
	// as current. Older answers are eligible-provisional. Zero makes every
	// roster or cache answer provisional (the regulation asks for a gateway
	// lookup at reception).
	Freshness time.Duration
	// Lang selects the message language: "vi" (default) or "en".
	Lang string
	// Location is the time zone whose calendar date is "today"; nil means
	// Vietnam (UTC+7).
	Location *time.Location
}

// vietnam is UTC+7 without daylight saving, so no tzdata is needed.
var vietnam = time.FixedZone("ICT", 7*3600)

// Evaluate applies the BHXH result-code semantics and the card's validity
// window (first and last day inclusive, in cfg.Location) to in as of now,
// and returns the Eligibility to show. A new card (maTheMoi) replaces the
// current one from its first valid day. Evaluate never fails: data it cannot
// read gives manual-check or unknown with a message saying why.
func Evaluate(in EligibilityInput, now time.Time, cfg EligibilityConfig) Eligibility {
	loc := cfg.Location
	if loc == nil {
		loc = vietnam
	}
	today := dateOf(now.In(loc))
	out := Eligibility{Source: in.Source, AsOf: in.AsOf.UTC(), Code: in.Code, Card: in.Card}
	if !in.Found {
		out.Status = NotFound
		if out.Code == "" {
			out.Code = "050"
		}
		return finish(out, msgNoRecord, nil, cfg)
	}
	if out.Code == "" {
		out.Code = "000"
	}
	rule, known := resultCodes[out.Code]
	if !known {
		out.Status = UnknownEligibility
		return finish(out, msgUnknownCode, []any{out.Code}, cfg)
	}
	if rule.status != Eligible {
		out.Status = rule.status
		return finish(out, rule.msg, nil, cfg)
	}

	// 000–004: the card is good if today is inside its window. Prefer the
	// new card from its first day.
	newFrom, newOK := parseDate(in.NewCard.GtTheTu)
	if in.NewCard.MaThe != "" && newOK && newFrom <= today {
		out.Card.MaThe = in.NewCard.MaThe
		out.Card.GtTheTu, out.Card.GtTheDen = in.NewCard.GtTheTu, in.NewCard.GtTheDen
		if in.NewCard.MaDKBD != "" {
			out.Card.MaDKBD, out.Card.TenDKBD = in.NewCard.MaDKBD, in.NewCard.TenDKBD
		}
	}
	from, okFrom := parseDate(out.Card.GtTheTu)
	to, okTo := parseDate(out.Card.GtTheDen)
	switch {
	case !okFrom || !okTo || to < from:
		out.Status = ManualCheck
		return finish(out, msgBadDates, nil, cfg)
	case today < from:
		out.Status = NotEligible
		return finish(out, msgNotYetValid, []any{out.Card.GtTheTu}, cfg)
	case today > to:
		out.Status = NotEligible
		// The gateway's own code stays as it gave it (003: card replaced);
		// only a plain "valid" (000, or a roster record) becomes "010".
		if out.Code == "000" {
			out.Code = "010"
		}
		if in.NewCard.MaThe != "" && newOK && newFrom > today {
			return finish(out, msgNewCardLater, []any{out.Card.GtTheDen, in.NewCard.GtTheTu}, cfg)
		}
		if out.Code == "003" {
			// Replaced, but no usable new card: absent, unreadable or itself expired.
			return finish(out, msgReplacedNoNewCard, []any{out.Card.GtTheDen}, cfg)
		}
		return finish(out, msgExpired, []any{out.Card.GtTheDen}, cfg)
	}
	out.Status = Eligible
	if in.Source != FromGateway && (cfg.Freshness <= 0 || now.Sub(in.AsOf) > cfg.Freshness) {
		out.Status = EligibleProvisional
		return finish(out, msgProvisional, []any{out.Card.GtTheDen, in.AsOf.In(loc).Format("02/01/2006 15:04")}, cfg)
	}
	return finish(out, rule.msg, []any{out.Card.GtTheDen}, cfg)
}

// finish sets registered_here and the message.
func finish(e Eligibility, m message, args []any, cfg EligibilityConfig) Eligibility {
	e.RegisteredHere = cfg.Facility != "" && facilityCode(e.Card.MaDKBD) == facilityCode(cfg.Facility)
	e.Message = m.format(cfg.Lang, args...)
	e.MessageEN = m.format("en", args...)
	return e
}

// facilityCode normalises "79 - 011" (the card QR's form) to "79011".
func facilityCode(s string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(s))
}

// civilDate is a calendar date as yyyymmdd, comparable with < and >.
type civilDate int

func dateOf(t time.Time) civilDate {
	y, m, d := t.Date()
	return civilDate(y*10000 + int(m)*100 + d)
}

// parseDate reads the gateway's dd/MM/yyyy (d/M/yyyy tolerated).
func parseDate(s string) (civilDate, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"02/01/2006", "2/1/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return dateOf(t), true
		}
	}
	return 0, false
}

package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Answer is a KQNhanLichSuKCB2024 response with its result
// code classified. Raw keeps the gateway's JSON as evidence; it holds
// personal data and must be stored only where the record is.
type Answer struct {
	MaKetQua    string `json:"maKetQua"`
	GhiChu      string `json:"ghiChu"`
	MaThe       string `json:"maThe"`
	HoTen       string `json:"hoTen"`
	NgaySinh    string `json:"ngaySinh"` // dd/MM/yyyy
	GioiTinh    string `json:"gioiTinh"`
	DiaChi      string `json:"diaChi"`
	MaDKBD      string `json:"maDKBD"`
	CqBHXH      string `json:"cqBHXH"`
	GtTheTu     string `json:"gtTheTu"`  // dd/MM/yyyy
	GtTheDen    string `json:"gtTheDen"` // dd/MM/yyyy
	MaKV        string `json:"maKV"`
	NgayDu5Nam  string `json:"ngayDu5Nam"`
	MaSoBHXH    string `json:"maSoBHXH"`
	MaTheCu     string `json:"maTheCu"`
	MaTheMoi    string `json:"maTheMoi"`
	GtTheTuMoi  string `json:"gtTheTuMoi"`
	GtTheDenMoi string `json:"gtTheDenMoi"`
	MaDKBDMoi   string `json:"maDKBDMoi"`
	TenDKBDMoi  string `json:"tenDKBDMoi"`

	Class   Class           `json:"-"`
	Meaning string          `json:"-"` // English meaning of MaKetQua, no personal data
	Raw     json.RawMessage `json:"-"`
	At      time.Time       `json:"-"` // when the gateway answered
}

// Minimal is the answer reduced to what the eligibility JSON needs (result
// code, card, new-card block), as JSON DecodeAnswer reads: what may be kept
// in the lookup cache. The name, birth date, sex, address, ghiChu (which
// repeats them), the issuing office and the visit and lookup histories are
// left out.
func (a *Answer) Minimal() []byte {
	m := struct {
		MaKetQua    string `json:"maKetQua"`
		MaThe       string `json:"maThe"`
		MaDKBD      string `json:"maDKBD"`
		GtTheTu     string `json:"gtTheTu"`
		GtTheDen    string `json:"gtTheDen"`
		MaKV        string `json:"maKV,omitempty"`
		NgayDu5Nam  string `json:"ngayDu5Nam,omitempty"`
		MaSoBHXH    string `json:"maSoBHXH,omitempty"`
		MaTheMoi    string `json:"maTheMoi,omitempty"`
		GtTheTuMoi  string `json:"gtTheTuMoi,omitempty"`
		GtTheDenMoi string `json:"gtTheDenMoi,omitempty"`
		MaDKBDMoi   string `json:"maDKBDMoi,omitempty"`
		TenDKBDMoi  string `json:"tenDKBDMoi,omitempty"`
	}{a.MaKetQua, a.MaThe, a.MaDKBD, a.GtTheTu, a.GtTheDen, a.MaKV, a.NgayDu5Nam, a.MaSoBHXH,
		a.MaTheMoi, a.GtTheTuMoi, a.GtTheDenMoi, a.MaDKBDMoi, a.TenDKBDMoi}
	b, _ := json.Marshal(m) // strings only: cannot fail
	return b
}

// Card is the card the patient should be billed on, in the field names of
// the eligibility JSON (docs/FORMATS.md).
type Card struct {
	MaThe      string `json:"maThe"`
	MaSoBHXH   string `json:"maSoBHXH"`
	MaDKBD     string `json:"maDKBD"`
	TenDKBD    string `json:"tenDKBD"`
	GtTheTu    string `json:"gtTheTu"`
	GtTheDen   string `json:"gtTheDen"`
	MaKV       string `json:"maKV"`
	NgayDu5Nam string `json:"ngayDu5Nam"`
}

// Card returns the card to use on day today: the new card (maTheMoi…) when
// the gateway reports one that is already valid (gtTheTuMoi ≤ today), else
// the current card.
func (a *Answer) Card(today time.Time) Card {
	c := Card{MaThe: a.MaThe, MaSoBHXH: a.MaSoBHXH, MaDKBD: a.MaDKBD, GtTheTu: a.GtTheTu,
		GtTheDen: a.GtTheDen, MaKV: a.MaKV, NgayDu5Nam: a.NgayDu5Nam}
	if a.MaTheMoi == "" {
		return c
	}
	from, err := ParseDate(a.GtTheTuMoi)
	if err != nil || from.After(dateOf(today)) {
		return c
	}
	c.MaThe, c.GtTheTu, c.GtTheDen = a.MaTheMoi, a.GtTheTuMoi, a.GtTheDenMoi
	if a.MaDKBDMoi != "" {
		c.MaDKBD, c.TenDKBD = a.MaDKBDMoi, a.TenDKBDMoi
	}
	return c
}

// ValidOn reports whether the card c runs over day (dates inclusive).
func (c Card) ValidOn(day time.Time) bool {
	from, err1 := ParseDate(c.GtTheTu)
	to, err2 := ParseDate(c.GtTheDen)
	d := dateOf(day)
	return err1 == nil && err2 == nil && !d.Before(from) && !d.After(to)
}

// ParseDate reads a gateway date, dd/MM/yyyy.
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse("02/01/2006", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("gateway: date is not dd/MM/yyyy")
	}
	return t, nil
}

func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// DecodeAnswer parses a KQNhanLichSuKCB2024 response body and classifies
// its result code. A body that is not a JSON object with a maKetQua is
// ErrBadResponse.
func DecodeAnswer(body []byte) (*Answer, error) {
	body = bytes.TrimSpace(body)
	var a Answer
	// maKetQua is a string in the official samples; accept a number too.
	type answerAlias Answer
	wire := struct {
		MaKetQua flexString `json:"maKetQua"`
		*answerAlias
	}{answerAlias: (*answerAlias)(&a)}
	if err := json.Unmarshal(body, &wire); err != nil {
		return nil, fmt.Errorf("%w: card-check answer is not the expected JSON", ErrBadResponse)
	}
	a.MaKetQua = string(wire.MaKetQua)
	if a.MaKetQua == "" {
		return nil, fmt.Errorf("%w: card-check answer has no maKetQua", ErrBadResponse)
	}
	a.Class, a.Meaning = Classify(a.MaKetQua)
	a.Raw = append(json.RawMessage(nil), body...)
	return &a, nil
}

// flexString reads a JSON string or number as text.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexString(n)
	return nil
}

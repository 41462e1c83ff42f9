package checkin

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/sync/gateway"
)

// 28/11/2026 10:00 in Vietnam.
var evalNow = time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)

func validCard() EligibilityCard {
	return EligibilityCard{MaThe: "GD4797900000001", MaSoBHXH: "7900000001", MaDKBD: "79011",
		TenDKBD: "Bệnh viện Thử", GtTheTu: "01/01/2026", GtTheDen: "31/12/2026", MucHuong: "80"}
}

func gatewayInput(code string) EligibilityInput {
	return EligibilityInput{Found: true, Source: FromGateway, AsOf: evalNow, Code: code, Card: validCard()}
}

func TestEvaluateResultCodes(t *testing.T) {
	want := map[string]EligibilityStatus{
		"000": Eligible, "001": ManualCheck, "002": ManualCheck, "003": Eligible, "004": Eligible,
		"010": NotEligible, "050": NotFound, "051": ManualCheck, "052": ManualCheck, "053": ManualCheck,
		"054": UnknownEligibility, "055": UnknownEligibility, "060": ManualCheck, "061": ManualCheck,
		"070": ManualCheck, "100": UnknownEligibility, "101": UnknownEligibility, "110": NotEligible,
		"120": NotEligible, "121": ManualCheck, "122": ManualCheck, "123": ManualCheck, "124": NotEligible,
		"130": ManualCheck, "205": UnknownEligibility, "401": UnknownEligibility, "500": UnknownEligibility,
		"999": UnknownEligibility, "": Eligible,
	}
	for code := range resultCodes {
		if _, ok := want[code]; !ok {
			t.Errorf("result code %s has no test case", code)
		}
	}
	cfg := EligibilityConfig{Facility: "79011"}
	for code, status := range want {
		for _, lang := range []string{"vi", "en"} {
			cfg.Lang = lang
			got := Evaluate(gatewayInput(code), evalNow, cfg)
			if got.Status != status {
				t.Errorf("code %q: status %q, want %q", code, got.Status, status)
			}
			wantCode := code
			if code == "" {
				wantCode = "000"
			}
			if got.Code != wantCode || got.Source != FromGateway || !got.AsOf.Equal(evalNow) {
				t.Errorf("code %q: got code %q source %q as_of %v", code, got.Code, got.Source, got.AsOf)
			}
			if got.Message == "" || strings.Contains(got.Message, "%!") {
				t.Errorf("code %q %s: bad message %q", code, lang, got.Message)
			}
			if !got.RegisteredHere {
				t.Errorf("code %q: registered_here false for the facility's own card", code)
			}
		}
	}
}

func TestEvaluateDates(t *testing.T) {
	withDates := func(code, from, to string) EligibilityInput {
		in := gatewayInput(code)
		in.Card.GtTheTu, in.Card.GtTheDen = from, to
		return in
	}
	withNew := func(code, oldTo, newFrom string) EligibilityInput {
		in := withDates(code, "01/01/2025", oldTo)
		in.NewCard = NewCardInfo{MaThe: "7900000002", GtTheTu: newFrom, GtTheDen: "31/12/2027", MaDKBD: "79022", TenDKBD: "Trạm Y tế Mới"}
		return in
	}
	tests := []struct {
		name     string
		in       EligibilityInput
		now      time.Time
		status   EligibilityStatus
		code     string
		maThe    string
		msgParts []string
	}{
		{"first day of validity", withDates("000", "28/11/2026", "31/12/2026"), evalNow, Eligible, "000", "GD4797900000001", []string{"31/12/2026"}},
		{"last day of validity", withDates("000", "01/01/2026", "28/11/2026"), evalNow, Eligible, "000", "GD4797900000001", []string{"28/11/2026"}},
		{"expired yesterday", withDates("000", "01/01/2026", "27/11/2026"), evalNow, NotEligible, "010", "GD4797900000001", []string{"27/11/2026"}},
		{"valid from tomorrow", withDates("000", "29/11/2026", "31/12/2027"), evalNow, NotEligible, "000", "GD4797900000001", []string{"29/11/2026"}},
		{"first day in Vietnam, still the day before in UTC", withDates("000", "28/11/2026", "31/12/2026"),
			time.Date(2026, 11, 27, 17, 30, 0, 0, time.UTC), Eligible, "000", "GD4797900000001", nil},
		{"last day ended in Vietnam, same day in UTC", withDates("000", "01/01/2026", "27/11/2026"),
			time.Date(2026, 11, 27, 17, 30, 0, 0, time.UTC), NotEligible, "010", "GD4797900000001", nil},
		{"single-digit date form", withDates("000", "1/1/2026", "31/12/2026"), evalNow, Eligible, "000", "GD4797900000001", nil},
		{"unreadable dates", withDates("000", "2026-01-01", "31/12/2026"), evalNow, ManualCheck, "000", "GD4797900000001", nil},
		{"missing end date", withDates("000", "01/01/2026", ""), evalNow, ManualCheck, "000", "GD4797900000001", nil},
		{"window reversed", withDates("000", "31/12/2026", "01/01/2026"), evalNow, ManualCheck, "000", "GD4797900000001", nil},
		{"003 new card from today", withNew("003", "27/11/2026", "28/11/2026"), evalNow, Eligible, "003", "7900000002", []string{"31/12/2027"}},
		// Issue 15: a 003 answer keeps its code (Phụ lục 03 of CV 1923/BHXH-CNTT,
		// dh-hos/Mo-ta-he-thong XML130/File-ho-tro/Ham API tra cuu TT.pdf p. 5:
		// 003 = old card expired, new card issued) and says why it is not eligible.
		{"003 new card from tomorrow", withNew("003", "27/11/2026", "29/11/2026"), evalNow, NotEligible, "003", "GD4797900000001", []string{"27/11/2026", "29/11/2026"}},
		{"003 old card expired, no new card", withDates("003", "01/01/2026", "27/11/2026"), evalNow, NotEligible, "003", "GD4797900000001", []string{"27/11/2026", "003"}},
		{"003 new card expired too", func() EligibilityInput {
			in := withNew("003", "27/11/2025", "01/01/2026")
			in.NewCard.GtTheDen = "27/11/2026"
			return in
		}(), evalNow, NotEligible, "003", "7900000002", []string{"003", "27/11/2026"}},
		{"004 old card expired, no new card", withDates("004", "01/01/2026", "27/11/2026"), evalNow, NotEligible, "004", "GD4797900000001", []string{"27/11/2026"}},
		{"004 old card valid, new from tomorrow", withNew("004", "31/12/2026", "29/11/2026"), evalNow, Eligible, "004", "GD4797900000001", []string{"31/12/2026"}},
		{"004 new card from today", withNew("004", "31/12/2026", "28/11/2026"), evalNow, Eligible, "004", "7900000002", nil},
		{"000 with new card already valid", withNew("000", "31/12/2026", "01/11/2026"), evalNow, Eligible, "000", "7900000002", nil},
		{"new card with unreadable date ignored", withNew("004", "31/12/2026", "tomorrow"), evalNow, Eligible, "004", "GD4797900000001", nil},
		{"no record", EligibilityInput{Source: FromRoster, AsOf: evalNow}, evalNow, NotFound, "050", "", nil},
		{"revoked with valid dates", withDates("110", "01/01/2026", "31/12/2026"), evalNow, NotEligible, "110", "GD4797900000001", nil},
	}
	for _, tc := range tests {
		got := Evaluate(tc.in, tc.now, EligibilityConfig{})
		if got.Status != tc.status || got.Code != tc.code || got.Card.MaThe != tc.maThe {
			t.Errorf("%s: got %s/%s card %s, want %s/%s card %s (%s)", tc.name, got.Status, got.Code,
				got.Card.MaThe, tc.status, tc.code, tc.maThe, got.Message)
		}
		for _, p := range tc.msgParts {
			if !strings.Contains(got.Message, p) {
				t.Errorf("%s: message %q lacks %q", tc.name, got.Message, p)
			}
		}
	}
}

// TestEvaluateMovedCodes: 121–123 (báo giảm: moved province, moved within
// the province, re-enrolled at the same unit; Phụ lục 03 of CV 1923/BHXH-CNTT,
// dh-hos/Mo-ta-he-thong XML130/File-ho-tro/Ham API tra cuu TT.pdf p. 5) are
// manual-check with BHXH's wording: the person may be insured under a new
// record. 120 and 124 stay not-eligible.
func TestEvaluateMovedCodes(t *testing.T) {
	for code, want := range map[string]string{
		"121": "Thẻ đã báo giảm. Chuyển ngoại tỉnh",
		"122": "Thẻ đã báo giảm. Chuyển nội tỉnh",
		"123": "Thẻ đã báo giảm. Thu hồi do tăng cùng đơn vị",
	} {
		got := Evaluate(gatewayInput(code), evalNow, EligibilityConfig{})
		if got.Status != ManualCheck || got.Code != code || !strings.HasPrefix(got.Message, want) {
			t.Errorf("%s: %s/%s %q, want manual-check with %q", code, got.Status, got.Code, got.Message, want)
		}
	}
	for _, code := range []string{"120", "124"} {
		if got := Evaluate(gatewayInput(code), evalNow, EligibilityConfig{}); got.Status != NotEligible {
			t.Errorf("%s: %s, want not-eligible", code, got.Status)
		}
	}
}

func TestEvaluateNewCardFacility(t *testing.T) {
	in := gatewayInput("003")
	in.Card.GtTheDen = "27/11/2026"
	in.NewCard = NewCardInfo{MaThe: "7900000002", GtTheTu: "28/11/2026", GtTheDen: "31/12/2027", MaDKBD: "79022", TenDKBD: "Trạm Mới"}
	for _, tc := range []struct {
		facility string
		here     bool
	}{{"79022", true}, {"79 - 022", true}, {"79011", false}, {"", false}} {
		got := Evaluate(in, evalNow, EligibilityConfig{Facility: tc.facility})
		if got.RegisteredHere != tc.here || got.Card.MaDKBD != "79022" || got.Card.TenDKBD != "Trạm Mới" {
			t.Errorf("facility %q: registered_here %v card %+v", tc.facility, got.RegisteredHere, got.Card)
		}
	}
}

func TestEvaluateFreshness(t *testing.T) {
	tests := []struct {
		name      string
		source    string
		age       time.Duration
		freshness time.Duration
		want      EligibilityStatus
	}{
		{"fresh roster", FromRoster, time.Hour, 24 * time.Hour, Eligible},
		{"roster exactly at freshness", FromRoster, 24 * time.Hour, 24 * time.Hour, Eligible},
		{"stale roster", FromRoster, 24*time.Hour + time.Second, 24 * time.Hour, EligibleProvisional},
		{"stale cache", FromCache, 72 * time.Hour, 24 * time.Hour, EligibleProvisional},
		{"fresh cache", FromCache, time.Minute, time.Hour, Eligible},
		{"zero freshness: roster always provisional", FromRoster, 0, 0, EligibleProvisional},
		{"old gateway answer stays eligible", FromGateway, 72 * time.Hour, time.Hour, Eligible},
	}
	for _, tc := range tests {
		in := gatewayInput("000")
		in.Source, in.AsOf = tc.source, evalNow.Add(-tc.age)
		got := Evaluate(in, evalNow, EligibilityConfig{Freshness: tc.freshness, Lang: "en"})
		if got.Status != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got.Status, tc.want)
		}
		if tc.want == EligibleProvisional && !strings.Contains(got.Message, "provisionally") {
			t.Errorf("%s: message %q does not say provisional", tc.name, got.Message)
		}
	}
	// A stale roster never turns a bad card good.
	in := gatewayInput("000")
	in.Source, in.AsOf, in.Card.GtTheDen = FromRoster, evalNow.Add(-72*time.Hour), "27/11/2026"
	if got := Evaluate(in, evalNow, EligibilityConfig{Freshness: time.Hour}); got.Status != NotEligible {
		t.Errorf("stale roster, expired card: %s", got.Status)
	}
}

func TestRosterInput(t *testing.T) {
	rec := cache.RosterRecord{SoCCCD: "079090000001", MaThe: "GD4797900000001", MaSoBHXH: "7900000001",
		HoTen: "Nguyễn Văn Thử", MaDKBD: "79011", TenDKBD: "BV", GtTheTu: "01/01/2026", GtTheDen: "31/12/2026",
		MaKV: "K1", NgayDu5Nam: "01/06/2027", MucHuong: "80"}
	asOf := evalNow.Add(-2 * time.Hour)
	for _, tc := range []struct {
		trangThai string
		found     bool
		want      EligibilityStatus
	}{{"", true, EligibleProvisional}, {"000", true, EligibleProvisional}, {"010", true, NotEligible},
		{"124", true, NotEligible}, {"001", true, ManualCheck}, {"", false, NotFound}} {
		rec.TrangThai = tc.trangThai
		got := Evaluate(RosterInput(rec, tc.found, asOf), evalNow, EligibilityConfig{Facility: "79011", Freshness: time.Hour})
		if got.Status != tc.want || got.Source != FromRoster || !got.AsOf.Equal(asOf) {
			t.Errorf("trangThai %q found %v: %+v", tc.trangThai, tc.found, got)
		}
		if tc.found && (got.Card.MaKV != "K1" || got.Card.NgayDu5Nam != "01/06/2027" || got.Card.MucHuong != "80" || !got.RegisteredHere) {
			t.Errorf("card fields not carried: %+v", got.Card)
		}
		if strings.Contains(got.Message, rec.HoTen) || strings.Contains(got.Message, rec.SoCCCD) {
			t.Errorf("message leaks personal data: %q", got.Message)
		}
	}
}

func TestGatewayAnswer(t *testing.T) {
	raw := []byte(`{"maKetQua":"004","ghiChu":"Thẻ còn giá trị sử dụng!","maThe":"GD4797900000001","hoTen":"Trần Văn A",
		"ngaySinh":"05/03/1994","gioiTinh":"Nam","maDKBD":"79011","gtTheTu":"01/01/2026","gtTheDen":"31/12/2026",
		"maKV":"K2","ngayDu5Nam":"01/06/2025","maSoBHXH":"7900000001","maTheMoi":"7900000001","gtTheTuMoi":"01/11/2026",
		"gtTheDenMoi":"31/12/2027","maDKBDMoi":"79022","tenDKBDMoi":"Trạm Mới","dsLichSuKCB2018":null}`)
	a, err := gateway.DecodeAnswer(raw)
	if err != nil {
		t.Fatal(err)
	}
	got := Evaluate(GatewayInput(a, FromCache, evalNow.Add(-time.Minute)), evalNow, EligibilityConfig{Freshness: time.Hour, Facility: "79022"})
	if got.Status != Eligible || got.Code != "004" || got.Card.MaThe != "7900000001" || !got.RegisteredHere || got.Card.MaKV != "K2" {
		t.Errorf("gateway answer evaluated to %+v", got)
	}
	if b, _ := json.Marshal(got); !strings.Contains(string(b), `"registered_here":true`) || !strings.Contains(string(b), `"as_of":"2026-11-28T02:59:00Z"`) {
		t.Errorf("JSON %s", b)
	}
	for _, bad := range []string{``, `{`, `[]`, `{"maThe":"GD4797900000001","hoTen":"Trần Văn A"}`} {
		_, err := gateway.DecodeAnswer([]byte(bad))
		if !errors.Is(err, gateway.ErrBadResponse) {
			t.Errorf("%q: err %v", bad, err)
		}
		if err != nil && (strings.Contains(err.Error(), "Trần") || strings.Contains(err.Error(), "GD479")) {
			t.Errorf("error leaks the answer: %v", err)
		}
	}
	if a, err := gateway.DecodeAnswer([]byte(`{"maKetQua":"050"}`)); err != nil || GatewayInput(a, FromGateway, evalNow).Found {
		t.Error("050 answer counted as found")
	}
}

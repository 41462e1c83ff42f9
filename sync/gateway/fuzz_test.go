package gateway

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzGatewayResponse feeds arbitrary bodies to the card-check and token
// answer decoders: they must return an answer or ErrBadResponse, never
// panic, and classify every code they accept.
func FuzzGatewayResponse(f *testing.F) {
	f.Add([]byte(`{"maKetQua":"000","ghiChu":"Thẻ còn giá trị sử dụng!","maThe":"GD4010000000001","hoTen":"Trần Văn A","ngaySinh":"05/03/1994","gioiTinh":"Nam","maDKBD":"01832","gtTheTu":"01/01/2024","gtTheDen":"31/12/2024","maKV":"","ngayDu5Nam":"01/06/2025","maSoBHXH":"0100000001","dsLichSuKCB2018":null,"dsLichSuKT2018":[]}`))
	f.Add([]byte(`{"maKetQua":"003","maThe":"GD4010000000001","maTheMoi":"GD4010000000002","gtTheTuMoi":"01/01/2025","gtTheDenMoi":"31/12/2025"}`))
	f.Add([]byte(`{"maKetQua":401}`))
	f.Add([]byte(`{"maKetQua":"200","APIKey":{"access_token":"a","id_token":"b","token_type":"Bearer","username":"u","expires_in":"3600"}}`))
	f.Add([]byte(`<html>502 Bad Gateway</html>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := DecodeAnswer(body)
		if err != nil {
			if !errors.Is(err, ErrBadResponse) {
				t.Fatalf("DecodeAnswer error wraps no sentinel: %v", err)
			}
		} else {
			class, meaning := Classify(a.MaKetQua)
			if a.MaKetQua == "" || a.Class != class || a.Meaning != meaning || len(a.Raw) == 0 {
				t.Fatalf("inconsistent answer %+v", a)
			}
			if d, err := ParseDate(a.GtTheTuMoi); err == nil && d.IsZero() {
				t.Fatalf("zero date parsed")
			}
			_ = a.Card(a.At)
		}
		if tr, err := decodeToken(body); err != nil {
			if !errors.Is(err, ErrBadResponse) {
				t.Fatalf("decodeToken error wraps no sentinel: %v", err)
			}
		} else if tr.MaKetQua == "200" && tr.APIKey.AccessToken == "" {
			t.Fatalf("token accepted without access_token")
		}
	})
}

func FuzzNormalizeDOB(f *testing.F) {
	for _, s := range []string{"05/03/1994", "05031994", "1994-03-05", "02/1950", "1950-02", "021950", "00/02/1950", "00/00/1950", "1950", "31/02/1950", "00/13/1950"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := NormalizeDOB(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidRequest) || strings.Contains(err.Error(), s) && len(s) > 4 {
				t.Fatalf("bad error for %q: %v", s, err)
			}
			return
		}
		for _, l := range []string{"02/01/2006", "01/2006", "2006"} {
			if _, e := time.Parse(l, out); e == nil && len(out) == len(l) {
				return
			}
		}
		t.Fatalf("NormalizeDOB(%q) = %q: not a gateway form", s, out)
	})
}

// TestTokenExpiry: CV 1245 §1's expires_in is a UTC datetime; a number is
// read as seconds (OAuth style) only as a fallback.
func TestTokenExpiry(t *testing.T) {
	now := time.Date(2024, 5, 3, 9, 0, 0, 0, time.UTC)
	want := time.Date(2024, 5, 3, 10, 0, 0, 0, time.UTC)
	for _, s := range []string{"2024-05-03T10:00:00Z", "2024-05-03T17:00:00+07:00", "2024-05-03T10:00:00", "2024-05-03 10:00:00", "03/05/2024 10:00:00", "3600"} {
		if got, ok := tokenExpiry(s, now); !ok || !got.Equal(want) {
			t.Errorf("tokenExpiry(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "soon", "-5", "99999999999"} {
		if got, ok := tokenExpiry(s, now); ok {
			t.Errorf("tokenExpiry(%q) = %v, want unreadable", s, got)
		}
	}
}

func FuzzTokenExpiry(f *testing.F) {
	for _, s := range []string{"2024-05-03T10:00:00Z", "2024-05-03 10:00:00", "03/05/2024 10:00:00", "3600", ""} {
		f.Add(s)
	}
	now := time.Date(2024, 5, 3, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if got, ok := tokenExpiry(s, now); ok && got.IsZero() {
			t.Fatalf("tokenExpiry(%q) ok with zero time", s)
		}
	})
}

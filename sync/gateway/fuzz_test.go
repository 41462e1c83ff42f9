package gateway

import (
	"errors"
	"testing"
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

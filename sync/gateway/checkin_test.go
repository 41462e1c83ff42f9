package gateway_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/sync/gateway"
)

const xml0 = `<?xml version="1.0" encoding="utf-8"?>
<CHI_TIEU_TRANG_THAI_KCB><DSACH_TRANG_THAI_KCB><TRANG_THAI_KCB><MA_LK>LK1</MA_LK><STT>1</STT></TRANG_THAI_KCB></DSACH_TRANG_THAI_KCB></CHI_TIEU_TRANG_THAI_KCB>`

// TestSubmitCheckin follows CV 1245/BHXH-CNTT §2 (dh-hos/Mo-ta-he-thong,
// XML130/QD4570/1245-BHXH-CNTT_…4750_QĐ_BYT_fn.pdf, page 3: headers
// accessToken, tokenId, passwordHash; form body username, loaiHoSo "0",
// maTinh, maCSKCB, fileHSBase64; page 4: answer maKetQua, maGiaoDich,
// thoiGianTiepNhan, thongDiep).
func TestSubmitCheckin(t *testing.T) {
	gw := newFake(t)
	var log bytes.Buffer
	c := newClient(t, gw.BaseURL(), &log)
	a, err := c.SubmitCheckin(t.Context(), gateway.CheckinRequest{MaTinh: "79", MaCSKCB: "79024", XML0: []byte(xml0)})
	if err != nil {
		t.Fatal(err)
	}
	if !a.Accepted() || a.MaGiaoDich == "" || len(a.ThoiGianTiepNhan) != 14 || a.At.IsZero() {
		t.Fatalf("answer %+v", a)
	}
	reqs := gw.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Path != "/api/qd130/checkInKcbQd4750" || !r.TokenOK || r.Username != username || r.LoaiHoSo != "0" ||
		r.MaTinh != "79" || r.MaCSKCB != "79024" || string(r.XML0) != xml0 {
		t.Fatalf("request %+v", r)
	}
	if strings.Contains(log.String(), password) || strings.Contains(log.String(), r.Token) {
		t.Fatal("the log carries a secret")
	}

	// The QĐ 3176 path, configured.
	if _, err := c.SubmitCheckin(t.Context(), gateway.CheckinRequest{Path: "api/qd130/checkInKcbQd3176", MaTinh: "79", MaCSKCB: "79024", XML0: []byte(xml0)}); err != nil {
		t.Fatal(err)
	}
	if p := gw.Requests()[1].Path; p != "/api/qd130/checkInKcbQd3176" {
		t.Fatalf("path %s", p)
	}
	if _, err := c.SubmitCheckin(t.Context(), gateway.CheckinRequest{Path: "https://evil.example/x", MaTinh: "79", MaCSKCB: "79024", XML0: []byte(xml0)}); !errors.Is(err, gateway.ErrConfig) {
		t.Fatalf("foreign path: %v", err)
	}
}

// TestSubmitCheckinFailures: a refused token is taken again once; a 503 is
// ErrUnavailable; a refusal about the file is an answer, not an error.
func TestSubmitCheckinFailures(t *testing.T) {
	gw := newFake(t)
	c := newClient(t, gw.BaseURL(), nil)
	req := gateway.CheckinRequest{MaTinh: "79", MaCSKCB: "79024", XML0: []byte(xml0)}
	if _, err := c.SubmitCheckin(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	gw.ExpireTokens()
	if _, err := c.SubmitCheckin(t.Context(), req); err != nil {
		t.Fatalf("after the tokens expired: %v", err)
	}
	if n := gw.TokenCalls.Load(); n != 2 {
		t.Fatalf("%d token calls, want 2", n)
	}
	gw.CheckinFail.Store(1)
	if _, err := c.SubmitCheckin(t.Context(), req); !errors.Is(err, gateway.ErrUnavailable) {
		t.Fatalf("503: %v", err)
	}
	a, err := c.SubmitCheckin(t.Context(), gateway.CheckinRequest{MaTinh: "79", MaCSKCB: "79024", XML0: []byte("<x/>")})
	if err != nil || a.Accepted() || a.MaKetQua != "205" || a.ThongDiep == "" {
		t.Fatalf("not an XML0: %+v, %v", a, err)
	}
}

// TestPerUserAccount: a staff member's own account takes its own token; a
// wrong password is ErrAuth at Authenticate.
func TestPerUserAccount(t *testing.T) {
	gw := newFake(t)
	gw.AddAccount("lan.79024", md5hex("lan-pw"))
	good, err := gateway.New(gateway.Config{URL: gw.BaseURL(), InsecureHTTP: true, Username: "lan.79024", Password: "lan-pw", StaffName: staffName, StaffID: staffID})
	if err != nil {
		t.Fatal(err)
	}
	if err := good.Authenticate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := good.Check(t.Context(), gateway.Query{MaThe: "GD4010000000000", HoTen: "Trần Văn A", NgaySinh: "05/03/1994"}); err != nil {
		t.Fatal(err)
	}
	r := gw.Requests()[0]
	if r.Username != "lan.79024" || !r.TokenOK || r.HoTenCb != staffName || r.CccdCb != staffID {
		t.Fatalf("request %+v", r)
	}
	bad, _ := gateway.New(gateway.Config{URL: gw.BaseURL(), InsecureHTTP: true, Username: "lan.79024", Password: "wrong", StaffName: staffName, StaffID: staffID})
	if err := bad.Authenticate(t.Context()); !errors.Is(err, gateway.ErrAuth) {
		t.Fatalf("wrong password: %v", err)
	}
}

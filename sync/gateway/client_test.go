package gateway_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testkit/fakegw"
	"github.com/cccd-agent/cccd/sync/gateway"
)

const (
	password  = "S3cret-pw!"
	username  = "79024_BV"
	staffName = "Nguyễn Văn Cán"
	staffID   = "030181000001"
)

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// card makes a placeholder card for the fake's table.
func card(maThe, name, dob string) gateway.Answer {
	return gateway.Answer{MaThe: maThe, HoTen: name, NgaySinh: dob, GioiTinh: "Nam", DiaChi: "Thôn R, Hà Nội",
		MaDKBD: "01832", CqBHXH: "BHXH Hà Nội", GtTheTu: "01/01/2026", GtTheDen: "31/12/2026", MaKV: "K1",
		NgayDu5Nam: "01/06/2028", MaSoBHXH: maThe[len(maThe)-10:]}
}

// newFake returns a fake gateway with one patient per result code of
// Phụ lục 03 (CV 1923/BHXH-CNTT), keyed by card number "GD40100000000" + the code's last two
// digits (15 characters).
func newFake(t *testing.T) *fakegw.Server {
	t.Helper()
	gw := fakegw.New()
	t.Cleanup(gw.Close)
	gw.Username, gw.PasswordMD5 = username, md5hex(password)
	gw.Staff[staffID] = staffName
	for _, code := range []string{"000", "001", "002", "003", "004", "010", "052", "053", "100", "101", "110",
		"120", "121", "122", "123", "124", "130", "500"} {
		p := fakegw.Patient{Code: code, Card: card("GD401000000"+code+"0", "Trần Văn A", "05/03/1994")}
		if code == "003" || code == "004" {
			p.Card.MaTheMoi, p.Card.GtTheTuMoi, p.Card.GtTheDenMoi = "GD4010000009999", "01/07/2026", "30/06/2027"
			p.Card.MaDKBDMoi, p.Card.TenDKBDMoi = "01001", "Trạm y tế phường"
		}
		gw.SetPatient(p.Card.MaThe, p)
	}
	return gw
}

func newClient(t *testing.T, url string, log *bytes.Buffer) *gateway.Client {
	t.Helper()
	cfg := gateway.Config{URL: url, Username: username, Password: password, StaffName: staffName, StaffID: staffID}
	var w io.Writer = io.Discard
	if log != nil {
		w = log
	}
	cfg.Logger = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := gateway.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestResultCodes(t *testing.T) {
	gw := newFake(t)
	c := newClient(t, gw.BaseURL(), nil)
	ctx := context.Background()
	q := func(code string) gateway.Query {
		return gateway.Query{MaThe: "GD401000000" + code + "0", HoTen: "Trần Văn A", NgaySinh: "05/03/1994"}
	}
	tests := []struct {
		name    string
		query   gateway.Query
		class   gateway.Class
		code    string
		wantErr error
	}{
		{"valid", q("000"), gateway.ClassEligible, "000", nil},
		{"defence", q("001"), gateway.ClassManualCheck, "001", nil},
		{"police", q("002"), gateway.ClassManualCheck, "002", nil},
		{"new card, old expired", q("003"), gateway.ClassEligible, "003", nil},
		{"new card, old valid", q("004"), gateway.ClassEligible, "004", nil},
		{"expired", q("010"), gateway.ClassNotEligible, "010", nil},
		{"unknown card", gateway.Query{MaThe: "GD4019999999999", HoTen: "X", NgaySinh: "2000"}, gateway.ClassNotFound, "050", nil},
		{"bad card code", gateway.Query{MaThe: "001099012345", HoTen: "X", NgaySinh: "2000"}, gateway.ClassNotFound, "050", nil},
		{"province", q("052"), gateway.ClassManualCheck, "052", nil},
		{"benefit", q("053"), gateway.ClassManualCheck, "053", nil},
		{"wrong name", gateway.Query{MaThe: q("000").MaThe, HoTen: "Lê Thị B", NgaySinh: "05/03/1994"}, gateway.ClassManualCheck, "060", nil},
		{"wrong name, first letter right", gateway.Query{MaThe: q("000").MaThe, HoTen: "Trần Văn B", NgaySinh: "05/03/1994"}, gateway.ClassManualCheck, "061", nil},
		{"decomposed name is the same name", gateway.Query{MaThe: q("000").MaThe, HoTen: "Tra\u0302\u0300n Va\u0306n A", NgaySinh: "1994-03-05"}, gateway.ClassEligible, "000", nil},
		{"wrong dob", gateway.Query{MaThe: q("000").MaThe, HoTen: "Trần Văn A", NgaySinh: "06/03/1994"}, gateway.ClassManualCheck, "070", nil},
		{"year only dob", gateway.Query{MaThe: q("000").MaThe, HoTen: "Trần Văn A", NgaySinh: "1994"}, gateway.ClassEligible, "000", nil},
		{"revoked", q("110"), gateway.ClassNotEligible, "110", nil},
		{"reduced", q("120"), gateway.ClassNotEligible, "120", nil},
		{"reduced 121", q("121"), gateway.ClassNotEligible, "121", nil},
		{"reduced 124", q("124"), gateway.ClassNotEligible, "124", nil},
		{"child", q("130"), gateway.ClassManualCheck, "130", nil},
		{"card-book error", q("100"), "", "100", gateway.ErrUnavailable},
		{"server error", q("101"), "", "101", gateway.ErrUnavailable},
		{"server error 500", q("500"), "", "500", gateway.ErrUnavailable},
		{"staff not registered", gateway.Query{MaThe: q("000").MaThe, HoTen: "Trần Văn A", NgaySinh: "1994", StaffID: "030181000002", StaffName: staffName}, "", "054", gateway.ErrConfig},
		{"staff name mismatch", gateway.Query{MaThe: q("000").MaThe, HoTen: "Trần Văn A", NgaySinh: "1994", StaffID: staffID, StaffName: "Someone Else"}, "", "055", gateway.ErrConfig},
	}
	for _, tc := range tests {
		a, err := c.Check(ctx, tc.query)
		if tc.wantErr != nil {
			var re *gateway.ResultError
			if !errors.Is(err, tc.wantErr) || !errors.As(err, &re) || re.Code != tc.code || a != nil {
				t.Errorf("%s: Check = %+v, %v; want %v with code %s", tc.name, a, err, tc.wantErr, tc.code)
			}
			continue
		}
		if err != nil || a.MaKetQua != tc.code || a.Class != tc.class || len(a.Raw) == 0 {
			t.Errorf("%s: Check = %+v, %v; want code %s class %s", tc.name, a, err, tc.code, tc.class)
		}
	}
	if got := gw.TokenCalls.Load(); got != 1 {
		t.Errorf("%d token requests, want 1 reused token", got)
	}
}

func TestNewCardPreferred(t *testing.T) {
	gw := newFake(t)
	c := newClient(t, gw.BaseURL(), nil)
	a, err := c.Check(context.Background(), gateway.Query{MaThe: "GD4010000000030", HoTen: "Trần Văn A", NgaySinh: "05031994"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		today     time.Time
		wantMaThe string
		wantDKBD  string
	}{
		{time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC), "GD4010000000030", "01832"},
		{time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC), "GD4010000009999", "01001"},
		{time.Date(2027, 1, 1, 8, 0, 0, 0, time.UTC), "GD4010000009999", "01001"},
	}
	for _, tc := range tests {
		cd := a.Card(tc.today)
		if cd.MaThe != tc.wantMaThe || cd.MaDKBD != tc.wantDKBD {
			t.Errorf("Card(%s) = %+v", tc.today.Format(time.DateOnly), cd)
		}
	}
	if !a.Card(time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC)).ValidOn(time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC)) {
		t.Error("card not valid on its last day")
	}
}

func TestTokenRefresh(t *testing.T) {
	for _, http401 := range []bool{false, true} {
		gw := newFake(t)
		gw.HTTP401 = http401
		c := newClient(t, gw.BaseURL(), nil)
		ctx := context.Background()
		q := gateway.Query{MaThe: "GD4010000000000", HoTen: "Trần Văn A", NgaySinh: "05/03/1994"}
		if _, err := c.Check(ctx, q); err != nil {
			t.Fatal(err)
		}
		gw.ExpireTokens()
		a, err := c.Check(ctx, q)
		if err != nil || a.MaKetQua != "000" {
			t.Fatalf("http401=%v: after expiry: %+v, %v", http401, a, err)
		}
		if gw.TokenCalls.Load() != 2 || gw.Unauthorized.Load() != 1 {
			t.Errorf("http401=%v: %d token calls, %d refused lookups; want 2, 1", http401, gw.TokenCalls.Load(), gw.Unauthorized.Load())
		}
	}
}

func TestFormFallback(t *testing.T) {
	gw := newFake(t)
	gw.RejectJSON = true
	c := newClient(t, gw.BaseURL(), nil)
	q := gateway.Query{MaThe: "GD4010000000000", HoTen: "Trần Văn A", NgaySinh: "05/03/1994"}
	for i := 0; i < 3; i++ {
		a, err := c.Check(context.Background(), q)
		if err != nil || a.MaKetQua != "000" {
			t.Fatalf("check %d: %+v, %v", i, a, err)
		}
	}
	// One refused JSON attempt, then form for every call.
	if gw.LookupCalls.Load() != 4 || gw.FormLookups.Load() != 3 {
		t.Errorf("%d lookups, %d form; want 4, 3", gw.LookupCalls.Load(), gw.FormLookups.Load())
	}
}

func TestFailures(t *testing.T) {
	ctx := context.Background()
	q := gateway.Query{MaThe: "GD4010000000000", HoTen: "Trần Văn A", NgaySinh: "05/03/1994"}

	gw := newFake(t)
	bad, _ := gateway.New(gateway.Config{URL: gw.BaseURL(), Username: username, Password: "wrong", StaffName: staffName, StaffID: staffID, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if _, err := bad.Check(ctx, q); !errors.Is(err, gateway.ErrAuth) {
		t.Errorf("wrong password: %v, want ErrAuth", err)
	}
	c := newClient(t, gw.BaseURL(), nil)
	gw.Down.Store(true)
	if _, err := c.Check(ctx, q); !errors.Is(err, gateway.ErrUnavailable) {
		t.Errorf("down: %v, want ErrUnavailable", err)
	}
	gw.Close()
	if _, err := c.Check(ctx, q); !errors.Is(err, gateway.ErrUnavailable) {
		t.Errorf("closed: %v, want ErrUnavailable", err)
	}
	invalid := []gateway.Query{
		{MaThe: "123", HoTen: "A", NgaySinh: "2000"},
		{MaThe: "GD4010000000000", HoTen: " ", NgaySinh: "2000"},
		{MaThe: "GD4010000000000", HoTen: "A", NgaySinh: "yesterday"},
		{MaThe: "GD4010000000000", HoTen: "A", NgaySinh: "2000", StaffID: "12"},
	}
	for _, iq := range invalid {
		if _, err := c.Check(ctx, iq); !errors.Is(err, gateway.ErrInvalidRequest) {
			t.Errorf("Check(%+v) = %v, want ErrInvalidRequest", iq, err)
		}
	}
	if _, err := gateway.New(gateway.Config{URL: "ftp://x", Username: "u", Password: "p"}); !errors.Is(err, gateway.ErrConfig) {
		t.Errorf("ftp URL accepted: %v", err)
	}
}

// TestNoSecretsOrPersonalDataLeak runs successes and every kind of failure
// and checks that no error string and no log line carries the password, its
// MD5, a token, the staff CCCD or the patient's name or card number.
func TestNoSecretsOrPersonalDataLeak(t *testing.T) {
	var logs bytes.Buffer
	gw := newFake(t)
	c := newClient(t, gw.BaseURL(), &logs)
	ctx := context.Background()
	var errs []string
	record := func(_ *gateway.Answer, err error) {
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	patient := gateway.Query{MaThe: "GD4010000000000", HoTen: "Trần Văn A", NgaySinh: "05/03/1994"}
	record(c.Check(ctx, patient))
	record(c.Check(ctx, gateway.Query{MaThe: "GD4010000001010", HoTen: "Trần Văn A", NgaySinh: "05/03/1994"}))
	record(c.Check(ctx, gateway.Query{MaThe: patient.MaThe, HoTen: patient.HoTen, NgaySinh: "1994", StaffID: "030181000002", StaffName: staffName}))
	gw.ExpireTokens()
	record(c.Check(ctx, patient))
	gw.Down.Store(true)
	record(c.Check(ctx, patient))
	gw.Down.Store(false)
	bad := newClient(t, gw.BaseURL(), &logs)
	bad2, _ := gateway.New(gateway.Config{URL: gw.BaseURL(), Username: username, Password: "wrong-" + password, StaffName: staffName, StaffID: staffID, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	record(bad2.Check(ctx, patient))
	gw.Close()
	record(bad.Check(ctx, patient))
	if len(errs) < 4 {
		t.Fatalf("only %d failures exercised: %q", len(errs), errs)
	}
	secrets := []string{password, md5hex(password), strings.ToUpper(md5hex(password)), md5hex("wrong-" + password),
		staffID, patient.HoTen, patient.MaThe, "GD4010000001010", "token=", "password="}
	all := strings.Join(errs, "\n") + "\n" + logs.String()
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Errorf("%q leaked into errors or logs:\n%s", s, all)
		}
	}
}

// TestTokenTTL: a token older than TokenTTL (or the gateway's expires_in)
// is replaced before use, without a refused lookup.
func TestTokenTTL(t *testing.T) {
	gw := newFake(t)
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	c, err := gateway.New(gateway.Config{URL: gw.BaseURL(), Username: username, Password: password,
		StaffName: staffName, StaffID: staffID, TokenTTL: 10 * time.Minute,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	q := gateway.Query{MaThe: "GD4010000000000", HoTen: "Trần Văn A", NgaySinh: "05/03/1994"}
	steps := []struct {
		advance    time.Duration
		wantTokens int64
	}{{0, 1}, {9 * time.Minute, 1}, {2 * time.Minute, 2}, {time.Minute, 2}}
	for i, st := range steps {
		now = now.Add(st.advance)
		if _, err := c.Check(context.Background(), q); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := gw.TokenCalls.Load(); got != st.wantTokens {
			t.Errorf("step %d: %d token requests, want %d", i, got, st.wantTokens)
		}
	}
	if gw.Unauthorized.Load() != 0 {
		t.Errorf("%d lookups refused", gw.Unauthorized.Load())
	}
}

package gateway_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
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
	cfg := gateway.Config{URL: url, InsecureHTTP: true, Username: username, Password: password, StaffName: staffName, StaffID: staffID}
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
	bad, _ := gateway.New(gateway.Config{URL: gw.BaseURL(), InsecureHTTP: true, Username: username, Password: "wrong", StaffName: staffName, StaffID: staffID, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
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
	// https is required unless insecure_http says otherwise.
	if _, err := gateway.New(gateway.Config{URL: gw.BaseURL(), Username: "u", Password: "p"}); !errors.Is(err, gateway.ErrConfig) {
		t.Errorf("http URL accepted without InsecureHTTP: %v", err)
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
	bad2, _ := gateway.New(gateway.Config{URL: gw.BaseURL(), InsecureHTTP: true, Username: username, Password: "wrong-" + password, StaffName: staffName, StaffID: staffID, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
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
	gw.Now = func() time.Time { return now } // both sides on the test's clock
	c, err := gateway.New(gateway.Config{URL: gw.BaseURL(), InsecureHTTP: true, Username: username, Password: password,
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

// TestNormalizeDOB: the gateway takes dd/MM/yyyy, or MM/yyyy and yyyy when
// the day or month is unknown (Phụ lục 03 of CV 1923/BHXH-CNTT, input row 3
// "ngaySinh", dh-hos/Mo-ta-he-thong XML130/File-ho-tro/Ham API tra cuu TT.pdf
// p. 2).
func TestNormalizeDOB(t *testing.T) {
	cases := []struct{ in, want string }{
		{"05/03/1994", "05/03/1994"}, {"05031994", "05/03/1994"}, {"1994-03-05", "05/03/1994"},
		{"02/1950", "02/1950"}, {"1950-02", "02/1950"}, {"021950", "02/1950"}, {"00/02/1950", "02/1950"},
		{"1950", "1950"}, {"00/00/1950", "1950"}, {" 1950 ", "1950"},
	}
	for _, tc := range cases {
		got, err := gateway.NormalizeDOB(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizeDOB(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "13/1950", "1950-13", "31/02/1950", "00/13/1950", "195", "1799", "1950-2", "x"} {
		if got, err := gateway.NormalizeDOB(bad); !errors.Is(err, gateway.ErrInvalidRequest) {
			t.Errorf("NormalizeDOB(%q) = %q, %v; want ErrInvalidRequest", bad, got, err)
		}
	}
}

// TestPartialBirthDateReachesGateway: a person known by year (or month and
// year) is looked up with ngaySinh "1950" / "02/1950", not refused locally.
func TestPartialBirthDateReachesGateway(t *testing.T) {
	gw := newFake(t)
	gw.SetPatient("GD4010000001950", fakegw.Patient{Card: card("GD4010000001950", "Nguyễn Văn A", "1950")})
	gw.SetPatient("GD4010000021950", fakegw.Patient{Card: card("GD4010000021950", "Nguyễn Văn A", "02/1950")})
	c := newClient(t, gw.BaseURL(), nil)
	for _, tc := range []struct{ card, dob, sent string }{
		{"GD4010000001950", "1950", "1950"},
		{"GD4010000021950", "1950-02", "02/1950"},
	} {
		a, err := c.Check(context.Background(), gateway.Query{MaThe: tc.card, HoTen: "Nguyễn Văn A", NgaySinh: tc.dob})
		if err != nil {
			t.Fatalf("%s: %v", tc.dob, err)
		}
		if a.MaKetQua != "000" || gw.LastDOB() != tc.sent {
			t.Errorf("%s: code %s, sent ngaySinh %q, want %q", tc.dob, a.MaKetQua, gw.LastDOB(), tc.sent)
		}
	}
}

// TestTokenAsSpecified: the fake gateway takes the token call only as CV 1245
// §1 / CV 3190 §1 write it (dh-hos/Mo-ta-he-thong
// XML130/QD4570/1245-BHXH-CNTT_...4750_QĐ_BYT_fn.pdf pp. 2–3 and
// XML130/3190_BHXH_CNTT_031023...pdf pp. 2–3; checked with pdftotext: the
// call, x-www-form-urlencoded and "MD5 uppercase" on p. 2, APIKey with
// expires_in "datetime" on p. 3): form
// fields, MD5 in upper-case hex, APIKey.expires_in a UTC datetime. The client
// gets a token on the first try and does not log a fallback.
func TestTokenAsSpecified(t *testing.T) {
	var logs bytes.Buffer
	gw := newFake(t)
	c := newClient(t, gw.BaseURL(), &logs)
	q := gateway.Query{MaThe: "GD4010000000000", HoTen: "Trần Văn A", NgaySinh: "05/03/1994"}
	for i := 0; i < 2; i++ {
		if a, err := c.Check(context.Background(), q); err != nil || a.MaKetQua != "000" {
			t.Fatalf("check %d: %+v, %v", i, a, err)
		}
	}
	if gw.TokenCalls.Load() != 1 || gw.TokenRefused.Load() != 0 {
		t.Errorf("%d token calls, %d refused; want 1, 0", gw.TokenCalls.Load(), gw.TokenRefused.Load())
	}
	if strings.Contains(logs.String(), "gateway token") {
		t.Errorf("fallback logged against a spec gateway:\n%s", logs.String())
	}
}

// TestTokenLegacyFallback: a gateway that takes only JSON with a lower-case
// MD5 (as field clients send) refuses the spec's form once; the client falls
// back once, logs which form worked (no secret), and keeps using it.
func TestTokenLegacyFallback(t *testing.T) {
	var logs bytes.Buffer
	gw := newFake(t)
	gw.LegacyToken = true
	c := newClient(t, gw.BaseURL(), &logs)
	q := gateway.Query{MaThe: "GD4010000000000", HoTen: "Trần Văn A", NgaySinh: "05/03/1994"}
	if a, err := c.Check(context.Background(), q); err != nil || a.MaKetQua != "000" {
		t.Fatalf("first check: %+v, %v", a, err)
	}
	if gw.TokenCalls.Load() != 2 || gw.TokenRefused.Load() != 1 {
		t.Errorf("%d token calls, %d refused; want 2, 1", gw.TokenCalls.Load(), gw.TokenRefused.Load())
	}
	if n := strings.Count(logs.String(), "lower-case MD5"); n != 1 {
		t.Errorf("fallback logged %d times, want once:\n%s", n, logs.String())
	}
	gw.ExpireTokens()
	if a, err := c.Check(context.Background(), q); err != nil || a.MaKetQua != "000" {
		t.Fatalf("after expiry: %+v, %v", a, err)
	}
	// The new token is taken in the form that worked: no second refusal.
	if gw.TokenCalls.Load() != 3 || gw.TokenRefused.Load() != 1 {
		t.Errorf("%d token calls, %d refused; want 3, 1", gw.TokenCalls.Load(), gw.TokenRefused.Load())
	}
	for _, secret := range []string{md5hex(password), strings.ToUpper(md5hex(password)), password} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log carries a secret")
		}
	}
	// Wrong credentials: one try per form, then ErrAuth.
	gw2 := newFake(t)
	bad, _ := gateway.New(gateway.Config{URL: gw2.BaseURL(), InsecureHTTP: true, Username: username, Password: "nope",
		StaffName: staffName, StaffID: staffID, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if _, err := bad.Check(context.Background(), q); !errors.Is(err, gateway.ErrAuth) || gw2.TokenCalls.Load() != 2 {
		t.Errorf("wrong password: %v after %d token calls; want ErrAuth after 2", err, gw2.TokenCalls.Load())
	}
}

// TestRedirectNotFollowed: a gateway that answers 307 to another port
// (token call and lookup) gets nothing there: no credentials, no patient.
func TestRedirectNotFollowed(t *testing.T) {
	var stolen atomic.Int64
	thief := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { stolen.Add(1) }))
	t.Cleanup(thief.Close)
	gw := newFake(t)
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/token/take" {
			// Tokens come from the real fake; lookups are redirected.
			req, _ := http.NewRequest(r.Method, gw.URL+r.URL.RequestURI(), r.Body)
			req.Header = r.Header.Clone()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			defer resp.Body.Close()
			w.WriteHeader(resp.StatusCode)
			io.Copy(w, resp.Body)
			return
		}
		http.Redirect(w, r, thief.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirecting.Close)
	c := newClient(t, redirecting.URL+"/", nil)
	q := gateway.Query{MaThe: "GD4010000000000", HoTen: "Trần Văn A", NgaySinh: "05/03/1994"}
	if _, err := c.Check(context.Background(), q); err == nil {
		t.Fatal("a redirected lookup succeeded")
	}
	// The token call itself is never redirected, even to the same host.
	tokRedirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, thief.URL+"/api/token/take", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(tokRedirect.Close)
	if _, err := newClient(t, tokRedirect.URL+"/", nil).Check(context.Background(), q); err == nil {
		t.Fatal("a redirected token call succeeded")
	}
	if stolen.Load() != 0 {
		t.Errorf("the other host received %d requests", stolen.Load())
	}
}

// TestTokenExpiryDatetime: expires_in is read as the UTC datetime CV 1245
// gives ("2024-05-03T10:00:00Z" is a time, not 2024 seconds).
func TestTokenExpiryDatetime(t *testing.T) {
	gw := newFake(t)
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	gw.Now = func() time.Time { return now }
	gw.TokenTTL = 30 * time.Minute
	c, err := gateway.New(gateway.Config{URL: gw.BaseURL(), InsecureHTTP: true, Username: username, Password: password,
		StaffName: staffName, StaffID: staffID, TokenTTL: 20 * time.Hour,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	q := gateway.Query{MaThe: "GD4010000000000", HoTen: "Trần Văn A", NgaySinh: "05/03/1994"}
	for i, adv := range []time.Duration{0, 28 * time.Minute, 2 * time.Minute} {
		now = now.Add(adv)
		if _, err := c.Check(context.Background(), q); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	// 0: new token; +28 min: within expiry minus a minute → reused; +30 min:
	// renewed before the gateway refuses it.
	if gw.TokenCalls.Load() != 2 || gw.Unauthorized.Load() != 0 {
		t.Errorf("%d token calls, %d refused lookups; want 2, 0", gw.TokenCalls.Load(), gw.Unauthorized.Load())
	}
}

// Package fakegw is a fake BHXH card-check gateway for tests: an httptest
// server that follows the official request and response tables of Phụ lục 03
// of CV 1923/BHXH-CNTT (api/egw/KQNhanLichSuKCB2024) and of CV 1245 §1 /
// CV 3190 §1 (api/token/take: form fields, MD5 in upper-case hex, APIKey with
// expires_in a UTC datetime), and
// answers every result code it lists from a table keyed by card number. It
// validates requests as the real gateway does: token and credentials in the
// query string, the five body fields (JSON or form), the staff member's
// registration (054/055), the patient's name (060/061) and date of birth (070).
//
// It holds any number of accounts (per-user accounts, CV 1923 from
// 01/08/2024: Accounts; the facility account of Username/PasswordMD5), binds
// every token to the account it was taken for, records each lookup and
// check-in request (Requests) with the account, token and staff fields it
// carried, and implements the check-in endpoint of CV 1245/BHXH-CNTT §2
// (api/qd130/checkInKcbQd4750; the QĐ 3176 variant api/qd130/checkInKcbQd3176
// too): access token, token id and password hash in headers, a form body
// with username, loaiHoSo 0, maTinh, maCSKCB and fileHSBase64, and an answer
// of maKetQua, maGiaoDich, thoiGianTiepNhan (yyyyMMddHHmmss) and thongDiep.
package fakegw

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"

	"golang.org/x/text/unicode/norm"

	"github.com/cccd-agent/cccd/sync/gateway"
)

// Patient is one row of the fake's table: the card data it answers with
// (gateway.Answer's fields, in the response's names) and the result code to
// answer when the request matches it; "" means "000".
type Patient struct {
	Code string
	Card gateway.Answer
}

// Server is the fake gateway. Set its fields before the first request; the
// counters and switches are safe to use while it serves.
type Server struct {
	*httptest.Server

	Username    string // facility account
	PasswordMD5 string // hex MD5 of its password, either case; the token call wants it upper-case
	// Accounts are further accounts (per-user, CV 1923): username → hex MD5
	// of the password. Set before the first request, or with AddAccount.
	Accounts map[string]string
	Staff    map[string]string  // registered staff: cccdCb → hoTenCb
	patients map[string]Patient // by card number; SetPatient adds
	TokenTTL time.Duration      // 0 means 1 hour
	// RejectJSON makes the lookup refuse JSON bodies with result 205, as
	// the gateway does on some endpoints.
	RejectJSON bool
	// HTTP401 makes an invalid token an HTTP 401 instead of result 401.
	HTTP401 bool
	// LegacyToken makes api/token/take take only what some field gateways
	// take: a JSON body with the MD5 in lower-case hex. By default it takes
	// only the CV 1245 form (form fields, upper-case MD5).
	LegacyToken bool
	// Now is the gateway's clock for token expiry; nil means clock.Now.
	Now func() time.Time

	Down         atomic.Bool  // answer HTTP 503 to everything
	TokenCalls   atomic.Int64 // api/token/take requests
	LookupCalls  atomic.Int64 // lookup requests
	FormLookups  atomic.Int64 // lookups sent form-encoded
	Unauthorized atomic.Int64 // lookups refused for their token
	TokenRefused atomic.Int64 // token requests refused (wrong form or credentials)
	CheckinCalls atomic.Int64 // check-in requests (any answer)
	// CheckinFail, while above zero, makes that many check-in requests
	// fail with HTTP 503 (counting down), after the token check.
	CheckinFail atomic.Int64
	// CheckinCode is the maKetQua of an accepted check-in; "" means "200".
	CheckinCode string

	lastDOB atomic.Value // the ngaySinh of the last lookup, as sent

	mu       sync.Mutex
	tokens   map[string]tokenInfo // access_token → info
	requests []Request
}

type tokenInfo struct {
	id       string
	username string
	expires  time.Time
}

// Request is what one lookup or check-in request carried, as the gateway
// saw it (recorded once its token was accepted or refused).
type Request struct {
	Endpoint string // "lookup" or "checkin"
	Path     string // the request path
	Username string // the account named in the request
	Token    string // the access token it presented
	TokenOK  bool   // the token was valid for that account
	// Lookup fields.
	MaThe, HoTenCb, CccdCb string
	// Check-in fields (CV 1245 §2.2).
	LoaiHoSo, MaTinh, MaCSKCB string
	XML0                      []byte // fileHSBase64 decoded; nil if it was not base64
	Answer                    string // the maKetQua answered ("" for HTTP errors)
}

// Requests returns a copy of the requests recorded so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) record(r Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r)
	s.mu.Unlock()
}

// AddAccount registers a further account (username, hex MD5 of its
// password); safe while the server runs.
func (s *Server) AddAccount(username, passwordMD5 string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Accounts[username] = passwordMD5
}

// accountMD5 is the password MD5 of username, if it is an account.
func (s *Server) accountMD5(username string) (string, bool) {
	if username == "" {
		return "", false
	}
	if username == s.Username {
		return s.PasswordMD5, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pw, ok := s.Accounts[username]
	return pw, ok
}

// SetPatient makes the gateway answer for card maThe with p; safe while
// the server runs.
func (s *Server) SetPatient(maThe string, p Patient) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.patients[strings.ToUpper(maThe)] = p
}

// New starts a fake gateway; Close it when done.
func New() *Server {
	s := &Server{Staff: map[string]string{}, Accounts: map[string]string{}, patients: map[string]Patient{}, tokens: map[string]tokenInfo{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/token/take", s.handleToken)
	mux.HandleFunc("/api/egw/KQNhanLichSuKCB2024", s.handleLookup)
	mux.HandleFunc("/api/qd130/checkInKcbQd4750", s.handleCheckin)
	mux.HandleFunc("/api/qd130/checkInKcbQd3176", s.handleCheckin)
	s.Server = httptest.NewServer(mux)
	return s
}

// URL is the base URL to configure the client with.
func (s *Server) BaseURL() string { return s.Server.URL + "/" }

// LastDOB is the ngaySinh field of the last lookup, exactly as sent.
func (s *Server) LastDOB() string {
	v, _ := s.lastDOB.Load().(string)
	return v
}

// ExpireTokens invalidates every token issued so far.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	s.tokens = map[string]tokenInfo{}
	s.mu.Unlock()
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if s.refuse(w, r) {
		return
	}
	s.TokenCalls.Add(1)
	body, isForm, ok := readFields(r)
	md5pw, known := s.accountMD5(body.Get("username"))
	wantPW := strings.ToUpper(md5pw)
	if s.LegacyToken {
		wantPW = strings.ToLower(md5pw)
	}
	// A body in the other form is unreadable to this gateway: the
	// credentials are missing, which it answers as an authentication failure.
	if !ok || isForm == s.LegacyToken || !known || body.Get("password") != wantPW {
		s.TokenRefused.Add(1)
		writeJSON(w, map[string]any{"maKetQua": "401"})
		return
	}
	ttl := s.TokenTTL
	if ttl <= 0 {
		ttl = time.Hour
	}
	access, id := randomHex(), randomHex()
	expires := s.now().Add(ttl)
	s.mu.Lock()
	s.tokens[access] = tokenInfo{id: id, username: body.Get("username"), expires: expires}
	s.mu.Unlock()
	writeJSON(w, map[string]any{"maKetQua": "200", "APIKey": map[string]any{
		"access_token": access, "id_token": id, "token_type": "Bearer",
		"username": body.Get("username"), "expires_in": expires.UTC().Format(time.RFC3339),
	}})
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return clock.Now()
}

func (s *Server) handleLookup(w http.ResponseWriter, r *http.Request) {
	if s.refuse(w, r) {
		return
	}
	s.LookupCalls.Add(1)
	q := r.URL.Query()
	req := Request{Endpoint: "lookup", Path: r.URL.Path, Username: q.Get("username"), Token: q.Get("token")}
	req.TokenOK = s.tokenValid(q.Get("token"), q.Get("id_token"), q.Get("username"), q.Get("password"))
	f, isForm, ok := readFields(r)
	if ok {
		req.MaThe, req.HoTenCb, req.CccdCb = f.Get("maThe"), f.Get("hoTenCb"), f.Get("cccdCb")
	}
	s.record(req)
	if !req.TokenOK {
		s.Unauthorized.Add(1)
		if s.HTTP401 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		writeJSON(w, result("401", "Lỗi xác thực"))
		return
	}
	if isForm {
		s.FormLookups.Add(1)
	}
	if !ok || (s.RejectJSON && !isForm) {
		writeJSON(w, result("205", "Sai định dạng tham số"))
		return
	}
	for _, name := range []string{"maThe", "hoTen", "ngaySinh", "hoTenCb", "cccdCb"} {
		if strings.TrimSpace(f.Get(name)) == "" {
			writeJSON(w, result("205", "Thiếu tham số "+name))
			return
		}
	}
	s.lastDOB.Store(f.Get("ngaySinh"))
	if !validDOB(f.Get("ngaySinh")) {
		writeJSON(w, result("205", "Sai định dạng ngày sinh"))
		return
	}
	staffName, registered := s.Staff[f.Get("cccdCb")]
	if !registered {
		writeJSON(w, result("054", "CCCD cán bộ không có trong danh sách"))
		return
	}
	if norm.NFC.String(staffName) != norm.NFC.String(f.Get("hoTenCb")) {
		writeJSON(w, result("055", "Họ tên cán bộ không khớp CCCD"))
		return
	}
	maThe := strings.ToUpper(f.Get("maThe"))
	s.mu.Lock()
	p, found := s.patients[maThe]
	s.mu.Unlock()
	if !found {
		if n := len(maThe); n != 10 && n != 12 && n != 15 {
			writeJSON(w, result("051", "Mã thẻ không đúng"))
			return
		}
		writeJSON(w, result("050", "Không có thông tin thẻ"))
		return
	}
	if code := nameCode(p.Card.HoTen, f.Get("hoTen")); code != "" {
		writeJSON(w, result(code, "Họ tên không đúng"))
		return
	}
	if !sameDOB(p.Card.NgaySinh, f.Get("ngaySinh")) {
		writeJSON(w, result("070", "Ngày sinh không đúng"))
		return
	}
	a := p.Card
	a.MaKetQua = p.Code
	if a.MaKetQua == "" {
		a.MaKetQua = "000"
	}
	_, meaning := gateway.Classify(a.MaKetQua)
	a.GhiChu = meaning
	out := map[string]any{}
	b, _ := json.Marshal(a)
	json.Unmarshal(b, &out)
	out["dsLichSuKCB2018"] = nil // moved to Lskcb2025
	out["dsLichSuKT2018"] = []any{}
	writeJSON(w, out)
}

// tokenValid: the token is one this gateway issued to username, with its
// id, not expired, and the password hash is that account's.
func (s *Server) tokenValid(access, id, username, pwHash string) bool {
	md5pw, known := s.accountMD5(username)
	s.mu.Lock()
	tok, issued := s.tokens[access]
	s.mu.Unlock()
	return known && issued && tok.id == id && tok.username == username && !s.now().After(tok.expires) &&
		strings.EqualFold(pwHash, md5pw)
}

// handleCheckin is CV 1245/BHXH-CNTT §2 (dh-hos/Mo-ta-he-thong,
// XML130/QD4570/1245-BHXH-CNTT_…4750_QĐ_BYT_fn.pdf, pages 3–4): headers
// accessToken, tokenId, passwordHash; a form body with username, loaiHoSo
// ("0"), maTinh, maCSKCB and fileHSBase64 (an XML0 file,
// CHI_TIEU_TRANG_THAI_KCB); the answer maKetQua (200 success, 401, 403),
// maGiaoDich, thoiGianTiepNhan (yyyyMMddHHmmss), thongDiep.
func (s *Server) handleCheckin(w http.ResponseWriter, r *http.Request) {
	if s.refuse(w, r) {
		return
	}
	s.CheckinCalls.Add(1)
	f, isForm, ok := readFields(r)
	req := Request{Endpoint: "checkin", Path: r.URL.Path, Token: r.Header.Get("accessToken")}
	if ok {
		req.Username, req.LoaiHoSo, req.MaTinh, req.MaCSKCB = f.Get("username"), f.Get("loaiHoSo"), f.Get("maTinh"), f.Get("maCSKCB")
		if b, err := base64.StdEncoding.DecodeString(f.Get("fileHSBase64")); err == nil {
			req.XML0 = b
		}
	}
	req.TokenOK = s.tokenValid(req.Token, r.Header.Get("tokenId"), req.Username, r.Header.Get("passwordHash"))
	answer := func(code, msg string) {
		req.Answer = code
		s.record(req)
		out := map[string]any{"maKetQua": code, "thongDiep": msg}
		if code == "200" {
			out["maGiaoDich"] = fmt.Sprintf("GD%012d", s.CheckinCalls.Load())
			out["thoiGianTiepNhan"] = s.now().UTC().Add(7 * time.Hour).Format("20060102150405")
		}
		writeJSON(w, out)
	}
	switch {
	case !req.TokenOK:
		s.Unauthorized.Add(1)
		answer("401", "Lỗi xác thực")
	case s.CheckinFail.Load() > 0:
		s.CheckinFail.Add(-1)
		s.record(req)
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
	case !ok || !isForm:
		answer("205", "Sai định dạng tham số")
	case req.LoaiHoSo != "0" || req.MaTinh == "" || req.MaCSKCB == "":
		answer("205", "Thiếu hoặc sai tham số")
	case req.XML0 == nil || !strings.Contains(string(req.XML0), "<CHI_TIEU_TRANG_THAI_KCB>"):
		answer("205", "fileHSBase64 không phải file XML0")
	default:
		code := s.CheckinCode
		if code == "" {
			code = "200"
		}
		answer(code, "Tiếp nhận thành công")
	}
}

// refuse answers non-POST requests and the Down switch; true if it did.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request) bool {
	if s.Down.Load() {
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return true
	}
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return true
	}
	return false
}

// readFields parses a JSON object of strings or a form body.
func readFields(r *http.Request) (url.Values, bool, bool) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/x-www-form-urlencoded" {
		if err := r.ParseForm(); err != nil {
			return nil, true, false
		}
		return r.PostForm, true, true
	}
	var m map[string]string
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 64<<10)).Decode(&m); err != nil {
		return nil, false, false
	}
	v := url.Values{}
	for k, x := range m {
		v.Set(k, x)
	}
	return v, false, true
}

func result(code, ghiChu string) map[string]any {
	return map[string]any{"maKetQua": code, "ghiChu": ghiChu}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(v)
}

// nameCode compares names as NFC text: "" if equal, 061 if only the first
// character matches, 060 otherwise.
func nameCode(want, got string) string {
	want, got = norm.NFC.String(strings.TrimSpace(want)), norm.NFC.String(strings.TrimSpace(got))
	if want == got {
		return ""
	}
	wr, gr := []rune(want), []rune(got)
	if len(wr) > 0 && len(gr) > 0 && wr[0] == gr[0] {
		return "061"
	}
	return "060"
}

var dobLayouts = []string{"02/01/2006", "02012006", "01/2006", "2006"}

func validDOB(s string) bool {
	for _, l := range dobLayouts {
		if _, err := time.Parse(l, s); err == nil {
			return true
		}
	}
	return false
}

// sameDOB compares a record date (dd/MM/yyyy, or MM/yyyy / yyyy for a
// person whose birth day or month is unknown) with a request date that may
// carry only the month and year, or the year.
func sameDOB(record, req string) bool {
	for _, l := range []string{"01/2006", "2006"} {
		if _, err := time.Parse(l, record); err == nil {
			// A partial record matches only the same partial request.
			return record == req
		}
	}
	rec, err := time.Parse("02/01/2006", record)
	if err != nil {
		return false
	}
	for _, l := range dobLayouts {
		t, err := time.Parse(l, req)
		if err != nil {
			continue
		}
		switch l {
		case "2006":
			return t.Year() == rec.Year()
		case "01/2006":
			return t.Year() == rec.Year() && t.Month() == rec.Month()
		default:
			return t.Equal(rec)
		}
	}
	return false
}

func randomHex() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

package api

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/checkin"
)

// deskServer is the API over a real agent and cache file (no readers): the
// desk's list, cancel and manual lookup end to end.
func deskServer(t *testing.T) (*authServer, *cache.DB) {
	t.Helper()
	a := newAuthServer(t, Config{})
	db, err := cache.Open(filepath.Join(t.TempDir(), "cccd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := a.now
	err = db.ReplaceRoster(cache.RosterMeta{Version: 1, Published: now, Synced: now, Source: "test"},
		func(yield func(cache.RosterRecord) error) error {
			return yield(cache.RosterRecord{SoCCCD: patientID, MaThe: patientCard, MaSoBHXH: "7901234567", HoTen: patientName,
				NgaySinh: "17/05/1990", MaDKBD: "79024", GtTheTu: "01/01/2026", GtTheDen: "31/12/2027", MucHuong: "80", TrangThai: "000"})
		})
	if err != nil {
		t.Fatal(err)
	}
	agent := checkin.NewAgent(checkin.AgentConfig{Facility: "79024", DB: db, Hub: checkin.NewHub(), Now: a.srv.cfg.Now,
		Lookup: &checkin.Lookup{DB: db, Config: checkin.EligibilityConfig{Facility: "79024", Freshness: 24 * time.Hour}}})
	a.srv = New(a.srv.cfg, testToken, agent, nil)
	a.h = validated(t, a.srv.Handler())
	return a, db
}

func TestCheckinsNewestFirst(t *testing.T) {
	a, db := deskServer(t)
	for i, name := range []string{"Nguyễn Văn An", "Đặng Thị Bình", patientName, "Nguyễn Văn Cường", "Phạm Thu"} {
		if _, err := db.AppendCheckin(&cache.Checkin{SoCCCD: fmt.Sprintf("07919000000%d", i), HoTen: name, NgaySinh: "1990-05-17",
			Time: a.now.Add(time.Duration(i) * time.Minute), Eligibility: storedEligibility, Verification: "verified"}); err != nil {
			t.Fatal(err)
		}
	}
	hdr, r := a.signIn(console, staffLan, pinLan)
	if hdr == nil {
		t.Fatalf("sign-in: %d", r.status)
	}
	list := func(query string) ([]uint64, reply) {
		t.Helper()
		r := a.call("GET", "/api/v1/checkins?"+query, "", hdr)
		var cs []cache.Checkin
		_ = json.Unmarshal(r.raw, &cs)
		var out []uint64
		for _, c := range cs {
			out = append(out, c.Seq)
		}
		return out, r
	}
	for _, c := range []struct {
		query  string
		status int
		want   string
	}{
		{"after=0", 200, "[1 2 3 4 5]"}, // oldest first, as before
		{"after=3&limit=1", 200, "[4]"},
		{"before=0", 200, "[5 4 3 2 1]"},
		{"before=0&limit=2", 200, "[5 4]"},
		{"before=4&limit=2", 200, "[3 2]"},
		{"before=2&limit=2", 200, "[1]"},
		{"before=1", 200, "[]"},
		{"before=0&limit=100000", 200, "[5 4 3 2 1]"},
		{"before=0&q=nguyen+van", 200, "[4 1]"},
		{"before=0&q=dang", 200, "[2]"},
		{"before=0&q=" + strings.ReplaceAll("Lê Thị", " ", "%20"), 200, "[3]"},
		{"before=0&q=0002", 200, "[3 2]"}, // the ID's end, or check-in 2
		{"before=0&q=3", 200, "[]"},       // one digit is a name search
		{"before=0&q=17/05/1990", 200, "[5 4 3 2 1]"},
		{"before=0&q=" + a.now.Format("2006-01-02"), 200, "[5 4 3 2 1]"},
		{"before=0&q=31/02/2026", 400, ""},
		{"before=0&q=" + strings.Repeat("a", 101), 400, ""},
		{"after=0&before=3", 400, ""},
		{"before=&limit=2", 400, ""},
		{"before=-1", 400, ""},
		{"before=x", 400, ""},
	} {
		got, r := list(c.query)
		if r.status != c.status {
			t.Errorf("%s: %d %s, want %d", c.query, r.status, r.err.Message, c.status)
			continue
		}
		if c.status == 400 && (r.err.Code != "bad-request" || strings.Contains(r.err.Message, "31/02") || strings.Contains(r.err.Message, "\n")) {
			t.Errorf("%s: error %+v", c.query, r.err)
		}
		if c.status == 200 && fmt.Sprint(got) != c.want && !(c.want == "[]" && got == nil) {
			t.Errorf("%s: %v, want %s", c.query, got, c.want)
		}
	}
	recs := strings.Join(a.audit.events(), " ")
	if !strings.Contains(recs, "checkins-browsed/"+staffLan+"/ok:2") || !strings.Contains(recs, "checkins-browsed/"+staffLan+"/ok:2:search") ||
		!strings.Contains(recs, "checkins-listed/"+staffLan+"/ok:5") {
		t.Errorf("audit trail: %s", recs)
	}
	all, _ := json.Marshal(a.audit.recs)
	for _, leak := range []string{"nguyen", "dang", "17/05/1990", "0002"} {
		if strings.Contains(string(all), leak) {
			t.Errorf("the audit trail holds the search text %q", leak)
		}
	}
}

func TestCancelCheckinAPI(t *testing.T) {
	a, db := deskServer(t)
	seq, err := db.AppendCheckin(&cache.Checkin{SoCCCD: patientID, HoTen: patientName, Time: a.now, Eligibility: storedEligibility, Verification: "verified"})
	if err != nil {
		t.Fatal(err)
	}
	hdr, _ := a.signIn(console, staffLan, pinLan)
	path := fmt.Sprintf("/api/v1/checkins/%d/", seq)
	for i := range 2 { // the second cancel changes nothing
		r := a.call("POST", path+"cancel", "", hdr)
		if r.status != 200 || r.body["cancelled"] != true || r.body["cancelled_at"] == nil {
			t.Fatalf("cancel %d: %d %v", i+1, r.status, r.body)
		}
	}
	r := a.call("POST", path+"confirm", "", hdr)
	if r.status != 409 || r.err.Code != "conflict" || strings.Contains(r.err.Message, "\n") {
		t.Fatalf("confirm after cancel: %d %+v", r.status, r.err)
	}
	if r := a.call("POST", "/api/v1/checkins/999/cancel", "", hdr); r.status != 404 {
		t.Fatalf("cancel of an unknown check-in: %d", r.status)
	}
	if r := a.call("POST", "/api/v1/checkins/x/cancel", "", hdr); r.status != 400 {
		t.Fatalf("cancel of a malformed number: %d", r.status)
	}
	if r := a.call("GET", path+"cancel", "", hdr); r.status != 405 {
		t.Fatalf("GET cancel: %d", r.status)
	}
	noCSRF := map[string]string{"Origin": hdr["Origin"], "Cookie": hdr["Cookie"]}
	if r := a.call("POST", path+"cancel", "", noCSRF); r.status != 401 {
		t.Fatalf("cancel without the CSRF token: %d", r.status)
	}
	recs := strings.Join(a.audit.events(), " ")
	for _, want := range []string{"checkin-cancelled/" + staffLan + "/ok", "checkin-confirmed/" + staffLan + "/conflict",
		"checkin-cancelled/" + staffLan + "/not-found"} {
		if !strings.Contains(recs, want) {
			t.Errorf("audit trail lacks %q: %s", want, recs)
		}
	}
	for _, rec := range a.audit.recs {
		if rec.Event == "checkin-cancelled" && rec.Result == "ok" && rec.Checkin != seq {
			t.Errorf("cancel recorded without the check-in number: %+v", rec)
		}
	}
}

func TestManualLookupAPI(t *testing.T) {
	a, db := deskServer(t)
	hdr, _ := a.signIn(console, staffLan, pinLan)
	hdr["Content-Type"] = "application/json"
	body := `{"id_number":"` + patientID + `","full_name":"` + patientName + `","date_of_birth":"1990-05-17"}`
	r := a.call("POST", "/api/v1/lookups", body, hdr)
	if r.status != 200 {
		t.Fatalf("manual lookup: %d %+v", r.status, r.err)
	}
	elig, _ := r.body["eligibility"].(map[string]any)
	seq, _ := r.body["seq"].(float64)
	if seq == 0 || elig["status"] != "eligible" || len(r.body) != 2 {
		t.Fatalf("answer %v", r.body)
	}
	c, ok, _ := db.Checkin(uint64(seq))
	if !ok || c.Reader != "manual" || c.Verification != "none" || c.HoTen != patientName || c.MaThe != patientCard {
		t.Fatalf("stored %+v", c)
	}
	tok := map[string]string{"Authorization": "Bearer " + testToken}
	for _, c := range []struct{ body, field string }{
		{`{"id_number":"12345","full_name":"` + patientName + `","date_of_birth":"1990"}`, "id_number"},
		{`{"id_number":"` + patientID + `","full_name":"","date_of_birth":"1990"}`, "full_name"},
		{`{"id_number":"` + patientID + `","full_name":"` + patientName + `","date_of_birth":"17/05/1990"}`, "date_of_birth"},
		{`{"id_number":"` + patientID + `","full_name":"` + patientName + `"}`, "date_of_birth"},
		{`{"id_number":"` + patientID + `","full_name":"` + patientName + `","date_of_birth":"1990","x":1}`, "x"},
		{`{"id_number":79190012345}`, "id_number"},
		{`not json`, ""},
	} {
		r := a.call("POST", "/api/v1/lookups", c.body, tok)
		if r.status != 400 || r.err.Code != "bad-request" || !strings.Contains(r.err.Message, c.field) || strings.Contains(r.err.Message, "\n") {
			t.Errorf("%s: %d %+v, want 400 naming %q", c.body, r.status, r.err, c.field)
		}
		for _, leak := range []string{patientID, "190012345", patientName, "Tuyết", "1990"} {
			if strings.Contains(r.err.Message, leak) {
				t.Errorf("error %q echoes the input", r.err.Message)
			}
		}
	}
	if r := a.call("GET", "/api/v1/lookups", "", tok); r.status != 405 {
		t.Errorf("GET /api/v1/lookups: %d", r.status)
	}
	if r := a.call("POST", "/api/v1/lookups", body, nil); r.status != 401 {
		t.Errorf("without credentials: %d", r.status)
	}
	recs := strings.Join(a.audit.events(), " ")
	if !strings.Contains(recs, "manual-lookup/"+staffLan+"/eligible") || !strings.Contains(recs, "manual-lookup/default/bad-request") {
		t.Errorf("audit trail: %s", recs)
	}
	all, _ := json.Marshal(a.audit.recs)
	for _, leak := range []string{patientID, "190012345", patientName, "Tuyết", "1990", patientCard} {
		if strings.Contains(string(all), leak) {
			t.Errorf("the audit trail holds personal data %q", leak)
		}
	}
}

// storedEligibility is what a real check-in carries (the API's document
// requires a status and a source).
var storedEligibility = cache.CheckinEligibility{Status: "eligible", Code: "000", Source: "roster"}

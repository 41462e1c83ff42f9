package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/checkin"
)

// personBackend answers with a real-looking person, so that the audit test
// has something to leak.
type personBackend struct{ recordingBackend }

const (
	patientID   = "079190012345"
	patientName = "Lê Thị Ánh Tuyết"
	patientCard = "GD4797901234567"
)

var patient = cache.Checkin{Seq: 7, Reader: "sim", SoCCCD: patientID, HoTen: patientName, NgaySinh: "1990-05-17", DiaChi: "Phường 5", MaThe: patientCard,
	Verification: "intact-untrusted", Eligibility: cache.CheckinEligibility{Status: "eligible", Code: "000", Source: "roster"}}

func (b *personBackend) Checkins(context.Context, uint64, int) ([]cache.Checkin, error) {
	return []cache.Checkin{patient}, nil
}
func (b *personBackend) Checkin(context.Context, uint64) (cache.Checkin, error) { return patient, nil }
func (b *personBackend) ConfirmCheckin(context.Context, uint64) (cache.Checkin, error) {
	c := patient
	c.Confirmed = true
	return c, nil
}
func (b *personBackend) Lookup(context.Context, string) (checkin.Eligibility, error) {
	return checkin.Eligibility{Status: checkin.Eligible, Code: "000", Source: checkin.FromRoster, Card: checkin.EligibilityCard{MaThe: patientCard}}, nil
}

// TestAuditTrailHasNoPersonalData: every step a receptionist and a program
// take is recorded with the staff name or token name, the check-in number
// and a result code, and no record holds the patient's ID number, name, date
// of birth, card number or the key typed; nor the staff member's own CCCD.
func TestAuditTrailHasNoPersonalData(t *testing.T) {
	a := newAuthServer(t, Config{})
	b := &personBackend{recordingBackend{hub: checkin.NewHub(), keys: map[string]string{}}}
	cfg := a.srv.cfg
	a.srv = New(cfg, testToken, b, nil)
	a.h = validated(t, a.srv.Handler())

	// A mistyped sign-in: the patient's name in the staff field.
	a.signIn(console, patientName, "000000")
	hdr, r := a.signIn(console, staffLan, pinLan)
	if hdr == nil {
		t.Fatalf("sign-in: %d", r.status)
	}
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/api/v1/readers/sim/key", `{"key":"` + patientID + `"}`},
		{"GET", "/api/v1/checkins?after=6", ""},
		{"GET", "/api/v1/checkins/7", ""},
		{"POST", "/api/v1/checkins/7/confirm", ""},
		{"GET", "/api/v1/roster/" + patientID, ""},
		{"GET", "/api/v1/reads/" + testReadID, ""},
	} {
		if r := a.call(c.method, c.path, c.body, hdr); r.status >= 500 {
			t.Fatalf("%s %s: %d", c.method, c.path, r.status)
		}
	}
	tok := map[string]string{"Authorization": "Bearer " + testToken}
	a.call("GET", "/api/v1/checkins/7", "", tok)
	a.call("GET", "/api/v1/checkins/7", "", tok)
	a.advance(time.Minute)
	a.call("DELETE", "/api/v1/session", "", hdr)

	got := strings.Join(a.audit.events(), " ")
	for _, want := range []string{
		"sign-in-failed//unknown-account", "sign-in/" + staffLan + "/ok", "key-submitted/" + staffLan + "/bad-request",
		"checkins-listed/" + staffLan + "/ok:1", "checkin-viewed/" + staffLan + "/ok", "checkin-confirmed/" + staffLan + "/ok",
		"roster-lookup/" + staffLan + "/eligible", "read-viewed/" + staffLan + "/ok", "token-used/default/ok", "checkin-viewed/default/ok", "sign-out/" + staffLan + "/ok",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("audit trail lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "token-used/default"); n != 1 {
		t.Errorf("token use recorded %d times within the hour, want once", n)
	}
	for _, rec := range a.audit.recs {
		if rec.Event == "checkin-viewed" && rec.Checkin != 7 {
			t.Errorf("viewed record without the check-in number: %+v", rec)
		}
		if rec.Time.IsZero() {
			t.Errorf("record without time: %+v", rec)
		}
	}
	all, _ := json.Marshal(a.audit.recs)
	for _, leak := range []string{patientID, "190012345", patientName, "Tuyết", "1990-05-17", patientCard, "Phường", "079190001234"} {
		if strings.Contains(string(all), leak) {
			t.Errorf("the audit trail holds personal data %q", leak)
		}
	}
}

package checkin

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/icao/mrz"
	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/internal/testkit/fakegw"
	"github.com/cccd-agent/cccd/sync/gateway"
)

// TestPartialBirthDateFromQRToGateway: issue 15's acceptance. A CCCD QR that
// prints only the year (…|Nguyễn Văn A|1950|Nam|…) or month and year
// (…|021950|…) is read, and the gateway lookup carries ngaySinh "1950" /
// "02/1950" (Phụ lục 03 of CV 1923/BHXH-CNTT, input row 3, dh-hos/Mo-ta-he-thong
// XML130/File-ho-tro/Ham API tra cuu TT.pdf p. 2). The eligibility is not a silent roster fallback.
func TestPartialBirthDateFromQRToGateway(t *testing.T) {
	gw := fakegw.New()
	t.Cleanup(gw.Close)
	sum := md5.Sum([]byte("pw"))
	gw.Username, gw.PasswordMD5 = "79024_BV", hex.EncodeToString(sum[:])
	gw.Staff["030181000001"] = "Nguyễn Văn Cán"
	today := clock.Now().UTC()
	from, to := today.AddDate(0, -1, 0).Format("02/01/2006"), today.AddDate(0, 6, 0).Format("02/01/2006")
	for id, dob := range map[string]string{"001050012345": "1950", "001050012346": "02/1950"} {
		gw.SetPatient(id, fakegw.Patient{Card: gateway.Answer{MaThe: "HT3790000012345", HoTen: "Nguyễn Văn A",
			NgaySinh: dob, GioiTinh: "Nam", MaDKBD: "79022", GtTheTu: from, GtTheDen: to}})
	}
	client, err := gateway.New(gateway.Config{URL: gw.BaseURL(), InsecureHTTP: true, Username: "79024_BV", Password: "pw",
		StaffName: "Nguyễn Văn Cán", StaffID: "030181000001"})
	if err != nil {
		t.Fatal(err)
	}
	db, err := cache.Open(filepath.Join(t.TempDir(), "cccd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	l := &Lookup{DB: db, Gateway: client, Config: EligibilityConfig{Facility: "79022", Freshness: time.Hour}}
	for _, tc := range []struct{ qr, sent string }{
		{"001050012345||Nguyễn Văn A|1950|Nam|Hà Nội|01072021", "1950"},
		{"001050012346||Nguyễn Văn A|021950|Nam|Hà Nội|01072021", "02/1950"},
	} {
		q, err := mrz.ParseQR(tc.qr)
		if err != nil {
			t.Fatalf("QR with birth date %s refused: %v", tc.sent, err)
		}
		e := l.Eligibility(context.Background(), Person{IDNumber: q.ID, FullName: q.FullName, DateOfBirth: q.BirthDate}, clock.Now())
		if gw.LastDOB() != tc.sent {
			t.Errorf("gateway got ngaySinh %q, want %q", gw.LastDOB(), tc.sent)
		}
		if e.Source != FromGateway || e.Status != Eligible {
			t.Errorf("%s: eligibility %+v, want eligible from the gateway", tc.sent, e)
		}
	}
}

// TestLookupCacheKeepsOnlyEligibilityFields: the lookup cache holds the
// fields the eligibility JSON needs, not the gateway's raw answer (its name,
// address and ghiChu), and the cached answer evaluates the same.
func TestLookupCacheKeepsOnlyEligibilityFields(t *testing.T) {
	gw := fakegw.New()
	t.Cleanup(gw.Close)
	sum := md5.Sum([]byte("pw"))
	gw.Username, gw.PasswordMD5 = "79024_BV", hex.EncodeToString(sum[:])
	gw.Staff["030181000001"] = "Nguyễn Văn Cán"
	today := clock.Now().UTC()
	gw.SetPatient("001099012345", fakegw.Patient{Card: gateway.Answer{MaThe: "HT3790000012345", HoTen: "Lê Thị Bích",
		NgaySinh: "05/03/1994", GioiTinh: "Nữ", DiaChi: "Số 9 Đường Bí Mật", CqBHXH: "BHXH Quận X", MaDKBD: "79022",
		GtTheTu: today.AddDate(0, -1, 0).Format("02/01/2006"), GtTheDen: today.AddDate(0, 6, 0).Format("02/01/2006")}})
	client, err := gateway.New(gateway.Config{URL: gw.BaseURL(), InsecureHTTP: true, Username: "79024_BV", Password: "pw",
		StaffName: "Nguyễn Văn Cán", StaffID: "030181000001"})
	if err != nil {
		t.Fatal(err)
	}
	db, err := cache.Open(filepath.Join(t.TempDir(), "cccd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	l := &Lookup{DB: db, Gateway: client, Config: EligibilityConfig{Facility: "79022", Freshness: time.Hour}}
	online := l.Eligibility(context.Background(), Person{IDNumber: "001099012345", FullName: "Lê Thị Bích", DateOfBirth: "1994-03-05"}, clock.Now())
	raw, _, ok, err := db.GetLookup("001099012345")
	if err != nil || !ok {
		t.Fatalf("nothing cached: %v", err)
	}
	for _, personal := range []string{"Lê Thị Bích", "05/03/1994", "Bí Mật", "Quận X", "ghiChu", "hoTen", "dsLichSu"} {
		if strings.Contains(string(raw), personal) {
			t.Errorf("lookup cache keeps %q: %s", personal, raw)
		}
	}
	a, err := gateway.DecodeAnswer(raw)
	if err != nil {
		t.Fatal(err)
	}
	cached := Evaluate(GatewayInput(a, FromCache, online.AsOf), clock.Now(), EligibilityConfig{Facility: "79022", Freshness: time.Hour})
	if cached.Status != online.Status || cached.Card != online.Card || cached.Code != online.Code {
		t.Errorf("cached answer evaluates to %+v, online %+v", cached, online)
	}
}

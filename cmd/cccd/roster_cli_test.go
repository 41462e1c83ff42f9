package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/checkin"
)

func TestRosterCLI(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	dir := t.TempDir()
	now := clock.Now().In(time.FixedZone("ICT", 7*3600))
	from, to := now.AddDate(0, -1, 0).Format("02/01/2006"), now.AddDate(0, 6, 0).Format("02/01/2006")
	good := filepath.Join(dir, "roster.csv")
	os.WriteFile(good, []byte("\ufeffsoCCCD,maThe,hoTen,gtTheTu,gtTheDen,maDKBD,trangThai\n"+
		"079090000001,GD4797900000001,Nguyễn Văn Thử,"+from+","+to+",79011,000\n"+
		"079090000002,7900000002,Trần Thị Mẫu,"+from+","+to+",79022,110\n"), 0o600)
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("soCCCD,maThe,hoTen,gtTheTu,gtTheDen\n"+
		"07909000000X,GD4797900000001,Nguyễn Văn Thử,"+from+","+to+"\n"+
		"079090000003,GD47979,Lê Văn Lỗi,"+from+","+to+"\n"), 0o600)

	// No database yet: a read command creates none and says where it looked.
	_, errOut, code := runCLI(t, data, "roster", "lookup", "079090000001")
	if code != exitUsage || !strings.Contains(errOut, "no database at") {
		t.Errorf("lookup without a database: exit %d, %q", code, errOut)
	}
	out, _, code := runCLI(t, data, "roster", "import", good)
	if code != 0 || !strings.Contains(out, "version 1: 2 records") {
		t.Fatalf("import: %d %q", code, out)
	}
	if fi, err := os.Stat(filepath.Join(data, cacheFileName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("cache file: %v %v", fi, err)
	}
	_, errOut, code = runCLI(t, data, "roster", "import", bad)
	if code != exitRoster || !strings.Contains(errOut, "line 2: soCCCD: must be 12 digits") || !strings.Contains(errOut, "line 3: maThe") {
		t.Errorf("bad import: %d %q", code, errOut)
	}
	for _, p := range []string{"Nguyễn", "Lê Văn", "07909000000X", "GD47979"} {
		if strings.Contains(errOut, p) {
			t.Errorf("import errors leak %q: %s", p, errOut)
		}
	}
	if _, _, code := runCLI(t, data, "roster", "import", filepath.Join(dir, "missing.csv")); code != exitUsage {
		t.Errorf("missing file: exit %d", code)
	}

	out, _, code = runCLI(t, data, "roster", "status", "--json")
	var st rosterStatus
	if err := json.Unmarshal([]byte(out), &st); err != nil || code != 0 || st.Version != 1 || st.Records != 2 || st.AgeSeconds < 0 {
		t.Errorf("status: %d %q %v", code, out, err)
	}

	tests := []struct {
		key    string
		status checkin.EligibilityStatus
		code   int
	}{
		// Imported a moment ago: within the default freshness (7 days).
		{"079090000001", checkin.Eligible, 0},
		{"gd4797900000001", checkin.Eligible, 0},
		{"7900000002", checkin.NotEligible, 0},
		{"079090000009", checkin.NotFound, 0},
	}
	for _, tc := range tests {
		out, errOut, code := runCLI(t, data, "roster", "lookup", tc.key, "--json", "--lang", "en")
		var e checkin.Eligibility
		if err := json.Unmarshal([]byte(out), &e); err != nil || code != tc.code {
			t.Fatalf("lookup %s: %d %q %q", tc.key, code, out, errOut)
		}
		if e.Status != tc.status || e.Source != checkin.FromRoster {
			t.Errorf("lookup %s: %+v", tc.key, e)
		}
	}
	for _, badKey := range []string{"123", "07909000000X", "GD47979000000011"} {
		if _, _, code := runCLI(t, data, "roster", "lookup", badKey); code != exitUsage {
			t.Errorf("lookup %q: exit %d", badKey, code)
		}
	}
	out, _, code = runCLI(t, data, "roster", "lookup", "079090000001")
	if code != 0 || !strings.Contains(out, "status:  eligible") || !strings.Contains(out, "GD4797900000001") {
		t.Errorf("text lookup: %d %q", code, out)
	}
}

func TestCheckinsCLI(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	os.MkdirAll(data, 0o700)
	db, err := cache.Open(filepath.Join(data, cacheFileName))
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"079090000001", "079090000002"} {
		c := cache.Checkin{SoCCCD: id, HoTen: "Nguyễn Văn Thử", NgaySinh: "1990-02-15", GioiTinh: "Nam",
			Facility: "79011", MaThe: "GD4797900000001", GtTheTu: "01/01/2026", GtTheDen: "31/12/2026",
			Eligibility: cache.CheckinEligibility{Status: "eligible", Code: "000", Source: "roster"}}
		db.AppendCheckin(&c)
		if i == 0 {
			db.MarkDelivered(&c, clock.Now())
		}
	}
	db.Close()

	out, _, code := runCLI(t, data, "checkins", "list")
	if code != 0 || !strings.Contains(out, "0790******01") || strings.Contains(out, "079090000001") || strings.Contains(out, "Nguyễn") {
		t.Errorf("list: %d %q", code, out)
	}
	if out, _, _ := runCLI(t, data, "checkins", "list", "--pending"); strings.Count(out, "\n") != 2 {
		t.Errorf("pending list: %q", out)
	}
	for _, tc := range []struct{ format, want string }{
		{"json", `"soCCCD": "079090000002"`},
		{"csv", "seq,key,time"},
		{"xml4750", "<GIAMDINHHS"},
	} {
		out, _, code := runCLI(t, data, "checkins", "export", "--format", tc.format)
		if code != 0 || !strings.Contains(out, tc.want) {
			t.Errorf("export %s: %d %q", tc.format, code, out)
		}
	}
	file := filepath.Join(t.TempDir(), "x.xml")
	if _, _, code := runCLI(t, data, "checkins", "export", "--format", "xml4750", "--out", file); code != 0 {
		t.Errorf("export to file: exit %d", code)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("export file: %v %v", fi, err)
	}
	if _, _, code := runCLI(t, data, "checkins", "export", "--format", "pdf"); code != exitUsage {
		t.Errorf("bad format: exit %d", code)
	}
	if b, _ := os.ReadFile(file); !strings.Contains(string(b), "NOT SUBMITTABLE") {
		t.Error("the xml4750 hand-off file is not labelled as not submittable")
	}

	// xml0: one bare CHI_TIEU_TRANG_THAI_KCB file per check-in (issue 15).
	if _, _, code := runCLI(t, data, "checkins", "export", "--format", "xml0"); code != exitUsage {
		t.Errorf("xml0 without --out: exit %d", code)
	}
	dir := filepath.Join(t.TempDir(), "xml0")
	_, errOut, code := runCLI(t, data, "checkins", "export", "--format", "xml0", "--out", dir)
	if code != 0 || !strings.Contains(errOut, "exported 2 XML0 files") || !strings.Contains(errOut, "2 of them have no MA_LK") {
		t.Fatalf("export xml0: %d %q", code, errOut)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "XML0_*.xml"))
	if len(files) != 2 {
		t.Fatalf("xml0 files: %v", files)
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		fi, _ := os.Stat(f)
		if !strings.Contains(string(b), "<CHI_TIEU_TRANG_THAI_KCB>") || !strings.Contains(string(b), "<STT>1</STT>") ||
			!strings.Contains(string(b), "<MA_LK></MA_LK>") || strings.Contains(string(b), "GIAMDINHHS") || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s (%v):\n%s", f, fi.Mode(), b)
		}
	}

	// A cancelled check-in is no visit: XML0 leaves it out and says so.
	db, err = cache.Open(filepath.Join(data, cacheFileName))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateCheckin(2, func(c *cache.Checkin) error { c.Cancelled = true; return nil }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	dir = filepath.Join(t.TempDir(), "xml0-cancelled")
	_, errOut, code = runCLI(t, data, "checkins", "export", "--format", "xml0", "--out", dir)
	files, _ = filepath.Glob(filepath.Join(dir, "XML0_*.xml"))
	if code != 0 || len(files) != 1 || !strings.Contains(errOut, "exported 1 XML0 files") || !strings.Contains(errOut, "left out 1 cancelled") {
		t.Fatalf("export xml0 with a cancelled check-in: %d %q %v", code, errOut, files)
	}
	if out, _, _ := runCLI(t, data, "checkins", "export", "--format", "csv"); !strings.Contains(out, ",cancelled\n") || !strings.Contains(out, ",true\n") {
		t.Errorf("csv export without the cancelled column:\n%s", out)
	}
}

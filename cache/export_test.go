package cache

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"slices"
	"strings"
	"testing"
	"time"
)

func exportSample() []Checkin {
	a := sampleCheckin(1)
	a.Seq, a.Key, a.Time = 1, "0123456789abcdef0123456789abcdef", time.Date(2026, 11, 28, 1, 5, 0, 0, time.UTC)
	a.MaKV = "K2"
	a.Episode = &Episode{MaLK: "79011_2026_11_BN001_KB01", MaBN: "BN001", MaLoaiKCB: "01", MaDoiTuongKCB: "1.1"}
	b := sampleCheckin(2)
	b.Seq, b.Key, b.Time = 2, "fedcba9876543210fedcba9876543210", time.Date(2026, 11, 28, 17, 30, 0, 0, time.UTC)
	b.NgaySinh, b.GioiTinh, b.HoTen, b.DiaChi = "1990", "Nữ", "Lê <Thị> & \"B\"", "=HYPERLINK(\"x\")"
	b.DeliveredAt = b.Time.Add(time.Minute)
	return []Checkin{a, b}
}

func TestWriteCheckinsJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCheckinsJSON(&buf, exportSample()); err != nil {
		t.Fatal(err)
	}
	var got []Checkin
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := exportSample()
	for i := range want {
		if !got[i].Time.Equal(want[i].Time) || got[i].HoTen != want[i].HoTen || got[i].Eligibility.Status != want[i].Eligibility.Status {
			t.Errorf("record %d: %+v", i, got[i])
		}
	}
	buf.Reset()
	WriteCheckinsJSON(&buf, nil)
	if strings.TrimSpace(buf.String()) != "[]" {
		t.Errorf("empty export %q", buf.String())
	}
}

func TestWriteCheckinsCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCheckinsCSV(&buf, exportSample()); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || len(rows[0]) != len(checkinCSVHeader) {
		t.Fatalf("rows %d, columns %d", len(rows), len(rows[0]))
	}
	col := func(row int, name string) string {
		for i, h := range rows[0] {
			if h == name {
				return rows[row][i]
			}
		}
		t.Fatalf("no column %s", name)
		return ""
	}
	for _, tc := range []struct {
		row       int
		col, want string
	}{
		{1, "seq", "1"}, {1, "time", "2026-11-28T01:05:00Z"}, {1, "delivered_at", ""},
		{2, "hoTen", "Lê <Thị> & \"B\""}, {2, "diaChi", "'=HYPERLINK(\"x\")"},
		{2, "delivered_at", "2026-11-28T17:31:00Z"}, {1, "eligibility_as_of", "2026-11-28T08:30:00Z"},
		{1, "confirmed", "true"},
	} {
		if got := col(tc.row, tc.col); got != tc.want {
			t.Errorf("row %d %s = %q, want %q", tc.row, tc.col, got, tc.want)
		}
	}
}

func TestWriteCheckinsXML4750(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCheckinsXML4750(&buf, exportSample(), "79011", time.Date(2026, 11, 28, 20, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	// Labelled as a hand-off file, not a submission.
	if !bytes.Contains(buf.Bytes(), []byte("NOT SUBMITTABLE")) {
		t.Error("the hand-off file does not say it is not submittable")
	}
	var doc giamDinhHS
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if doc.Facility != "79011" || doc.Info.NgayLap != "20261129" || doc.Info.SoLuong != 2 || len(doc.Info.HoSo) != 2 {
		t.Fatalf("header %+v", doc)
	}
	decode := func(f fileHoSo, v any) {
		t.Helper()
		b, err := base64.StdEncoding.DecodeString(f.NoiDung)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte(`<?xml version="1.0" encoding="utf-8"?>`)) {
			t.Errorf("%s lacks the XML declaration", f.Loai)
		}
		if err := xml.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", f.Loai, err)
		}
	}
	var x0 [2]xml0Doc
	var x1 [2]xml1Doc
	for i, h := range doc.Info.HoSo {
		if len(h.Files) != 2 || h.Files[0].Loai != "XML0" || h.Files[1].Loai != "XML1" {
			t.Fatalf("HOSO %d files %+v", i, h.Files)
		}
		decode(h.Files[0], &x0[i])
		decode(h.Files[1], &x1[i])
	}
	r0, r1 := x0[0].List[0], x0[1].List[0]
	// MA_LK and the other episode fields are the HIS's (issue 15), never
	// the check-in's own key.
	want0 := xml0Row{MaLK: "79011_2026_11_BN001_KB01", STT: 1, MaBN: "BN001", HoTen: "Nguyễn Văn Thử Nghiệm",
		SoCCCD: synthRecord(1).SoCCCD, NgaySinh: "199002150000", GioiTinh: "1", MaTheBHYT: synthRecord(1).MaThe,
		MaDKBD: "79011", GtTheTu: "20260101", GtTheDen: "20261231", MaDoiTuongKCB: "1.1", NgayVao: "202611280805",
		MaLoaiKCB: "01", MaCSKCB: "79011"}
	if r0 != want0 {
		t.Errorf("XML0 row\n got %+v\nwant %+v", r0, want0)
	}
	// 17:30 UTC is 00:30 the next day in Vietnam; year-only birth dates
	// keep zeros for the unknown parts.
	if r1.NgayVao != "202611290030" || r1.NgaySinh != "199000000000" || r1.GioiTinh != "2" || r1.HoTen != "Lê <Thị> & \"B\"" || r1.STT != 2 || r1.MaLK != "" {
		t.Errorf("XML0 row 2 %+v", r1)
	}
	if x1[0].MaKhuVuc != "K2" || x1[0].NamNamLienTuc != "20270601" || x1[0].DiaChi != synthRecord(1).DiaChi || x1[0].NgayVao != "202611280805" {
		t.Errorf("XML1 %+v", x1[0])
	}
	// QĐ 4750 NGAY_SINH: unknown day and month are written as 00
	// (dh-hos/Mo-ta-he-thong XML130/QD4570/Table xml130.bang00checkin row 6).
	for _, c := range []struct{ in, want string }{{"", ""}, {"1990-02", "199002000000"}, {"1990", "199000000000"},
		{"02/1990", "199002000000"}, {"15/02/1990", "199002150000"}, {"1990-02-15", "199002150000"}, {"x", ""}, {"13/1990", ""}} {
		if got := birthXML(c.in); got != c.want {
			t.Errorf("birthXML(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if sexXML("") != "3" || sexXML("NAM") != "1" {
		t.Error("GIOI_TINH mapping")
	}
}

func TestCSVExportDefusesAndStrips(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"\tcmd", "'\tcmd"},
		{"\r=1+1", "'\r=1+1"},
		{"=1+1", "'=1+1"},
		{"-2", "'-2"},
		{"\x00=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"}, // a NUL must not hide a formula
		{"Nguyễn\x1b[31mVăn\x7f", "Nguyễn[31mVăn"},
		{"Số 1\nphường 2", "Số 1\nphường 2"},
		{"a\xffb", "a\uFFFDb"},
		{"\u0085x", "x"}, // C1 control
	} {
		c := exportSample()[0]
		c.HoTen = tc.in
		var buf bytes.Buffer
		if err := WriteCheckinsCSV(&buf, []Checkin{c}); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		i := slices.Index(rows[0], "hoTen")
		if got := rows[1][i]; got != tc.want {
			t.Errorf("hoTen %q exported as %q, want %q", tc.in, got, tc.want)
		}
	}
}

package cache

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const csvHeader = "soCCCD,maThe,maSoBHXH,hoTen,ngaySinh,gioiTinh,diaChi,maDKBD,tenDKBD,gtTheTu,gtTheDen,maKV,ngayDu5Nam,mucHuong,trangThai,capNhat\n"

// csvLine renders record i of synthRecord as a CSV line in csvHeader order.
func csvLine(i int) string {
	r := synthRecord(i)
	var f []string
	for _, p := range fieldsOf(&r) {
		v := *p
		if strings.ContainsAny(v, ",\"") {
			v = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
		}
		f = append(f, v)
	}
	return strings.Join(f, ",") + "\n"
}

func TestRosterColumnsMatchFields(t *testing.T) {
	typ := reflect.TypeOf(RosterRecord{})
	var r RosterRecord
	ptrs := fieldsOf(&r)
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		if got := f.Tag.Get("json"); got != rosterColumns[i] {
			t.Errorf("field %d: json %q, column %q", i, got, rosterColumns[i])
		}
		if reflect.ValueOf(&r).Elem().Field(i).Addr().Interface().(*string) != ptrs[i] {
			t.Errorf("fieldsOf[%d] is not %s", i, f.Name)
		}
	}
}

func TestParseRosterCSV(t *testing.T) {
	good := csvHeader + csvLine(1) + csvLine(2)
	tests := []struct {
		name    string
		in      string
		records int
		bad     []string // "line: field" of each reported error
	}{
		{"good", good, 2, nil},
		{"BOM", "\ufeff" + good, 2, nil},
		{"CRLF", strings.ReplaceAll(good, "\n", "\r\n"), 2, nil},
		{"semicolons", strings.ReplaceAll(good, ",", ";"), 2, nil},
		{"columns reordered, optional ones left out",
			"gtTheDen,hoTen,MATHE,soCCCD,gtTheTu\n31/12/2026,\"Lê Thị \"\"Bé\"\"\",gd4797900000001,079090000001,01/01/2026\n", 1, nil},
		{"quoted field with newline and comma",
			"soCCCD,maThe,hoTen,gtTheTu,gtTheDen,diaChi\n079090000001,7900000001,Trần B,01/01/2026,31/12/2026,\"Số 1,\nPhố 2\"\n079090000002,7900000002,Trần C,01/01/2026,31/12/2026,x\n", 2, nil},
		{"blank lines skipped", csvHeader + "\n" + csvLine(1) + "\n", 1, nil},
		{"bad lines", csvHeader + csvLine(1) +
			"07909000000,GD4797900000001,,A,,,,,,01/01/2026,31/12/2026,,,,,\n" + // line 3: short ID
			"079090000003,GD47979000000,,A,,,,,,01/01/2026,31/12/2026,,,,,\n" + // line 4: card length
			"079090000004,GD4797900000004,7900000005,A,31/02/1990,X,,7901,,01/01/2026,31/12/2025,K4,1/1/2020,12345,01,\n" + // line 5: many
			"079090000006,7900000006,,,,,,,,,31/12/2026,,,,,\n" + // line 6: missing values
			"079090000007,7900000007\n" + // line 7: field count
			csvLine(8), 2,
			[]string{"3: soCCCD", "4: maThe", "5: maSoBHXH", "5: ngaySinh", "5: gioiTinh", "5: maDKBD", "5: gtTheDen",
				"5: maKV", "5: ngayDu5Nam", "5: mucHuong", "5: trangThai", "6: hoTen", "6: gtTheTu", "7: "}},
		{"malformed quote", csvHeader + csvLine(1) + "079090000009,\"GD47\"9,,A,,,,,,01/01/2026,31/12/2026,,,,,\n" + csvLine(4), 2,
			[]string{"3: "}},
		{"unknown and missing columns", "soCCCD,maThe,tuoi,hoTen,hoTen\n", 0,
			[]string{"1: ", "1: hoTen", "1: gtTheTu", "1: gtTheDen"}},
		{"header only", csvHeader, 0, nil},
		{"empty", "", 0, []string{"1: "}},
		{"invalid UTF-8", "soCCCD,maThe,hoTen,gtTheTu,gtTheDen\n079090000001,7900000001,\xff\xfe,01/01/2026,31/12/2026\n", 0, []string{"2: hoTen"}},
		{"control character", "soCCCD,maThe,hoTen,gtTheTu,gtTheDen\n079090000001,7900000001,A\x07B,01/01/2026,31/12/2026\n", 0, []string{"2: hoTen"}},
	}
	for _, tc := range tests {
		var got []RosterRecord
		err := ParseRosterCSV(strings.NewReader(tc.in), func(line int, rec RosterRecord) error {
			got = append(got, rec)
			return nil
		})
		if len(got) != tc.records {
			t.Errorf("%s: %d records, want %d", tc.name, len(got), tc.records)
		}
		var ie *ImportError
		if tc.bad == nil && tc.records > 0 {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if !errors.As(err, &ie) || !errors.Is(err, ErrBadRoster) {
			t.Errorf("%s: err %v, want an ImportError", tc.name, err)
			continue
		}
		var lines []string
		for _, le := range ie.Lines {
			lines = append(lines, fmt.Sprintf("%d: %s", le.Line, le.Field))
		}
		if tc.bad == nil {
			tc.bad = []string{}
		}
		if lines == nil {
			lines = []string{}
		}
		if !reflect.DeepEqual(lines, tc.bad) {
			t.Errorf("%s: bad lines %q, want %q", tc.name, lines, tc.bad)
		}
		if ie.Count != len(ie.Lines) {
			t.Errorf("%s: Count %d, %d lines", tc.name, ie.Count, len(ie.Lines))
		}
	}
}

func TestParseRosterCSVNormalises(t *testing.T) {
	// "Nguyễn" in decomposed form (NFD) must be stored composed (NFC).
	nfd := "Nguye\u0302\u0303n"
	in := "soCCCD,maThe,hoTen,gtTheTu,gtTheDen,gioiTinh\n079090000001, gd4797900000001 ," + nfd + ",01/01/2026,31/12/2026,Nu\u031b\u0303\n"
	var got RosterRecord
	if err := ParseRosterCSV(strings.NewReader(in), func(_ int, r RosterRecord) error { got = r; return nil }); err != nil {
		t.Fatal(err)
	}
	want := RosterRecord{SoCCCD: "079090000001", MaThe: "GD4797900000001", MaSoBHXH: "7900000001",
		HoTen: "Nguyễn", GioiTinh: "Nữ", GtTheTu: "01/01/2026", GtTheDen: "31/12/2026"}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestImportCSV(t *testing.T) {
	db := openTemp(t)
	m, err := db.ImportCSV(context.Background(), strings.NewReader(csvHeader+csvLine(1)+csvLine(2)+csvLine(3)), ImportOptions{Source: "import:a.csv", Now: testTime, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != 1 || m.Records != 3 || m.Source != "import:a.csv" || !m.Published.Equal(testTime) {
		t.Errorf("meta %+v", m)
	}
	// A bad file changes nothing: duplicates and bad lines alike.
	for _, tc := range []struct {
		name string
		in   string
		want []LineError
	}{
		{"repeated ID", csvHeader + csvLine(4) + csvLine(5) + csvLine(4),
			[]LineError{{4, "soCCCD", "repeats an earlier line"}, {4, "maThe", "repeats an earlier line"}, {4, "maSoBHXH", "repeats an earlier line"}}},
		{"repeated card", csvHeader + csvLine(4) + strings.Replace(csvLine(5), synthRecord(5).MaThe, synthRecord(4).MaThe, 1)[0:0] +
			strings.Replace(strings.Replace(csvLine(5), synthRecord(5).MaThe, synthRecord(4).MaThe, 1), ","+synthRecord(5).MaSoBHXH+",", ","+synthRecord(4).MaSoBHXH+",", 1),
			[]LineError{{3, "maThe", "repeats an earlier line"}, {3, "maSoBHXH", "repeats an earlier line"}}},
		{"bad line", csvHeader + csvLine(4) + "x\n", []LineError{{3, "", "1 fields, the header has 16"}}},
		{"bad line and repeat", csvHeader + csvLine(4) + csvLine(4) + "x\n" + csvLine(5),
			[]LineError{{3, "soCCCD", "repeats an earlier line"}, {3, "maThe", "repeats an earlier line"},
				{3, "maSoBHXH", "repeats an earlier line"}, {4, "", "1 fields, the header has 16"}}},
		{"no records", csvHeader, nil},
	} {
		_, err := db.ImportCSV(context.Background(), strings.NewReader(tc.in), ImportOptions{Source: "import:b.csv", Now: testTime, Force: true})
		var ie *ImportError
		if !errors.As(err, &ie) {
			t.Fatalf("%s: err %v", tc.name, err)
		}
		if !reflect.DeepEqual(ie.Lines, tc.want) {
			t.Errorf("%s: lines %+v, want %+v", tc.name, ie.Lines, tc.want)
		}
		if strings.Count(err.Error(), "roster") > 2 {
			t.Errorf("%s: error stacks context: %v", tc.name, err)
		}
		m2, _ := db.RosterMeta()
		if m2.Version != 1 || m2.Records != 3 {
			t.Errorf("%s: roster changed: %+v", tc.name, m2)
		}
		if _, ok, _ := db.LookupRoster(synthRecord(4).SoCCCD); ok {
			t.Errorf("%s: record of a rejected file stored", tc.name)
		}
	}
	m, err = db.ImportCSV(context.Background(), strings.NewReader(csvHeader+csvLine(7)), ImportOptions{Source: "import:c.csv", Now: testTime, Force: true})
	if err != nil || m.Version != 2 || m.Records != 1 {
		t.Fatalf("second import: %+v %v", m, err)
	}
	if _, ok, _ := db.LookupRoster(synthRecord(1).SoCCCD); ok {
		t.Error("old record survived a full replace")
	}
}

func TestImportCSVCancelled(t *testing.T) {
	db := openTemp(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.ImportCSV(ctx, strings.NewReader(csvHeader+csvLine(1)), ImportOptions{Source: "x", Now: testTime}); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v", err)
	}
	if m, _ := db.RosterMeta(); m.Version != 0 {
		t.Errorf("cancelled import stored a roster: %+v", m)
	}
}

// TestMucHuongAndBenefitDigit: mucHuong is QĐ 4750's MUC_HUONG, a percentage
// (80, 95, 100; dh-hos/Mo-ta-he-thong XML130/QD4570/phu-luc-quyet-dinh-4750.xlsx,
// sheets "Bang 2_Thuoc" and "Bang 3_DVKT, VTYT", field MUC_HUONG: "ghi mức
// hưởng là 80 hoặc 95 hoặc 100"), not the benefit digit, which is
// maThe's 3rd character and must be 1–5 (Phụ lục 03 of CV 1923/BHXH-CNTT,
// XML130/File-ho-tro/Ham API tra cuu TT.pdf p. 5: result 053 "Mã quyền lợi
// BHYT (ký tự thứ 3) không đúng").
func TestMucHuongAndBenefitDigit(t *testing.T) {
	base := func() RosterRecord {
		return RosterRecord{SoCCCD: "079090000001", MaThe: "GD4797900000001", HoTen: "A",
			GtTheTu: "01/01/2026", GtTheDen: "31/12/2026"}
	}
	for _, tc := range []struct {
		muc, maThe string
		field      string // "" = valid
	}{
		{"80", "", ""}, {"95", "", ""}, {"100", "", ""}, {"", "", ""}, {"70", "", ""},
		{"4", "", "mucHuong"}, {"1", "", "mucHuong"}, {"5", "", "mucHuong"}, {"0", "", "mucHuong"},
		{"101", "", "mucHuong"}, {"80%", "", "mucHuong"}, {"0.8", "", "mucHuong"}, {"-80", "", "mucHuong"}, {"+80", "", "mucHuong"},
		{"80", "GD0797900000001", "maThe"}, {"80", "GD6797900000001", "maThe"}, {"80", "GD1797900000001", ""},
		{"80", "gd5797900000001", ""}, {"80", "7900000001", ""},
	} {
		rec := base()
		rec.MucHuong = tc.muc
		if tc.maThe != "" {
			rec.MaThe = tc.maThe
		}
		err := ValidateRecord(&rec)
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("mucHuong %q maThe %q: %v", tc.muc, tc.maThe, err)
		case tc.field != "" && (!errors.Is(err, ErrBadRoster) || !strings.Contains(err.Error(), tc.field+":")):
			t.Errorf("mucHuong %q maThe %q: %v, want a %s error", tc.muc, tc.maThe, err, tc.field)
		case err != nil && (strings.Contains(err.Error(), rec.MaThe) || strings.Contains(err.Error(), "\n")):
			t.Errorf("error not one line or carries the card number: %v", err)
		}
		// The CSV import applies the same rule.
		line := fmt.Sprintf("%s,%s,,A,,,,,,01/01/2026,31/12/2026,,,%s,,\n", rec.SoCCCD, rec.MaThe, tc.muc)
		perr := ParseRosterCSV(strings.NewReader(csvHeader+line), func(int, RosterRecord) error { return nil })
		if (perr == nil) != (tc.field == "") {
			t.Errorf("CSV mucHuong %q maThe %q: %v", tc.muc, tc.maThe, perr)
		}
	}
	if err := ValidateRecord(&RosterRecord{SoCCCD: "079090000001"}); !errors.Is(err, ErrBadRoster) {
		t.Errorf("record without maThe accepted: %v", err)
	}
}

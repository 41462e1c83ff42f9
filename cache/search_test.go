package cache

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// ict is Vietnam's time, the desk's zone in these tests.
var ict = time.FixedZone("ICT", 7*3600)

// appendMany stores cs in one transaction (AppendCheckin fsyncs each one,
// too slow for 100k records), numbering them as AppendCheckin does.
func appendMany(t testing.TB, db *DB, cs []Checkin) {
	t.Helper()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCheckins)
		for i := range cs {
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			cs[i].Seq = seq
			if cs[i].Key == "" {
				cs[i].Key = newIdempotencyKey()
			}
			if err := putCheckin(tx, &cs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCheckinsBefore(t *testing.T) {
	db := openTemp(t)
	day := time.Date(2026, 12, 5, 8, 0, 0, 0, ict)
	cs := []Checkin{
		{SoCCCD: "079190012345", HoTen: "Nguyễn Văn An", NgaySinh: "1990-05-17", Time: day},                         // 1
		{SoCCCD: "001085000777", HoTen: "Đặng Thị Bình", NgaySinh: "1985-01-02", Time: day.Add(time.Hour)},          // 2
		{SoCCCD: "079200000012", HoTen: "NGUYỄN VĂN  CƯỜNG", NgaySinh: "2000", Time: day.Add(2 * time.Hour)},        // 3
		{SoCCCD: "036099123412", HoTen: "Trần \"Bé\" Ba", NgaySinh: "1999-12", Time: day.Add(17 * time.Hour)},       // 4: 01:00 on 6/12 in ICT
		{SoCCCD: "079190099999", HoTen: "Lê Văn Dũng", NgaySinh: "2026-12-04", Time: day.Add(24 * time.Hour)},       // 5
		{SoCCCD: "001300000005", HoTen: "Phạm Nguyên", NgaySinh: "1970-07-07", Time: day.UTC().Add(48 * time.Hour)}, // 6
	}
	appendMany(t, db, cs)
	for _, c := range []struct {
		name          string
		before        uint64
		limit         int
		q             string
		want          []uint64
		loc           *time.Location
		wantErrSubstr string
	}{
		{name: "newest first", before: 0, limit: 20, want: []uint64{6, 5, 4, 3, 2, 1}},
		{name: "first page", before: 0, limit: 2, want: []uint64{6, 5}},
		{name: "next page", before: 5, limit: 2, want: []uint64{4, 3}},
		{name: "last page", before: 3, limit: 2, want: []uint64{2, 1}},
		{name: "past the start", before: 1, limit: 2, want: []uint64{}},
		{name: "beyond the newest", before: 1000, limit: 3, want: []uint64{6, 5, 4}},
		{name: "default limit", before: 0, limit: 0, want: []uint64{6, 5, 4, 3, 2, 1}},
		{name: "name without diacritics", q: "nguyen van", want: []uint64{3, 1}},
		{name: "name runs of spaces folded", q: "nguyễn văn cường", want: []uint64{3}},
		{name: "đ folds to d", q: "dang", want: []uint64{2}},
		{name: "Đ typed", q: "ĐẶNG", want: []uint64{2}},
		{name: "name inside a word", q: "nguyen", want: []uint64{6, 3, 1}},
		{name: "name with a quote stored escaped", q: "be", want: []uint64{4}},
		{name: "name with paging", before: 3, q: "nguyen", want: []uint64{1}},
		{name: "name with limit", limit: 1, q: "nguyen", want: []uint64{6}},
		{name: "ID suffix", q: "12345", want: []uint64{1}},
		{name: "ID suffix several", q: "12", want: []uint64{4, 3}},
		{name: "full ID", q: "079190099999", want: []uint64{5}},
		{name: "check-in number or ID suffix", q: "05", want: []uint64{6, 5}},
		{name: "ID middle is no match", q: "190012", want: []uint64{}},
		{name: "visit day dd/mm/yyyy", q: "05/12/2026", want: []uint64{3, 2, 1}},
		{name: "visit day d/m/yyyy", q: "5/12/2026", want: []uint64{3, 2, 1}},
		{name: "visit day in local time", q: "2026-12-06", want: []uint64{5, 4}},
		{name: "visit day in UTC", q: "2026-12-05", loc: time.UTC, want: []uint64{4, 3, 2, 1}},
		{name: "date of birth", q: "17/05/1990", want: []uint64{1}},
		{name: "date of birth equals a visit day", q: "2026-12-04", want: []uint64{5}},
		{name: "date of birth ISO", q: "1985-01-02", want: []uint64{2}},
		{name: "blank", q: "   ", limit: 2, want: []uint64{6, 5}},
		{name: "no such day", q: "31/02/2026", wantErrSubstr: "not one"},
		{name: "only punctuation", q: "--", wantErrSubstr: "no letters"},
		{name: "too long", q: strings.Repeat("a", MaxQueryRunes+1), wantErrSubstr: "longer"},
		{name: "not UTF-8", q: "\xff", wantErrSubstr: "UTF-8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			loc := c.loc
			if loc == nil {
				loc = ict
			}
			f, err := ParseCheckinFilter(c.q, loc)
			if c.wantErrSubstr != "" {
				if !errors.Is(err, ErrBadQuery) || !strings.Contains(err.Error(), c.wantErrSubstr) {
					t.Fatalf("error %v, want ErrBadQuery saying %q", err, c.wantErrSubstr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := db.CheckinsBefore(c.before, c.limit, f)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(seqs(got)) != fmt.Sprint(c.want) {
				t.Errorf("got %v, want %v", seqs(got), c.want)
			}
		})
	}
}

func TestFoldName(t *testing.T) {
	for in, want := range map[string]string{
		"Nguyễn Văn An":        "nguyen van an",
		"ĐẶNG  thị   Bình ":    "dang thi binh",
		"Hồ-Phạm":              "ho pham",
		"":                     "",
		"Ngô Bảo Châu":         "ngo bao chau",
		"Nguye\u0302\u0303n":   "nguyen", // already decomposed
		"Lê Thị Ánh Tuyết (2)": "le thi anh tuyet 2",
	} {
		if got := FoldName(in); got != want {
			t.Errorf("FoldName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRecentCheckin(t *testing.T) {
	db := openTemp(t)
	t0 := time.Date(2026, 12, 5, 8, 0, 0, 0, ict)
	cs := []Checkin{
		{SoCCCD: "079190012345", Time: t0},
		{SoCCCD: "001085000777", Time: t0.Add(time.Minute)},
		{SoCCCD: "079190012345", Time: t0.Add(2 * time.Minute), Cancelled: true},
		{SoCCCD: "036099123412", Time: t0.Add(3 * time.Minute)},
	}
	appendMany(t, db, cs)
	for _, c := range []struct {
		id      string
		since   time.Time
		wantSeq uint64
	}{
		{"079190012345", t0, 1},                      // the cancelled seq 3 does not count
		{"079190012345", t0.Add(time.Second), 0},     // seq 1 is before the window
		{"036099123412", t0.Add(3 * time.Minute), 4}, // at the edge
		{"001085000777", t0.Add(2 * time.Minute), 0}, // the walk stops at older records
		{"099999999999", t0, 0},
	} {
		got, ok, err := db.RecentCheckin(c.id, c.since)
		if err != nil {
			t.Fatal(err)
		}
		if ok != (c.wantSeq != 0) || (ok && got.Seq != c.wantSeq) {
			t.Errorf("RecentCheckin(%s, %v) = %d %v, want %d", c.id[:3], c.since, got.Seq, ok, c.wantSeq)
		}
	}
}

// TestJSONStringAgreesWithDecoder: the fast field reader gives what
// encoding/json gives, escapes included.
func TestJSONStringAgreesWithDecoder(t *testing.T) {
	for _, name := range []string{"Nguyễn Văn An", `Trần "Bé" Ba`, `a\b`, "<&>", "tab\there", ""} {
		c := Checkin{Seq: 1, HoTen: name, SoCCCD: "079190012345", Time: time.Date(2026, 1, 2, 3, 4, 5, 6, ict)}
		v, _ := json.Marshal(&c)
		s := summarize(1, v)
		if !s.parsed || s.hoTen != name || s.soCCCD != c.SoCCCD {
			t.Errorf("summarize(%q) = %+v", name, s)
		}
	}
}

// FuzzParseCheckinFilter: any text either parses or is ErrBadQuery whose
// message does not repeat it; a parsed filter never panics on a record.
func FuzzParseCheckinFilter(f *testing.F) {
	for _, s := range []string{"", "nguyen van", "Đặng", "12345", "079190012345", "0791900123456",
		"05/12/2026", "5/1/2026", "2026-12-05", "31/02/2026", "2026-13-01", "--", "\xff", "1/1/1", "a/b/c"} {
		f.Add(s)
	}
	stored := Checkin{Seq: 7, SoCCCD: "079190012345", HoTen: "Nguyễn \"Văn\" An", NgaySinh: "1990-05-17",
		Time: time.Date(2026, 12, 5, 8, 0, 0, 0, ict)}
	raw, _ := json.Marshal(&stored)
	rec := summarize(7, raw)
	f.Fuzz(func(t *testing.T, q string) {
		fl, err := ParseCheckinFilter(q, ict)
		if err != nil {
			if !errors.Is(err, ErrBadQuery) {
				t.Fatalf("error %v is not ErrBadQuery", err)
			}
			if len(strings.TrimSpace(q)) >= 4 && strings.Contains(err.Error(), strings.TrimSpace(q)) {
				t.Fatalf("error %q repeats the search text", err)
			}
			return
		}
		// The fast reader of the stored bytes agrees with the decoded record.
		slow := fl.match(&rec)
		if fast, ok, _ := fl.matchRaw(7, raw, nil); !ok || fast != slow {
			t.Fatalf("matchRaw %v (%v), match %v", fast, ok, slow)
		}
		if fl.kind == matchName && (!utf8.ValidString(fl.name) || fl.name == "") {
			t.Fatalf("folded name %q", fl.name)
		}
	})
}

// benchCheckins fills db with n check-ins of varied names, one a minute.
func benchCheckins(b *testing.B, db *DB, n int) {
	family := []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"}
	given := []string{"Văn An", "Thị Bình", "Minh Châu", "Quốc Dũng", "Thu Hà", "Đức Huy", "Ngọc Lan", "Hữu Phúc"}
	t0 := time.Date(2026, 1, 1, 7, 0, 0, 0, ict)
	const chunk = 10_000
	for from := 0; from < n; from += chunk {
		cs := make([]Checkin, 0, chunk)
		for i := from; i < min(from+chunk, n); i++ {
			cs = append(cs, Checkin{Time: t0.Add(time.Duration(i) * time.Minute), Reader: "ACS ACR1252 1S CL Reader PICC 0",
				Facility: "79011", SoCCCD: fmt.Sprintf("079%09d", i*7919%1_000_000_000),
				HoTen: family[i%len(family)] + " " + given[(i/len(family))%len(given)], NgaySinh: "1990-05-17", GioiTinh: "Nam",
				DiaChi: "Số 1, Phố Thử, Phường Mẫu, Thành phố Hồ Chí Minh", DiaChiSource: DiaChiFromChip,
				MaThe: "GD4797901234567", MaDKBD: "79011", GtTheTu: "01/01/2026", GtTheDen: "31/12/2026",
				Eligibility:  CheckinEligibility{Status: "eligible", Code: "000", Source: "roster", AsOf: t0},
				Verification: "intact-untrusted", DeliveredAt: t0})
		}
		appendMany(b, db, cs)
	}
}

// BenchmarkCheckinsBefore: the desk's list over 100k stored check-ins. A
// first page reads 20 records; a name search that matches one check-in in
// 100k reads them all (the worst case: linear in the check-ins kept).
func BenchmarkCheckinsBefore(b *testing.B) {
	const n = 100_000
	db := openTemp(b)
	benchCheckins(b, db, n)
	// One rare name among them, near the oldest end.
	rare := []Checkin{{SoCCCD: "001300000005", HoTen: "Ngô Bảo Châu", Time: time.Date(2026, 1, 1, 6, 0, 0, 0, ict)}}
	appendMany(b, db, rare)
	run := func(name, q string, want int) {
		b.Run(name, func(b *testing.B) {
			f, err := ParseCheckinFilter(q, ict)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				got, err := db.CheckinsBefore(0, 20, f)
				if err != nil || len(got) != want {
					b.Fatalf("%d check-ins, %v", len(got), err)
				}
			}
		})
	}
	run("first-page", "", 20)
	run("name-common", "nguyen van", 20)
	run("name-rare-full-scan", "ngo bao", 1)
	run("id-suffix-full-scan", "300000005", 1)
	run("date-full-scan", "01/01/2025", 0)
}

package feed

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/internal/testkit/rostertest"
)

func readAll(t *testing.T, data []byte) (Header, []Entry, error) {
	t.Helper()
	or, err := NewObjectReader(bytes.NewReader(data))
	if err != nil {
		return Header{}, nil, err
	}
	defer or.Close()
	var out []Entry
	for {
		e, err := or.Next()
		if errors.Is(err, io.EOF) {
			return or.Header(), out, nil
		}
		if err != nil {
			return or.Header(), out, err
		}
		out = append(out, e)
	}
}

func TestObjectRoundTrip(t *testing.T) {
	recs := rostertest.Records(1, 50, "v1")
	newer := rostertest.Mutate(2, recs, 0.2, "v2")
	if err := SortRecords(newer); err != nil {
		t.Fatal(err)
	}
	delta := Diff(recs, newer)
	tests := []struct {
		name    string
		h       Header
		entries []Entry
	}{
		{"snapshot", Header{Kind: KindSnapshot, Version: 7}, SnapshotEntries(recs)},
		{"empty snapshot", Header{Kind: KindSnapshot, Version: 7}, nil},
		{"delta", Header{Kind: KindDelta, Base: 7, Version: 8}, delta},
		{"empty delta", Header{Kind: KindDelta, Base: 7, Version: 8}, nil},
	}
	for _, tc := range tests {
		data, ref, err := EncodeObject(tc.h, tc.entries)
		if err != nil {
			t.Fatalf("%s: encode: %v", tc.name, err)
		}
		if err := VerifyObject(data, ref); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		h, got, err := readAll(t, data)
		if err != nil {
			t.Fatalf("%s: decode: %v", tc.name, err)
		}
		if h.Kind != tc.h.Kind || h.Version != tc.h.Version || h.Base != tc.h.Base || h.Count != len(tc.entries) {
			t.Errorf("%s: header %+v", tc.name, h)
		}
		if len(got) != len(tc.entries) {
			t.Fatalf("%s: %d entries, want %d", tc.name, len(got), len(tc.entries))
		}
		for i := range got {
			if got[i] != tc.entries[i] {
				t.Errorf("%s: entry %d = %+v, want %+v", tc.name, i, got[i], tc.entries[i])
			}
		}
	}
	// Applying the delta to the old records gives the new ones.
	applied := map[string]cache.RosterRecord{}
	for _, r := range recs {
		applied[r.SoCCCD] = r
	}
	for _, e := range delta {
		if e.Delete {
			delete(applied, e.ID)
		} else {
			applied[e.ID] = e.Record
		}
	}
	if len(applied) != len(newer) {
		t.Fatalf("delta applied: %d records, want %d", len(applied), len(newer))
	}
	for _, r := range newer {
		if applied[r.SoCCCD] != r {
			t.Fatalf("delta applied: record differs")
		}
	}
}

// rawObject compresses lines as an object body without any checks.
func rawObject(lines ...string) []byte {
	enc, _ := zstd.NewWriter(nil)
	return enc.EncodeAll([]byte(strings.Join(lines, "\n")+"\n"), nil)
}

func TestObjectRejects(t *testing.T) {
	const rec = `{"soCCCD":"001099012345","maThe":"GD4010100000001","hoTen":"X","gtTheTu":"01/01/2026","gtTheDen":"31/12/2026","mucHuong":"80"}`
	const rec2 = `{"soCCCD":"001099012346","maThe":"GD4010100000002","hoTen":"Y","gtTheTu":"01/01/2026","gtTheDen":"31/12/2026"}`
	// Feed records get the CSV import's field rules (issue 15): mucHuong is
	// QĐ 4750's MUC_HUONG percentage, maThe's 3rd character the benefit
	// digit 1–5 (Phụ lục 03 of CV 1923/BHXH-CNTT p. 5, code 053).
	withField := func(r, field, value string) string {
		return strings.Replace(r, `"hoTen"`, `"`+field+`":"`+value+`","hoTen"`, 1)
	}
	snap := func(count string) string {
		return `{"format":"cccd-roster-object/1","kind":"snapshot","version":5,"count":` + count + `}`
	}
	delta := `{"format":"cccd-roster-object/1","kind":"delta","base":4,"version":5,"count":1}`
	tests := []struct {
		name string
		data []byte
	}{
		{"not zstd", []byte("hello")},
		{"empty", rawObject()},
		{"header unknown field", rawObject(`{"format":"cccd-roster-object/1","kind":"snapshot","version":5,"count":0,"x":1}`)},
		{"header wrong format", rawObject(`{"format":"other","kind":"snapshot","version":5,"count":0}`)},
		{"header wrong kind", rawObject(`{"format":"cccd-roster-object/1","kind":"patch","version":5,"count":0}`)},
		{"delta not forward", rawObject(`{"format":"cccd-roster-object/1","kind":"delta","base":5,"version":5,"count":0}`)},
		{"snapshot with base", rawObject(`{"format":"cccd-roster-object/1","kind":"snapshot","base":1,"version":5,"count":0}`)},
		{"negative count", rawObject(snap("-1"))},
		{"fewer entries than count", rawObject(snap("2"), rec)},
		{"more entries than count", rawObject(snap("1"), rec, rec2)},
		{"duplicate id", rawObject(snap("2"), rec, rec)},
		{"descending ids", rawObject(snap("2"), rec2, rec)},
		{"short id", rawObject(snap("1"), `{"soCCCD":"123"}`)},
		{"letters in id", rawObject(snap("1"), `{"soCCCD":"00109901234a"}`)},
		{"entry not JSON", rawObject(snap("1"), `{"soCCCD":`)},
		{"delta put and del", rawObject(delta, `{"put":`+rec+`,"del":"001099012345"}`)},
		{"delta neither", rawObject(delta, `{}`)},
		{"mucHuong is the benefit digit", rawObject(snap("1"), strings.Replace(rec, `"80"`, `"4"`, 1))},
		{"mucHuong not a percentage", rawObject(snap("1"), strings.Replace(rec, `"80"`, `"120"`, 1))},
		{"maThe benefit digit 0", rawObject(snap("1"), strings.Replace(rec, "GD401", "GD001", 1))},
		{"delta put with a bad mucHuong", rawObject(delta, `{"put":`+strings.Replace(rec, `"80"`, `"5"`, 1)+`}`)},
		{"record without maThe", rawObject(snap("1"), `{"soCCCD":"001099012345","hoTen":"X","gtTheTu":"01/01/2026","gtTheDen":"31/12/2026"}`)},
		{"bad date", rawObject(snap("1"), withField(rec2, "ngayDu5Nam", "31/02/2020"))},
		{"line too long", rawObject(snap("1"), `{"soCCCD":"001099012345","hoTen":"`+strings.Repeat("a", maxLine)+`"}`)},
		// The CSV line rules too (issue 16): no control characters (a NUL,
		// an ESC sequence), valid UTF-8.
		{"NUL in a name", rawObject(snap("1"), strings.Replace(rec, `"X"`, `"X\u0000Y"`, 1))},
		{"ESC in an address", rawObject(snap("1"), withField(rec, "diaChi", `a\u001b[2Jb`))},
		{"C1 control in a delta put", rawObject(delta, `{"put":`+strings.Replace(rec, `"X"`, `"X\u0085Y"`, 1)+`}`)},
	}
	for _, tc := range tests {
		_, _, err := readAll(t, tc.data)
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", tc.name, err)
		}
	}
}

func TestEncodeObjectRejects(t *testing.T) {
	recs := rostertest.Records(3, 3, "v")
	tests := []struct {
		name    string
		h       Header
		entries []Entry
	}{
		{"unsorted", Header{Kind: KindSnapshot, Version: 1}, SnapshotEntries([]cache.RosterRecord{recs[1], recs[0]})},
		{"delete in snapshot", Header{Kind: KindSnapshot, Version: 1}, []Entry{{Delete: true, ID: recs[0].SoCCCD}}},
		{"bad kind", Header{Kind: "x", Version: 1}, nil},
	}
	for _, tc := range tests {
		if _, _, err := EncodeObject(tc.h, tc.entries); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", tc.name, err)
		}
	}
}

func TestVerifyObject(t *testing.T) {
	data, ref, err := EncodeObject(Header{Kind: KindSnapshot, Version: 1}, SnapshotEntries(rostertest.Records(1, 5, "v")))
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(data)
	flipped[len(flipped)/2] ^= 1
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"intact", data, nil},
		{"one bit flipped", flipped, ErrHashMismatch},
		{"truncated", data[:len(data)-1], ErrHashMismatch},
		{"extended", append(bytes.Clone(data), 0), ErrHashMismatch},
	}
	for _, tc := range tests {
		if err := VerifyObject(tc.data, ref); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestSortRecordsErrorsDoNotLeakIDs(t *testing.T) {
	recs := rostertest.Records(4, 3, "v")
	dup := append(recs, recs[1])
	bad := append(rostertest.Records(4, 2, "v"), cache.RosterRecord{SoCCCD: "00109901234X"})
	sameCard := rostertest.Records(4, 3, "v")
	sameCard[2].MaThe = strings.ToLower(sameCard[0].MaThe)
	sameSocial := rostertest.Records(4, 3, "v")
	sameSocial[1].MaSoBHXH = sameSocial[2].MaSoBHXH
	for _, in := range [][]cache.RosterRecord{dup, bad, sameCard, sameSocial} {
		err := SortRecords(in)
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("err = %v, want ErrMalformed", err)
		}
		for _, r := range in {
			if strings.Contains(err.Error(), r.SoCCCD) || (r.HoTen != "" && strings.Contains(err.Error(), r.HoTen)) {
				t.Errorf("error %q leaks personal data", err)
			}
		}
	}
}

// TestObjectAcceptsValidRecord: the rules do not refuse a good record, and
// capNhat stays the source's free-form marker.
func TestObjectAcceptsValidRecord(t *testing.T) {
	snap := `{"format":"cccd-roster-object/1","kind":"snapshot","version":5,"count":1}`
	rec := `{"soCCCD":"001099012345","maThe":"gd4010100000001","hoTen":"X","gtTheTu":"01/01/2026","gtTheDen":"31/12/2026","mucHuong":"95","capNhat":"v7"}`
	_, entries, err := readAll(t, rawObject(snap, rec))
	if err != nil || len(entries) != 1 || entries[0].Record.MaThe != "GD4010100000001" || entries[0].Record.MaSoBHXH != "0100000001" {
		t.Fatalf("valid record: %+v, %v", entries, err)
	}
}

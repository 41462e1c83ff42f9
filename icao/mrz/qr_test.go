package mrz

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

// qrSample is a synthetic person in the layout of a real CCCD QR.
const qrSample = "001099012345||Nguyễn Văn A|15021999|Nam|Số 1, Phố P, Phường Q, Quận R, Hà Nội|01072021"

func TestParseQR(t *testing.T) {
	cases := []struct {
		name   string
		in     string
		oldID  string
		name2  string
		dob    time.Time
		issued time.Time
		extra  []string
	}{
		{"2021", qrSample, "", "Nguyễn Văn A", date(1999, 2, 15), date(2021, 7, 1), nil},
		{"old id", "001099012345|123456789|Nguyễn Văn A|15021999|Nam|Hà Nội|01072021", "123456789", "Nguyễn Văn A", date(1999, 2, 15), date(2021, 7, 1), nil},
		{"slashes", "001099012345||Nguyễn Văn A|15/02/1999|Nam|Hà Nội|01/07/2021", "", "Nguyễn Văn A", date(1999, 2, 15), date(2021, 7, 1), nil},
		{"decomposed name is NFC'd", "001099012345||" + norm.NFD.String("Nguyễn Văn A") + "|15021999|Nam|Hà Nội|01072021", "", "Nguyễn Văn A", date(1999, 2, 15), date(2021, 7, 1), nil},
		{"2024 with extras", "001099012345|123456789|Nguyễn Văn A|15021999|Nam|Hà Nội|01082024|Nguyễn Văn B|Trần Thị C", "123456789", "Nguyễn Văn A", date(1999, 2, 15), date(2024, 8, 1), []string{"Nguyễn Văn B", "Trần Thị C"}},
		{"2024 old id last", "001099012345|Nguyễn Văn A|15021999|Nam|Hà Nội|01082024|123456789", "123456789", "Nguyễn Văn A", date(1999, 2, 15), date(2024, 8, 1), nil},
		{"no issue date", "001099012345||Nguyễn Văn A|15021999|Nam|Hà Nội|", "", "Nguyễn Văn A", date(1999, 2, 15), time.Time{}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q, err := ParseQR(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if q.ID != "001099012345" || q.CAN() != "012345" || q.OldID != tc.oldID || q.FullName != tc.name2 ||
				!q.DateOfBirth.Equal(tc.dob) || !q.IssueDate.Equal(tc.issued) || !reflect.DeepEqual(q.Extra, tc.extra) {
				t.Errorf("got %+v", q)
			}
		})
	}
	q, err := ParseQR(qrSample)
	if err != nil {
		t.Fatal(err)
	}
	if q.Sex != "Nam" || q.Address != "Số 1, Phố P, Phường Q, Quận R, Hà Nội" {
		t.Errorf("sex/address = %q / %q", q.Sex, q.Address)
	}
}

// TestParseQRPartialBirthDate: people whose birth day or month is unknown
// carry MMyyyy or yyyy in the QR's date field (issue 15; HIS production
// parsers accept 4-, 6- and 8-character dates, and the QĐ 4750 NGAY_SINH note "không có thông tin ngày sinh, tháng sinh",
// dh-hos/Mo-ta-he-thong XML130/QD4570/Table xml130.bang00checkin row 6).
func TestParseQRPartialBirthDate(t *testing.T) {
	cases := []struct{ in, want string }{
		{"001050012345||Nguyễn Văn A|1950|Nam|Hà Nội|01072021", "1950"},
		{"001050012345||Nguyễn Văn A|021950|Nam|Hà Nội|01072021", "1950-02"},
		{"001050012345|Nguyễn Văn A|1950|Nam|Hà Nội|01082024|123456789", "1950"},
		{"001050012345|Nguyễn Văn A|121950|Nam|Hà Nội|01082024|", "1950-12"},
		{"001050012345||Nguyễn Văn A|17051950|Nam|Hà Nội|01072021", "1950-05-17"},
	}
	for _, tc := range cases {
		q, err := ParseQR(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.want, err)
		}
		if q.BirthDate != tc.want || q.FullName != "Nguyễn Văn A" {
			t.Errorf("BirthDate = %q, want %q (%+v)", q.BirthDate, tc.want, q)
		}
		if full := len(tc.want) == 10; full == q.DateOfBirth.IsZero() {
			t.Errorf("%s: DateOfBirth = %v", tc.want, q.DateOfBirth)
		}
	}
	for _, bad := range []string{"131950", "001950", "0950", "19500", "1799", "02-1950"} {
		_, err := ParseQR("001050012345||Nguyễn Văn A|" + bad + "|Nam|Hà Nội|01072021")
		if !errors.Is(err, ErrQR) {
			t.Errorf("date %q: err = %v, want ErrQR", bad, err)
		}
	}
}

func TestParseQRErrors(t *testing.T) {
	cases := []string{
		"",
		"001099012345|Nguyễn Văn A|15021999",
		"00109901234||Nguyễn Văn A|15021999|Nam|Hà Nội|01072021",
		"001099012345||Nguyễn Văn A|31021999|Nam|Hà Nội|01072021",
		"001099012345||Nguyễn Văn A|1502199|Nam|Hà Nội|01072021",
		"001099012345||Nguyễn Văn A|15021999|Nam|Hà Nội|99999999",
		"001099012345|||15021999|Nam|Hà Nội|01072021",
		"001099012345|12345|Nguyễn Văn A|15021999|Nam|Hà Nội|01072021",
		"001099012345|Nguyễn Văn A|Nam|15021999|Hà Nội|01072021|x",
	}
	for _, in := range cases {
		_, err := ParseQR(in)
		if !errors.Is(err, ErrQR) {
			t.Errorf("ParseQR(%d bytes) err = %v, want ErrQR", len(in), err)
			continue
		}
		assertNoLeak(t, err.Error())
	}
}

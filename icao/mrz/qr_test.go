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

package mrz

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

// A synthetic CCCD (no real person).
const (
	cccdSample = "IDVNM0990123459001099012345<<0" +
		"9902152M3902150VNM<<<<<<<<<<<8" +
		"NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<"
	// ICAO 9303-5 / 9303-4 specimens.
	td1Specimen = "I<UTOD231458907<<<<<<<<<<<<<<<" +
		"7408122F1204159UTO<<<<<<<<<<<6" +
		"ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
	td1Long     = "I<UTOD23145890<7349<<<<<<<<<<<3407127M9507122UTO<<<<<<<<<<<2STEVENSON<<PETER<JOHN<<<<<<<<<"
	td3Specimen = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<" +
		"L898902C36UTO7408122F1204159ZE184226B<<<<<10"
)

func TestCheckDigit(t *testing.T) {
	cases := []struct {
		in   string
		want byte
	}{
		{"L898902C3", '6'},
		{"740812", '2'},
		{"120415", '9'},
		{"ZE184226B<<<<<", '1'},
		{"D23145890734", '9'},
		{"<<<<<<", '0'},
		{"099012345", '9'},
		{"001099012345", '0'},
		{"", '0'},
	}
	for _, tc := range cases {
		got, err := CheckDigit(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("CheckDigit(%q) = %c, %v; want %c", tc.in, got, err, tc.want)
		}
	}
	if _, err := CheckDigit("ab"); !errors.Is(err, ErrFormat) {
		t.Errorf("lower case accepted: %v", err)
	}
}

func TestParse(t *testing.T) {
	cases := []struct {
		name                         string
		in                           string
		format                       Format
		doc, dob, exp, sex, sur, giv string
		opt1                         string
	}{
		{"cccd", cccdSample, TD1, "099012345", "990215", "390215", "M", "NGUYEN", "VAN A", "001099012345<<0"},
		{"td1 specimen", td1Specimen, TD1, "D23145890", "740812", "120415", "F", "ERIKSSON", "ANNA MARIA", ""},
		{"td1 long number", td1Long, TD1, "D23145890734", "340712", "950712", "M", "STEVENSON", "PETER JOHN", ""},
		{"td3 specimen", td3Specimen, TD3, "L898902C3", "740812", "120415", "F", "ERIKSSON", "ANNA MARIA", "ZE184226B"},
		{"lines and lower case", strings.ToLower(cccdSample[:30]) + "\n" + cccdSample[30:60] + "\r\n" + cccdSample[60:], TD1, "099012345", "990215", "390215", "M", "NGUYEN", "VAN A", "001099012345<<0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{m.Format.String(), m.DocumentNumber, m.DateOfBirth, m.DateOfExpiry, m.Sex, m.Surname, m.GivenNames, m.OptionalData1}
			want := []string{tc.format.String(), tc.doc, tc.dob, tc.exp, tc.sex, tc.sur, tc.giv, tc.opt1}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("field %d = %q, want %q", i, got[i], want[i])
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	flip := func(s string, i int, c byte) string { b := []byte(s); b[i] = c; return string(b) }
	cases := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrFormat},
		{"too short", cccdSample[:89], ErrFormat},
		{"bad char", flip(cccdSample, 70, '#'), ErrFormat},
		{"doc cd", flip(cccdSample, 14, '1'), ErrCheckDigit},
		{"dob cd", flip(cccdSample, 36, '1'), ErrCheckDigit},
		{"exp cd", flip(cccdSample, 44, '1'), ErrCheckDigit},
		{"composite", flip(cccdSample, 59, '1'), ErrCheckDigit},
		{"opt data changes composite", flip(cccdSample, 20, '8'), ErrCheckDigit},
		{"bad month", flip(flip(cccdSample, 32, '9'), 36, '0'), ErrFormat},
		{"bad sex", flip(cccdSample, 37, 'Q'), ErrFormat},
		{"td1 wrong code", flip(cccdSample, 0, 'P'), ErrFormat},
		{"td3 doc cd", flip(td3Specimen, 53, '0'), ErrCheckDigit},
		{"td3 personal cd", flip(td3Specimen, 86, '2'), ErrCheckDigit},
		{"td3 composite", flip(td3Specimen, 87, '1'), ErrCheckDigit},
		{"td3 wrong code", flip(td3Specimen, 0, 'I'), ErrFormat},
		{"long number without overflow", flip(td1Specimen, 14, '<'), ErrFormat},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			assertNoLeak(t, err.Error())
		})
	}
}

// assertNoLeak fails if msg holds any personal value of the samples.
func assertNoLeak(t *testing.T, msg string) {
	t.Helper()
	for _, secret := range []string{"099012345", "001099012345", "990215", "390215", "NGUYEN", "ERIKSSON",
		"L898902C", "740812", "D2314589", "15021999", "Nguyễn", "Văn A", "012345"} {
		if strings.Contains(msg, secret) {
			t.Errorf("error %q leaks %q", msg, secret)
		}
	}
}

func TestIDNumber(t *testing.T) {
	m, err := Parse(cccdSample)
	if err != nil {
		t.Fatal(err)
	}
	id, err := m.IDNumber()
	if err != nil || id != "001099012345" {
		t.Fatalf("IDNumber = %q, %v", id, err)
	}
	for _, in := range []string{td1Specimen, td1Long, td3Specimen} {
		m, err := Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.IDNumber(); !errors.Is(err, ErrNotCCCD) {
			t.Errorf("IDNumber on a non-CCCD MRZ: %v", err)
		}
	}
	// An ID whose last 9 digits differ from the document number.
	bad, err := BuildCCCD(CCCDFields{ID: "001099012345", DateOfBirth: date(1999, 2, 15), Sex: "M", Expiry: Expiry{Date: date(2039, 2, 15)}, FullName: "A B"})
	if err != nil {
		t.Fatal(err)
	}
	bad = bad[:20] + "8" + bad[21:] // ID digit 6 no longer matches the document number
	cd, _ := CheckDigit(bad[5:30] + bad[30:37] + bad[38:45] + bad[48:59])
	bad = bad[:59] + string(cd) + bad[60:]
	m, err = Parse(bad)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.IDNumber(); !errors.Is(err, ErrNotCCCD) {
		t.Errorf("mismatched ID accepted: %v", err)
	}
}

func TestKeySeed(t *testing.T) {
	kseed := func(info string) string {
		s := sha1.Sum([]byte(info))
		return strings.ToUpper(hex.EncodeToString(s[:16]))
	}
	cases := []struct {
		name      string
		got       func() (string, error)
		info, key string
	}{
		{"icao D.2", func() (string, error) { return KeySeed("L898902C", "690806", "940623") }, "L898902C<369080619406236", "239AB9CB282DAF66231DC5A4DF6BFBAE"},
		{"long number", func() (string, error) {
			m, err := Parse(td1Long)
			if err != nil {
				return "", err
			}
			return m.KeySeed()
		}, "D23145890734934071279507122", "B366AD857DDCA2B08C0E299811714730"},
		{"cccd by id", func() (string, error) { return KeySeedForID("001099012345", date(1999, 2, 15), date(2039, 2, 15)) }, "099012345999021523902150", "63D68727933860F64789D9CF0C5A2D1C"},
		{"cccd from mrz", func() (string, error) {
			m, err := Parse(cccdSample)
			if err != nil {
				return "", err
			}
			return m.KeySeed()
		}, "099012345999021523902150", "63D68727933860F64789D9CF0C5A2D1C"},
		{"no expiry", func() (string, error) { return KeySeedForID("001099012345", date(1999, 2, 15), time.Time{}) }, "09901234599902152<<<<<<0", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			info, err := tc.got()
			if err != nil {
				t.Fatal(err)
			}
			if info != tc.info {
				t.Errorf("MRZ information = %q, want %q", info, tc.info)
			}
			if tc.key != "" && kseed(info) != tc.key {
				t.Errorf("K_seed = %s, want %s", kseed(info), tc.key)
			}
		})
	}
	if _, err := KeySeedForID("12345", date(1999, 2, 15), time.Time{}); !errors.Is(err, ErrFormat) {
		t.Errorf("short ID: %v", err)
	}
	if _, err := KeySeed("L898902C", "6908", "940623"); !errors.Is(err, ErrFormat) {
		t.Errorf("short date: %v", err)
	}
}

func TestBuildCCCD(t *testing.T) {
	got, err := BuildCCCD(CCCDFields{ID: "001099012345", DateOfBirth: date(1999, 2, 15), Sex: "M",
		Expiry: Expiry{Date: date(2039, 2, 15)}, FullName: "Nguyễn Văn A"})
	if err != nil || got != cccdSample {
		t.Fatalf("BuildCCCD = %q, %v; want %q", got, err, cccdSample)
	}
	cases := []struct {
		name     string
		f        CCCDFields
		sur, giv string
		exp      string
	}{
		{"diacritics and Đ", CCCDFields{ID: "079123456789", DateOfBirth: date(1990, 3, 8), Sex: "F", Expiry: Expiry{Date: date(2030, 3, 8)}, FullName: "Đặng Thị Ánh Nguyệt"}, "DANG", "THI ANH NGUYET", "300308"},
		{"no expiry", CCCDFields{ID: "079123456789", DateOfBirth: date(1950, 1, 1), Sex: "X", Expiry: Expiry{None: true}, FullName: "Lê Văn Lương"}, "LE", "VAN LUONG", "<<<<<<"},
		{"long name truncated", CCCDFields{ID: "079123456789", DateOfBirth: date(1990, 3, 8), Sex: "M", Expiry: Expiry{Date: date(2030, 3, 8)}, FullName: "Tôn Thất Nguyễn Hoàng Phước Vĩnh Khương"}, "TON", "THAT NGUYEN HOANG PHUOC V", "300308"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := BuildCCCD(tc.f)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Parse(s)
			if err != nil {
				t.Fatalf("built MRZ does not parse: %v", err)
			}
			id, err := m.IDNumber()
			if err != nil || id != tc.f.ID {
				t.Errorf("IDNumber = %q, %v", id, err)
			}
			if m.Surname != tc.sur || m.GivenNames != tc.giv || m.DateOfExpiry != tc.exp {
				t.Errorf("got %q / %q / %q", m.Surname, m.GivenNames, m.DateOfExpiry)
			}
		})
	}
	if _, err := BuildCCCD(CCCDFields{ID: "1234", FullName: "A"}); !errors.Is(err, ErrFormat) {
		t.Errorf("short ID: %v", err)
	}
}

func TestDates(t *testing.T) {
	m, err := Parse(cccdSample)
	if err != nil {
		t.Fatal(err)
	}
	now := date(2026, 11, 29)
	if d, ok := m.BirthDate(now); !ok || !d.Equal(date(1999, 2, 15)) {
		t.Errorf("BirthDate = %v %v", d, ok)
	}
	if d, ok := m.ExpiryDate(); !ok || !d.Equal(date(2039, 2, 15)) {
		t.Errorf("ExpiryDate = %v %v", d, ok)
	}
	if d, ok := m.BirthDate(date(1998, 1, 1)); !ok || d.Year() != 1899 {
		t.Errorf("BirthDate before birth = %v", d)
	}
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

package mrz

import (
	"errors"
	"testing"
)

func FuzzParseTD1(f *testing.F) {
	for _, s := range []string{cccdSample, td1Specimen, td1Long, cccdSample[:60] + "\n" + cccdSample[60:], ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseTD1(s)
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrCheckDigit) {
				t.Fatalf("error without sentinel: %v", err)
			}
			return
		}
		if _, err := m.KeySeed(); err != nil {
			t.Fatalf("parsed MRZ has no key seed: %v", err)
		}
		if id, err := m.IDNumber(); err == nil && !ValidID(id) {
			t.Fatalf("IDNumber returned an invalid ID")
		}
		if _, err := Parse(m.String()); err != nil {
			t.Fatalf("String() does not parse again: %v", err)
		}
	})
}

func FuzzParseTD3(f *testing.F) {
	f.Add(td3Specimen)
	f.Add(td3Specimen[:44] + "\n" + td3Specimen[44:])
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseTD3(s)
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrCheckDigit) {
				t.Fatalf("error without sentinel: %v", err)
			}
			return
		}
		if _, err := m.KeySeed(); err != nil {
			t.Fatalf("parsed MRZ has no key seed: %v", err)
		}
	})
}

func FuzzParseQR(f *testing.F) {
	f.Add(qrSample)
	f.Add("001099012345|123456789|Nguyễn Văn A|15/02/1999|Nữ|Hà Nội|01082024|x|y")
	f.Add("001099012345|Nguyễn Văn A|15021999|Nam|Hà Nội|01082024|123456789")
	f.Add("001050012345||Nguyễn Văn A|1950|Nam|Hà Nội|01072021")
	f.Add("001050012345||Nguyễn Văn A|021950|Nam|Hà Nội|01072021")
	f.Add("001050012345|Nguyễn Văn A|131950|Nam|Hà Nội|01072021|")
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQR(s)
		if err != nil {
			if !errors.Is(err, ErrQR) {
				t.Fatalf("error without sentinel: %v", err)
			}
			return
		}
		if !ValidID(q.ID) || len(q.CAN()) != 6 || q.BirthDate == "" {
			t.Fatalf("accepted QR is incomplete: %+v", q)
		}
		if full := len(q.BirthDate) == 10; full == q.DateOfBirth.IsZero() {
			t.Fatalf("DateOfBirth %v does not match BirthDate %q", q.DateOfBirth, q.BirthDate)
		}
	})
}

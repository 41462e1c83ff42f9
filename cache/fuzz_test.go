package cache

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"
)

// FuzzDecodeRecord: any bytes decode to a record or ErrCorrupt, never a
// panic; what decodes re-encodes to the same bytes.
func FuzzDecodeRecord(f *testing.F) {
	r := synthRecord(1)
	f.Add(appendRecord(nil, &r))
	f.Add(appendRecord(nil, &RosterRecord{}))
	f.Add([]byte{recordFormat})
	f.Add([]byte{recordFormat, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := decodeRecord(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v is not ErrCorrupt", err)
			}
			return
		}
		// Non-minimal varints decode too; compare after re-encoding once.
		again := appendRecord(nil, &rec)
		rec2, err := decodeRecord(again)
		if err != nil || rec2 != rec {
			t.Fatalf("re-encode: %+v %v", rec2, err)
		}
	})
}

// lineErrorRE is the only shape a roster error may take: a line number, a
// known field name and a fixed reason — never a value from the file.
var lineErrorRE = regexp.MustCompile(`^line [0-9]+: (` + strings.Join(rosterColumns, "|") + `: )?[^\n]*$`)

// FuzzImportCSV: ParseRosterCSV never panics, every record it accepts is
// valid, line numbers grow, and errors are well-formed LineErrors.
func FuzzImportCSV(f *testing.F) {
	f.Add([]byte(csvHeader + csvLine(1) + csvLine(2)))
	f.Add([]byte("\ufeff" + csvHeader + csvLine(3)))
	f.Add([]byte(strings.ReplaceAll(csvHeader+csvLine(1), ",", ";")))
	f.Add([]byte("gtTheDen,hoTen,maThe,soCCCD,gtTheTu\n31/12/2026,\"Lê \"\"B\"\"\",gd4797900000001,079090000001,01/01/2026\n"))
	f.Add([]byte("soCCCD,maThe,hoTen,gtTheTu,gtTheDen,diaChi\n079090000001,7900000001,B,01/01/2026,31/12/2026,\"a,\nb\"\n"))
	f.Add([]byte(csvHeader + "07909000000,GD4797900000001,,A,,,,,,01/01/2026,31/12/2026,,,,,\n"))
	f.Add([]byte(csvHeader + "079090000009,\"GD47\"9,,A,,,,,,01/01/2026,31/12/2026,,,,,\n"))
	f.Add([]byte("soCCCD,maThe,tuoi\n1,2,3\n"))
	f.Add([]byte(csvHeader + "079090000001,GD4797900000001,,A,02/1950,,,,,01/01/2026,31/12/2026,,,4,,\n"))
	f.Add([]byte(csvHeader + "079090000001,GD6797900000001,,A,1950,,,,,01/01/2026,31/12/2026,,,100,,\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, in []byte) {
		last := 1
		err := ParseRosterCSV(bytes.NewReader(in), func(line int, rec RosterRecord) error {
			if line <= last {
				t.Fatalf("line %d after %d", line, last)
			}
			last = line
			if !validID(rec.SoCCCD) || !validCardNumber(rec.MaThe) || !isDigits(rec.MaSoBHXH, 10) ||
				rec.HoTen == "" || !strings.HasSuffix(rec.MaThe, rec.MaSoBHXH) {
				t.Fatalf("accepted an invalid record: %+v", rec)
			}
			if _, ok := parseDMY(rec.GtTheTu); !ok {
				t.Fatalf("accepted gtTheTu %q", rec.GtTheTu)
			}
			b := appendRecord(nil, &rec)
			if got, err := decodeRecord(b); err != nil || got != rec {
				t.Fatalf("record does not round-trip: %v", err)
			}
			return nil
		})
		var ie *ImportError
		if err != nil && !errors.As(err, &ie) {
			t.Fatalf("error %v is not an ImportError", err)
		}
		if ie != nil {
			for _, le := range ie.Lines {
				if !lineErrorRE.MatchString(le.Error()) {
					t.Fatalf("malformed line error %q", le.Error())
				}
			}
		}
	})
}

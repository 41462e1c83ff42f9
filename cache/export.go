package cache

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Check-in exports for a hospital information system. They carry the
// person's data in full: they are the HIS's copy of the record. Callers
// write them only where the operator asked.

// vietnamTime is UTC+7, the zone of the dates in QĐ 4750 files.
var vietnamTime = time.FixedZone("ICT", 7*3600)

// WriteCheckinsJSON writes cs as one indented JSON array of Checkin objects.
func WriteCheckinsJSON(w io.Writer, cs []Checkin) error {
	if cs == nil {
		cs = []Checkin{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(cs); err != nil {
		return fmt.Errorf("write check-ins as JSON: %w", err)
	}
	return nil
}

// checkinCSVHeader names the CSV columns: Checkin's JSON names, with the
// eligibility fields flattened.
var checkinCSVHeader = []string{"seq", "key", "time", "reader", "facility", "soCCCD", "hoTen",
	"ngaySinh", "gioiTinh", "diaChi", "maThe", "maDKBD", "gtTheTu", "gtTheDen", "maKV", "ngayDu5Nam",
	"eligibility_status", "eligibility_code", "eligibility_source", "eligibility_as_of",
	"verification", "confirmed", "delivered_at", "attempts", "last_error", "recheck_changed", "cancelled"}

// WriteCheckinsCSV writes cs as UTF-8 CSV with a header line. Times are
// RFC 3339; empty times are empty cells. Control characters other than
// TAB, CR and LF are dropped (a forged chip can plant NUL or ESC in DG13),
// and a value that a spreadsheet would run as a formula (starting with
// = + - @, TAB or CR) is prefixed with a quote.
func WriteCheckinsCSV(w io.Writer, cs []Checkin) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(checkinCSVHeader); err != nil {
		return fmt.Errorf("write check-ins as CSV: %w", err)
	}
	for _, c := range cs {
		row := []string{strconv.FormatUint(c.Seq, 10), c.Key, rfc3339(c.Time), c.Reader, c.Facility,
			c.SoCCCD, c.HoTen, c.NgaySinh, c.GioiTinh, c.DiaChi, c.MaThe, c.MaDKBD, c.GtTheTu, c.GtTheDen,
			c.MaKV, c.NgayDu5Nam, c.Eligibility.Status, c.Eligibility.Code, c.Eligibility.Source,
			rfc3339(c.Eligibility.AsOf), c.Verification, strconv.FormatBool(c.Confirmed),
			rfc3339(c.DeliveredAt), strconv.Itoa(c.Attempts), c.LastError, strconv.FormatBool(c.RecheckChanged),
			strconv.FormatBool(c.Cancelled)}
		for i, v := range row {
			row[i] = defuseFormula(stripControls(v))
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write check-ins as CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write check-ins as CSV: %w", err)
	}
	return nil
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// defuseFormula keeps a spreadsheet from evaluating a cell (CSV injection,
// OWASP's list: = + - @ and the TAB and CR a cell may start with).
func defuseFormula(v string) string {
	if v != "" && strings.IndexByte("=+-@\t\r", v[0]) >= 0 {
		return "'" + v
	}
	return v
}

// stripControls drops control characters but TAB, CR and LF (kept for
// multi-line addresses; csv quotes them) and replaces invalid UTF-8.
func stripControls(v string) string {
	v = strings.ToValidUTF8(v, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\t' && r != '\r' && r != '\n' {
			return -1
		}
		return r
	}, v)
}

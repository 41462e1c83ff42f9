package cache

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/text/unicode/norm"
)

// ErrBadRoster means a roster file has bad lines or no records; nothing was
// stored. The error is an *ImportError listing the lines.
var ErrBadRoster = errors.New("roster file rejected")

// maxLineErrors caps ImportError.Lines; Count keeps the total.
const maxLineErrors = 1000

// MaxCSVLine caps one physical line of a roster CSV: a real line is a few
// hundred bytes, and a file without line breaks (a binary, a wrong export)
// is refused after this much instead of being read whole into memory.
const MaxCSVLine = 64 << 10

// errLineTooLong is returned by lineLimitReader past MaxCSVLine.
var errLineTooLong = errors.New("line too long")

// lineLimitReader fails a read once a line grows past max bytes, counting
// lines so that the error can name the line.
type lineLimitReader struct {
	r    io.Reader
	max  int
	cur  int // bytes of the current line so far
	line int // 1-based number of the current line
}

func (l *lineLimitReader) Read(p []byte) (int, error) {
	if l.cur > l.max {
		return 0, errLineTooLong
	}
	n, err := l.r.Read(p)
	for i, c := range p[:n] {
		if c == '\n' {
			l.line++
			l.cur = 0
			continue
		}
		l.cur++
		if l.cur > l.max {
			return i, errLineTooLong
		}
	}
	return n, err
}

// LineError is one bad line of a roster CSV: its line number (1 = the
// header), the column and the reason. It never carries the value itself,
// which may be personal data.
type LineError struct {
	Line   int
	Field  string
	Reason string
}

// Error reads "line N: field: reason".
func (e LineError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Reason)
}

// ImportError lists the bad lines of a roster file in line order (at most
// maxLineErrors; Count is the total). It wraps ErrBadRoster.
type ImportError struct {
	Lines []LineError
	Count int
	// BadLines counts the lines with at least one error (a line may break
	// several rules).
	BadLines int
}

// Error counts the bad lines and quotes the first; the CLI lists the rest.
func (e *ImportError) Error() string {
	if len(e.Lines) == 0 {
		return "roster file has no records; nothing was imported"
	}
	return fmt.Sprintf("roster file has %d bad lines, nothing was imported; first: %v", e.Count, e.Lines[0])
}

// Unwrap lets errors.Is(err, ErrBadRoster) match.
func (e *ImportError) Unwrap() error { return ErrBadRoster }

func (e *ImportError) add(le LineError) {
	e.Count++
	if len(e.Lines) < maxLineErrors {
		e.Lines = append(e.Lines, le)
	}
}

// Column names of a roster CSV header: the gateway's field names
// (docs/FORMATS.md "Roster records"), in any order, matched case-insensitively.
var rosterColumns = []string{"soCCCD", "maThe", "maSoBHXH", "hoTen", "ngaySinh", "gioiTinh",
	"diaChi", "maDKBD", "tenDKBD", "gtTheTu", "gtTheDen", "maKV", "ngayDu5Nam", "mucHuong",
	"trangThai", "capNhat"}

// requiredColumns must be in the header and non-empty on every line.
var requiredColumns = []string{"soCCCD", "maThe", "hoTen", "gtTheTu", "gtTheDen"}

// ParseRosterCSV reads a roster CSV: a header of rosterColumns names, then
// one record per line; UTF-8 with or without a byte-order mark; comma or
// semicolon separated (taken from the header); dates dd/MM/yyyy. Text is
// normalised to NFC, card numbers to upper case; an empty maSoBHXH is taken
// from the card number. fn gets every valid record with its line number;
// an error from fn stops the parse and is returned. Bad lines do not stop
// it: they are collected and returned as an *ImportError after the last
// line, as is a file without records.
func ParseRosterCSV(r io.Reader, fn func(line int, rec RosterRecord) error) error {
	limit := &lineLimitReader{r: r, max: MaxCSVLine, line: 1}
	err := parseRosterCSV(limit, fn)
	if errors.Is(err, errLineTooLong) {
		var bad ImportError
		bad.add(LineError{Line: limit.line, Reason: fmt.Sprintf("longer than %d KiB; a roster line is a few hundred bytes: is this the roster CSV?", MaxCSVLine>>10)})
		return &bad
	}
	return err
}

func parseRosterCSV(r io.Reader, fn func(line int, rec RosterRecord) error) error {
	br := bufio.NewReaderSize(r, 1<<16)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.Comma = sniffComma(br)
	cr.FieldsPerRecord = -1 // checked here, so that the line is reported our way
	cr.ReuseRecord = true
	var bad ImportError
	header, err := cr.Read()
	var pe *csv.ParseError
	switch {
	case errors.Is(err, io.EOF):
		bad.add(LineError{Line: 1, Reason: "empty file; expected a header line of field names"})
		return &bad
	case errors.As(err, &pe):
		bad.add(LineError{Line: pe.StartLine, Reason: "malformed CSV header (" + pe.Err.Error() + ")"})
		return &bad
	case err != nil:
		return fmt.Errorf("read roster header: %w", err)
	}
	cols, herrs := parseHeader(header)
	for _, e := range herrs {
		bad.add(e)
	}
	if len(herrs) > 0 {
		return &bad
	}
	records := 0
	for {
		fields, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.As(err, &pe) {
			bad.add(LineError{Line: pe.StartLine, Reason: "malformed CSV (" + pe.Err.Error() + ")"})
			bad.BadLines++
			continue
		}
		if err != nil {
			return fmt.Errorf("read roster file: %w", err)
		}
		line, _ := cr.FieldPos(0) // only valid for a record read without error
		if len(fields) == 1 && strings.TrimSpace(fields[0]) == "" {
			continue // blank line
		}
		if len(fields) != len(cols) {
			bad.add(LineError{Line: line, Reason: fmt.Sprintf("%d fields, the header has %d", len(fields), len(cols))})
			bad.BadLines++
			continue
		}
		rec, lerrs := parseRosterLine(cols, fields, line)
		if len(lerrs) > 0 {
			for _, e := range lerrs {
				bad.add(e)
			}
			bad.BadLines++
			continue
		}
		records++
		if err := fn(line, rec); err != nil {
			return err
		}
	}
	if bad.Count > 0 {
		return &bad
	}
	if records == 0 {
		return &ImportError{}
	}
	return nil
}

// sniffComma picks ';' when the header has more semicolons than commas
// (spreadsheet exports in Vietnamese locales), else ','.
func sniffComma(br *bufio.Reader) rune {
	head, _ := br.Peek(4096)
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	if bytes.Count(head, []byte(";")) > bytes.Count(head, []byte(",")) {
		return ';'
	}
	return ','
}

// parseHeader maps each column to its index in rosterColumns (and
// fieldsOf), checking for unknown, repeated and missing columns.
func parseHeader(header []string) ([]int, []LineError) {
	var errs []LineError
	cols := make([]int, len(header))
	seen := map[int]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		cols[i] = slices.IndexFunc(rosterColumns, func(c string) bool { return strings.EqualFold(c, h) })
		switch {
		case cols[i] < 0:
			errs = append(errs, LineError{Line: 1, Reason: fmt.Sprintf("column %d is not a roster field name (expected %s)", i+1, strings.Join(rosterColumns, ", "))})
		case seen[cols[i]]:
			errs = append(errs, LineError{Line: 1, Field: rosterColumns[cols[i]], Reason: "column repeated"})
		}
		seen[cols[i]] = true
	}
	for _, c := range requiredColumns {
		if !seen[slices.Index(rosterColumns, c)] {
			errs = append(errs, LineError{Line: 1, Field: c, Reason: "required column missing"})
		}
	}
	return cols, errs
}

// parseRosterLine validates one line and builds its record.
func parseRosterLine(cols []int, fields []string, line int) (RosterRecord, []LineError) {
	var rec RosterRecord
	var errs []LineError
	fail := func(field, reason string) { errs = append(errs, LineError{Line: line, Field: field, Reason: reason}) }
	ptr := fieldsOf(&rec)
	for i, col := range cols {
		v, reason := normalizeField(fields[i])
		if reason != "" {
			fail(rosterColumns[col], reason)
			continue
		}
		*ptr[col] = v
	}
	for _, c := range requiredColumns {
		if *ptr[slices.Index(rosterColumns, c)] == "" && !hasField(errs, c) {
			fail(c, "required value missing")
		}
	}
	if len(errs) > 0 {
		return rec, errs
	}
	for _, e := range checkRecord(&rec) {
		e.Line = line
		errs = append(errs, e)
	}
	return rec, errs
}

// normalizeField is what every roster value goes through, from a CSV line
// or a feed: a quoted value may span lines (an address), so line breaks and
// tabs fold into spaces; surrounding space is trimmed; other control
// characters and invalid UTF-8 are refused (the reason says which); the
// text is normalised to NFC.
func normalizeField(v string) (string, string) {
	v = strings.TrimSpace(foldSpace.Replace(v))
	if !utf8.ValidString(v) {
		return "", "not valid UTF-8; save the file as UTF-8"
	}
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return "", "contains a control character"
	}
	return norm.NFC.String(v), ""
}

// ValidateRecord applies the CSV import's field rules to a record from
// elsewhere (a feed object): the first broken rule as a one-line error that
// names the field, never its value. It normalises rec as the import does
// (spaces folded and trimmed, NFC, upper-case maThe, maSoBHXH from the card
// number) and refuses what a CSV line may not hold (control characters,
// invalid UTF-8). capNhat is exempt from the date rule: in a feed it is the
// source's update marker (docs/FEED.md), not checked as a date.
func ValidateRecord(rec *RosterRecord) error {
	for i, f := range fieldsOf(rec) {
		v, reason := normalizeField(*f)
		if reason != "" {
			return fmt.Errorf("%w: %s: %s", ErrBadRoster, rosterColumns[i], reason)
		}
		*f = v
	}
	for _, c := range requiredColumns {
		if *fieldsOf(rec)[slices.Index(rosterColumns, c)] == "" {
			return fmt.Errorf("%w: %s: required value missing", ErrBadRoster, c)
		}
	}
	for _, e := range checkRecord(rec) {
		if e.Field != "capNhat" {
			return fmt.Errorf("%w: %s: %s", ErrBadRoster, e.Field, e.Reason)
		}
	}
	return nil
}

// checkRecord checks each field's form; the errors carry no line number.
func checkRecord(rec *RosterRecord) []LineError {
	var errs []LineError
	fail := func(field, reason string) { errs = append(errs, LineError{Field: field, Reason: reason}) }
	check := func(field string, ok bool, reason string) {
		if !ok {
			fail(field, reason)
		}
	}
	rec.MaThe = strings.ToUpper(rec.MaThe)
	check("soCCCD", validID(rec.SoCCCD), "must be 12 digits")
	check("maThe", validCardNumber(rec.MaThe), "must be 15 characters (2 letters, benefit digit 1–5, 2-digit province, 10-digit BHXH number) or 10 digits")
	if rec.MaSoBHXH == "" && validCardNumber(rec.MaThe) {
		rec.MaSoBHXH = rec.MaThe[len(rec.MaThe)-10:]
	}
	check("maSoBHXH", rec.MaSoBHXH == "" || isDigits(rec.MaSoBHXH, 10), "must be 10 digits")
	if validCardNumber(rec.MaThe) && isDigits(rec.MaSoBHXH, 10) {
		check("maSoBHXH", strings.HasSuffix(rec.MaThe, rec.MaSoBHXH), "does not match the last 10 digits of maThe")
	}
	check("hoTen", utf8.RuneCountInString(rec.HoTen) <= 255, "longer than 255 characters")
	check("ngaySinh", rec.NgaySinh == "" || validBirthDate(rec.NgaySinh), "must be dd/MM/yyyy, MM/yyyy or yyyy")
	switch strings.ToLower(rec.GioiTinh) {
	case "", "nam", "nữ":
	default:
		fail("gioiTinh", `must be "Nam", "Nữ" or empty`)
	}
	check("diaChi", utf8.RuneCountInString(rec.DiaChi) <= 1024, "longer than 1024 characters")
	check("maDKBD", rec.MaDKBD == "" || isAlnum(rec.MaDKBD, 5), "must be 5 letters or digits")
	check("tenDKBD", utf8.RuneCountInString(rec.TenDKBD) <= 255, "longer than 255 characters")
	from, okFrom := parseDMY(rec.GtTheTu)
	to, okTo := parseDMY(rec.GtTheDen)
	check("gtTheTu", okFrom, "must be a date dd/MM/yyyy")
	check("gtTheDen", okTo, "must be a date dd/MM/yyyy")
	if okFrom && okTo {
		check("gtTheDen", !to.Before(from), "is before gtTheTu")
	}
	check("maKV", rec.MaKV == "" || rec.MaKV == "K1" || rec.MaKV == "K2" || rec.MaKV == "K3", "must be K1, K2, K3 or empty")
	_, ok := parseDMY(rec.NgayDu5Nam)
	check("ngayDu5Nam", rec.NgayDu5Nam == "" || ok, "must be a date dd/MM/yyyy")
	if reason := checkMucHuong(rec.MucHuong); reason != "" {
		fail("mucHuong", reason)
	}
	check("trangThai", rec.TrangThai == "" || isDigits(rec.TrangThai, 3), "must be a 3-digit result code")
	check("capNhat", rec.CapNhat == "" || validTimestamp(rec.CapNhat), "must be dd/MM/yyyy, optionally with HH:mm or HH:mm:ss")
	return errs
}

// checkMucHuong: QĐ 4750's MUC_HUONG is the share the fund pays, a
// percentage (80, 95 or 100 for the card's benefit levels), not the benefit
// digit 1–5 of the card number's third character. "" means unknown.
func checkMucHuong(s string) string {
	if s == "" {
		return ""
	}
	n, err := strconv.Atoi(s)
	switch {
	case err != nil || len(s) > 3 || s[0] == '+' || s[0] == '-':
		return "must be a whole percentage such as 80, 95 or 100"
	case n >= 1 && n <= 5:
		return "looks like the benefit digit (maThe's 3rd character), not a percentage: write 80, 95 or 100"
	case n < 1 || n > 100:
		return "must be a percentage from 6 to 100 (usually 80, 95 or 100)"
	}
	return ""
}

var foldSpace = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ")

func hasField(errs []LineError, field string) bool {
	for _, e := range errs {
		if e.Field == field {
			return true
		}
	}
	return false
}

// validCardNumber accepts the 2015 15-character code (2 letters, benefit
// digit, 2-digit province, 10-digit BHXH number) and the
// 10-digit code of cards from 2021 (§1.2).
func validCardNumber(s string) bool {
	if len(s) == 10 {
		return isDigits(s, 10)
	}
	// The 3rd character is the benefit code 1–5 (Phụ lục 03 of CV
	// 1923/BHXH-CNTT, result 053 "Mã quyền lợi BHYT (ký tự thứ 3) không đúng").
	return len(s) == 15 && isUpper(s[0]) && isUpper(s[1]) && s[2] >= '1' && s[2] <= '5' && isDigits(s[2:], 13)
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }

// isDigits reports whether s is n ASCII digits.
func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isAlnum reports whether s is n ASCII letters or digits (n < 0: 1 to -n).
func isAlnum(s string, n int) bool {
	if (n >= 0 && len(s) != n) || (n < 0 && (len(s) == 0 || len(s) > -n)) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}

// parseDMY parses a calendar date dd/MM/yyyy in years 1900–2199.
func parseDMY(s string) (time.Time, bool) {
	if len(s) != 10 {
		return time.Time{}, false
	}
	t, err := time.Parse("02/01/2006", s)
	return t, err == nil && t.Year() >= 1900 && t.Year() < 2200
}

// validBirthDate accepts dd/MM/yyyy, MM/yyyy or yyyy, as the gateway does.
func validBirthDate(s string) bool {
	if _, ok := parseDMY(s); ok {
		return true
	}
	if len(s) == 7 {
		t, err := time.Parse("01/2006", s)
		return err == nil && t.Year() >= 1900 && t.Year() < 2200
	}
	return isDigits(s, 4) && s >= "1900" && s < "2200"
}

func validTimestamp(s string) bool {
	if _, ok := parseDMY(s); ok {
		return true
	}
	for _, layout := range []string{"02/01/2006 15:04", "02/01/2006 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil && len(s) == len(layout) && t.Year() >= 1900 && t.Year() < 2200 {
			return true
		}
	}
	return false
}

// ErrShrink: an import would replace the roster with half of its records
// or fewer; nothing was stored. Pass ImportOptions.Force to accept it.
var ErrShrink = errors.New("roster file holds half the roster or less")

// ImportOptions says how ImportCSV stores a file.
type ImportOptions struct {
	Source string    // the roster's Source, e.g. "import:FILE"
	Now    time.Time // publication and sync time
	// Force accepts a file with half the records held or fewer (a
	// truncated export must not replace a whole roster by mistake; the
	// demo's two records are not replaced by one).
	Force bool
}

// ImportCSV replaces the roster with the records of a roster CSV (see
// ParseRosterCSV), all or nothing: if any line is bad, or repeats the
// soCCCD, maThe or maSoBHXH of an earlier line, nothing is stored and the
// error is an *ImportError listing every bad line in line order. A file with
// half the records held or fewer is refused with ErrShrink unless
// opts.Force. On success the roster gets the next version, opts.Source as
// its Source, and opts.Now as its publication and sync time. Cancelling ctx
// stops the import with nothing stored.
func (db *DB) ImportCSV(ctx context.Context, r io.Reader, opts ImportOptions) (RosterMeta, error) {
	cur, err := db.RosterMeta()
	if err != nil {
		return RosterMeta{}, err
	}
	meta := RosterMeta{Version: cur.Version + 1, Published: opts.Now, Synced: opts.Now, Source: opts.Source}
	var lines []int32 // line of each yielded record, to place duplicates
	var bad *ImportError
	each := func(yield func(RosterRecord) error) error {
		err := ParseRosterCSV(r, func(line int, rec RosterRecord) error {
			if len(lines)%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			lines = append(lines, int32(line))
			return yield(rec)
		})
		// Bad lines do not stop the build: repeats are found only there,
		// and the report should list both. check refuses the swap.
		if errors.As(err, &bad) {
			return nil
		}
		return err
	}
	check := func(dups *DuplicateError) error {
		if dups.Count == 0 && bad == nil {
			if n := len(lines); !opts.Force && 2*n <= cur.Records {
				return fmt.Errorf("%w: the file holds %d records, the roster held has %d; nothing was imported: check the file, or pass --force to replace the roster with it", ErrShrink, n, cur.Records)
			}
			return nil
		}
		all := &ImportError{}
		if bad != nil {
			all.Lines, all.Count = bad.Lines, bad.Count
		}
		for _, d := range dups.Dups {
			all.Lines = append(all.Lines, LineError{Line: int(lines[d.Ordinal]), Field: d.Field, Reason: "repeats an earlier line"})
		}
		all.Count += dups.Count
		slices.SortStableFunc(all.Lines, func(a, b LineError) int { return a.Line - b.Line })
		if len(all.Lines) > maxLineErrors {
			all.Lines = all.Lines[:maxLineErrors]
		}
		return all
	}
	if err := db.replaceRoster(meta, each, check); err != nil {
		var ie *ImportError
		if errors.As(err, &ie) {
			err = ie // the file's fault: one layer of context is enough
		}
		return RosterMeta{}, fmt.Errorf("import roster: %w", err)
	}
	return db.RosterMeta()
}

// ImportCounts is what an import of a roster CSV would do to the roster
// held: records added, changed, left as they are and removed, and the lines
// refused (bad, or repeating a key of an earlier line).
type ImportCounts struct {
	Added     int `json:"added"`
	Changed   int `json:"changed"`
	Unchanged int `json:"unchanged"`
	Removed   int `json:"removed"`
	Invalid   int `json:"invalid"`
}

// DryRunCSV reads a roster CSV as ImportCSV would and counts what it would
// change, writing nothing. Repeated keys are found through 64-bit hashes of
// the keys (8 bytes per key whatever the roster's size); a collision would
// count one valid line as a repeat, at odds of about n²/2⁶⁵. The
// *ImportError of a file with bad lines is returned beside the counts.
func (db *DB) DryRunCSV(ctx context.Context, r io.Reader) (ImportCounts, error) {
	var c ImportCounts
	seen := map[uint64]struct{}{}
	h := fnv.New64a()
	repeats := func(field byte, v string) bool {
		if v == "" {
			return false
		}
		h.Reset()
		h.Write([]byte{field})
		h.Write([]byte(v))
		k := h.Sum64()
		if _, ok := seen[k]; ok {
			return true
		}
		seen[k] = struct{}{}
		return false
	}
	kept := 0 // records of the file found in the roster held
	err := db.bolt.View(func(tx *bolt.Tx) error {
		roster := tx.Bucket(bucketRoster)
		n := 0
		return ParseRosterCSV(r, func(_ int, rec RosterRecord) error {
			if n++; n%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			// Three separate checks: each key is marked seen either way.
			r1, r2, r3 := repeats('i', rec.SoCCCD), repeats('c', strings.ToUpper(rec.MaThe)), repeats('b', rec.MaSoBHXH)
			if r1 || r2 || r3 {
				c.Invalid++
				return nil
			}
			v := roster.Get([]byte(rec.SoCCCD))
			if v == nil {
				c.Added++
				return nil
			}
			kept++
			old, err := decodeRecord(v)
			if err != nil {
				return err
			}
			if old == rec {
				c.Unchanged++
			} else {
				c.Changed++
			}
			return nil
		})
	})
	var ie *ImportError
	if errors.As(err, &ie) {
		c.Invalid += max(ie.BadLines, min(ie.Count, 1))
	} else if err != nil {
		return c, fmt.Errorf("roster dry run: %w", err)
	}
	cur, merr := db.RosterMeta()
	if merr != nil {
		return c, merr
	}
	c.Removed = cur.Records - kept
	return c, err
}

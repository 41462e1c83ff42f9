package cache

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/text/unicode/norm"
)

// ErrBadQuery: a check-in search text that cannot be used (too long, not
// UTF-8, a date that does not exist). The message never repeats the text.
var ErrBadQuery = errors.New("bad search")

// MaxQueryRunes bounds a search text: a name, an ID number or a date.
const MaxQueryRunes = 100

// filterKind is what a search text is taken for.
type filterKind int

const (
	matchAll    filterKind = iota // empty text: every check-in
	matchDigits                   // 2–12 digits: the ID number's end or the check-in number
	matchDate                     // a date: the visit day or the date of birth
	matchName                     // anything else: part of the name
)

// CheckinFilter is a parsed search text for CheckinsBefore. The zero value
// matches every check-in.
type CheckinFilter struct {
	kind   filterKind
	digits string         // matchDigits
	seq    uint64         // matchDigits: the check-in number it names
	date   string         // matchDate: yyyy-mm-dd
	name   string         // matchName: folded (FoldName)
	loc    *time.Location // matchDate: the visit day's time zone
}

// ParseCheckinFilter reads the desk's search text q: 2 to 12 digits match
// the end of the ID number or the check-in number; a date dd/mm/yyyy or
// yyyy-mm-dd matches the visit day in loc (nil: time.Local) or the date of
// birth; anything else is part of the name, matched without case and
// diacritics. Blank text matches everything. Errors wrap ErrBadQuery and
// never hold q.
func ParseCheckinFilter(q string, loc *time.Location) (CheckinFilter, error) {
	if loc == nil {
		loc = time.Local
	}
	if !utf8.ValidString(q) {
		return CheckinFilter{}, fmt.Errorf("%w: the search text is not UTF-8", ErrBadQuery)
	}
	if utf8.RuneCountInString(q) > MaxQueryRunes {
		return CheckinFilter{}, fmt.Errorf("%w: the search text is longer than %d characters", ErrBadQuery, MaxQueryRunes)
	}
	q = strings.TrimSpace(q)
	switch {
	case q == "":
		return CheckinFilter{}, nil
	case len(q) >= 2 && len(q) <= 12 && allDigits(q):
		f := CheckinFilter{kind: matchDigits, digits: q}
		f.seq, _ = strconv.ParseUint(q, 10, 64) // 12 digits always fit
		return f, nil
	}
	if d, ok, err := parseQueryDate(q); ok {
		if err != nil {
			return CheckinFilter{}, err
		}
		return CheckinFilter{kind: matchDate, date: d, loc: loc}, nil
	}
	name := FoldName(q)
	if name == "" { // only marks or punctuation folded away
		return CheckinFilter{}, fmt.Errorf("%w: the search text has no letters or digits", ErrBadQuery)
	}
	return CheckinFilter{kind: matchName, name: name}, nil
}

// parseQueryDate recognises dd/mm/yyyy (d/m allowed) and yyyy-mm-dd. ok
// says q has a date's shape; err that the date does not exist.
func parseQueryDate(q string) (date string, ok bool, err error) {
	var layout string
	switch {
	case len(q) == 10 && q[4] == '-' && q[7] == '-' && allDigits(q[:4]+q[5:7]+q[8:]):
		layout = "2006-01-02"
	case strings.Count(q, "/") == 2 && len(q) >= 8 && len(q) <= 10 && allDigits(strings.ReplaceAll(q, "/", "")):
		p := strings.Split(q, "/")
		if len(p[0]) < 1 || len(p[0]) > 2 || len(p[1]) < 1 || len(p[1]) > 2 || len(p[2]) != 4 {
			return "", false, nil
		}
		layout = "2/1/2006"
	default:
		return "", false, nil
	}
	t, perr := time.Parse(layout, q)
	if perr != nil {
		return "", true, fmt.Errorf("%w: the search text looks like a date but is not one (dd/mm/yyyy or yyyy-mm-dd)", ErrBadQuery)
	}
	return t.Format("2006-01-02"), true, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// FoldName makes a name comparable the way a receptionist types it: lower
// case, without diacritics (NFD, combining marks dropped; đ/Đ become d),
// runs of spaces and punctuation as one space. "Nguyễn  Văn" → "nguyen van".
func FoldName(s string) string { return string(appendFold(nil, []byte(s))) }

// appendFold appends FoldName of src to dst.
func appendFold(dst, src []byte) []byte {
	start := len(dst)
	space := true // drops leading separators
	add := func(r rune) {
		switch {
		case r == 'đ' || r == 'Đ':
			r = 'd'
		case r < utf8.RuneSelf:
			switch {
			case 'A' <= r && r <= 'Z':
				r += 'a' - 'A'
			case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			default:
				if !space {
					dst = append(dst, ' ')
					space = true
				}
				return
			}
			dst = append(dst, byte(r))
			space = false
			return
		case unicode.Is(unicode.Mn, r):
			return
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			if !space {
				dst = append(dst, ' ')
				space = true
			}
			return
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
		space = false
	}
	for i := 0; i < len(src); {
		if c := src[i]; c < utf8.RuneSelf {
			add(rune(c))
			i++
			continue
		}
		// The rune's canonical decomposition (NFD) from the tables, without
		// an iterator's buffers; the marks it yields are dropped anyway, so
		// their order does not matter.
		p := norm.NFD.Properties(src[i:])
		n := max(p.Size(), 1)
		seg := p.Decomposition()
		if seg == nil {
			seg = src[i : i+n]
		}
		for len(seg) > 0 {
			r, w := utf8.DecodeRune(seg)
			add(r)
			seg = seg[w:]
		}
		i += n
	}
	if len(dst) > start && dst[len(dst)-1] == ' ' {
		dst = dst[:len(dst)-1]
	}
	return dst
}

// summary is what a filter looks at, taken from a stored record without
// decoding all of it.
type summary struct {
	seq                     uint64
	soCCCD, hoTen, ngaySinh string
	time                    string // RFC 3339 as stored
	parsed                  bool   // the fields were found
}

// summarize pulls the filter's fields out of a record's JSON. Records whose
// fields are not where json.Marshal puts them decode in full instead.
func summarize(seq uint64, v []byte) summary {
	s := summary{seq: seq}
	var ok1, ok2, ok3, ok4 bool
	s.soCCCD, ok1 = jsonString(v, "soCCCD")
	s.hoTen, ok2 = jsonString(v, "hoTen")
	s.ngaySinh, ok3 = jsonString(v, "ngaySinh")
	s.time, ok4 = jsonString(v, "time")
	s.parsed = ok1 && ok2 && ok3 && ok4
	if !s.parsed {
		var c Checkin
		if json.Unmarshal(v, &c) == nil {
			s = summary{seq: seq, soCCCD: c.SoCCCD, hoTen: c.HoTen, ngaySinh: c.NgaySinh,
				time: c.Time.Format(time.RFC3339Nano), parsed: true}
		}
	}
	return s
}

// jsonString is jsonField as a string.
func jsonString(v []byte, name string) (string, bool) {
	b, ok := jsonField(v, name)
	return string(b), ok
}

// jsonField finds the top-level string member name of a record's JSON and
// returns its value, a view into v when it has no escapes. Its quoted key
// can only appear as a key: inside a string value every quote is escaped.
// A value with escapes is decoded by encoding/json.
func jsonField(v []byte, name string) ([]byte, bool) {
	var pat [32]byte
	p := append(append(append(pat[:0], '"'), name...), `":"`...)
	i := bytes.Index(v, p)
	if i < 0 {
		return nil, false
	}
	rest := v[i+len(p):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return nil, false
	}
	if bytes.IndexByte(rest[:end], '\\') < 0 {
		return rest[:end], true
	}
	// Escapes: find the closing quote that is not escaped and let the
	// decoder read the literal.
	for j := 0; j < len(rest); j++ {
		switch rest[j] {
		case '\\':
			j++
		case '"':
			var s string
			if json.Unmarshal(v[i+len(p)-1:i+len(p)+j+1], &s) != nil {
				return nil, false
			}
			return []byte(s), true
		}
	}
	return nil, false
}

// matchRaw reports whether the stored record v passes f, reading only the
// member the filter needs; buf is scratch space for folding, returned for
// reuse. ok is false when the record is not laid out as json.Marshal writes
// it (the caller then decodes it and uses match).
func (f *CheckinFilter) matchRaw(seq uint64, v, buf []byte) (match, ok bool, scratch []byte) {
	switch f.kind {
	case matchDigits:
		if seq == f.seq {
			return true, true, buf
		}
		if !bytes.Contains(v, []byte(f.digits)) { // cheap: the digits must be somewhere
			return false, true, buf
		}
		id, ok := jsonField(v, "soCCCD")
		return ok && bytes.HasSuffix(id, []byte(f.digits)), ok, buf
	case matchDate:
		dob, ok1 := jsonField(v, "ngaySinh")
		t, ok2 := jsonField(v, "time")
		if !ok1 || !ok2 {
			return false, false, buf
		}
		if string(dob) == f.date {
			return true, true, buf
		}
		at, err := time.Parse(time.RFC3339Nano, string(t))
		return err == nil && at.In(f.loc).Format("2006-01-02") == f.date, true, buf
	case matchName:
		name, ok := jsonField(v, "hoTen")
		if !ok {
			return false, false, buf
		}
		buf = appendFold(buf[:0], name)
		return bytes.Contains(buf, []byte(f.name)), true, buf
	}
	return true, true, buf
}

// match reports whether the record s summarizes passes f.
func (f *CheckinFilter) match(s *summary) bool {
	switch f.kind {
	case matchDigits:
		return strings.HasSuffix(s.soCCCD, f.digits) || s.seq == f.seq
	case matchDate:
		if s.ngaySinh == f.date {
			return true
		}
		t, err := time.Parse(time.RFC3339Nano, s.time)
		return err == nil && t.In(f.loc).Format("2006-01-02") == f.date
	case matchName:
		return strings.Contains(FoldName(s.hoTen), f.name)
	}
	return true
}

// CheckinsBefore returns up to limit check-ins with Seq < before that pass
// f, newest first; before 0 starts at the newest. The next page is
// before = the smallest Seq returned. limit <= 0 means 20.
//
// It walks the check-ins bucket backwards in one read transaction and stops
// at the limit-th match: a first page or a search for recent visits reads a
// few records, while a search that matches little reads every older record
// once (linear in the check-ins kept; see docs/PERFORMANCE.md). A record is
// decoded in full only when it matches.
func (db *DB) CheckinsBefore(before uint64, limit int, f CheckinFilter) ([]Checkin, error) {
	if limit <= 0 {
		limit = 20
	}
	out := []Checkin{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketCheckins).Cursor()
		var k, v, scratch []byte
		if before == 0 {
			k, v = c.Last()
		} else {
			k, _ = c.Seek(seqKey(before))
			if k == nil {
				k, v = c.Last()
			} else {
				k, v = c.Prev()
			}
		}
		for ; k != nil && len(out) < limit; k, v = c.Prev() {
			seq := binary.BigEndian.Uint64(k)
			if before != 0 && seq >= before {
				continue
			}
			if f.kind != matchAll {
				var m, ok bool
				m, ok, scratch = f.matchRaw(seq, v, scratch)
				if !ok {
					s := summarize(seq, v)
					if !s.parsed {
						return fmt.Errorf("check-in %d: %w", seq, ErrCorrupt)
					}
					m = f.match(&s)
				}
				if !m {
					continue
				}
			}
			var rec Checkin
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("check-in %d: %w", seq, ErrCorrupt)
			}
			out = append(out, rec)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list check-ins: %w", err)
	}
	return out, nil
}

// RecentCheckin returns the newest check-in of ID number id that is not
// cancelled and was recorded at or after since; ok is false if there is
// none. It walks back from the newest record and stops at the first one
// older than since, so it reads only the check-ins of that window (and at
// most maxRecentScan records, should the clock have jumped back).
func (db *DB) RecentCheckin(id string, since time.Time) (Checkin, bool, error) {
	var (
		out Checkin
		ok  bool
	)
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketCheckins).Cursor()
		n := 0
		for k, v := c.Last(); k != nil && n < maxRecentScan; k, v = c.Prev() {
			n++
			seq := binary.BigEndian.Uint64(k)
			s := summarize(seq, v)
			if !s.parsed {
				return fmt.Errorf("check-in %d: %w", seq, ErrCorrupt)
			}
			t, err := time.Parse(time.RFC3339Nano, s.time)
			if err != nil {
				return fmt.Errorf("check-in %d: %w", seq, ErrCorrupt)
			}
			if t.Before(since) {
				return nil
			}
			if s.soCCCD != id {
				continue
			}
			var rec Checkin
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("check-in %d: %w", seq, ErrCorrupt)
			}
			if rec.Cancelled {
				continue
			}
			out, ok = rec, true
			return nil
		}
		return nil
	})
	if err != nil {
		return Checkin{}, false, fmt.Errorf("find recent check-in: %w", err)
	}
	return out, ok, nil
}

// maxRecentScan bounds RecentCheckin's walk: a busy desk records far fewer
// check-ins within any re-tap window.
const maxRecentScan = 10000

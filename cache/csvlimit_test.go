package cache

import (
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

// endlessLine is a CSV header and a first line that never ends: n bytes of
// 'a'. It counts what was read from it.
type endlessLine struct {
	head []byte
	left int64
	read int64
}

func (e *endlessLine) Read(p []byte) (int, error) {
	if len(e.head) > 0 {
		n := copy(p, e.head)
		e.head = e.head[n:]
		e.read += int64(n)
		return n, nil
	}
	if e.left == 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), e.left)
	for i := range p[:n] {
		p[i] = 'a'
	}
	e.left -= n
	e.read += n
	return int(n), nil
}

// A 200 MB line is refused after about MaxCSVLine bytes, without reading the
// rest or holding it in memory.
func TestRosterCSVLongLineRefusedBounded(t *testing.T) {
	src := &endlessLine{head: []byte(csvHeader + csvLine(1) + "079090000002,"), left: 200 << 20}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	err := ParseRosterCSV(src, func(int, RosterRecord) error { return nil })
	runtime.ReadMemStats(&after)
	var ie *ImportError
	if !errors.As(err, &ie) || len(ie.Lines) != 1 || ie.Lines[0].Line != 3 || !strings.Contains(ie.Lines[0].Reason, "longer than 64 KiB") {
		t.Fatalf("err = %v, want line 3 longer than 64 KiB", err)
	}
	if !errors.Is(err, ErrBadRoster) {
		t.Errorf("err %v does not match ErrBadRoster", err)
	}
	if src.read > 1<<20 {
		t.Errorf("read %d bytes of a 200 MB line, want at most 1 MiB", src.read)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("allocated %d bytes refusing the line, want under 16 MiB", alloc)
	}
}

// A header line without an end is refused the same way.
func TestRosterCSVLongHeaderRefused(t *testing.T) {
	src := &endlessLine{left: 1 << 20}
	err := ParseRosterCSV(src, func(int, RosterRecord) error { return nil })
	var ie *ImportError
	if !errors.As(err, &ie) || ie.Lines[0].Line != 1 || !strings.Contains(err.Error(), "longer than 64 KiB") {
		t.Fatalf("err = %v", err)
	}
}

// A line just under the cap still parses (as a bad line: the name is too long).
func TestRosterCSVLineUnderCap(t *testing.T) {
	r := synthRecord(1)
	r.HoTen = strings.Repeat("x", MaxCSVLine-300)
	line := strings.Join([]string{r.SoCCCD, r.MaThe, r.MaSoBHXH, r.HoTen, r.NgaySinh, r.GioiTinh, `"` + r.DiaChi + `"`, r.MaDKBD, `"` + r.TenDKBD + `"`, r.GtTheTu, r.GtTheDen, r.MaKV, r.NgayDu5Nam, r.MucHuong, r.TrangThai, r.CapNhat}, ",")
	err := ParseRosterCSV(strings.NewReader(csvHeader+line+"\n"), func(int, RosterRecord) error { return nil })
	var ie *ImportError
	if !errors.As(err, &ie) || ie.Lines[0].Field != "hoTen" {
		t.Fatalf("err = %v, want hoTen too long", err)
	}
}

// Feed records go through the CSV's field rules: control characters and
// invalid UTF-8 are refused, spaces folded and trimmed.
func TestValidateRecordLikeCSV(t *testing.T) {
	for _, tc := range []struct {
		name  string
		set   func(*RosterRecord)
		field string
	}{
		{"NUL in name", func(r *RosterRecord) { r.HoTen = "A\x00B" }, "hoTen"},
		{"ESC in address", func(r *RosterRecord) { r.DiaChi = "x\x1b[2J" }, "diaChi"},
		{"invalid UTF-8", func(r *RosterRecord) { r.TenDKBD = "\xff" }, "tenDKBD"},
		{"control in capNhat", func(r *RosterRecord) { r.CapNhat = "v\x07" }, "capNhat"},
	} {
		r := synthRecord(1)
		tc.set(&r)
		err := ValidateRecord(&r)
		if !errors.Is(err, ErrBadRoster) || !strings.Contains(err.Error(), tc.field+": ") {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
	r := synthRecord(1)
	r.HoTen = "  Nguyễn\tVăn\r\nA "
	if err := ValidateRecord(&r); err != nil || r.HoTen != "Nguyễn Văn A" {
		t.Errorf("folded name %q, err %v", r.HoTen, err)
	}
}

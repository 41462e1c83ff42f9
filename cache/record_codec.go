package cache

import (
	"encoding/binary"
	"fmt"
)

// recordFormat is the first byte of an encoded RosterRecord. A new layout
// gets a new number; decodeRecord refuses numbers it does not know.
const recordFormat = 1

// recordFields is the number of string fields of RosterRecord, in the order
// of fieldsOf.
const recordFields = 16

// fieldsOf lists the fields of r in their stored order.
func fieldsOf(r *RosterRecord) [recordFields]*string {
	return [recordFields]*string{&r.SoCCCD, &r.MaThe, &r.MaSoBHXH, &r.HoTen, &r.NgaySinh,
		&r.GioiTinh, &r.DiaChi, &r.MaDKBD, &r.TenDKBD, &r.GtTheTu, &r.GtTheDen, &r.MaKV,
		&r.NgayDu5Nam, &r.MucHuong, &r.TrangThai, &r.CapNhat}
}

// encodedSize returns the length of appendRecord's output for r.
func encodedSize(r *RosterRecord) int {
	n := 1
	for _, f := range fieldsOf(r) {
		n += uvarintLen(uint64(len(*f))) + len(*f)
	}
	return n
}

// appendRecord appends the compact form of r to dst: the format byte, then
// each field as a uvarint length and its bytes.
func appendRecord(dst []byte, r *RosterRecord) []byte {
	dst = append(dst, recordFormat)
	for _, f := range fieldsOf(r) {
		dst = binary.AppendUvarint(dst, uint64(len(*f)))
		dst = append(dst, *f...)
	}
	return dst
}

// decodeRecord parses appendRecord's output. The fields share one string
// allocation. Trailing bytes, truncation and unknown formats are ErrCorrupt.
func decodeRecord(b []byte) (RosterRecord, error) {
	var r RosterRecord
	if len(b) == 0 || b[0] != recordFormat {
		return r, fmt.Errorf("roster record: unknown format: %w", ErrCorrupt)
	}
	s := string(b[1:])
	pos := 0
	for i, f := range fieldsOf(&r) {
		n, w := binary.Uvarint(b[1+pos:])
		if w <= 0 || n > uint64(len(s)-pos-w) {
			return RosterRecord{}, fmt.Errorf("roster record: field %d truncated: %w", i, ErrCorrupt)
		}
		pos += w
		*f = s[pos : pos+int(n)]
		pos += int(n)
	}
	if pos != len(s) {
		return RosterRecord{}, fmt.Errorf("roster record: %d trailing bytes: %w", len(s)-pos, ErrCorrupt)
	}
	return r, nil
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

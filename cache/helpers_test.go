package cache

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// openTemp opens a fresh cache file in a test directory.
func openTemp(t testing.TB) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "data", "cccd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// synthRecord builds a plausible record number i; IDs, card and BHXH numbers
// are unique per i and not in key order, like a real export.
func synthRecord(i int) RosterRecord {
	// Spread i over the key space so that inserts are not in key order.
	// 2654435761 and 2246822519 are odd and prime to 10^9 and 10^10, so
	// i → x is one-to-one for i below 10^9.
	x := uint64(i) * 2654435761 % 1_000_000_000
	bhxh := fmt.Sprintf("%010d", uint64(i)*2246822519%10_000_000_000)
	return RosterRecord{
		SoCCCD:     fmt.Sprintf("079%09d", x),
		MaThe:      "GD479" + bhxh,
		MaSoBHXH:   bhxh,
		HoTen:      "Nguyễn Văn Thử Nghiệm",
		NgaySinh:   "15/02/1990",
		GioiTinh:   "Nam",
		DiaChi:     "Số 1, Phố Thử, Phường Mẫu, Quận Giả, Thành phố Hồ Chí Minh",
		MaDKBD:     "79011",
		TenDKBD:    "Bệnh viện Thử nghiệm",
		GtTheTu:    "01/01/2026",
		GtTheDen:   "31/12/2026",
		MaKV:       "",
		NgayDu5Nam: "01/06/2027",
		MucHuong:   "80",
		TrangThai:  "000",
		CapNhat:    "20/11/2026",
	}
}

// records yields n synthetic records from offset.
func records(offset, n int) func(yield func(RosterRecord) error) error {
	return func(yield func(RosterRecord) error) error {
		for i := offset; i < offset+n; i++ {
			if err := yield(synthRecord(i)); err != nil {
				return err
			}
		}
		return nil
	}
}

var testTime = time.Date(2026, 11, 28, 8, 30, 0, 0, time.UTC)

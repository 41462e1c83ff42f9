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

// synthSpace is the key space of synthRecord: unique records for i below it.
const synthSpace = 100_000_000

// Multipliers of the synthetic key permutations: primes above 10^6, so prime
// to every record count a test or benchmark uses.
const (
	synthMulID   = 999983
	synthMulBHXH = 999979
)

// synthRecord builds plausible record number i of synthSpace.
func synthRecord(i int) RosterRecord { return synthRecordN(i, synthSpace) }

// synthKeys returns the ID and BHXH numbers of record i of n: i ↦ i·m mod n
// is a permutation of [0, n), so keys are unique and arrive out of order, as
// in a real export, and the benchmark's baseline can enumerate them sorted.
func synthKeys(i, n int) (id, bhxh string) {
	x := uint64(i) * synthMulID % uint64(n)
	y := uint64(i) * synthMulBHXH % uint64(n)
	return fmt.Sprintf("079%09d", x), fmt.Sprintf("79%08d", y)
}

// synthRecordN builds record i of a roster of n (n ≤ synthSpace).
func synthRecordN(i, n int) RosterRecord {
	id, bhxh := synthKeys(i, n)
	return RosterRecord{
		SoCCCD:     id,
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

// records yields n synthetic records of synthSpace from offset.
func records(offset, n int) func(yield func(RosterRecord) error) error {
	return recordsN(offset, n, synthSpace)
}

// recordsN yields count records of a roster of n from offset.
func recordsN(offset, count, n int) func(yield func(RosterRecord) error) error {
	return func(yield func(RosterRecord) error) error {
		for i := offset; i < offset+count; i++ {
			if err := yield(synthRecordN(i, n)); err != nil {
				return err
			}
		}
		return nil
	}
}

var testTime = time.Date(2026, 11, 28, 8, 30, 0, 0, time.UTC)

// Package rostertest makes synthetic rosters and feed keys for the tests and
// benchmarks of the sync packages. The people are placeholders generated from
// a seed, not real data.
package rostertest

import (
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"

	"github.com/cccd-agent/cccd/cache"
)

var (
	families = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"}
	middles  = []string{"Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc"}
	givens   = []string{"An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hoa", "Khoa", "Lan", "Long", "Mai", "Nam", "Phúc", "Quân", "Trang"}
	groups   = []string{"GD4", "DN4", "HT3", "TE1", "CN3", "HN2", "XB4"}
	streets  = []string{"Số 1 Phố P", "Số 12 Đường Q", "Thôn R", "Ngõ 5 Phố S"}
)

// Records returns n distinct records (12-digit soCCCD ascending from a
// seed-dependent start) with the marker stored in CapNhat, so that tests can
// tell which publication a stored record came from.
func Records(seed uint64, n int, marker string) []cache.RosterRecord {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	out := make([]cache.RosterRecord, n)
	id := uint64(1_000_000_000) + rng.Uint64N(1000)
	for i := range out {
		id += 1 + rng.Uint64N(50)
		out[i] = Record(rng, id, marker)
	}
	return out
}

// Record makes one record for the given numeric ID.
func Record(rng *rand.Rand, id uint64, marker string) cache.RosterRecord {
	// A bijection of the ID keeps maSoBHXH (and so maThe) unique, as the
	// cache's indexes require.
	bhxh := fmt.Sprintf("%010d", (id*7919)%10_000_000_000)
	g := groups[rng.IntN(len(groups))]
	prov := fmt.Sprintf("%02d", 1+rng.IntN(96))
	y := 1940 + rng.IntN(80)
	return cache.RosterRecord{
		SoCCCD:     fmt.Sprintf("%012d", id),
		MaThe:      g + prov + bhxh,
		MaSoBHXH:   bhxh,
		HoTen:      families[rng.IntN(len(families))] + " " + middles[rng.IntN(len(middles))] + " " + givens[rng.IntN(len(givens))],
		NgaySinh:   fmt.Sprintf("%02d/%02d/%04d", 1+rng.IntN(28), 1+rng.IntN(12), y),
		GioiTinh:   []string{"Nam", "Nữ"}[rng.IntN(2)],
		DiaChi:     streets[rng.IntN(len(streets))] + ", Hà Nội",
		MaDKBD:     prov + fmt.Sprintf("%03d", rng.IntN(1000)),
		TenDKBD:    "Trạm y tế " + givens[rng.IntN(len(givens))],
		GtTheTu:    "01/01/2026",
		GtTheDen:   "31/12/2026",
		MaKV:       []string{"", "", "", "K1", "K2", "K3"}[rng.IntN(6)],
		NgayDu5Nam: fmt.Sprintf("01/%02d/%04d", 1+rng.IntN(12), 2010+rng.IntN(20)),
		MucHuong:   []string{"80", "95", "100"}[rng.IntN(3)],
		TrangThai:  "000",
		CapNhat:    marker,
	}
}

// Mutate returns a copy of records in which about a fraction frac of the
// roster is touched, the shape of a day's churn: frac/2 changed (a new card
// validity and marker), frac/4 deleted and frac/4 added. Unchanged records
// keep their marker; callers that need every record marked use Remark.
func Mutate(seed uint64, records []cache.RosterRecord, frac float64, marker string) []cache.RosterRecord {
	rng := rand.New(rand.NewPCG(seed, 0xc0de))
	out := make([]cache.RosterRecord, 0, len(records))
	for _, r := range records {
		p := rng.Float64()
		switch {
		case p < frac/4:
			continue // deleted
		case p < frac*3/4:
			r.GtTheDen = "31/12/2027"
			r.CapNhat = marker
		}
		out = append(out, r)
	}
	var last uint64
	fmt.Sscan(records[len(records)-1].SoCCCD, &last)
	for i := 0; i < int(float64(len(records))*frac/4); i++ {
		last += 1 + rng.Uint64N(50)
		out = append(out, Record(rng, last, marker))
	}
	return out
}

// Remark returns a copy of records with every CapNhat set to marker.
func Remark(records []cache.RosterRecord, marker string) []cache.RosterRecord {
	out := append([]cache.RosterRecord(nil), records...)
	for i := range out {
		out[i].CapNhat = marker
	}
	return out
}

// Key returns a deterministic Ed25519 key for tests.
func Key(seed byte) ed25519.PrivateKey {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = seed + byte(i)
	}
	return ed25519.NewKeyFromSeed(s)
}

package feed

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/icao/mrz"
	"github.com/cccd-agent/cccd/internal/redact"
)

// SortRecords sorts records by soCCCD in place and checks that every ID is a
// 12-digit number and appears once, and that no two records share a card
// number (maThe, case-insensitively) or a maSoBHXH: the cache indexes both
// and would refuse such a publication on every client.
func SortRecords(records []cache.RosterRecord) error {
	slices.SortFunc(records, func(a, b cache.RosterRecord) int { return cmp.Compare(a.SoCCCD, b.SoCCCD) })
	cards := make(map[string]struct{}, len(records))
	social := make(map[string]struct{}, len(records))
	for i, r := range records {
		if r.MaThe != "" {
			k := strings.ToUpper(r.MaThe)
			if _, dup := cards[k]; dup {
				return fmt.Errorf("%w: record %s repeats the maThe of another record; fix the roster file", ErrMalformed, redact.ID(r.SoCCCD))
			}
			cards[k] = struct{}{}
		}
		if r.MaSoBHXH != "" {
			if _, dup := social[r.MaSoBHXH]; dup {
				return fmt.Errorf("%w: record %s repeats the maSoBHXH of another record; fix the roster file", ErrMalformed, redact.ID(r.SoCCCD))
			}
			social[r.MaSoBHXH] = struct{}{}
		}
		if !mrz.ValidID(r.SoCCCD) {
			return fmt.Errorf("%w: record %d: soCCCD %s is not 12 digits; fix the roster file", ErrMalformed, i+1, redact.ID(r.SoCCCD))
		}
		if i > 0 && records[i-1].SoCCCD == r.SoCCCD {
			return fmt.Errorf("%w: soCCCD %s appears twice; fix the roster file", ErrMalformed, redact.ID(r.SoCCCD))
		}
	}
	return nil
}

// Diff returns the delta entries that turn old into new, both sorted by
// soCCCD (SortRecords): changed or added records as upserts, vanished ones as
// deletes, in ascending ID order.
func Diff(old, new []cache.RosterRecord) []Entry {
	var out []Entry
	i, j := 0, 0
	for i < len(old) || j < len(new) {
		switch {
		case j == len(new) || (i < len(old) && old[i].SoCCCD < new[j].SoCCCD):
			out = append(out, Entry{Delete: true, ID: old[i].SoCCCD})
			i++
		case i == len(old) || new[j].SoCCCD < old[i].SoCCCD:
			out = append(out, Entry{ID: new[j].SoCCCD, Record: new[j]})
			j++
		default:
			if old[i] != new[j] {
				out = append(out, Entry{ID: new[j].SoCCCD, Record: new[j]})
			}
			i++
			j++
		}
	}
	return out
}

// SnapshotEntries wraps sorted records as snapshot entries.
func SnapshotEntries(records []cache.RosterRecord) []Entry {
	out := make([]Entry, len(records))
	for i, r := range records {
		out[i] = Entry{ID: r.SoCCCD, Record: r}
	}
	return out
}

// countOps splits delta entries into upserts and deletes.
func countOps(entries []Entry) (upserts, deletes int) {
	for _, e := range entries {
		if e.Delete {
			deletes++
		} else {
			upserts++
		}
	}
	return upserts, deletes
}

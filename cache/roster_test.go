package cache

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestOpenModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "data")
	path := filepath.Join(dir, "cccd.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tc := range []struct {
		path string
		want os.FileMode
	}{{dir, 0o700}, {path, 0o600}} {
		fi, err := os.Stat(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != tc.want {
			t.Errorf("%s mode = %o, want %o", tc.path, got, tc.want)
		}
	}
}

func TestReplaceAndLookup(t *testing.T) {
	db := openTemp(t)
	if err := db.ReplaceRoster(RosterMeta{Version: 3, Source: "test"}, records(0, 25000)); err != nil {
		t.Fatal(err)
	}
	m, err := db.RosterMeta()
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != 3 || m.Records != 25000 || m.Source != "test" || m.Synced.IsZero() {
		t.Errorf("meta = %+v", m)
	}
	for _, i := range []int{0, 1, 9999, 10000, 24999} {
		want := synthRecord(i)
		for _, tc := range []struct {
			name string
			fn   func(string) (RosterRecord, bool, error)
			key  string
		}{
			{"id", db.LookupRoster, want.SoCCCD},
			{"card", db.LookupRosterByCard, want.MaThe},
			{"card-lower", db.LookupRosterByCard, "gd479" + want.MaSoBHXH},
			{"bhxh", db.LookupRosterBySocialID, want.MaSoBHXH},
		} {
			got, ok, err := tc.fn(tc.key)
			if err != nil || !ok || got != want {
				t.Errorf("%s lookup of record %d = %+v, %v, %v", tc.name, i, got, ok, err)
			}
		}
	}
	if _, ok, err := db.LookupRoster(synthRecord(25000).SoCCCD); ok || err != nil {
		t.Errorf("lookup of absent record: ok=%v err=%v", ok, err)
	}
}

func TestReplaceFailsMidwayKeepsOld(t *testing.T) {
	boom := errors.New("feed broke")
	for _, n := range []int{0, 1, 9999, 10000, 10001, 23456} {
		db := openTemp(t)
		if err := db.ReplaceRoster(RosterMeta{Version: 1}, records(0, 100)); err != nil {
			t.Fatal(err)
		}
		err := db.ReplaceRoster(RosterMeta{Version: 2}, func(yield func(RosterRecord) error) error {
			for i := 100; ; i++ {
				if i-100 == n {
					return boom
				}
				if err := yield(synthRecord(i)); err != nil {
					return err
				}
			}
		})
		if !errors.Is(err, boom) {
			t.Fatalf("n=%d: err = %v, want %v", n, err, boom)
		}
		m, _ := db.RosterMeta()
		if m.Version != 1 || m.Records != 100 {
			t.Errorf("n=%d: meta after failed replace = %+v", n, m)
		}
		if _, ok, _ := db.LookupRoster(synthRecord(50).SoCCCD); !ok {
			t.Errorf("n=%d: old record lost", n)
		}
		if _, ok, _ := db.LookupRoster(synthRecord(100).SoCCCD); ok {
			t.Errorf("n=%d: new record visible after failed replace", n)
		}
	}
}

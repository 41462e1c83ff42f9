package cache

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// checkIndexes asserts the index invariant: every index entry points at a
// record holding that key, and every record's keys are indexed.
func checkIndexes(t *testing.T, db *DB) {
	t.Helper()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		roster := tx.Bucket(bucketRoster)
		n := 0
		if err := roster.ForEach(func(k, v []byte) error {
			n++
			r, err := decodeRecord(v)
			if err != nil {
				return err
			}
			if r.SoCCCD != string(k) {
				return fmt.Errorf("record under %s holds %s", k, redactKey(r.SoCCCD))
			}
			for _, e := range indexEntries(&r) {
				if got := tx.Bucket(e.bucket).Get([]byte(e.key)); string(got) != r.SoCCCD {
					return fmt.Errorf("%s of a record not indexed", e.field)
				}
			}
			return nil
		}); err != nil {
			return err
		}
		m, err := readRosterMeta(tx)
		if err != nil {
			return err
		}
		if m.Records != n {
			return fmt.Errorf("meta counts %d records, bucket has %d", m.Records, n)
		}
		for _, name := range [][]byte{bucketRosterCard, bucketRosterBHXH} {
			if err := tx.Bucket(name).ForEach(func(k, id []byte) error {
				v := roster.Get(id)
				if v == nil {
					return fmt.Errorf("%s entry points at a missing record", name)
				}
				r, _ := decodeRecord(v)
				for _, e := range indexEntries(&r) {
					if bytes.Equal(e.bucket, name) && e.key == string(k) {
						return nil
					}
				}
				return fmt.Errorf("%s entry points at a record without that key", name)
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func redactKey(s string) string { return fmt.Sprintf("<%d chars>", len(s)) }

func TestApplyRosterDelta(t *testing.T) {
	db := openTemp(t)
	if err := db.ReplaceRoster(RosterMeta{Version: 5}, records(0, 10)); err != nil {
		t.Fatal(err)
	}
	moved := synthRecord(1)
	moved.SoCCCD = synthRecord(100).SoCCCD // record 1's card moves to a new person
	changed := synthRecord(2)
	changed.GtTheDen = "31/12/2027"
	changed.MaThe = "HT3790000000099"
	changed.MaSoBHXH = "7900000099"
	tests := []struct {
		name    string
		base    uint64
		version uint64
		upserts []RosterRecord
		deletes []string
		wantErr error
	}{
		{"stale base", 4, 6, nil, nil, ErrVersionConflict},
		{"future base", 6, 7, nil, nil, ErrVersionConflict},
		{"same version", 5, 5, nil, nil, ErrRollback},
		{"older version", 5, 3, nil, nil, ErrRollback},
		{"bad ID", 5, 6, []RosterRecord{{SoCCCD: "123"}}, nil, ErrInvalid},
		{"card held by a record left in place", 5, 6, []RosterRecord{func() RosterRecord {
			r := synthRecord(50)
			r.MaThe = synthRecord(3).MaThe
			return r
		}()}, nil, ErrDuplicate},
		{"ID twice in one delta", 5, 6, []RosterRecord{synthRecord(60), synthRecord(60)}, nil, ErrDuplicate},
		{"ok", 5, 6, []RosterRecord{moved, changed, synthRecord(10)}, []string{synthRecord(1).SoCCCD, synthRecord(0).SoCCCD, "079999999999"}, nil},
		{"replayed", 5, 6, nil, nil, ErrVersionConflict},
	}
	for _, tc := range tests {
		err := db.ApplyRosterDelta(tc.base, RosterMeta{Version: tc.version, Source: "delta"}, tc.upserts, tc.deletes)
		if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
			t.Fatalf("%s: err %v, want %v", tc.name, err, tc.wantErr)
		}
		checkIndexes(t, db)
	}
	m, _ := db.RosterMeta()
	if m.Version != 6 || m.Records != 10 || m.Source != "delta" {
		t.Errorf("meta %+v", m)
	}
	lookups := []struct {
		name string
		fn   func(string) (RosterRecord, bool, error)
		key  string
		want string // soCCCD, "" for none
	}{
		{"deleted", db.LookupRoster, synthRecord(0).SoCCCD, ""},
		{"moved card", db.LookupRosterByCard, moved.MaThe, moved.SoCCCD},
		{"moved BHXH", db.LookupRosterBySocialID, moved.MaSoBHXH, moved.SoCCCD},
		{"old card of changed", db.LookupRosterByCard, synthRecord(2).MaThe, ""},
		{"new card of changed", db.LookupRosterByCard, "ht3790000000099", changed.SoCCCD},
		{"untouched", db.LookupRosterBySocialID, synthRecord(9).MaSoBHXH, synthRecord(9).SoCCCD},
	}
	for _, l := range lookups {
		r, ok, err := l.fn(l.key)
		if err != nil || ok != (l.want != "") || r.SoCCCD != l.want {
			t.Errorf("%s: %v %v %v", l.name, r.SoCCCD, ok, err)
		}
	}
	if r, _, _ := db.LookupRoster(changed.SoCCCD); r.GtTheDen != "31/12/2027" {
		t.Errorf("changed record not updated: %+v", r)
	}
}

func TestSyncResult(t *testing.T) {
	db := openTemp(t)
	if err := db.ReplaceRoster(RosterMeta{Version: 2}, records(0, 3)); err != nil {
		t.Fatal(err)
	}
	if err := db.SetRosterSyncResult(testTime, errors.New("feed unreachable")); err != nil {
		t.Fatal(err)
	}
	m, _ := db.RosterMeta()
	if m.LastError != "feed unreachable" || !m.LastAttempt.Equal(testTime) || m.Records != 3 || m.Version != 2 {
		t.Errorf("after failure: %+v", m)
	}
	// A replace keeps the sync result; a successful sync clears the error.
	if err := db.ReplaceRoster(RosterMeta{Version: 3}, records(0, 4)); err != nil {
		t.Fatal(err)
	}
	if m, _ = db.RosterMeta(); m.LastError != "feed unreachable" {
		t.Errorf("replace dropped the sync result: %+v", m)
	}
	db.SetRosterSyncResult(testTime.Add(time.Hour), nil)
	if m, _ = db.RosterMeta(); m.LastError != "" || !m.LastAttempt.Equal(testTime.Add(time.Hour)) || m.Records != 4 {
		t.Errorf("after success: %+v", m)
	}
}

func TestReplaceRosterRejects(t *testing.T) {
	db := openTemp(t)
	if err := db.ReplaceRoster(RosterMeta{Version: 1}, records(0, 5)); err != nil {
		t.Fatal(err)
	}
	dupAt := func(n, of int) func(yield func(RosterRecord) error) error {
		return func(yield func(RosterRecord) error) error {
			for i := 0; i < n; i++ {
				r := synthRecord(100 + i)
				if i == n-1 {
					r = synthRecord(100 + of)
				}
				if err := yield(r); err != nil {
					return err
				}
			}
			return nil
		}
	}
	tests := []struct {
		name    string
		each    func(yield func(RosterRecord) error) error
		wantErr error
		dups    []Duplicate
	}{
		{"invalid ID, error ignored by the stream", func(yield func(RosterRecord) error) error {
			yield(RosterRecord{SoCCCD: "12345"})
			return yield(synthRecord(9))
		}, ErrInvalid, nil},
		{"repeat within a batch", dupAt(10, 3), ErrDuplicate,
			[]Duplicate{{9, "soCCCD"}, {9, "maThe"}, {9, "maSoBHXH"}}},
		{"repeat across batches", dupAt(spillRecords+10, 0), ErrDuplicate,
			[]Duplicate{{spillRecords + 9, "soCCCD"}, {spillRecords + 9, "maThe"}, {spillRecords + 9, "maSoBHXH"}}},
	}
	for _, tc := range tests {
		err := db.ReplaceRoster(RosterMeta{Version: 2}, tc.each)
		if !errors.Is(err, tc.wantErr) {
			t.Fatalf("%s: err %v", tc.name, err)
		}
		var de *DuplicateError
		if errors.As(err, &de) && !reflect.DeepEqual(de.Dups, tc.dups) {
			t.Errorf("%s: dups %+v, want %+v", tc.name, de.Dups, tc.dups)
		}
		if m, _ := db.RosterMeta(); m.Version != 1 || m.Records != 5 {
			t.Errorf("%s: roster changed: %+v", tc.name, m)
		}
		checkIndexes(t, db)
		if tmp, _ := filepath.Glob(filepath.Join(filepath.Dir(db.Path()), tempPattern)); len(tmp) != 0 {
			t.Errorf("%s: temporary files left: %v", tc.name, tmp)
		}
	}
}

func TestCrashedReplaceCleanedOnOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cccd.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ReplaceRoster(RosterMeta{Version: 1}, records(0, 5)); err != nil {
		t.Fatal(err)
	}
	// Simulate a crash in the middle of a replace: a staging area with data
	// and a run file.
	st, err := newStager(db)
	if err != nil {
		t.Fatal(err)
	}
	for i := 10; i < 20; i++ {
		st.add(synthRecord(i))
	}
	if err := st.build(); err != nil {
		t.Fatal(err)
	}
	for _, rf := range st.runs {
		rf.f.Close() // the process died: files stay
	}
	db.Close()
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.bolt.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketStaging) != nil {
			t.Error("staging area survived Open")
		}
		return nil
	})
	if tmp, _ := filepath.Glob(filepath.Join(filepath.Dir(path), tempPattern)); len(tmp) != 0 {
		t.Errorf("temporary files survived Open: %v", tmp)
	}
	if m, _ := db.RosterMeta(); m.Version != 1 || m.Records != 5 {
		t.Errorf("roster after crash: %+v", m)
	}
	checkIndexes(t, db)
}

func TestSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cccd.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	db.PutMeta("etag", []byte("abc"))
	// Stamp a future schema, as a newer cccd would.
	db.bolt.Update(func(tx *bolt.Tx) error {
		var v [8]byte
		binary.BigEndian.PutUint64(v[:], SchemaVersion+1)
		return tx.Bucket(bucketSys).Put(keySchema, v[:])
	})
	db.Close()
	before, _ := os.ReadFile(path)
	if _, err := Open(path); !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("open of a newer schema: %v", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("a newer file was modified by a refused Open")
	}
	// Reopening the current schema keeps the data.
	db2, err := Open(filepath.Join(t.TempDir(), "b.db"))
	if err != nil {
		t.Fatal(err)
	}
	db2.PutMeta("k", []byte("v"))
	p2 := db2.Path()
	db2.Close()
	db3, err := Open(p2)
	if err != nil {
		t.Fatal(err)
	}
	defer db3.Close()
	if v, err := db3.GetMeta("k"); err != nil || string(v) != "v" {
		t.Errorf("meta after reopen: %q %v", v, err)
	}
}

func TestOpenErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cccd.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// bbolt's file lock is per open file, so a second Open in this process
	// meets it just as another process would.
	if _, err := Open(path); !errors.Is(err, ErrLocked) {
		t.Errorf("second open: %v", err)
	}
	if _, err := Open(""); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty path: %v", err)
	}
	notDB := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(notDB, bytes.Repeat([]byte("junk"), 2048), 0o600)
	if _, err := Open(notDB); err == nil {
		t.Error("opened a file that is not a database")
	}
	loose := filepath.Join(t.TempDir(), "loose.db")
	if d, err := Open(loose); err == nil {
		d.Close()
	}
	os.Chmod(loose, 0o644)
	d, err := Open(loose)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	if fi, _ := os.Stat(loose); fi.Mode().Perm() != 0o600 {
		t.Errorf("existing file mode %o not narrowed", fi.Mode().Perm())
	}
}

func TestLookupCache(t *testing.T) {
	db := openTemp(t)
	id := "079090000001"
	if _, _, ok, err := db.GetLookup(id); ok || err != nil {
		t.Fatalf("empty cache: %v %v", ok, err)
	}
	for i, answer := range []string{`{"maKetQua":"000"}`, `{"maKetQua":"010"}`} {
		at := testTime.Add(time.Duration(i) * time.Hour)
		if err := db.PutLookup(id, []byte(answer), at); err != nil {
			t.Fatal(err)
		}
		got, gotAt, ok, err := db.GetLookup(id)
		if err != nil || !ok || string(got) != answer || !gotAt.Equal(at) {
			t.Errorf("put %d: %q %v %v %v", i, got, gotAt, ok, err)
		}
	}
	db.PutLookup("079090000002", []byte("{}"), testTime.Add(-48*time.Hour))
	db.PutLookup("079090000003", []byte("{}"), testTime.Add(-47*time.Hour))
	db.PutLookup("079090000004", []byte("{}"), testTime.Add(-49*time.Hour))
	n, err := db.PruneLookups(testTime.Add(-24 * time.Hour))
	if err != nil || n != 3 {
		t.Errorf("pruned %d, %v", n, err)
	}
	for _, k := range []string{"079090000002", "079090000003", "079090000004"} {
		if _, _, ok, _ := db.GetLookup(k); ok {
			t.Errorf("%s survived the prune", k)
		}
	}
	if _, _, ok, _ := db.GetLookup(id); !ok {
		t.Error("fresh answer pruned")
	}
	if err := db.PutLookup("", nil, testTime); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty id: %v", err)
	}
}

func TestMeta(t *testing.T) {
	db := openTemp(t)
	if _, err := db.GetMeta("etag"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing key: %v", err)
	}
	for _, v := range [][]byte{[]byte(`"abc"`), {}, []byte("second")} {
		if err := db.PutMeta("etag", v); err != nil {
			t.Fatal(err)
		}
		got, err := db.GetMeta("etag")
		if err != nil || !bytes.Equal(got, v) || got == nil {
			t.Errorf("put %q: got %q %v", v, got, err)
		}
	}
	if err := db.PutMeta("", []byte("x")); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty key: %v", err)
	}
	// The user namespace cannot reach internal keys.
	db.PutMeta("schema", []byte("x"))
	db.Close()
	db2, err := Open(db.Path())
	if err != nil {
		t.Fatalf("reopen after PutMeta(schema): %v", err)
	}
	db2.Close()
}

func TestTrust(t *testing.T) {
	db := openTemp(t)
	tests := []struct {
		kind, source string
		der          []byte
		wantErr      error
	}{
		{TrustCert, "csca.pem", []byte{0x30, 0x03, 0x02, 0x01, 0x01}, nil},
		{TrustMasterList, "ml.der", []byte{0x30, 0x01, 0x00}, nil},
		{TrustCRL, "vn.crl", []byte{0x30, 0x00}, nil},
		{TrustCert, "again.pem", []byte{0x30, 0x03, 0x02, 0x01, 0x01}, nil}, // same bytes: no-op
		{"key", "x", []byte{1}, ErrInvalid},
		{TrustCert, "empty", nil, ErrInvalid},
	}
	for _, tc := range tests {
		if err := db.PutTrust(tc.kind, tc.der, tc.source); !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
			t.Errorf("%s %s: %v", tc.kind, tc.source, err)
		}
	}
	list, err := db.ListTrust()
	if err != nil || len(list) != 3 {
		t.Fatalf("list: %d %v", len(list), err)
	}
	for _, e := range list {
		if e.Source == "again.pem" || e.Added.IsZero() || len(e.DER) == 0 {
			t.Errorf("entry %+v", e)
		}
	}
	for i := 1; i < len(list); i++ {
		if bytes.Compare(list[i-1].SHA256[:], list[i].SHA256[:]) >= 0 {
			t.Error("list not in SHA-256 order")
		}
	}
}

// TestErrorsCarryNoPersonalData drives every error path that sees an ID
// number, a card number or a name, and checks that none reaches the text.
func TestErrorsCarryNoPersonalData(t *testing.T) {
	db := openTemp(t)
	secret := synthRecord(7)
	var errs []error
	collect := func(err error) {
		if err == nil {
			t.Error("expected an error")
		}
		errs = append(errs, err)
	}
	db.ReplaceRoster(RosterMeta{Version: 1}, records(7, 1))
	bad := secret
	bad.SoCCCD = "0790" + secret.HoTen
	collect(db.ReplaceRoster(RosterMeta{Version: 2}, func(y func(RosterRecord) error) error { return y(bad) }))
	collect(db.ReplaceRoster(RosterMeta{Version: 2}, func(y func(RosterRecord) error) error {
		y(secret)
		return y(secret)
	}))
	collect(db.ApplyRosterDelta(1, RosterMeta{Version: 2}, []RosterRecord{bad}, nil))
	other := synthRecord(8)
	other.MaThe = secret.MaThe
	collect(db.ApplyRosterDelta(1, RosterMeta{Version: 2}, []RosterRecord{other}, nil))
	_, err := db.ImportCSV(context.Background(), strings.NewReader(csvHeader+csvLine(7)+csvLine(7)), ImportOptions{Source: "f.csv", Now: testTime, Force: true})
	collect(err)
	line := strings.Replace(csvLine(7), "15/02/1990", "31/02/1990", 1)
	_, err = db.ImportCSV(context.Background(), strings.NewReader(csvHeader+line), ImportOptions{Source: "f.csv", Now: testTime, Force: true})
	collect(err)
	// A corrupt record read back.
	db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRoster).Put([]byte(secret.SoCCCD), []byte{recordFormat, 200})
	})
	_, _, err = db.LookupRoster(secret.SoCCCD)
	collect(err)
	for _, err := range errs {
		msg := err.Error()
		for _, p := range []string{secret.SoCCCD, secret.MaThe, secret.MaSoBHXH, secret.HoTen, secret.NgaySinh, "31/02/1990", secret.DiaChi} {
			if strings.Contains(msg, p) {
				t.Errorf("error %q contains personal data %q", msg, p)
			}
		}
	}
}

// TestMigrateFromSchema2: a file of the short-lived schema 2 (roster in a
// side file) opens with its check-ins, trust anchors and meta, an empty
// roster, and the side file deleted; a schema-1 file keeps its roster.
func TestMigrateFromSchema2(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cccd.db")
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketSys, bucketMeta, bucketLookup, bucketCheckins, bucketOutbox, bucketTrust} {
			tx.CreateBucket(name)
		}
		tx.Bucket(bucketSys).Put([]byte("roster.file"), []byte("cccd.db.roster-1"))
		tx.Bucket(bucketSys).Put([]byte("roster.gen"), []byte("1"))
		tx.Bucket(bucketMeta).Put([]byte("etag"), []byte("e2"))
		var v [8]byte
		binary.BigEndian.PutUint64(v[:], 2)
		return tx.Bucket(bucketSys).Put(keySchema, v[:])
	})
	b.Close()
	os.WriteFile(filepath.Join(dir, "cccd.db.roster-1"), []byte("side"), 0o600)
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := db.GetMeta("etag"); string(v) != "e2" {
		t.Errorf("meta lost: %q", v)
	}
	if m, err := db.RosterMeta(); err != nil || m.Version != 0 {
		t.Errorf("roster meta %+v %v", m, err)
	}
	if err := db.ReplaceRoster(RosterMeta{Version: 1}, records(0, 10)); err != nil {
		t.Fatalf("replace after migration: %v", err)
	}
	db.Close()
	if files := dirFilesOf(t, dir); len(files) != 1 || files[0] != "cccd.db" {
		t.Errorf("files after migration: %v", files)
	}
	// Schema 1 (the same layout) keeps its roster through 2 and 3.
	db, _ = Open(path)
	db.bolt.Update(func(tx *bolt.Tx) error {
		var v [8]byte
		binary.BigEndian.PutUint64(v[:], 1)
		return tx.Bucket(bucketSys).Put(keySchema, v[:])
	})
	db.Close()
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if m, _ := db.RosterMeta(); m.Version != 1 || m.Records != 10 {
		t.Errorf("schema-1 roster lost: %+v", m)
	}
	checkIndexes(t, db)
}

func dirFilesOf(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

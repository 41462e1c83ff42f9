package cache

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/passhash"
)

func testHash(t *testing.T, secret string) string {
	t.Helper()
	h, err := passhash.Hash(secret, passhash.Params{MemoryKiB: 64, Time: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestStaffStore(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	lan := Staff{Name: "Nguyễn Thị Lan", CCCD: "079190001234", GatewayUser: "79024_lan", Hash: testHash(t, "135790"), Created: now, Changed: now}
	if err := db.AddStaff(lan); err != nil {
		t.Fatal(err)
	}
	if err := db.AddStaff(Staff{Name: " nguyễn thị lan ", CCCD: "079190001235", Hash: testHash(t, "x")}); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate name (other case): %v", err)
	}
	for name, bad := range map[string]Staff{
		"empty name":   {Name: " ", CCCD: "079190001234", Hash: lan.Hash},
		"short CCCD":   {Name: "a", CCCD: "07919000123", Hash: lan.Hash},
		"letters CCCD": {Name: "a", CCCD: "07919000123x", Hash: lan.Hash},
		"no hash":      {Name: "a", CCCD: "079190001234"},
		"plain PIN":    {Name: "a", CCCD: "079190001234", Hash: "135790"},
		"control char": {Name: "a\x00b", CCCD: "079190001234", Hash: lan.Hash},
		"gateway user": {Name: "a", CCCD: "079190001234", GatewayUser: "a b", Hash: lan.Hash},
	} {
		if err := db.AddStaff(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	got, err := db.StaffByName("NGUYỄN THỊ LAN")
	if err != nil || got.CCCD != lan.CCCD || got.Hash != lan.Hash || got.Name != lan.Name {
		t.Fatalf("lookup: %+v %v", got, err)
	}
	if _, err := db.StaffByName("nobody"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	if err := db.UpdateStaff(lan.Name, func(s *Staff) error { s.Disabled = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateStaff(lan.Name, func(s *Staff) error { s.Name = "other"; return nil }); !errors.Is(err, ErrInvalid) {
		t.Fatalf("rename: %v", err)
	}
	if err := db.UpdateStaff("nobody", func(*Staff) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update unknown: %v", err)
	}
	list, err := db.ListStaff()
	if err != nil || len(list) != 1 || !list[0].Disabled || list[0].Name != lan.Name {
		t.Fatalf("list: %+v %v", list, err)
	}
}

func TestAuditTrail(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t0 := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	for i := range 5 {
		if err := db.AppendAudit(AuditRecord{Time: t0.AddDate(0, 0, i), Event: "sign-in", Staff: "lan"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.AppendAudit(AuditRecord{Event: "sign-in"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("record without time: %v", err)
	}
	all, err := db.AuditSince(time.Time{}, 0)
	if err != nil || len(all) != 5 || all[0].Seq != 1 || all[4].Seq != 5 {
		t.Fatalf("all: %+v %v", all, err)
	}
	since, _ := db.AuditSince(t0.AddDate(0, 0, 3), 0)
	if len(since) != 2 || since[0].Seq != 4 {
		t.Fatalf("since day 3: %+v", since)
	}
	n, err := db.PruneAudit(t0.AddDate(0, 0, 2))
	if err != nil || n != 2 {
		t.Fatalf("prune: %d %v", n, err)
	}
	if err := db.AppendAudit(AuditRecord{Time: t0.AddDate(0, 0, 9), Event: "sign-out"}); err != nil {
		t.Fatal(err)
	}
	rest, _ := db.AuditSince(time.Time{}, 0)
	if len(rest) != 4 || rest[0].Seq != 3 || rest[3].Seq != 6 {
		t.Fatalf("after prune: %+v (sequence numbers must never be reused)", rest)
	}
}

package cache

import (
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// TestInspect: a file is described without being changed, and one held by
// another handle is reported as locked, not waited for.
func TestInspect(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cccd.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := db.AppendCheckin(&Checkin{SoCCCD: "079190012345", HoTen: "Người Thử"}); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	if _, err := Inspect(path); !errors.Is(err, ErrLocked) || time.Since(start) > 5*time.Second {
		t.Fatalf("inspect of a held file: %v after %v, want ErrLocked at once", err, time.Since(start))
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	in, err := Inspect(path)
	if err != nil {
		t.Fatal(err)
	}
	if in.Schema != SchemaVersion || in.Checkins != 3 || in.Pending != 3 || in.SizeBytes == 0 || in.PageSize == 0 {
		t.Fatalf("inspection %+v", in)
	}
	if _, err := Inspect(filepath.Join(t.TempDir(), "none.db")); err == nil {
		t.Fatal("inspecting a missing file succeeded")
	}
}

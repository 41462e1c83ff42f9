package cache

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestImportCSVShrinkNeedsForce(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	all := csvHeader + csvLine(1) + csvLine(2) + csvLine(3) + csvLine(4)
	if _, err := db.ImportCSV(ctx, strings.NewReader(all), ImportOptions{Source: "a", Now: testTime}); err != nil {
		t.Fatal(err)
	}
	_, err := db.ImportCSV(ctx, strings.NewReader(csvHeader+csvLine(5)+csvLine(6)), ImportOptions{Source: "b", Now: testTime})
	if !errors.Is(err, ErrShrink) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("half the roster: %v, want ErrShrink", err)
	}
	if m, _ := db.RosterMeta(); m.Version != 1 || m.Records != 4 || m.Source != "a" {
		t.Errorf("roster changed by a refused import: %+v", m)
	}
	if _, ok, _ := db.LookupRoster(synthRecord(5).SoCCCD); ok {
		t.Error("a record of the refused file is in the roster")
	}
	if _, err := db.ImportCSV(ctx, strings.NewReader(csvHeader+csvLine(5)+csvLine(6)+csvLine(7)), ImportOptions{Source: "c", Now: testTime}); err != nil {
		t.Errorf("three of four records: %v", err)
	}
	if m, err := db.ImportCSV(ctx, strings.NewReader(csvHeader+csvLine(8)), ImportOptions{Source: "d", Now: testTime, Force: true}); err != nil || m.Records != 1 {
		t.Errorf("forced: %+v %v", m, err)
	}
}

func TestDryRunCSV(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	if _, err := db.ImportCSV(ctx, strings.NewReader(csvHeader+csvLine(1)+csvLine(2)+csvLine(3)+csvLine(4)), ImportOptions{Source: "a", Now: testTime}); err != nil {
		t.Fatal(err)
	}
	m0, _ := db.RosterMeta()
	line2 := strings.Replace(csvLine(2), synthRecord(2).DiaChi, "Số 9", 1)
	if line2 == csvLine(2) {
		t.Fatal("test line not changed")
	}
	// 1 unchanged, 2 changed, 5 and 6 added, 3 and 4 removed; a repeat of 5
	// and a bad line are invalid.
	in := csvHeader + csvLine(1) + line2 + csvLine(5) + csvLine(6) + csvLine(5) + "07909000000X" + strings.Repeat(",", 15) + "\n"
	c, err := db.DryRunCSV(ctx, strings.NewReader(in))
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want the bad line reported", err)
	}
	want := ImportCounts{Added: 2, Changed: 1, Unchanged: 1, Removed: 2, Invalid: 2}
	if c != want {
		t.Errorf("counts %+v, want %+v", c, want)
	}
	if m, _ := db.RosterMeta(); m != m0 {
		t.Errorf("dry run changed the roster meta: %+v", m)
	}
	c, err = db.DryRunCSV(ctx, strings.NewReader(csvHeader+csvLine(1)+csvLine(2)+csvLine(3)+csvLine(4)))
	if err != nil || c != (ImportCounts{Unchanged: 4}) {
		t.Errorf("same file: %+v %v", c, err)
	}
}

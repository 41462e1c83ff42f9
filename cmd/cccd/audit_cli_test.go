package main

import (
	"bufio"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/internal/clock"
)

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"":                          {},
		"36h":                       now.Add(-36 * time.Hour),
		"7d":                        now.AddDate(0, 0, -7),
		"2026-12-05T08:00:00+07:00": time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC),
	} {
		got, err := parseSince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	if got, err := parseSince("2026-12-01", now); err != nil || got.Year() != 2026 || got.Day() != 1 {
		t.Errorf("date: %v %v", got, err)
	}
	for _, bad := range []string{"yesterday", "-1h", "-3d", "7w", "2026-13-01", "d"} {
		if _, err := parseSince(bad, now); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q accepted or multi-line: %v", bad, err)
		}
	}
}

func FuzzParseSince(f *testing.F) {
	for _, s := range []string{"", "36h", "7d", "2026-12-01", "2026-12-05T08:00:00+07:00", "-1d", "99999999999d", "1e9h"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseSince(s, now)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if strings.HasSuffix(strings.TrimSpace(s), "h") && got.After(now) {
			t.Fatalf("%q reaches into the future: %v", s, got)
		}
	})
}

// TestAuditCLI: staff changes and an export are recorded, listed by
// `cccd audit list`, with no patient data.
func TestAuditCLI(t *testing.T) {
	data := t.TempDir()
	if _, stderr, code := runCLIStdin(t, data, "135790\n", "staff", "add", "Nguyễn Thị Lan", "--cccd", "079190001234", "--password-stdin"); code != 0 {
		t.Fatalf("staff add: %d %s", code, stderr)
	}
	db, err := cache.Open(filepath.Join(data, cacheFileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AppendCheckin(&cache.Checkin{Time: clock.Now(), Reader: "sim", SoCCCD: "079190012345", HoTen: "Lê Thị Ánh Tuyết"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if out, stderr, code := runCLIStdin(t, data, "", "checkins", "export", "--format", "json"); code != 0 || !strings.Contains(out, "079190012345") {
		t.Fatalf("export: %d %s", code, stderr)
	}
	out, stderr, code := runCLIStdin(t, data, "", "audit", "list", "--json", "--since", "1h")
	if code != 0 {
		t.Fatalf("audit list: %d %s", code, stderr)
	}
	var events []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var r cache.AuditRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		events = append(events, r.Event+"/"+r.Staff+"/"+r.Result+"/"+r.Client)
	}
	got := strings.Join(events, " ")
	if got != "staff-added/Nguyễn Thị Lan/ok/cli checkins-exported//json:1/cli" {
		t.Fatalf("audit records %q", got)
	}
	for _, leak := range []string{"079190012345", "Tuyết", "079190001234"} {
		if strings.Contains(out, leak) {
			t.Errorf("audit list shows %q", leak)
		}
	}
	if out, _, code := runCLIStdin(t, data, "", "audit", "list"); code != 0 || !strings.Contains(out, "checkins-exported") {
		t.Fatalf("table: %d\n%s", code, out)
	}
	if _, stderr, code := runCLIStdin(t, data, "", "audit", "list", "--since", "soon"); code != exitUsage || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Fatalf("bad --since: %d %q", code, stderr)
	}
}

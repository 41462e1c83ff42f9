//go:build linux

package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/reader/sim"
)

// smallDisk mounts a tmpfs of size bytes for the test (root only).
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		testenv.Missing(t, "root, to mount a small tmpfs")
	}
	dir := filepath.Join(t.TempDir(), "disk")
	os.MkdirAll(dir, 0o700)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		testenv.Missing(t, "mount a tmpfs: "+strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// fill writes a filler file until the disk is full and returns its path.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return path
			}
			t.Fatal(err)
		}
	}
}

// TestConsoleDiskFull: with the data directory's disk full, a tap loses
// nothing: the check-in waits in memory, the console shows the red banner,
// /metrics counts it, the HIS sees nothing yet; once space returns it is
// stored and the HIS gets it.
func TestConsoleDiskFull(t *testing.T) {
	disk := smallDisk(t, "8m")
	// No re-tap window: every tap of the demo card is a new check-in.
	cfgPath := filepath.Join(t.TempDir(), "cccd.json")
	os.WriteFile(cfgPath, []byte(`{"checkins": {"retap_window": "0s"}}`), 0o600)
	a := startDemoIn(t, filepath.Join(disk, "data"), "--config", cfgPath)
	ctx := browser(t)
	run(t, ctx, a, "sign in", chromedp.Navigate(a.SignInURL), chromedp.WaitVisible(chromedp.CSS("#desk")))
	filler := fill(t, disk)
	// The database file still has free pages of its own: taps use them up
	// until one must grow into the full disk.
	reader := "/api/v1/readers/" + sim.SlotPrefix + "demo"
	var status struct {
		Unsaved int    `json:"unsaved_checkins"`
		Problem string `json:"storage_problem"`
	}
	var list []struct {
		Seq uint64 `json:"seq"`
	}
	stored := 0
	for tap := 0; ; tap++ {
		if tap == 60 {
			t.Fatalf("60 taps never hit the full disk; log:\n%s", a.Log())
		}
		if code := apiPost(t, a, reader+"/key", `{"key":"`+sim.DemoCAN+`"}`); code != 200 {
			t.Fatalf("submit key: %d", code)
		}
		if code := apiPost(t, a, reader+"/sim/insert", ""); code != 200 {
			t.Fatalf("insert: %d", code)
		}
		waitReaderState(t, a, "result", "error")
		apiPost(t, a, reader+"/sim/remove", "")
		waitReaderState(t, a, "removed")
		if apiGet(t, a, "/api/v1/status", &status); status.Unsaved > 0 {
			break
		}
		stored++
	}
	if status.Unsaved != 1 || status.Problem != "disk-full" {
		t.Fatalf("status %+v, want one check-in waiting, disk-full", status)
	}
	apiGet(t, a, "/api/v1/checkins", &list)
	if len(list) != stored {
		t.Fatalf("the HIS sees %d check-ins, want the %d stored before the disk filled", len(list), stored)
	}
	step, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(step, chromedp.WaitVisible(chromedp.CSS("#storage")),
		chromedp.Poll[chromedp.Void](`document.querySelector("#message").textContent.includes("chưa lưu được")`)); err != nil {
		t.Fatalf("the console shows no storage banner: %v", err)
	}
	if got := text(t, ctx, "#storage"); !strings.Contains(got, "Không lưu được lượt tiếp đón") || !strings.Contains(got, "ổ đĩa đầy") {
		t.Errorf("storage banner %q", got)
	}
	screenshot(t, ctx, "desk-disk-full.png")
	if !strings.Contains(a.Log(), "level=ERROR") || !strings.Contains(a.Log(), "check-in not saved") {
		t.Errorf("the log does not say it at ERROR:\n%s", a.Log())
	}
	req, _ := http.NewRequest("GET", strings.TrimSuffix(a.URL, "/")+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+a.Token)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), "cccd_checkins_unsaved 1") {
			t.Errorf("/metrics does not count the unsaved check-in")
		}
	}

	// Space returns: the check-in is stored and the banner goes.
	os.Remove(filler)
	deadline := time.Now().Add(30 * time.Second)
	for apiGet(t, a, "/api/v1/checkins", &list); len(list) == stored; apiGet(t, a, "/api/v1/checkins", &list) {
		if time.Now().After(deadline) {
			t.Fatalf("the check-in was not stored after space returned; log:\n%s", a.Log())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(list) != stored+1 {
		t.Fatalf("%d check-ins stored, want %d with the last one open", len(list), stored+1)
	}
	if err := chromedp.Do(step, chromedp.WaitNotVisible(chromedp.CSS("#storage"))); err != nil {
		t.Errorf("the storage banner stays after the check-in was saved: %v", err)
	}
	assertLogHasNoPersonalData(t, a.Log())
}

// waitReaderState waits until the demo reader is in one of states.
func waitReaderState(t *testing.T, a *runningAgent, states ...string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var rs []struct {
			State string `json:"state"`
		}
		apiGet(t, a, "/api/v1/readers", &rs)
		for _, s := range states {
			if len(rs) > 0 && rs[0].State == s {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("reader never reached %v; log:\n%s", states, a.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

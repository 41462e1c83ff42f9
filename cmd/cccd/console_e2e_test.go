package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/reader/sim"
)

// browser starts headless Chromium for one test.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // start the browser without a timeout
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// tapCard does what a receptionist does: type the key (or let a
// keyboard-wedge scanner type it, ending with Enter), lay the card, wait for
// the result.
func tapCard(t *testing.T, ctx context.Context, a *runningAgent, key string) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	a.logMu.Lock()
	signIn := a.SignInURL
	a.logMu.Unlock()
	// The first visit signs in with the demo's link; later ones find the
	// session signed in and ignore the used code.
	err := chromedp.Do(step,
		chromedp.Navigate(signIn),
		chromedp.WaitVisible(chromedp.CSS(`#readers button[data-action="insert"]`)),
		chromedp.SendKeys(chromedp.CSS("#key"), key+"\n"),
		chromedp.WaitVisible(chromedp.CSS(`#message`)),
		chromedp.Click(chromedp.CSS(`#readers button[data-action="insert"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#result[data-phase="result"]`)),
	)
	if err != nil {
		t.Fatalf("browser flow: %v; agent log:\n%s", err, a.Log())
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func attr(t *testing.T, ctx context.Context, sel, name string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(`+jsString(sel)+`).getAttribute(`+jsString(name)+`) || ""`))
	if err != nil {
		t.Fatalf("attribute %s of %s: %v", name, sel, err)
	}
	return v
}

func jsString(s string) string { b, _ := json.Marshal(s); return string(b) }

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(artifactDir(t), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot written to %s", path)
}

func apiGet(t *testing.T, a *runningAgent, path string, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", strings.TrimSuffix(a.URL, "/")+path, nil)
	req.Header.Set("Authorization", "Bearer "+a.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// assertLogHasNoPersonalData scans everything the agent logged.
func assertLogHasNoPersonalData(t *testing.T, log string) {
	t.Helper()
	for _, leak := range []string{sim.DemoID, "190012345", sim.DemoName, "NGUYEN", "Nguyễn", "1990-05-17", "17/05/1990", "900517"} {
		if strings.Contains(log, leak) {
			t.Errorf("the agent's log contains personal data %q", leak)
		}
	}
	if !strings.Contains(log, "card read") {
		t.Errorf("the agent logged no read at all; the scan proves nothing:\n%s", log)
	}
}

func TestConsoleOnlineCheckIn(t *testing.T) {
	a := startDemo(t)
	ctx := browser(t)
	tapCard(t, ctx, a, sim.DemoCAN)

	if got := text(t, ctx, "#r-name"); got != sim.DemoName {
		t.Errorf("name shown %q, want %q with its diacritics", got, sim.DemoName)
	}
	if got := text(t, ctx, "#r-dob"); got != "17/05/1990" {
		t.Errorf("date of birth shown %q", got)
	}
	if got := text(t, ctx, "#r-id"); got != "0791******45" {
		t.Errorf("ID shown %q, want it partly masked", got)
	}
	// The photo is pulled by the read's id after the result shows.
	photo, cancelPhoto := context.WithTimeout(ctx, 15*time.Second)
	defer cancelPhoto()
	if err := chromedp.Do(photo, chromedp.Poll[chromedp.Void](`(document.querySelector("#photo").getAttribute("src") || "").startsWith("data:image/jpeg;base64,/9j/")`)); err != nil {
		t.Errorf("photo not shown: src %.40q", attr(t, ctx, "#photo", "src"))
	}
	if st, cls := attr(t, ctx, "#chip-verdict", "data-status"), attr(t, ctx, "#chip-verdict", "class"); st != "verified" || !strings.Contains(cls, "green") {
		t.Errorf("chip verdict %q %q, want verified/green", st, cls)
	}
	if st := attr(t, ctx, "#ins-verdict", "data-status"); st != "eligible" {
		t.Errorf("insurance verdict %q, want eligible; text %q", st, text(t, ctx, "#ins-verdict"))
	}
	screenshot(t, ctx, "console-online.png")

	step, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(step,
		chromedp.Click(chromedp.CSS("#confirm")),
		chromedp.WaitVisible(chromedp.CSS(`#confirm[disabled]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector("#checkins").textContent.includes(`+jsString(sim.DemoName)+`)`),
	); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	var list []struct {
		Seq       uint64 `json:"seq"`
		HoTen     string `json:"hoTen"`
		Confirmed bool   `json:"confirmed"`
	}
	apiGet(t, a, "/api/v1/checkins", &list)
	if len(list) != 1 || list[0].HoTen != sim.DemoName || !list[0].Confirmed {
		t.Fatalf("GET /api/v1/checkins = %+v, want one confirmed check-in of the demo person", list)
	}
	assertLogHasNoPersonalData(t, a.Log())
}

func TestConsoleOfflineProvisional(t *testing.T) {
	pubPath := filepath.Join(t.TempDir(), "feed.pub.pem")
	writeTestPublisherKey(t, pubPath)
	deadFeed := "http://" + testenv.FreeAddr(t) + "/feed/" // nothing listens there
	a := startDemo(t, "--feed", deadFeed, "--pubkey", pubPath)
	var status struct {
		Online bool `json:"online"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for apiGet(t, a, "/api/v1/status", &status); status.Online; apiGet(t, a, "/api/v1/status", &status) {
		if time.Now().After(deadline) {
			t.Fatal("the agent still reports online with its feed unreachable")
		}
		time.Sleep(200 * time.Millisecond)
	}
	ctx := browser(t)
	// This time a keyboard-wedge scanner types the card's QR code.
	qrText := sim.DemoID + "||" + sim.DemoName + "|" + sim.DemoDateOfBirth.Format("02012006") + "|Nữ|Số 15, Phường 5, Thành phố Hồ Chí Minh|" + sim.DemoIssueDate.Format("02012006")
	tapCard(t, ctx, a, qrText)
	if got := text(t, ctx, "#r-name"); got != sim.DemoName {
		t.Errorf("name shown %q after a QR scan", got)
	}
	if st := attr(t, ctx, "#ins-verdict", "data-status"); st != "eligible-provisional" {
		t.Errorf("insurance verdict %q, want eligible-provisional", st)
	}
	if v := text(t, ctx, "#ins-verdict"); !strings.Contains(v, "tạm chấp nhận") || !strings.Contains(v, "dữ liệu cách đây") {
		t.Errorf("provisional verdict %q lacks \"tạm chấp nhận\" or the data's age", v)
	}
	if cls := attr(t, ctx, "#banner", "class"); strings.Contains(cls, "hidden") {
		t.Errorf("offline banner hidden")
	}
	screenshot(t, ctx, "console-offline.png")
	assertLogHasNoPersonalData(t, a.Log())
}

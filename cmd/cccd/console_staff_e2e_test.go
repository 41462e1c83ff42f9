package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/reader/sim"
)

// run does browser steps with a deadline, failing the test with the agent's
// log when one does not complete.
func run(t *testing.T, ctx context.Context, a *runningAgent, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(step, actions...); err != nil {
		t.Fatalf("%s: %v; agent log:\n%s", what, err, a.Log())
	}
}

// signInWith fills the console's sign-in screen and sends it.
func signInWith(staff, pin string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, _ *chromedp.Target) (chromedp.Void, error) {
		return chromedp.Void{}, chromedp.Do(ctx,
			chromedp.WaitVisible(chromedp.CSS("#signin-form")),
			chromedp.Evaluate[chromedp.Void](`void (document.querySelector("#signin-message").textContent = "")`),
			chromedp.SetValue(chromedp.CSS("#staff"), staff),
			chromedp.SetValue(chromedp.CSS("#pin"), pin),
			chromedp.Click(chromedp.CSS("#signin-form button")), // Submit() would skip the page's submit handler
		)
	}
}

// auditTrail stops the agent (it holds the database) and returns its audit
// trail as `cccd audit list --json` prints it, with the raw output.
func auditTrail(t *testing.T, a *runningAgent) ([]cache.AuditRecord, string) {
	t.Helper()
	a.stop(t)
	out, errOut, code := runCLI(t, a.Dir, "audit", "list", "--json")
	if code != 0 {
		t.Fatalf("cccd audit list: exit %d: %s", code, errOut)
	}
	var recs []cache.AuditRecord
	for line := range strings.Lines(out) {
		var r cache.AuditRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		recs = append(recs, r)
	}
	return recs, out
}

// assertNoPatientData fails when s holds any of the demo person's data.
func assertNoPatientData(t *testing.T, what, s string) {
	t.Helper()
	for _, leak := range []string{sim.DemoID, "190012345", sim.DemoName, "NGUYEN", "Nguyễn", "1990-05-17", "17/05/1990"} {
		if strings.Contains(s, leak) {
			t.Errorf("%s holds personal data %q", what, leak)
		}
	}
}

// TestConsoleStaffDay is a receptionist's shift in Chromium: sign in on the
// sign-in screen, tap, confirm, lock with Ctrl+L (nothing of the patient
// stays on screen), sign in again, sign out; five wrong PINs throttle the
// account, the right PIN included. The audit trail shows every step with
// the staff name and no patient data.
func TestConsoleStaffDay(t *testing.T) {
	a := startDemo(t)
	ctx := browser(t)
	run(t, ctx, a, "open the console", chromedp.Navigate(a.URL), chromedp.WaitVisible(chromedp.CSS("#signin-form")))
	if cls := attr(t, ctx, "#desk", "class"); !strings.Contains(cls, "hidden") {
		t.Fatal("the desk shows before anyone signed in")
	}
	run(t, ctx, a, "sign in", signInWith(demoStaff, a.PIN), chromedp.WaitVisible(chromedp.CSS("#desk")))
	if who := text(t, ctx, "#who-name"); !strings.Contains(who, demoStaff) {
		t.Errorf("signed-in name shown %q", who)
	}
	run(t, ctx, a, "tap",
		chromedp.WaitVisible(chromedp.CSS(`#readers button[data-action="insert"]`)),
		chromedp.SendKeys(chromedp.CSS("#key"), sim.DemoCAN+"\n"),
		chromedp.WaitVisible(chromedp.CSS(`#message`)),
		chromedp.Click(chromedp.CSS(`#readers button[data-action="insert"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#result[data-phase="result"]`)),
		// The photo is pulled by the read's id: events carry no photo bytes.
		chromedp.Poll[chromedp.Void](`(document.querySelector("#photo").getAttribute("src") || "").startsWith("data:image/jpeg;base64,/9j/")`),
	)
	if got := text(t, ctx, "#r-name"); got != sim.DemoName {
		t.Errorf("name shown %q", got)
	}
	run(t, ctx, a, "confirm", chromedp.Click(chromedp.CSS("#confirm")), chromedp.WaitVisible(chromedp.CSS(`#confirm[disabled]`)))
	run(t, ctx, a, "lock with Ctrl+L",
		chromedp.KeyEvent("l", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.WaitVisible(chromedp.CSS("#signin-form")))
	if cls := attr(t, ctx, "#result", "class"); !strings.Contains(cls, "hidden") || attr(t, ctx, "#photo", "src") != "" {
		t.Error("the patient's result or photo stays on screen after the lock")
	}
	run(t, ctx, a, "sign in after the lock", signInWith(demoStaff, a.PIN), chromedp.WaitVisible(chromedp.CSS("#desk")))
	run(t, ctx, a, "sign out", chromedp.Click(chromedp.CSS("#signout")), chromedp.WaitVisible(chromedp.CSS("#signin-form")))
	for i := range 5 {
		run(t, ctx, a, fmt.Sprintf("wrong PIN %d", i+1), signInWith(demoStaff, "000000"),
			chromedp.Poll[chromedp.Void](`document.querySelector("#signin-message").textContent !== ""`))
	}
	run(t, ctx, a, "right PIN while throttled", signInWith(demoStaff, a.PIN),
		chromedp.Poll[chromedp.Void](`document.querySelector("#signin-message").textContent !== ""`))
	if msg := text(t, ctx, "#signin-message"); !strings.Contains(msg, "Sai mã PIN quá nhiều lần") {
		t.Errorf("after five wrong PINs the right one got %q, want the throttle's message", msg)
	}
	if cls := attr(t, ctx, "#desk", "class"); !strings.Contains(cls, "hidden") {
		t.Error("a throttled sign-in opened the desk")
	}
	screenshot(t, ctx, "console-throttled.png")

	recs, raw := auditTrail(t, a)
	var steps []string
	for _, r := range recs {
		if r.Event == "token-used" || r.Event == "events-subscribed" || r.Event == "checkins-listed" {
			continue
		}
		steps = append(steps, r.Event+"/"+r.Staff+"/"+r.Result)
	}
	got := strings.Join(steps, " ")
	ok := "/" + demoStaff + "/ok"
	for _, want := range []string{
		"sign-in" + ok, "key-submitted" + ok, "read-viewed" + ok, "checkin-confirmed" + ok, "lock" + ok,
		"sign-out" + ok, "sign-in-failed/" + demoStaff + "/wrong-pin", "sign-in-throttled/" + demoStaff + "/throttled",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the audit trail lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "sign-in"+ok); n != 2 {
		t.Errorf("%d sign-ins recorded, want 2:\n%s", n, got)
	}
	if n := strings.Count(got, "sign-in-failed/"); n != 5 {
		t.Errorf("%d failed sign-ins recorded, want 5:\n%s", n, got)
	}
	assertNoPatientData(t, "the audit trail", raw)
	assertNoPatientData(t, "the agent's log", a.Log())
}

// hisPage is a HIS web page as a hospital would serve it from its own site:
// it signs a receptionist in, follows the event stream and confirms the
// tap's check-in, all with the session token in a header (a cookie of the
// agent would be a third-party cookie here, which Chromium drops).
const hisPage = `<!doctype html><meta charset="utf-8"><title>HIS</title>
<form id="f"><input id="staff"><input id="pin" type="password"><button>Sign in</button></form>
<p id="state">signed-out</p><p id="patient"></p><p id="confirmed"></p>
<script>
const agent = "AGENT";
let token = "";
document.getElementById("f").addEventListener("submit", async (e) => {
  e.preventDefault();
  const r = await fetch(agent + "/api/v1/session", {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({staff: document.getElementById("staff").value, pin: document.getElementById("pin").value})});
  const s = await r.json();
  if (!r.ok) { document.getElementById("state").textContent = "refused: " + s.message; return; }
  token = s.session_token;
  const me = await (await fetch(agent + "/api/v1/session", {headers: {"X-CCCD-Session": token}})).json();
  const ws = new WebSocket(agent.replace("http", "ws") + "/api/v1/events", ["cccd.v1", "cccd-session." + token]);
  ws.onopen = () => { document.getElementById("state").textContent = "signed-in:" + me.staff; };
  ws.onclose = (e) => { document.getElementById("state").textContent = "events closed: " + e.code + " " + e.reason + " (who: " + JSON.stringify(me) + ")"; };
  ws.onmessage = async (m) => {
    const ev = JSON.parse(m.data);
    if (ev.type !== "result") return;
    document.getElementById("patient").textContent = ev.data.read.personal.full_name;
    const c = await fetch(agent + "/api/v1/checkins/" + ev.data.seq + "/confirm", {method: "POST", headers: {"X-CCCD-Session": token}});
    document.getElementById("confirmed").textContent = c.ok ? "confirmed:" + ev.data.seq : "refused:" + c.status;
  };
});
</script>`

// TestConsoleHISPageOtherSite: a HIS page served from another site
// (localhost, while the agent is 127.0.0.1) signs in, receives the tap's
// result and confirms it, without a third-party cookie.
func TestConsoleHISPageOtherSite(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hisOrigin := fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	a := startDemo(t, "--his-origin", hisOrigin)
	page := strings.Replace(hisPage, "AGENT", strings.TrimSuffix(a.URL, "/"), 1)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	ctx := browser(t)
	run(t, ctx, a, "HIS page sign-in",
		chromedp.Navigate(hisOrigin+"/"),
		chromedp.SetValue(chromedp.CSS("#staff"), demoStaff),
		chromedp.SetValue(chromedp.CSS("#pin"), a.PIN),
		chromedp.Click(chromedp.CSS("#f button")),
		chromedp.Poll[chromedp.Void](`document.querySelector("#state").textContent !== "signed-out"`))
	if st := text(t, ctx, "#state"); st != "signed-in:"+demoStaff {
		t.Fatalf("HIS page: %q", st)
	}
	cookies, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`document.cookie.split("; ").filter(Boolean)`))
	if err != nil || len(cookies) != 0 {
		t.Errorf("the HIS page holds cookies %v (%v)", cookies, err)
	}
	reader := "/api/v1/readers/" + sim.SlotPrefix + "demo"
	if code := apiPost(t, a, reader+"/key", `{"key":"`+sim.DemoCAN+`"}`); code != 200 {
		t.Fatalf("submit key: %d", code)
	}
	if code := apiPost(t, a, reader+"/sim/insert", ""); code != 200 {
		t.Fatalf("insert: %d", code)
	}
	run(t, ctx, a, "result and confirm",
		chromedp.Poll[chromedp.Void](`document.querySelector("#confirmed").textContent !== ""`, chromedp.WithPollingTimeout(30*time.Second)))
	if got := text(t, ctx, "#patient"); got != sim.DemoName {
		t.Errorf("HIS page shows patient %q", got)
	}
	confirmed := text(t, ctx, "#confirmed")
	if !strings.HasPrefix(confirmed, "confirmed:") {
		t.Fatalf("HIS page confirm: %q", confirmed)
	}
	var list []struct {
		Seq       uint64 `json:"seq"`
		Confirmed bool   `json:"confirmed"`
	}
	apiGet(t, a, "/api/v1/checkins", &list)
	if len(list) != 1 || !list[0].Confirmed || confirmed != fmt.Sprintf("confirmed:%d", list[0].Seq) {
		t.Fatalf("check-ins %+v after the HIS page confirmed %q", list, confirmed)
	}
	recs, _ := auditTrail(t, a)
	var signedIn, confirmedBy bool
	for _, r := range recs {
		signedIn = signedIn || r.Event == "sign-in" && r.Staff == demoStaff && r.Client == hisOrigin
		confirmedBy = confirmedBy || r.Event == "checkin-confirmed" && r.Staff == demoStaff && r.Client == hisOrigin
	}
	if !signedIn || !confirmedBy {
		t.Errorf("the audit trail does not show the HIS page's sign-in and confirm by %s", demoStaff)
	}
}

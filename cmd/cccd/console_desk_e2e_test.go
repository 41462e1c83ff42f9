package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/reader/sim"
)

// deskBrowser is a browser window as a reception PC shows it: 1366×768 at
// 125% scaling is 1093×614 CSS pixels at device scale 1.25.
func deskBrowser(t *testing.T) context.Context {
	t.Helper()
	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1093, 614, chromedp.EmulateScale(1.25))); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// evalBool evaluates a JavaScript expression that yields a boolean.
func evalBool(t *testing.T, ctx context.Context, expr string) bool {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func evalString(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// visibleOutsideList is the text a receptionist sees outside the check-in
// list (which names earlier patients by design).
const visibleOutsideList = `(() => { const c = document.body.cloneNode(true); c.querySelector("#checkins-panel").remove(); return c.innerText; })()`

// onScreen: the element's box lies in the viewport without scrolling.
func onScreen(sel string) string {
	return `(() => { const r = document.querySelector(` + jsString(sel) + `).getBoundingClientRect();
	  return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth && window.scrollY === 0; })()`
}

// contrastFailures lists every visible text whose contrast with its
// background is below WCAG AA (4.5:1; 3:1 for large text). Disabled
// controls are exempt, as WCAG allows.
const contrastFailures = `(() => {
  const parse = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return [0,0,0,0]; const p = m[1].split(",").map(Number); return [p[0],p[1],p[2],p.length>3?p[3]:1]; };
  const lum = ([r,g,b]) => { const f = (v) => { v/=255; return v<=0.03928 ? v/12.92 : Math.pow((v+0.055)/1.055, 2.4); }; return 0.2126*f(r)+0.7152*f(g)+0.0722*f(b); };
  const blend = (top, bottom) => { const a = top[3]; return [top[0]*a+bottom[0]*(1-a), top[1]*a+bottom[1]*(1-a), top[2]*a+bottom[2]*(1-a), 1]; };
  const bgOf = (el) => { const stack = []; for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c[3] > 0) stack.push(c); if (c[3] >= 1) break; }
    let bg = [255,255,255,1]; for (let i = stack.length-1; i >= 0; i--) bg = blend(stack[i], bg); return bg; };
  const opacityOf = (el) => { let o = 1; for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity); return o; };
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest("[disabled]") || el.closest(".sr-only")) continue;
    const own = [...el.childNodes].filter((n) => n.nodeType === 3 && n.textContent.trim()).map((n) => n.textContent.trim()).join(" ");
    if (!own) continue;
    const r = el.getBoundingClientRect(); if (r.width === 0 || r.height === 0) continue;
    const s = getComputedStyle(el); if (s.visibility === "hidden") continue;
    const bg = bgOf(el); const fg = blend([...parse(s.color).slice(0,3), parse(s.color)[3]*opacityOf(el)], bg);
    const L1 = lum(fg), L2 = lum(bg); const ratio = (Math.max(L1,L2)+0.05)/(Math.min(L1,L2)+0.05);
    const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
    const need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    if (ratio < need) out.push(own.slice(0, 40) + " " + ratio.toFixed(2) + ":1");
  }
  return out.join(" | ");
})()`

// TestConsoleOnePatientAtATime is the wrong-patient check at a small
// reception screen: after a tap and the card's removal, a wrong CAN on the
// next tap leaves nothing of the earlier patient outside the list and no
// Confirm that could confirm them; Enter never confirms; the same card again
// within the re-tap window is the same check-in. Screenshots of each step.
func TestConsoleOnePatientAtATime(t *testing.T) {
	a := startDemo(t)
	ctx := deskBrowser(t)
	run(t, ctx, a, "sign in with the demo link", chromedp.Navigate(a.SignInURL), chromedp.WaitVisible(chromedp.CSS("#desk")))
	// Record every state the browser shows for the reader.
	run(t, ctx, a, "watch states", chromedp.Evaluate[chromedp.Void](`void (window.__states = [], new MutationObserver(() => {
	  const s = document.querySelector("#readers li") && document.querySelector("#readers li").dataset.state;
	  if (s && window.__states[window.__states.length-1] !== s) window.__states.push(s);
	}).observe(document.querySelector("#readers"), {childList: true, subtree: true, attributes: true}))`))

	run(t, ctx, a, "tap",
		chromedp.WaitVisible(chromedp.CSS(`#readers button[data-action="insert"]`)),
		chromedp.SendKeys(chromedp.CSS("#key"), sim.DemoCAN+"\n"),
		chromedp.Poll[chromedp.Void](`document.querySelector("#message").textContent !== ""`),
		chromedp.Click(chromedp.CSS(`#readers button[data-action="insert"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#result[data-phase="result"]`)),
		chromedp.Poll[chromedp.Void](`(document.querySelector("#photo").getAttribute("src") || "").startsWith("data:image/jpeg")`))
	screenshot(t, ctx, "desk-1-result.png")
	for _, sel := range []string{"#chip-verdict", "#ins-verdict", "#confirm"} {
		if !evalBool(t, ctx, onScreen(sel)) {
			t.Errorf("%s is not visible without scrolling at 1366×768, 125%%", sel)
		}
	}
	if got := text(t, ctx, "#confirm"); !strings.Contains(got, sim.DemoName) {
		t.Errorf("Confirm says %q: it must say whose check-in it confirms", got)
	}
	if !evalBool(t, ctx, `document.querySelector("#photo").getBoundingClientRect().width >= 120`) {
		t.Error("the photo is too small to compare with the person")
	}
	if f := evalString(t, ctx, contrastFailures); f != "" {
		t.Errorf("text below WCAG AA contrast on the result: %s", f)
	}
	// Enter in the key field (where focus stays) confirms nothing.
	run(t, ctx, a, "Enter", chromedp.SendKeys(chromedp.CSS("#key"), "\n"))
	var list []struct {
		Seq       uint64 `json:"seq"`
		Confirmed bool   `json:"confirmed"`
	}
	apiGet(t, a, "/api/v1/checkins", &list)
	if len(list) != 1 || list[0].Confirmed {
		t.Fatalf("after Enter: check-ins %+v, want one unconfirmed", list)
	}

	run(t, ctx, a, "remove the card",
		chromedp.Click(chromedp.CSS(`#readers button[data-action="remove"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#result.removed`)))
	if got := text(t, ctx, "#result-state"); got != "Thẻ đã được rút." {
		t.Errorf("removed card: state line %q", got)
	}
	if f := evalString(t, ctx, contrastFailures); f != "" {
		t.Errorf("text below WCAG AA contrast with the card removed: %s", f)
	}
	screenshot(t, ctx, "desk-2-removed.png")

	// The next patient, with a wrong CAN.
	run(t, ctx, a, "next tap, wrong CAN",
		chromedp.SendKeys(chromedp.CSS("#key"), "999999\n"),
		chromedp.Poll[chromedp.Void](`document.querySelector("#message").textContent !== ""`),
		chromedp.Click(chromedp.CSS(`#readers button[data-action="insert"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#message.error`)))
	screenshot(t, ctx, "desk-3-wrong-can.png")
	seen := evalString(t, ctx, visibleOutsideList)
	for _, leak := range []string{sim.DemoName, "0791******45", "17/05/1990"} {
		if strings.Contains(seen, leak) {
			t.Errorf("after the next tap's wrong CAN the earlier patient's %q is still on screen", leak)
		}
	}
	if evalBool(t, ctx, `!!document.querySelector("#photo").getAttribute("src")`) {
		t.Error("the earlier patient's photo is still on screen")
	}
	if evalBool(t, ctx, `!document.querySelector("#confirm").disabled && document.querySelector("#confirm").offsetParent !== null`) {
		t.Error("a Confirm button is live after the next tap failed")
	}
	if msg := text(t, ctx, "#message"); !strings.Contains(msg, "Sai mã CAN") || strings.Contains(msg, "checkin:") {
		t.Errorf("wrong CAN message %q", msg)
	}

	// The right CAN: the same card within the re-tap window is the same check-in.
	run(t, ctx, a, "right CAN",
		chromedp.SendKeys(chromedp.CSS("#key"), sim.DemoCAN+"\n"),
		chromedp.WaitVisible(chromedp.CSS(`#result[data-phase="result"]`)))
	screenshot(t, ctx, "desk-4-retry.png")
	apiGet(t, a, "/api/v1/checkins", &list)
	if len(list) != 1 {
		t.Errorf("the same card twice within the re-tap window made %d check-ins, want 1", len(list))
	}
	states := evalString(t, ctx, `window.__states.join(" ")`)
	for _, want := range []string{"reading", "result", "removed", "error"} {
		if !strings.Contains(states, want) {
			t.Errorf("the browser never showed the reader %s (saw %s)", want, states)
		}
	}
	assertLogHasNoPersonalData(t, a.Log())
}

// TestConsoleSmallScreens: the desk works at 1024×768 and with 150% text:
// nothing needs a horizontal scroll bar and Confirm can be reached.
func TestConsoleSmallScreens(t *testing.T) {
	a := startDemo(t)
	ctx := browser(t)
	run(t, ctx, a, "1024×768", chromedp.EmulateViewport(1024, 768), chromedp.Navigate(a.SignInURL), chromedp.WaitVisible(chromedp.CSS("#desk")))
	tapCard(t, ctx, a, sim.DemoCAN)
	for _, setup := range []struct{ name, js string }{
		{"1024x768", `void 0`},
		{"text-150", `void (document.documentElement.style.fontSize = "150%")`},
	} {
		run(t, ctx, a, setup.name, chromedp.Evaluate[chromedp.Void](setup.js))
		if evalBool(t, ctx, `document.documentElement.scrollWidth > document.documentElement.clientWidth`) {
			t.Errorf("%s: the page scrolls sideways", setup.name)
		}
		if !evalBool(t, ctx, `document.querySelector("#confirm").getBoundingClientRect().width > 0`) {
			t.Errorf("%s: Confirm is not laid out", setup.name)
		}
		screenshot(t, ctx, "desk-"+setup.name+".png")
	}
	resp, err := http.Get(a.URL + "favicon.svg")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !evalBool(t, ctx, `!!document.querySelector('link[rel="icon"][href="favicon.svg"]')`) {
		t.Errorf("no favicon (GET /favicon.svg: %d)", resp.StatusCode)
	}
}

// TestConsoleLanguages: every screen state shown in Vietnamese holds no
// English sentence, and in English no Vietnamese one (names allowed).
func TestConsoleLanguages(t *testing.T) {
	a := startDemo(t)
	ctx := deskBrowser(t)
	// Words of one table that the other never uses; names, codes and the
	// language switch itself are taken out before looking.
	const leaks = `((lang) => {
	  const words = (o) => Object.values(o).flatMap((v) => typeof v === "string" ? v.split(/[^\p{L}]+/u) : words(v)).filter((w) => w.length >= 4);
	  const other = lang === "vi" ? "en" : "vi";
	  const mine = new Set(words(T[lang]).map((w) => w.toLowerCase()));
	  const foreign = new Set(words(T[other]).map((w) => w.toLowerCase()).filter((w) => !mine.has(w)));
	  const c = document.body.cloneNode(true);
	  for (const sel of ["#lang", "#r-name", "#who-name", "#detail-h", "#checkins td:nth-child(3)", "script", ".hidden"]) c.querySelectorAll(sel).forEach((e) => e.remove());
	  document.body.append(c); const text = c.innerText; c.remove();
	  return text.split(/[^\p{L}]+/u).filter((w) => foreign.has(w.toLowerCase())).join(" ");
	})`
	check := func(state string) {
		t.Helper()
		for _, lang := range []string{"vi", "en"} {
			if cur := evalString(t, ctx, `document.documentElement.lang`); cur != lang {
				run(t, ctx, a, "switch to "+lang, chromedp.Click(chromedp.CSS("#lang")))
			}
			if got := evalString(t, ctx, leaks+`(`+jsString(lang)+`)`); got != "" {
				t.Errorf("%s in %s shows words of the other language: %s", state, lang, got)
			}
			screenshot(t, ctx, "lang-"+state+"-"+lang+".png")
		}
	}
	run(t, ctx, a, "open", chromedp.Navigate(a.URL), chromedp.WaitVisible(chromedp.CSS("#signin-form")))
	check("signin")
	run(t, ctx, a, "wrong PIN", signInWith(demoStaff, "000000"), chromedp.Poll[chromedp.Void](`document.querySelector("#signin-message").textContent !== ""`))
	check("signin-failed")
	run(t, ctx, a, "sign in", signInWith(demoStaff, a.PIN), chromedp.WaitVisible(chromedp.CSS("#desk")),
		chromedp.WaitVisible(chromedp.CSS(`#readers button[data-action="insert"]`)))
	check("desk")
	run(t, ctx, a, "wrong CAN", chromedp.SendKeys(chromedp.CSS("#key"), "999999\n"),
		chromedp.Poll[chromedp.Void](`document.querySelector("#message").textContent !== ""`),
		chromedp.Click(chromedp.CSS(`#readers button[data-action="insert"]`)), chromedp.WaitVisible(chromedp.CSS(`#message.error`)))
	check("wrong-can")
	run(t, ctx, a, "right CAN", chromedp.SendKeys(chromedp.CSS("#key"), sim.DemoCAN+"\n"),
		chromedp.WaitVisible(chromedp.CSS(`#result[data-phase="result"]`)))
	check("result")
	run(t, ctx, a, "removed", chromedp.Click(chromedp.CSS(`#readers button[data-action="remove"]`)), chromedp.WaitVisible(chromedp.CSS(`#result.removed`)))
	check("removed")
	run(t, ctx, a, "open the check-in", chromedp.Click(chromedp.CSS(`#checkins button`)), chromedp.WaitVisible(chromedp.CSS(`#detail`)))
	check("detail")
	a.stop(t)
	run(t, ctx, a, "agent stopped", chromedp.WaitVisible(chromedp.CSS(`#conn`)))
	check("agent-down")
}

// TestConsoleCheckinList: with 600 check-ins the list starts at #600, a
// search by the last 4 ID digits finds #37, and #37 can be confirmed there.
func TestConsoleCheckinList(t *testing.T) {
	dir := t.TempDir()
	db, err := cache.Open(filepath.Join(dir, cacheFileName))
	if err != nil {
		t.Fatal(err)
	}
	base := time.Now().Add(-600 * time.Minute)
	for i := 1; i <= 600; i++ {
		c := &cache.Checkin{Time: base.Add(time.Duration(i) * time.Minute), Reader: "sim:demo", Facility: demoFacility,
			SoCCCD: fmt.Sprintf("079190%06d", 9000+i), HoTen: fmt.Sprintf("Bệnh Nhân Thử %03d", i), NgaySinh: "1980-01-01",
			Eligibility: cache.CheckinEligibility{Status: "eligible", Code: "000", Source: "roster", AsOf: base}, Verification: "verified"}
		if _, err := db.AppendCheckin(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	a := startDemoIn(t, dir)
	ctx := deskBrowser(t)
	run(t, ctx, a, "sign in", chromedp.Navigate(a.SignInURL), chromedp.WaitVisible(chromedp.CSS("#checkins button")))
	if first := text(t, ctx, "#checkins tr:first-child button"); first != "#600" {
		t.Fatalf("the list starts at %s, want #600", first)
	}
	run(t, ctx, a, "search 9037",
		chromedp.SetValue(chromedp.CSS("#search"), "9037"),
		chromedp.Click(chromedp.CSS("#search-form button")),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#checkins tr").length === 1 && document.querySelector("#checkins button").textContent === "#37"`))
	run(t, ctx, a, "open #37 and confirm",
		chromedp.Click(chromedp.CSS("#checkins button")),
		chromedp.WaitVisible(chromedp.CSS("#detail")),
		chromedp.Click(chromedp.CSS("#detail-confirm")),
		chromedp.WaitVisible(chromedp.CSS("#detail-confirm[disabled]")))
	screenshot(t, ctx, "desk-list-37.png")
	var c struct {
		Confirmed bool `json:"confirmed"`
	}
	apiGet(t, a, "/api/v1/checkins/37", &c)
	if !c.Confirmed {
		t.Fatal("check-in #37 was not confirmed from the list")
	}
	run(t, ctx, a, "more", chromedp.Evaluate[chromedp.Void](`void (document.querySelector("#search").value = "")`), chromedp.Click(chromedp.CSS("#search-form button")),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#checkins tr").length === 20`),
		chromedp.Click(chromedp.CSS("#more")),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#checkins tr").length === 40`))
	if last := text(t, ctx, "#checkins tr:last-child button"); last != "#561" {
		t.Errorf("after one more page the list ends at %s, want #561", last)
	}
	// A patient without a card: looked up by ID, name and date of birth,
	// recorded as such.
	run(t, ctx, a, "lookup without a card",
		chromedp.Click(chromedp.CSS("#manual summary")),
		chromedp.SetValue(chromedp.CSS("#m-id"), "001085004321"),
		chromedp.SetValue(chromedp.CSS("#m-name"), "Trần Văn Bình"),
		chromedp.SetValue(chromedp.CSS("#m-dob"), "03/11/1985"),
		chromedp.Click(chromedp.CSS("#manual-form button")),
		chromedp.Poll[chromedp.Void](`document.querySelector("#detail-h").textContent.startsWith("#601")`))
	if got := text(t, ctx, "#detail-fields"); !strings.Contains(got, "tra cứu không có thẻ") {
		t.Errorf("the manual check-in does not say how it was made: %q", got)
	}
	if st := attr(t, ctx, "#detail-verdict", "data-status"); st != "not-eligible" {
		t.Errorf("manual lookup verdict %q, want not-eligible (the demo roster's expired card)", st)
	}
	screenshot(t, ctx, "desk-manual-lookup.png")
}

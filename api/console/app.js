// Reception console: one page, no build step, no external resources.
// A receptionist signs in with name and PIN (the agent's session: cookie +
// CSRF token; the page never sees the API token), and the page follows
// /api/v1/events and lets them work without a mouse: type or scan the key,
// Enter, lay the card, Alt+C to confirm, Ctrl+L to lock the desk.
"use strict";

const T = {
  vi: {
    title: "Tiếp đón bệnh nhân", readers: "Đầu đọc", keyTitle: "Mã CAN / số CCCD",
    keyLabel: "Nhập 6 số cuối của số CCCD (CAN), hoặc quét mã QR", keySubmit: "Đọc thẻ",
    keyHelp: "Đặt thẻ lên đầu đọc sau khi nhập. Enter để gửi.", resultTitle: "Kết quả",
    name: "Họ và tên", dob: "Ngày sinh", idNumber: "Số CCCD", confirm: "Xác nhận tiếp đón",
    recent: "Lượt tiếp đón gần đây", time: "Giờ", insurance: "BHYT", state: "Trạng thái",
    noReaders: "Chưa có đầu đọc nào", stEmpty: "trống", stCard: "có thẻ", stReading: "đang đọc", stWaiting: "chờ mã CAN", stError: "lỗi",
    insert: "Đặt thẻ", remove: "Rút thẻ",
    keySent: "Đã nhận mã. Đặt thẻ lên đầu đọc.", keyNeeded: "Có thẻ trên đầu đọc: nhập 6 số CAN in trên thẻ.",
    reading: "Đang đọc thẻ…", cardRemoved: "Thẻ đã được lấy ra.",
    chipVerified: "Thẻ thật: dữ liệu đã được xác thực chữ ký của nhà nước",
    chipIntact: "Dữ liệu nguyên vẹn, nhưng cơ quan cấp chưa có trong danh sách tin cậy",
    chipFailed: "CẢNH BÁO: không xác thực được thẻ",
    insEligible: "Có BHYT hợp lệ", insProvisional: "Có BHYT (tạm tính, chưa kiểm tra trực tuyến)",
    insManual: "Cần kiểm tra thủ công", insNot: "Không được hưởng BHYT", insNotFound: "Không tìm thấy thẻ BHYT", insUnknown: "Chưa rõ tình trạng BHYT",
    validUntil: "hạn đến", registeredAt: "nơi ĐKKCB", benefit: "mức hưởng", provisional: "tạm tính", rosterAge: "dữ liệu cách đây",
    offline: "Mất kết nối: đang dùng danh sách BHYT lưu tại máy", stale: "Danh sách BHYT đã cũ",
    confirmed: "Đã xác nhận", pending: "Chờ xác nhận", confirmedMsg: "Đã xác nhận tiếp đón.",
    minutes: "phút", hours: "giờ", days: "ngày",
    signInTitle: "Đăng nhập", staffLabel: "Tên nhân viên", pinLabel: "Mã PIN",
    gatewayPasswordLabel: "Mật khẩu cổng BHXH (nếu có)", gatewayRefused: "Cổng BHXH không nhận mật khẩu: tra cứu tại bàn này chỉ là tạm thời cho đến khi đăng nhập lại với mật khẩu đúng.",
    gatewayUnavailable: "Chưa kết nối được cổng BHXH; mật khẩu sẽ được thử ở lần tra cứu đầu tiên.", signIn: "Đăng nhập", signOut: "Đăng xuất",
    signedInAs: "Đang làm việc:", signInFailed: "Sai tên hoặc mã PIN", locked: "Đã khoá màn hình. Nhập mã PIN để tiếp tục.",
    reasons: {
      "dg-hash-mismatch": "dữ liệu trên chip đã bị sửa", "dg-not-in-sod": "có dữ liệu lạ chèn vào chip",
      "sod-signature-invalid": "chữ ký số không hợp lệ", "ds-expired-at-signing": "chứng thư ký đã hết hạn khi ký",
      "ds-revoked": "chứng thư ký đã bị thu hồi", "chip-authentication-failed": "chip không phải chip gốc (nghi thẻ sao chép)",
      "country-mismatch": "quốc gia cấp không khớp", "csca-unknown": "cơ quan cấp chưa có trong danh sách tin cậy",
      "crl-outdated": "danh sách thu hồi chứng thư đã cũ"
    }
  },
  en: {
    title: "Patient reception", readers: "Readers", keyTitle: "CAN / ID number",
    keyLabel: "Type the last 6 digits of the ID number (CAN), or scan the QR code", keySubmit: "Read card",
    keyHelp: "Lay the card on the reader after typing. Enter to send.", resultTitle: "Result",
    name: "Full name", dob: "Date of birth", idNumber: "ID number", confirm: "Confirm check-in",
    recent: "Recent check-ins", time: "Time", insurance: "Insurance", state: "State",
    noReaders: "No reader connected", stEmpty: "empty", stCard: "card present", stReading: "reading", stWaiting: "waiting for CAN", stError: "error",
    insert: "Insert card", remove: "Remove card",
    keySent: "Key received. Lay the card on the reader.", keyNeeded: "A card is on the reader: type the 6-digit CAN printed on it.",
    reading: "Reading the card…", cardRemoved: "Card removed.",
    chipVerified: "Genuine card: data signed by the issuing state",
    chipIntact: "Data intact, but the issuer is not in the trust store",
    chipFailed: "WARNING: the card could not be verified",
    insEligible: "Insured, valid", insProvisional: "Insured (provisional, not checked online)",
    insManual: "Manual check needed", insNot: "Not eligible", insNotFound: "No insurance card found", insUnknown: "Insurance status unknown",
    validUntil: "valid until", registeredAt: "registered at", benefit: "benefit", provisional: "provisional", rosterAge: "roster age",
    offline: "Offline: using the insurance roster stored on this PC", stale: "Insurance roster is out of date",
    confirmed: "Confirmed", pending: "Pending", confirmedMsg: "Check-in confirmed.",
    minutes: "min", hours: "h", days: "days",
    signInTitle: "Sign in", staffLabel: "Staff name", pinLabel: "PIN",
    gatewayPasswordLabel: "BHXH gateway password (if any)", gatewayRefused: "The BHXH gateway refused the password: lookups at this desk are provisional until you sign in again with the right one.",
    gatewayUnavailable: "The BHXH gateway cannot be reached; the password will be tried at the first lookup.", signIn: "Sign in", signOut: "Sign out",
    signedInAs: "Signed in:", signInFailed: "Wrong name or PIN", locked: "Screen locked. Type your PIN to go on.",
    reasons: {
      "dg-hash-mismatch": "chip data was altered", "dg-not-in-sod": "foreign data injected into the chip",
      "sod-signature-invalid": "invalid digital signature", "ds-expired-at-signing": "signing certificate expired at signing",
      "ds-revoked": "signing certificate revoked", "chip-authentication-failed": "chip is not the original (suspected clone)",
      "country-mismatch": "issuing country mismatch", "csca-unknown": "issuer not in the trust store",
      "crl-outdated": "revocation list out of date"
    }
  }
};

let lang = localStorage.getItem("cccd-lang") || "vi";
let csrf = "";
let me = "";          // the signed-in staff member, "" when signed out
let ws = null;
let lastResult = null;
let readers = [];
const $ = (id) => document.getElementById(id);
const t = (k) => T[lang][k] || k;

function applyLang() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  $("lang").textContent = lang === "vi" ? "English" : "Tiếng Việt";
  renderReaders();
  if (lastResult) renderResult(lastResult);
}

async function api(method, path, body) {
  const opts = { method, credentials: "same-origin", headers: {} };
  if (method !== "GET") opts.headers["X-CSRF-Token"] = csrf;
  // Reads are the page's own refreshes: they do not keep the desk from locking.
  else opts.headers["X-CCCD-Background"] = "1";
  if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
  const resp = await fetch(path, opts);
  const data = await resp.json().catch(() => ({}));
  // The session ended (idle lock, shift limit, restart): back to sign-in.
  if (resp.status === 401 && me && path !== "/api/v1/session") { showSignIn(data.message || t("locked")); }
  if (!resp.ok) throw new Error(data.message || resp.statusText);
  return data;
}

// showSignIn hides the desk (nothing of a patient stays on screen) and asks
// for the PIN; the last staff name is kept to save typing.
function showSignIn(message) {
  me = ""; csrf = "";
  if (ws) { ws.onclose = null; ws.close(); ws = null; }
  lastResult = null;
  $("result").classList.add("hidden"); $("checkins").textContent = ""; $("photo").removeAttribute("src");
  $("desk").classList.add("hidden"); $("who").classList.add("hidden");
  $("signin").classList.remove("hidden");
  $("staff").value = localStorage.getItem("cccd-staff") || "";
  $("pin").value = "";
  $("signin-message").textContent = message || "";
  ($("staff").value ? $("pin") : $("staff")).focus();
}

async function signedIn(info) {
  me = info.staff; csrf = info.csrf_token || "";
  localStorage.setItem("cccd-staff", me);
  $("who-name").textContent = t("signedInAs") + " " + me;
  $("signin").classList.add("hidden");
  $("who").classList.remove("hidden"); $("desk").classList.remove("hidden");
  await Promise.all([refreshStatus(), refreshReaders(), refreshCheckins()]);
  connectEvents();
  $("key").focus();
  if (info.gateway === "refused") say(t("gatewayRefused"), true);
  if (info.gateway === "unavailable") say(t("gatewayUnavailable"), true);
}

// postSession signs in; it names this desk's reader (the last one chosen
// here) and passes the gateway password once, then clears the field.
async function postSession(body) {
  const reader = localStorage.getItem("cccd-reader"), gw = $("gateway-password").value;
  $("gateway-password").value = "";
  if (reader) body.reader = reader;
  if (gw && body.staff) body.gateway_password = gw;
  const resp = await fetch("/api/v1/session", { method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new Error(data.message || t("signInFailed"));
  return data;
}

async function signOut(reason) {
  const staff = me;
  try { await api("DELETE", "/api/v1/session" + (reason ? "?reason=" + reason : "")); } catch (e) { /* ended already */ }
  showSignIn(reason === "lock" ? t("locked") : "");
  if (reason === "lock" && staff) $("staff").value = staff;
}

function maskID(id) { return id && id.length >= 8 ? id.slice(0, 4) + "*".repeat(id.length - 6) + id.slice(-2) : (id || ""); }
// dmy shows ISO dates the Vietnamese way; a partial birth date (yyyy-mm or
// yyyy, day or month unknown) shows as mm/yyyy or yyyy.
function dmy(iso) {
  if (!iso) return "";
  let m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (m) return `${m[3]}/${m[2]}/${m[1]}`;
  m = /^(\d{4})-(\d{2})$/.exec(iso);
  return m ? `${m[2]}/${m[1]}` : iso;
}
function age(seconds) {
  if (seconds < 3600) return Math.round(seconds / 60) + " " + t("minutes");
  if (seconds < 86400 * 2) return Math.round(seconds / 3600) + " " + t("hours");
  return Math.round(seconds / 86400) + " " + t("days");
}
function say(text, isError) { $("message").textContent = text; $("message").className = isError ? "error" : ""; }
function progress(pct) {
  const p = $("progress");
  if (pct === null) { p.classList.add("hidden"); return; }
  p.classList.remove("hidden"); p.firstElementChild.style.width = pct + "%"; p.setAttribute("aria-valuenow", pct);
}

function renderReaders() {
  const ul = $("readers"), sel = $("reader-select");
  ul.textContent = ""; const prev = sel.value; sel.textContent = "";
  if (readers.length === 0) { const li = document.createElement("li"); li.textContent = t("noReaders"); ul.append(li); }
  for (const r of readers) {
    const li = document.createElement("li");
    const dot = document.createElement("span");
    dot.className = "dot " + (r.state === "error" ? "error" : (r.state === "empty" ? "" : "card"));
    const stateKey = { "empty": "stEmpty", "card": "stCard", "reading": "stReading", "waiting-key": "stWaiting", "error": "stError" }[r.state] || "stError";
    li.append(dot, document.createTextNode(r.name + " — " + t(stateKey)));
    if (r.sim) {
      for (const action of ["insert", "remove"]) {
        const b = document.createElement("button");
        b.type = "button"; b.textContent = t(action); b.dataset.action = action; b.dataset.reader = r.name;
        b.addEventListener("click", () => api("POST", `/api/v1/readers/${encodeURIComponent(r.name)}/sim/${action}`).catch((e) => say(e.message, true)));
        li.append(b);
      }
    }
    ul.append(li);
    const o = document.createElement("option"); o.value = r.name; o.textContent = r.name; sel.append(o);
  }
  const mine = prev || localStorage.getItem("cccd-reader");
  if (mine && readers.some((r) => r.name === mine)) sel.value = mine;
  if (readers.length === 1) localStorage.setItem("cccd-reader", readers[0].name);
  sel.classList.toggle("hidden", readers.length < 2);
}

function verdictChip(v) {
  const el = $("chip-verdict");
  const status = v && v.status;
  el.className = "verdict " + (status === "verified" ? "green" : status === "intact-untrusted" ? "amber" : "red");
  el.textContent = status === "verified" ? t("chipVerified") : status === "intact-untrusted" ? t("chipIntact") : t("chipFailed");
  const reasons = ((v && v.reasons) || []).map((r) => T[lang].reasons[r.split(":")[0]] || r).filter((x, i, a) => a.indexOf(x) === i);
  if (status !== "verified" && reasons.length) { const s = document.createElement("small"); s.textContent = reasons.join("; "); el.append(s); }
  el.dataset.status = status || "failed";
}

function verdictInsurance(e) {
  const el = $("ins-verdict");
  const st = (e && e.status) || "unknown";
  const cls = { "eligible": "green", "eligible-provisional": "amber", "manual-check": "amber", "not-eligible": "red", "not-found": "red", "unknown": "amber" }[st] || "amber";
  const key = { "eligible": "insEligible", "eligible-provisional": "insProvisional", "manual-check": "insManual", "not-eligible": "insNot", "not-found": "insNotFound" }[st] || "insUnknown";
  el.className = "verdict " + cls; el.textContent = t(key); el.dataset.status = st;
  if (st === "eligible-provisional" && e.as_of) {
    const b = document.createElement("span"); b.className = "badge";
    b.textContent = t("provisional") + " · " + t("rosterAge") + " " + age((Date.now() - Date.parse(e.as_of)) / 1000);
    el.append(b);
  }
  const c = (e && e.card) || {};
  const parts = [];
  if (c.gtTheDen) parts.push(t("validUntil") + " " + c.gtTheDen);
  if (c.tenDKBD || c.maDKBD) parts.push(t("registeredAt") + " " + (c.tenDKBD || c.maDKBD));
  if (c.mucHuong) parts.push(t("benefit") + " " + c.mucHuong + "%");
  if (e && e.message) parts.push(e.message);
  if (parts.length) { const s = document.createElement("small"); s.textContent = parts.join(" · "); el.append(s); }
}

function renderResult(res) {
  lastResult = res;
  const read = res.read || {}, p = read.personal || {}, d = read.document || {};
  $("r-name").textContent = p.full_name || [d.surname, d.given_names].filter(Boolean).join(" ");
  $("r-dob").textContent = dmy(p.date_of_birth || d.date_of_birth);
  $("r-id").textContent = maskID(p.id_number || d.id_number);
  const img = $("photo");
  if (read.photo && read.photo.data && read.photo.format === "jpeg") { img.src = "data:image/jpeg;base64," + read.photo.data; img.alt = t("name"); }
  else { img.removeAttribute("src"); img.alt = ""; }
  verdictChip(read.verification);
  verdictInsurance(res.eligibility);
  $("confirm").disabled = !res.seq || res.confirmed;
  $("result").classList.remove("hidden");
}

async function refreshStatus() {
  try {
    const s = await api("GET", "/api/v1/status");
    const banner = $("banner");
    const r = s.roster || {};
    if (s.online === false) { banner.textContent = t("offline") + (r.age_seconds ? " (" + t("rosterAge") + " " + age(r.age_seconds) + ")" : ""); banner.classList.remove("hidden"); }
    else if (r.stale) { banner.textContent = t("stale"); banner.classList.remove("hidden"); }
    else banner.classList.add("hidden");
  } catch (e) { say(e.message, true); }
}
async function refreshReaders() { try { readers = await api("GET", "/api/v1/readers"); renderReaders(); } catch (e) { say(e.message, true); } }
async function refreshCheckins() {
  try {
    const list = await api("GET", "/api/v1/checkins?limit=500");
    const tb = $("checkins"); tb.textContent = "";
    for (const c of list.slice(-10).reverse()) {
      const tr = document.createElement("tr");
      const es = (c.eligibility && c.eligibility.status) || "";
      const esKey = { "eligible": "insEligible", "eligible-provisional": "insProvisional", "manual-check": "insManual", "not-eligible": "insNot", "not-found": "insNotFound" }[es];
      const cells = [c.seq, new Date(c.time).toLocaleTimeString(lang === "vi" ? "vi-VN" : "en-GB", { hour: "2-digit", minute: "2-digit" }), c.hoTen || "", esKey ? t(esKey) : es, c.confirmed ? t("confirmed") : t("pending")];
      for (const v of cells) { const td = document.createElement("td"); td.textContent = v; tr.append(td); }
      tb.append(tr);
    }
  } catch (e) { say(e.message, true); }
}

function connectEvents() {
  ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/v1/events");
  ws.onmessage = (m) => {
    const ev = JSON.parse(m.data);
    switch (ev.type) {
      case "reader-added": case "reader-removed": case "reader-state": refreshReaders(); break;
      case "card-present": say(t("reading")); progress(5); refreshReaders(); break;
      case "key-needed": say(t("keyNeeded")); $("key").focus(); refreshReaders(); break;
      case "progress": say(t("reading")); progress((ev.data && ev.data.percent) || 0); break;
      case "result": progress(null); say(""); renderResult(ev.data); $("confirm").focus(); refreshCheckins(); refreshReaders(); break;
      case "error": progress(null); say((ev.data && ((lang === "en" && ev.data.message_en) || ev.data.message)) || "error", true); $("key").select(); refreshReaders(); break;
      case "card-removed": progress(null); refreshReaders(); break;
      case "checkin": refreshCheckins(); break;
      case "status": refreshStatus(); break;
    }
  };
  ws.onclose = () => setTimeout(() => { if (me) { connectEvents(); refreshStatus(); refreshReaders(); } }, 1000);
}

$("key-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const key = $("key").value.trim();
  if (!key) return;
  const reader = $("reader-select").value || (readers[0] && readers[0].name);
  try { await api("POST", `/api/v1/readers/${encodeURIComponent(reader)}/key`, { key }); say(t("keySent")); $("key").value = ""; }
  catch (err) { say(err.message, true); $("key").select(); }
});
$("confirm").addEventListener("click", async () => {
  if (!lastResult || !lastResult.seq) return;
  try { const c = await api("POST", `/api/v1/checkins/${lastResult.seq}/confirm`); lastResult.confirmed = true; $("confirm").disabled = true; say(t("confirmedMsg")); refreshCheckins(); $("key").focus(); }
  catch (err) { say(err.message, true); }
});
$("lang").addEventListener("click", () => { lang = lang === "vi" ? "en" : "vi"; localStorage.setItem("cccd-lang", lang); applyLang(); });

$("signin-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const staff = $("staff").value.trim(), pin = $("pin").value;
  if (!staff || !pin) return;
  $("pin").value = "";
  try { await signedIn(await postSession({ staff, pin })); }
  catch (err) { $("signin-message").textContent = err.message; $("pin").focus(); }
});
$("signout").addEventListener("click", () => signOut(""));
// The reader chosen here is this desk's: the next sign-in names it.
$("reader-select").addEventListener("change", () => localStorage.setItem("cccd-reader", $("reader-select").value));
document.addEventListener("keydown", (e) => {
  if (e.ctrlKey && !e.altKey && !e.shiftKey && (e.key === "l" || e.key === "L") && me) { e.preventDefault(); signOut("lock"); }
});

(async () => {
  applyLang();
  // cccd demo prints a link whose fragment (never sent to a server) signs in once.
  const m = /^#signin=([0-9a-f]+)$/.exec(location.hash);
  if (m) history.replaceState(null, "", location.pathname);
  try {
    const who = await (await fetch("/api/v1/session", { credentials: "same-origin" })).json();
    if (who.signed_in) { await signedIn(who); }
    else if (m) { await signedIn(await postSession({ code: m[1] })); }
    else showSignIn("");
  } catch (err) { showSignIn(err.message); }
  setInterval(() => { if (me) refreshStatus(); }, 30000);
})();

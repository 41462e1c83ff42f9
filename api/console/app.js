// Reception console: one page, no build step, no external resources.
// A receptionist signs in with name and PIN (the agent's session: cookie +
// CSRF token; the page never sees the API token). The result panel belongs
// to one tap: it is drawn from the reader's state (reader-state events), so
// a new card clears the previous patient before anything else, and Confirm
// only confirms the result the reader still holds. Keys: type or scan the
// CAN, Enter, lay the card; Alt+C confirms; Ctrl+L locks the desk. Every
// text on screen comes from the tables below, chosen by code, never from an
// error's own text, so switching language re-draws everything.
"use strict";

const T = {
  vi: {
    title: "Tiếp đón bệnh nhân", keyTitle: "Mã CAN / số CCCD",
    keyLabel: "Nhập 6 số cuối của số CCCD (mã CAN), hoặc quét mã QR trên thẻ", keySubmit: "Đọc thẻ",
    name: "Họ và tên", dob: "Ngày sinh", idNumber: "Số CCCD", time: "Giờ", insurance: "BHYT", state: "Trạng thái",
    confirmFor: "Xác nhận tiếp đón:", confirmShort: "Xác nhận", cancelCheckin: "Huỷ lượt", close: "Đóng",
    recent: "Lượt tiếp đón", search: "Tìm", searchHint: "Tên, 4 số cuối CCCD hoặc ngày", more: "Xem thêm", listEmpty: "Không có lượt tiếp đón nào.",
    noReaders: "Chưa có đầu đọc nào", stIdle: "chờ thẻ", stWaiting: "chờ mã CAN", stReading: "đang đọc", stResult: "đã đọc xong",
    stError: "lỗi", stRemoved: "thẻ đã rút", keyReady: "đã có mã",
    insert: "Đặt thẻ", remove: "Rút thẻ",
    keySent: "Đã nhận mã. Đặt thẻ lên đầu đọc.", keyNeeded: "Có thẻ trên đầu đọc: nhập 6 số cuối của số CCCD.",
    reading: "Đang đọc thẻ…", cardRemoved: "Thẻ đã được rút.", waitingCard: "Thẻ đang chờ mã CAN.",
    chipVerified: "Thẻ thật: dữ liệu đã được xác thực chữ ký của nhà nước",
    chipIntact: "Chip thật, dữ liệu nguyên vẹn — máy chưa cài chứng thư của cơ quan cấp CCCD (báo bộ phận IT)",
    chipFailed: "CẢNH BÁO: không xác thực được thẻ",
    insEligible: "Có BHYT hợp lệ", insProvisional: "Có BHYT — tạm chấp nhận, chưa tra cứu trực tuyến",
    insManual: "Cần kiểm tra thủ công", insNot: "Không được hưởng BHYT", insNotFound: "Không tìm thấy thẻ BHYT", insUnknown: "Chưa rõ tình trạng BHYT",
    validUntil: "hạn đến", registeredAt: "nơi ĐKKCB ban đầu", benefit: "mức hưởng", rosterAge: "dữ liệu cách đây",
    offline: "Mất kết nối mạng: đang dùng danh sách BHYT lưu tại máy", stale: "Danh sách BHYT đã cũ",
    agentDown: "Không kết nối được với chương trình cccd trên máy này — đang thử lại…",
    confirmed: "Đã xác nhận", pending: "Chờ xác nhận", cancelled: "Đã huỷ", confirmedMsg: "Đã xác nhận tiếp đón.", cancelledMsg: "Đã huỷ lượt tiếp đón.",
    manualTitle: "Tra cứu BHYT khi không có thẻ", dobHint: "Ngày sinh (dd/mm/yyyy, mm/yyyy hoặc yyyy)", manualSubmit: "Tra cứu",
    manualBad: "Nhập đủ 12 số CCCD, họ tên và ngày sinh.", manualSource: "tra cứu không có thẻ",
    minutes: "phút", hours: "giờ", days: "ngày",
    signInTitle: "Đăng nhập", staffLabel: "Tên nhân viên", pinLabel: "Mã PIN",
    gatewayPasswordLabel: "Mật khẩu cổng BHXH (nếu có)", gatewayRefused: "Cổng BHXH không nhận mật khẩu: tra cứu tại bàn này chỉ là tạm thời cho đến khi đăng nhập lại với mật khẩu đúng.",
    gatewayUnavailable: "Chưa kết nối được cổng BHXH; mật khẩu sẽ được thử ở lần tra cứu đầu tiên.", signIn: "Đăng nhập", signOut: "Đăng xuất",
    signedInAs: "Đang làm việc:", signInFailed: "Sai tên hoặc mã PIN", locked: "Đã khoá màn hình. Nhập mã PIN để tiếp tục.",
    sessionEnded: "Phiên làm việc đã kết thúc. Đăng nhập lại.",
    errors: {
      "wrong-key": "Sai mã CAN: kiểm tra 6 số cuối của số CCCD và nhập lại.",
      "key-unusable": "Thẻ này không mở được bằng mã CAN: quét mã QR trên thẻ rồi đặt lại thẻ.",
      "card-removed": "Thẻ bị lấy ra khi đang đọc: đặt lại thẻ và giữ yên.",
      "no-card": "Không thấy thẻ trên đầu đọc: đặt thẻ lên giữa đầu đọc.",
      "timeout": "Thẻ không trả lời kịp: lấy thẻ ra và đặt lại.",
      "no-service": "Dịch vụ thẻ thông minh không chạy: báo bộ phận kỹ thuật.",
      "reader-busy": "Đầu đọc đang bị chương trình khác dùng: đóng chương trình đó rồi thử lại.",
      "no-reader": "Không tìm thấy hoặc không mở được đầu đọc: kiểm tra cáp USB.",
      "key-timeout": "Chưa nhập mã CAN: nhập 6 số cuối của số CCCD rồi đặt lại thẻ.",
      "card-mute": "Thẻ không phản hồi: lấy thẻ ra và đặt lại, giữ yên trên đầu đọc.",
      "read-error": "Không đọc được thẻ: đặt lại thẻ; nếu vẫn lỗi, báo bộ phận kỹ thuật.",
      "cannot-save": "Đã đọc thẻ nhưng chưa lưu được lượt tiếp đón: máy giữ lại và sẽ tự lưu khi ổ đĩa có chỗ."
    },
    eligReasons: { "no-staff-gateway-session": "chưa tra cứu cổng BHXH: không ai đăng nhập cổng BHXH tại bàn này", "gateway-failed": "cổng BHXH không trả lời" },
    storage: { "disk-full": "ổ đĩa đầy", "read-only": "ổ đĩa chỉ cho đọc", "io-error": "lỗi ghi ổ đĩa" },
    cannotSave: "Không lưu được lượt tiếp đón", waiting: "đang chờ lưu", callIT: "báo bộ phận kỹ thuật",
    api: {
      "bad-request": "Dữ liệu nhập chưa đúng: kiểm tra lại.", "not-found": "Không tìm thấy (có thể đã hết hạn).",
      "conflict": "Kết quả này không còn là thẻ đang trên đầu đọc: xác nhận từ danh sách nếu đúng người.",
      "unauthorized": "Phiên làm việc đã kết thúc. Đăng nhập lại.", "throttled": "Sai mã PIN quá nhiều lần: chờ một lát rồi thử lại.",
      "too-many-sessions": "Quá nhiều người đang đăng nhập trên máy này.", "rate-limited": "Thao tác quá nhanh: chờ một chút.",
      "unavailable": "Chức năng này đang không dùng được: thử lại sau.", "other": "Có lỗi xảy ra: thử lại; nếu vẫn lỗi, báo bộ phận kỹ thuật."
    },
    reasons: {
      "dg-hash-mismatch": "dữ liệu trên chip đã bị sửa", "dg-not-in-sod": "có dữ liệu lạ chèn vào chip",
      "sod-signature-invalid": "chữ ký số không hợp lệ", "ds-expired-at-signing": "chứng thư ký đã hết hạn khi ký",
      "ds-revoked": "chứng thư ký đã bị thu hồi", "chip-authentication-failed": "chip không phải chip gốc (nghi thẻ sao chép)",
      "country-mismatch": "quốc gia cấp không khớp", "csca-unknown": "máy chưa cài chứng thư của cơ quan cấp",
      "crl-outdated": "danh sách thu hồi chứng thư đã cũ", "card-access-not-signed": "tham số truy cập chip không khớp dữ liệu đã ký"
    }
  },
  en: {
    title: "Patient reception", keyTitle: "CAN / ID number",
    keyLabel: "Type the last 6 digits of the ID number (the CAN), or scan the card's QR code", keySubmit: "Read card",
    name: "Full name", dob: "Date of birth", idNumber: "ID number", time: "Time", insurance: "Insurance", state: "State",
    confirmFor: "Confirm check-in:", confirmShort: "Confirm", cancelCheckin: "Cancel check-in", close: "Close",
    recent: "Check-ins", search: "Search", searchHint: "Name, last 4 ID digits or date", more: "Show more", listEmpty: "No check-ins.",
    noReaders: "No reader connected", stIdle: "waiting for a card", stWaiting: "waiting for CAN", stReading: "reading", stResult: "read",
    stError: "error", stRemoved: "card removed", keyReady: "key ready",
    insert: "Insert card", remove: "Remove card",
    keySent: "Key received. Lay the card on the reader.", keyNeeded: "A card is on the reader: type the last 6 digits of the ID number.",
    reading: "Reading the card…", cardRemoved: "The card was removed.", waitingCard: "The card waits for its CAN.",
    chipVerified: "Genuine card: data signed by the issuing state",
    chipIntact: "Genuine chip, data intact — the CCCD issuer certificate is not installed on this PC (tell IT)",
    chipFailed: "WARNING: the card could not be verified",
    insEligible: "Insured, valid", insProvisional: "Insured — provisionally accepted, not checked online",
    insManual: "Manual check needed", insNot: "Not eligible", insNotFound: "No insurance card found", insUnknown: "Insurance status unknown",
    validUntil: "valid until", registeredAt: "primary care facility", benefit: "benefit", rosterAge: "data age",
    offline: "No network: using the insurance roster stored on this PC", stale: "The insurance roster is out of date",
    agentDown: "Cannot reach the cccd program on this PC — retrying…",
    confirmed: "Confirmed", pending: "Pending", cancelled: "Cancelled", confirmedMsg: "Check-in confirmed.", cancelledMsg: "Check-in cancelled.",
    manualTitle: "Insurance lookup without a card", dobHint: "Date of birth (dd/mm/yyyy, mm/yyyy or yyyy)", manualSubmit: "Look up",
    manualBad: "Type the 12-digit ID number, the full name and the date of birth.", manualSource: "looked up without a card",
    minutes: "min", hours: "h", days: "days",
    signInTitle: "Sign in", staffLabel: "Staff name", pinLabel: "PIN",
    gatewayPasswordLabel: "BHXH gateway password (if any)", gatewayRefused: "The BHXH gateway refused the password: lookups at this desk are provisional until you sign in again with the right one.",
    gatewayUnavailable: "The BHXH gateway cannot be reached; the password will be tried at the first lookup.", signIn: "Sign in", signOut: "Sign out",
    signedInAs: "Signed in:", signInFailed: "Wrong name or PIN", locked: "Screen locked. Type your PIN to go on.",
    sessionEnded: "Your session ended. Sign in again.",
    errors: {
      "wrong-key": "Wrong CAN: check the last 6 digits of the ID number and type them again.",
      "key-unusable": "This card's chip does not take the CAN: scan the QR code on the card, then lay the card again.",
      "card-removed": "The card left the reader during the read: lay it down again and keep it still.",
      "no-card": "No card on the reader: lay the card in the middle of the reader.",
      "timeout": "The card did not answer in time: lift it and lay it down again.",
      "no-service": "The smart-card service is not running: call IT.",
      "reader-busy": "Another program is using the reader: close it and try again.",
      "no-reader": "The reader is not found or cannot be opened: check its USB cable.",
      "key-timeout": "No CAN was entered: type the last 6 digits of the ID number, then lay the card again.",
      "card-mute": "The card does not answer: lift it and lay it down again, keep it still.",
      "read-error": "The card could not be read: lay it down again; if it keeps failing, call IT.",
      "cannot-save": "The card was read but the check-in could not be saved: it is kept and saved once the disk has room."
    },
    eligReasons: { "no-staff-gateway-session": "not checked with BHXH: nobody at this desk signed in to the BHXH gateway", "gateway-failed": "the BHXH gateway did not answer" },
    storage: { "disk-full": "the disk is full", "read-only": "the disk is read-only", "io-error": "a disk write error" },
    cannotSave: "Cannot save check-ins", waiting: "waiting to be saved", callIT: "call IT",
    api: {
      "bad-request": "Something typed is not right: check it.", "not-found": "Not found (it may have expired).",
      "conflict": "This result is no longer the card on the reader: confirm it from the list if it is the right person.",
      "unauthorized": "Your session ended. Sign in again.", "throttled": "Too many wrong PINs: wait a moment and try again.",
      "too-many-sessions": "Too many people are signed in on this PC.", "rate-limited": "Too fast: wait a moment.",
      "unavailable": "This is not available right now: try again later.", "other": "Something went wrong: try again; if it keeps failing, call IT."
    },
    reasons: {
      "dg-hash-mismatch": "chip data was altered", "dg-not-in-sod": "foreign data injected into the chip",
      "sod-signature-invalid": "invalid digital signature", "ds-expired-at-signing": "signing certificate expired at signing",
      "ds-revoked": "signing certificate revoked", "chip-authentication-failed": "chip is not the original (suspected clone)",
      "country-mismatch": "issuing country mismatch", "csca-unknown": "the issuer certificate is not installed on this PC",
      "crl-outdated": "revocation list out of date", "card-access-not-signed": "chip access parameters do not match the signed data"
    }
  }
};

const INS = { "eligible": ["green", "insEligible"], "eligible-provisional": ["amber", "insProvisional"], "manual-check": ["amber", "insManual"],
  "not-eligible": ["red", "insNot"], "not-found": ["red", "insNotFound"] };
const STATE_KEY = { "idle": "stIdle", "waiting-key": "stWaiting", "reading": "stReading", "result": "stResult", "error": "stError", "removed": "stRemoved" };

let lang = localStorage.getItem("cccd-lang") === "en" ? "en" : "vi";
let csrf = "";
let me = "";              // the signed-in staff member, "" when signed out
let ws = null;
let backoff = 1000;       // event-stream reconnect delay, doubling to 30 s
let readers = [];         // as GET /api/v1/readers and reader-state events give them
let panel = null;         // the result panel: {reader, phase, seq, readID, res, photo, removed}
let msg = null;           // the message line: {key, group, error}
let list = { items: [], q: "", more: false };
let detail = null;        // the check-in opened from the list
let agentDown = false;
let roster = null;        // status for the banner

const $ = (id) => document.getElementById(id);
const t = (k) => T[lang][k] || k;

// ---- talking to the agent ----

class APIError extends Error {
  constructor(code, status) { super(code); this.code = code; this.status = status; }
}

async function api(method, path, body) {
  const opts = { method, credentials: "same-origin", headers: {} };
  if (method !== "GET") opts.headers["X-CSRF-Token"] = csrf;
  // Reads are the page's own refreshes: they do not keep the desk from locking.
  else opts.headers["X-CCCD-Background"] = "1";
  if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
  let resp;
  try { resp = await fetch(path, opts); }
  catch (e) { setAgentDown(true); throw new APIError("agent-down", 0); }
  setAgentDown(false);
  const data = await resp.json().catch(() => ({}));
  // The session ended (idle lock, shift limit, restart): back to sign-in.
  if (resp.status === 401 && me && path !== "/api/v1/session") showSignIn("sessionEnded");
  if (!resp.ok) throw new APIError(data.code || "other", resp.status);
  return data;
}

// apiFailed shows what went wrong by its code, in the page's language.
function apiFailed(err) {
  if (err.code === "agent-down") return; // the banner says it
  say(T[lang].api[err.code] ? err.code : "other", "api", true);
}

function setAgentDown(down) {
  if (agentDown === down) return;
  agentDown = down;
  renderBanners();
  $("readers").classList.toggle("stale", down);
}

// ---- sign-in ----

// showSignIn hides the desk (nothing of a patient stays on screen) and asks
// for the PIN; the last staff name is kept to save typing.
function showSignIn(messageKey) {
  me = ""; csrf = "";
  if (ws) { ws.onclose = null; ws.close(); ws = null; }
  panel = null; detail = null; list = { items: [], q: "", more: false }; msg = null;
  renderPanel(); renderList(); renderDetail();
  $("desk").classList.add("hidden"); $("who").classList.add("hidden");
  $("signin").classList.remove("hidden");
  $("staff").value = localStorage.getItem("cccd-staff") || "";
  $("pin").value = "";
  $("signin-message").dataset.key = messageKey || "";
  $("signin-message").textContent = messageKey ? t(messageKey) : "";
  ($("staff").value ? $("pin") : $("staff")).focus();
}

async function signedIn(info) {
  me = info.staff; csrf = info.csrf_token || "";
  localStorage.setItem("cccd-staff", me);
  $("who-name").textContent = t("signedInAs") + " " + me;
  $("signin").classList.add("hidden");
  $("who").classList.remove("hidden"); $("desk").classList.remove("hidden");
  await Promise.all([refreshStatus(), refreshReaders(), loadList(true)]);
  connectEvents();
  $("key").focus();
  if (info.gateway === "refused") say("gatewayRefused", "", true);
  if (info.gateway === "unavailable") say("gatewayUnavailable", "", true);
}

// postSession signs in; it names this desk's reader (the last one chosen
// here) and passes the gateway password once, then clears the field.
async function postSession(body) {
  const reader = localStorage.getItem("cccd-reader"), gw = $("gateway-password").value;
  $("gateway-password").value = "";
  if (reader) body.reader = reader;
  if (gw && body.staff) body.gateway_password = gw;
  let resp;
  try {
    resp = await fetch("/api/v1/session", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  } catch (e) { setAgentDown(true); throw new APIError("agent-down", 0); }
  setAgentDown(false);
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new APIError(data.code || "other", resp.status);
  return data;
}

async function signOut(reason) {
  const staff = me;
  try { await api("DELETE", "/api/v1/session" + (reason ? "?reason=" + reason : "")); } catch (e) { /* ended already */ }
  showSignIn(reason === "lock" ? "locked" : "");
  if (reason === "lock" && staff) $("staff").value = staff;
}

// ---- small helpers ----

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
  if (seconds < 3600) return Math.max(1, Math.round(seconds / 60)) + " " + t("minutes");
  if (seconds < 86400 * 2) return Math.round(seconds / 3600) + " " + t("hours");
  return Math.round(seconds / 86400) + " " + t("days");
}
function hhmm(iso) { return new Date(iso).toLocaleTimeString(lang === "vi" ? "vi-VN" : "en-GB", { hour: "2-digit", minute: "2-digit" }); }

// say sets the message line by key (group: "" for the main table, "errors"
// for read errors, "api" for API errors); it is re-drawn on a language switch.
function say(key, group, error) { msg = key ? { key, group: group || "", error: !!error } : null; renderMessage(); }
function renderMessage() {
  const el = $("message");
  if (!msg) { el.textContent = ""; el.className = ""; return; }
  const table = msg.group ? T[lang][msg.group] : T[lang];
  el.textContent = table[msg.key] || (msg.group === "errors" ? T[lang].errors["read-error"] : T[lang].api.other);
  el.className = msg.error ? "error" : "";
}
function progress(pct) {
  const p = $("progress");
  if (pct === null) { p.classList.add("hidden"); return; }
  p.classList.remove("hidden"); p.firstElementChild.style.width = pct + "%"; p.setAttribute("aria-valuenow", pct);
}

// ---- readers and the result panel ----

function currentReader() { return $("reader-select").value || (readers[0] && readers[0].name) || ""; }
function readerByName(name) { return readers.find((r) => r.name === name); }

// renderReaders updates the reader list in place: an event arriving just as
// someone clicks a reader's button must not replace that button under the
// click. Rows are rebuilt only when the set of readers changes.
function renderReaders() {
  const ul = $("readers"), sel = $("reader-select");
  const names = readers.map((r) => r.name).join("\n");
  if (ul.dataset.names !== names || !readers.length) {
    ul.dataset.names = names;
    ul.textContent = ""; const prev = sel.value; sel.textContent = "";
    if (readers.length === 0) { const li = document.createElement("li"); li.dataset.i18nKey = "noReaders"; ul.append(li); }
    for (const r of readers) {
      const li = document.createElement("li");
      li.dataset.reader = r.name;
      li.append(document.createElement("span"), document.createTextNode(""));
      if (r.sim) {
        for (const action of ["insert", "remove"]) {
          const b = document.createElement("button");
          b.type = "button"; b.dataset.action = action; b.dataset.reader = r.name;
          b.addEventListener("click", () => api("POST", `/api/v1/readers/${encodeURIComponent(r.name)}/sim/${action}`).catch(apiFailed));
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
  for (const li of ul.children) {
    if (li.dataset.i18nKey) { li.textContent = t(li.dataset.i18nKey); continue; }
    const r = readerByName(li.dataset.reader);
    if (!r) continue;
    li.dataset.state = r.state;
    li.firstChild.className = "dot " + (r.state === "error" ? "error" : (r.state === "idle" || r.state === "removed" ? "" : "card"));
    let label = r.name + " — " + t(STATE_KEY[r.state] || "stError");
    if (r.key_ready && (r.state === "idle" || r.state === "removed" || r.state === "result")) label += " · " + t("keyReady");
    li.childNodes[1].textContent = label;
    for (const b of li.querySelectorAll("button")) b.textContent = t(b.dataset.action);
  }
}

// followReader moves the panel with the state of the reader at this desk.
// The panel only ever shows the result the reader holds now.
function followReader(info) {
  if (info.name !== currentReader()) return;
  switch (info.state) {
    case "idle": panel = null; break;
    case "waiting-key": panel = { reader: info.name, phase: "waiting" }; say("keyNeeded"); progress(null); break;
    case "reading": panel = { reader: info.name, phase: "reading" }; say("reading"); break;
    case "error": panel = null; progress(null); say(info.last_error || "read-error", "errors", true); break;
    case "result":
      if (!panel || panel.seq !== info.checkin) {
        // The result event follows at once; fetch only if it does not (a reload, a missed event).
        const p = panel = { reader: info.name, phase: "reading", seq: info.checkin, readID: info.read_id };
        setTimeout(() => { if (panel === p) loadResult(p); }, 500);
      }
      break;
    case "removed":
      if (panel && panel.phase === "result" && panel.seq && panel.seq === info.checkin) panel.removed = true;
      else if (!(panel && panel.seq && panel.seq === info.checkin)) panel = null;
      progress(null);
      break;
  }
  renderPanel();
}

// showResult takes a result event for this desk's reader.
function showResult(data, readerName) {
  if (readerName !== currentReader()) return;
  const info = readerByName(readerName);
  panel = { reader: readerName, phase: "result", seq: data.seq, readID: data.read_id, res: data,
    removed: !!info && info.state === "removed" && info.checkin === data.seq };
  progress(null); say("");
  renderPanel();
  pullPhoto(panel);
}

// loadResult fills the panel from the agent after a reload or a missed
// event: the read by its id, the eligibility from the check-in.
async function loadResult(p) {
  try {
    const [read, c] = await Promise.all([api("GET", "/api/v1/reads/" + encodeURIComponent(p.readID)), api("GET", "/api/v1/checkins/" + p.seq)]);
    if (panel !== p) return;
    const e = c.eligibility || {};
    p.res = { seq: p.seq, read_id: p.readID, read, confirmed: c.confirmed,
      eligibility: { status: e.status, code: e.code, as_of: e.as_of, card: { gtTheDen: c.gtTheDen, maDKBD: c.maDKBD } } };
    if (read.photo && read.photo.data) p.photo = read.photo.data;
    p.phase = "result";
    const info = readerByName(p.reader);
    p.removed = !!info && info.state === "removed";
    renderPanel();
  } catch (e) { if (panel === p) { panel = null; renderPanel(); } }
}

// Events carry no photo bytes (every subscriber sees them): the photo is
// pulled by the read's id and shown only if that result is still on screen.
async function pullPhoto(p) {
  const read = p.res && p.res.read;
  if (!p.readID || !read || !read.photo || read.photo.format !== "jpeg") return;
  try {
    const full = await api("GET", "/api/v1/reads/" + encodeURIComponent(p.readID));
    if (panel === p && full.photo && full.photo.data) { p.photo = full.photo.data; renderPanel(); }
  } catch (e) { /* expired: the name, ID and verdicts still stand */ }
}

function verdictChip(el, v) {
  const status = (v && v.status) || "failed";
  el.className = "verdict " + (status === "verified" ? "green" : status === "intact-untrusted" ? "amber" : "red");
  el.textContent = status === "verified" ? t("chipVerified") : status === "intact-untrusted" ? t("chipIntact") : t("chipFailed");
  el.dataset.status = status;
  if (status === "failed") {
    const reasons = ((v && v.reasons) || []).map((r) => T[lang].reasons[r.split(":")[0]]).filter((x, i, a) => x && a.indexOf(x) === i);
    if (reasons.length) { const s = document.createElement("small"); s.textContent = reasons.join("; "); el.append(s); }
  }
}

function verdictInsurance(el, e) {
  const st = (e && e.status) || "unknown";
  const [cls, key] = INS[st] || ["amber", "insUnknown"];
  el.className = "verdict " + cls; el.textContent = t(key); el.dataset.status = st;
  const c = (e && e.card) || {};
  const parts = [];
  if (st === "eligible-provisional" && e.as_of) {
    const b = document.createElement("span"); b.className = "badge";
    b.textContent = " (" + t("rosterAge") + " " + age((Date.now() - Date.parse(e.as_of)) / 1000) + ")";
    el.append(b);
  }
  if (e && e.reason && T[lang].eligReasons[e.reason]) parts.push(T[lang].eligReasons[e.reason]);
  if (c.gtTheDen) parts.push(t("validUntil") + " " + c.gtTheDen);
  if (c.tenDKBD || c.maDKBD) parts.push(t("registeredAt") + " " + (c.tenDKBD || c.maDKBD));
  if (c.mucHuong) parts.push(t("benefit") + " " + c.mucHuong + "%");
  // The agent's own line, in the page's language, unless it only repeats the headline.
  const line = e && (lang === "en" ? e.message_en : e.message);
  if (line && st !== "eligible" && st !== "eligible-provisional") parts.push(line);
  if (parts.length) { const s = document.createElement("small"); s.textContent = parts.join(" · "); el.append(s); }
}

function renderPanel() {
  const box = $("result"), img = $("photo"), btn = $("confirm");
  if (!panel) {
    box.classList.add("hidden"); box.dataset.phase = ""; box.classList.remove("removed");
    img.removeAttribute("src"); img.alt = "";
    for (const id of ["r-name", "r-dob", "r-id", "chip-verdict", "ins-verdict", "result-state"]) $(id).textContent = "";
    btn.disabled = true; btn.textContent = t("confirmShort");
    return;
  }
  box.classList.remove("hidden");
  box.dataset.phase = panel.phase;
  box.classList.toggle("removed", !!panel.removed);
  if (panel.phase !== "result" || !panel.res) {
    // Before anything of the new tap is known, nothing of an earlier one shows.
    img.removeAttribute("src"); img.alt = "";
    for (const id of ["r-name", "r-dob", "r-id", "chip-verdict", "ins-verdict"]) $(id).textContent = "";
    $("result-state").textContent = panel.phase === "waiting" ? t("waitingCard") : t("reading");
    btn.disabled = true; btn.textContent = t("confirmShort");
    return;
  }
  const res = panel.res, read = res.read || {}, p = read.personal || {}, d = read.document || {};
  const name = p.full_name || [d.surname, d.given_names].filter(Boolean).join(" ");
  $("result-state").textContent = panel.removed ? t("cardRemoved") : "";
  $("r-name").textContent = name;
  $("r-dob").textContent = dmy(p.date_of_birth || d.date_of_birth);
  $("r-id").textContent = maskID(p.id_number || d.id_number);
  if (panel.photo) { img.src = "data:image/jpeg;base64," + panel.photo; img.alt = name; }
  else { img.removeAttribute("src"); img.alt = ""; }
  verdictChip($("chip-verdict"), read.verification);
  verdictInsurance($("ins-verdict"), res.eligibility);
  const info = readerByName(panel.reader);
  const current = !!info && info.checkin === panel.seq && (info.state === "result" || info.state === "removed");
  btn.disabled = !current || !!res.confirmed;
  btn.textContent = res.confirmed ? t("confirmed") + ": " + name : t("confirmFor") + " " + name;
}

async function confirmShown() {
  const p = panel;
  if (!p || p.phase !== "result" || $("confirm").disabled) return;
  try {
    await api("POST", `/api/v1/checkins/${p.seq}/confirm`, { reader: p.reader });
    if (panel === p) { p.res.confirmed = true; renderPanel(); }
    say("confirmedMsg"); loadList(true); $("key").focus();
  } catch (err) { apiFailed(err); }
}

// ---- status, check-in list, detail ----

async function refreshStatus() {
  try { roster = await api("GET", "/api/v1/status"); } catch (e) { /* banner says it */ }
  renderBanners();
}
function renderBanners() {
  const conn = $("conn");
  conn.textContent = t("agentDown"); conn.classList.toggle("hidden", !agentDown);
  // Check-ins the disk did not take: red until they are stored.
  const st = $("storage"), n = (roster && roster.unsaved_checkins) || 0;
  st.textContent = n ? `${t("cannotSave")}: ${T[lang].storage[roster.storage_problem] || T[lang].storage["io-error"]} (${n} ${t("waiting")}) — ${t("callIT")}` : "";
  st.classList.toggle("hidden", !n);
  const banner = $("banner");
  const r = (roster && roster.roster) || {};
  if (roster && roster.online === false) { banner.textContent = t("offline") + (r.age_seconds ? " (" + t("rosterAge") + " " + age(r.age_seconds) + ")" : ""); banner.classList.remove("hidden"); }
  else if (r.stale) { banner.textContent = t("stale"); banner.classList.remove("hidden"); }
  else banner.classList.add("hidden");
}
async function refreshReaders() {
  try { readers = await api("GET", "/api/v1/readers"); renderReaders(); const r = readerByName(currentReader()); if (r) followReader(r); }
  catch (e) { if (e.code !== "agent-down") apiFailed(e); }
}

async function loadList(reset) {
  const before = reset || list.items.length === 0 ? 0 : list.items[list.items.length - 1].seq;
  const limit = 20;
  try {
    const page = await api("GET", `/api/v1/checkins?before=${before}&limit=${limit}` + (list.q ? "&q=" + encodeURIComponent(list.q) : ""));
    list.items = reset ? page : list.items.concat(page);
    list.more = page.length === limit;
    renderList();
  } catch (e) { apiFailed(e); }
}

function statusKey(c) { return c.cancelled ? "cancelled" : c.confirmed ? "confirmed" : "pending"; }

function renderList() {
  const tb = $("checkins"); tb.textContent = "";
  for (const c of list.items) {
    const tr = document.createElement("tr");
    tr.dataset.seq = c.seq;
    if (c.cancelled) tr.className = "cancelled";
    const open = document.createElement("button");
    open.type = "button"; open.textContent = "#" + c.seq; open.addEventListener("click", () => openDetail(c.seq));
    const es = (c.eligibility && c.eligibility.status) || "";
    const cells = [open, hhmm(c.time), c.hoTen || "", INS[es] ? t(INS[es][1]) : t("insUnknown"), t(statusKey(c))];
    for (const v of cells) { const td = document.createElement("td"); if (typeof v === "string") td.textContent = v; else td.append(v); tr.append(td); }
    tb.append(tr);
  }
  $("list-empty").classList.toggle("hidden", list.items.length > 0 || !me);
  $("more").classList.toggle("hidden", !list.more);
  $("search").placeholder = t("searchHint");
}

async function openDetail(seq) {
  try { detail = await api("GET", "/api/v1/checkins/" + seq); renderDetail(); $("detail-close").focus(); }
  catch (e) { apiFailed(e); }
}
function renderDetail() {
  const box = $("detail");
  if (!detail) { box.classList.add("hidden"); return; }
  box.classList.remove("hidden");
  const c = detail;
  $("detail-h").textContent = "#" + c.seq + " · " + (c.hoTen || "");
  const dl = $("detail-fields"); dl.textContent = "";
  const rows = [[t("time"), new Date(c.time).toLocaleString(lang === "vi" ? "vi-VN" : "en-GB")], [t("dob"), dmy(c.ngaySinh)],
    [t("idNumber"), maskID(c.soCCCD)], [t("state"), t(statusKey(c)) + (c.reader === "manual" ? " · " + t("manualSource") : "")]];
  for (const [k, v] of rows) { const dt = document.createElement("dt"); dt.textContent = k; const dd = document.createElement("dd"); dd.textContent = v; dl.append(dt, dd); }
  const e = c.eligibility || {};
  verdictInsurance($("detail-verdict"), { status: e.status, as_of: e.as_of, card: { gtTheDen: c.gtTheDen, maDKBD: c.maDKBD } });
  $("detail-confirm").disabled = !!c.confirmed || !!c.cancelled;
  $("detail-cancel").disabled = !!c.cancelled;
}
async function detailAction(action) {
  if (!detail) return;
  const seq = detail.seq;
  try {
    detail = await api("POST", `/api/v1/checkins/${seq}/${action}`);
    say(action === "confirm" ? "confirmedMsg" : "cancelledMsg");
    if (panel && panel.seq === seq && panel.res && action === "confirm") { panel.res.confirmed = true; renderPanel(); }
    renderDetail(); loadList(true);
  } catch (err) { apiFailed(err); }
}

// ---- the event stream, with reconnection ----

function connectEvents() {
  ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/v1/events");
  ws.onopen = () => { backoff = 1000; setAgentDown(false); refreshStatus(); refreshReaders(); };
  ws.onmessage = (m) => {
    const ev = JSON.parse(m.data);
    switch (ev.type) {
      case "reader-added": case "reader-removed": refreshReaders(); break;
      case "reader-state": {
        const i = readers.findIndex((r) => r.name === ev.data.name);
        if (i >= 0) readers[i] = ev.data; else readers.push(ev.data);
        renderReaders(); followReader(ev.data); renderPanel();
        break;
      }
      case "progress": if (ev.reader === currentReader()) progress((ev.data && ev.data.percent) || 0); break;
      case "result": showResult(ev.data, ev.reader); break;
      case "checkin": if (!list.q) loadList(true); if (detail && ev.data && detail.seq === ev.data.seq) openDetail(detail.seq); break;
      case "status": refreshStatus(); break;
    }
  };
  ws.onclose = () => {
    ws = null;
    if (!me) return;
    setAgentDown(true);
    setTimeout(async () => {
      if (!me) return;
      // After a restart the agent has forgotten the session: sign in again.
      try {
        const who = await (await fetch("/api/v1/session", { credentials: "same-origin" })).json();
        if (!who.signed_in) { showSignIn("sessionEnded"); return; }
      } catch (e) { /* still down */ }
      if (me && !ws) connectEvents();
    }, backoff);
    backoff = Math.min(backoff * 2, 30000);
  };
}

// ---- language ----

function applyLang() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  $("lang").textContent = lang === "vi" ? "English" : "Tiếng Việt";
  if (me) $("who-name").textContent = t("signedInAs") + " " + me;
  const sm = $("signin-message"); if (sm.dataset.key) sm.textContent = t(sm.dataset.key);
  renderBanners(); renderReaders(); renderMessage(); renderPanel(); renderList(); renderDetail();
}

// ---- wiring ----

$("key-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const key = $("key").value.trim();
  if (!key) return;
  try { await api("POST", `/api/v1/readers/${encodeURIComponent(currentReader())}/key`, { key }); say("keySent"); $("key").value = ""; }
  catch (err) { apiFailed(err); $("key").select(); }
});
$("reader-select").addEventListener("change", () => { panel = null; const r = readerByName(currentReader()); if (r) followReader(r); renderPanel(); });
$("confirm").addEventListener("click", confirmShown);
$("search-form").addEventListener("submit", (e) => { e.preventDefault(); list.q = $("search").value.trim(); loadList(true); });
$("more").addEventListener("click", () => loadList(false));
$("detail-confirm").addEventListener("click", () => detailAction("confirm"));
$("detail-cancel").addEventListener("click", () => detailAction("cancel"));
$("detail-close").addEventListener("click", () => { detail = null; renderDetail(); $("key").focus(); });
$("manual-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const id = $("m-id").value.trim(), name = $("m-name").value.trim(), dobText = $("m-dob").value.trim();
  let m, dob = "";
  if ((m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(dobText))) dob = `${m[3]}-${m[2].padStart(2, "0")}-${m[1].padStart(2, "0")}`;
  else if ((m = /^(\d{1,2})\/(\d{4})$/.exec(dobText))) dob = `${m[2]}-${m[1].padStart(2, "0")}`;
  else if (/^\d{4}$/.test(dobText)) dob = dobText;
  if (!/^\d{12}$/.test(id) || !name || !dob) { say("manualBad", "", true); return; }
  try {
    const r = await api("POST", "/api/v1/lookups", { id_number: id, full_name: name, date_of_birth: dob });
    $("manual-form").reset(); await openDetail(r.seq); loadList(true);
  } catch (err) { apiFailed(err); }
});
$("lang").addEventListener("click", () => { lang = lang === "vi" ? "en" : "vi"; localStorage.setItem("cccd-lang", lang); applyLang(); });

$("signin-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const staff = $("staff").value.trim(), pin = $("pin").value;
  if (!staff || !pin) return;
  $("pin").value = "";
  try { await signedIn(await postSession({ staff, pin })); }
  catch (err) {
    const key = err.code === "unauthorized" ? "signInFailed" : err.code === "agent-down" ? "agentDown" : null;
    const sm = $("signin-message");
    sm.dataset.key = key || "";
    sm.textContent = key ? t(key) : (T[lang].api[err.code] || T[lang].api.other);
    $("pin").focus();
  }
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
  } catch (err) { setAgentDown(err.code === "agent-down" || !(err instanceof APIError)); showSignIn(""); }
  setInterval(() => { if (me) refreshStatus(); }, 30000);
})();

// The coyotes dashboard: reads the HTTP API every 2 s and shows the daemon,
// its channels and tasks; its buttons call the same API.
//
// SAFETY: everything the API returns is untrusted (task commands, names,
// stdout and stderr, channel names, dead-letter payloads). It only ever
// reaches the page as text: through textContent, attribute values and
// createElement. Never innerHTML or any other parsing of markup with data;
// the Content-Security-Policy (default-src 'self') forbids inline script as
// a second line of defence.
//
// Without flicker: each refresh fetches everything first, builds each
// section's new content off-screen and then swaps it in at once, keeping
// the horizontal scroll of its table. Nothing is refreshed while the
// confirmation dialog or the token form is open, and the push form is never
// rebuilt.
"use strict";

(function () {
  const REFRESH_MS = 2000;
  const MAX_CHANNELS = 50;  // channels read in detail (running, failed)
  const TOKEN_KEY = "coyotes.token";

  let refreshing = false;
  let timer = null;
  let askingToken = false;
  let pendingConfirm = null;
  let lastHistory = null;

  const $ = (id) => document.getElementById(id);

  // ---- DOM helpers: text only ----

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.className = v;
      else if (k.startsWith("data-")) e.setAttribute(k, String(v));
      else if (k === "title") e.title = String(v);
      else e.setAttribute(k, String(v));
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function table(headers, rows, emptyText) {
    if (rows.length === 0) return el("div", { class: "empty" }, emptyText);
    const head = el("tr", {});
    for (const h of headers) {
      head.appendChild(el("th", { class: h.num ? "num" : null }, h.label || h));
    }
    const body = el("tbody", {});
    for (const r of rows) body.appendChild(r);
    return el("table", {}, el("thead", {}, head), body);
  }

  // Replaces a section's content in one step, keeping its scroll offset.
  function swap(id, content) {
    const box = $(id);
    const left = box.scrollLeft;
    box.replaceChildren(content);
    box.scrollLeft = left;
  }

  function button(label, data, danger) {
    const b = el("button", { type: "button", class: danger ? "danger" : null });
    for (const [k, v] of Object.entries(data)) b.setAttribute("data-" + k, v);
    b.textContent = label;
    return b;
  }

  // ---- formatting ----

  function duration(ms) {
    if (ms === null || ms === undefined || isNaN(ms)) return "";
    const neg = ms < 0;
    let s = Math.floor(Math.abs(ms) / 1000);
    const d = Math.floor(s / 86400); s -= d * 86400;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    let out = d ? d + "d " + h + "h" : h ? h + "h " + m + "m" : m ? m + "m " + s + "s" : s + "s";
    return neg ? "-" + out : out;
  }

  function when(ms) {
    if (!ms) return "";
    const d = new Date(ms);
    return d.toLocaleString();
  }

  function tail(text, n) {
    if (!text) return "";
    return text.length > n ? "\u2026" + text.slice(text.length - n) : text;
  }

  function chanPath(name) {
    return "/channels/" + encodeURIComponent(name);
  }

  // ---- notices ----

  function notice(text, isError) {
    const n = $("notice");
    n.textContent = text;
    n.className = "notice" + (isError ? " error" : "");
    n.hidden = false;
    n.setAttribute("data-kind", isError ? "error" : "ok");
  }

  // ---- the API ----

  class AuthNeeded extends Error {}

  async function api(method, path, form) {
    const headers = { Accept: "application/json" };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = "Bearer " + token;
    const init = { method, headers, cache: "no-store" };
    if (form) {
      headers["Content-Type"] = "application/x-www-form-urlencoded";
      init.body = new URLSearchParams(form).toString();
    }
    let resp;
    try {
      resp = await fetch(path, init);
    } catch (e) {
      throw new Error("the daemon does not answer (" + e.message + ")");
    }
    if (resp.status === 401) {
      askToken(!!token);
      throw new AuthNeeded("a token is needed");
    }
    let body = null;
    try {
      body = await resp.json();
    } catch (e) {
      throw new Error(method + " " + path + ": HTTP " + resp.status);
    }
    if (!resp.ok) {
      const err = new Error((body && body.message) || "HTTP " + resp.status);
      err.status = resp.status;
      throw err;
    }
    return body;
  }

  // ---- token ----

  function askToken(wasWrong) {
    askingToken = true;
    $("token").hidden = false;
    if (wasWrong) notice("The token was refused; enter another.", true);
    const input = $("token-input");
    if (document.activeElement !== input) input.focus();
  }

  function onTokenSubmit(ev) {
    ev.preventDefault();
    const v = $("token-input").value.trim();
    if (!v) return;
    sessionStorage.setItem(TOKEN_KEY, v);
    $("token-input").value = "";
    $("token").hidden = true;
    askingToken = false;
    $("notice").hidden = true;
    refreshNow();
  }

  // ---- rendering each section ----

  function renderDaemon(status) {
    const d = status.data || {};
    const r = d.redis || {};
    const t = d.totals || {};
    const workers = d.workers || [];
    const busy = workers.filter((w) => w.state === "running").length;
    const box = el("div", {},
      el("span", {}, "daemon ", el("b", {}, "pid " + d.pid), " ", d.state || "", " v" + (d.version || "")),
      el("span", {}, "up " + duration((d.uptime_s || 0) * 1000)),
      el("span", {}, "workers " + busy + "/" + workers.length + " busy"),
      el("span", { class: r.connected ? null : "bad" },
        "redis " + (r.addr || "") + (r.connected ? "" : " (down)")),
      el("span", {}, "succeeded " + (t.succeeded ?? "?") + ", failed " + (t.failed ?? "?")));
    $("daemon").replaceChildren(...box.childNodes);
  }

  function renderChannels(channels, details, delayed) {
    const names = Object.keys(channels).sort();
    const delayedBy = {};
    for (const t of delayed.tasks || []) {
      delayedBy[t.channel] = (delayedBy[t.channel] || 0) + 1;
    }
    const rows = names.map((name) => {
      const c = channels[name];
      const det = details[name];
      const running = det ? det.running.count : null;
      const failed = det ? det.failed.count : null;
      const queued = running === null ? null : Math.max(0, c.count - running);
      const act = el("td", {},
        c.paused
          ? button("Resume", { action: "resume", channel: name })
          : button("Pause", { action: "pause", channel: name }),
        failed ? button("Retry all", { action: "retry-all", channel: name }) : null);
      return el("tr", { "data-channel": name },
        el("td", { class: "id" }, name),
        el("td", { class: "num" }, c.workers),
        el("td", { class: "num", "data-field": "queued" }, queued ?? "?"),
        el("td", { class: "num", "data-field": "running" }, running ?? "?"),
        el("td", { class: "num" }, delayedBy[name] || 0),
        el("td", { class: "num " + (failed ? "bad" : ""), "data-field": "failed" }, failed ?? "?"),
        el("td", { class: c.paused ? "paused" : null }, c.paused ? "paused" : "active"),
        act);
    });
    swap("channels", table(
      ["channel", { label: "workers", num: 1 }, { label: "queued", num: 1 },
       { label: "running", num: 1 }, { label: "delayed", num: 1 },
       { label: "failed", num: 1 }, "state", ""],
      rows, "No channel yet."));
    const notes = [];
    if (names.length > MAX_CHANNELS) {
      notes.push("Running and failed tasks are read for the first " + MAX_CHANNELS +
        " channels only (\"?\" for the others).");
    }
    if ((delayed.count || 0) > (delayed.tasks || []).length) {
      notes.push("Delayed counts cover the " + delayed.tasks.length + " soonest of " +
        delayed.count + " delayed tasks.");
    }
    $("channels-note").textContent = notes.join(" ");
    const list = $("channel-names");
    const opts = names.map((n) => el("option", { value: n }));
    list.replaceChildren(...opts);
  }

  function renderRunning(details) {
    const rows = [];
    for (const [name, det] of Object.entries(details)) {
      for (const t of det.running.tasks || []) {
        rows.push({ chan: name, t, elapsed: det.running.now - t.started_at });
      }
    }
    rows.sort((a, b) => b.elapsed - a.elapsed);
    swap("running", table(
      ["task", "channel", "command", { label: "elapsed", num: 1 }, "attempt", "worker", ""],
      rows.map(({ chan, t, elapsed }) => el("tr", { "data-task-id": t.task_id },
        el("td", { class: "id" }, t.task_id),
        el("td", { class: "id" }, chan),
        el("td", { class: "text" }, t.task_name || ""),
        el("td", { class: "num", "data-field": "elapsed" }, duration(elapsed)),
        el("td", { class: "num" }, t.attempts ?? ""),
        el("td", { class: "id" }, t.worker || ""),
        el("td", {}, button("Cancel", { action: "cancel", task: t.task_id }, true)))),
      "Nothing runs."));
  }

  function renderFailed(details) {
    const rows = [];
    for (const [name, det] of Object.entries(details)) {
      for (const t of det.failed.tasks || []) rows.push({ chan: name, t });
    }
    rows.sort((a, b) => (b.t.finished_at || 0) - (a.t.finished_at || 0));
    swap("failed", table(
      ["task", "channel", "command", { label: "exit", num: 1 }, "finished", "stderr (end)", ""],
      rows.slice(0, 50).map(({ chan, t }) => el("tr", { "data-task-id": t.task_id },
        el("td", { class: "id" }, t.task_id),
        el("td", { class: "id" }, chan),
        el("td", { class: "text" }, t.task_name || t.command || ""),
        el("td", { class: "num bad", "data-field": "exit" },
          t.exit_code ?? (t.signal ? "sig " + t.signal : "")),
        el("td", { title: t.reason || "" }, when(t.finished_at)),
        el("td", {}, el("pre", { class: "tail", "data-field": "stderr" }, tail(t.stderr, 400))),
        el("td", {},
          button("Retry", { action: "retry", channel: chan, task: t.task_id }),
          button("Forget", { action: "forget", channel: chan, task: t.task_id }, true)))),
      "No failure."));
  }

  function renderDelayed(delayed, nowMs) {
    const rows = (delayed.tasks || []).map((t) => el("tr", { "data-task-id": t.task_id },
      el("td", { class: "id" }, t.task_id),
      el("td", { class: "id" }, t.channel || ""),
      el("td", { class: "text" }, t.task_name || ""),
      el("td", { title: when(t.due_at) }, t.due_at ? "in " + duration(t.due_at - nowMs) : ""),
      el("td", { class: "num" }, t.attempts ?? ""),
      el("td", {}, button("Cancel", { action: "cancel", task: t.task_id }, true))));
    swap("delayed", table(["task", "channel", "command", "due", "attempt", ""],
      rows, "No delayed task."));
  }

  function renderSchedules(schedules, nowMs) {
    const rows = (schedules.schedules || []).map((s) => {
      const next = (s.next || [])[0];
      return el("tr", { "data-schedule": s.name },
        el("td", { class: "id" }, s.name),
        el("td", { class: "id" }, s.cron || s.every || ""),
        el("td", { class: "id" }, s.channel || ""),
        el("td", { class: "text" }, s.task || s.command || ""),
        el("td", { title: when(next) }, next ? "in " + duration(next - nowMs) : "disabled"),
        el("td", { class: "num" }, s.fired ?? ""));
    });
    swap("schedules", table(["schedule", "when", "channel", "task", "next", { label: "fired", num: 1 }],
      rows, "No schedule."));
  }

  function renderDead(dead) {
    const rows = (dead.items || []).map((d) => {
      const o = typeof d === "object" && d !== null ? d : { payload: d };
      const payload = typeof o.payload === "string" ? o.payload : JSON.stringify(o.payload);
      return el("tr", {},
        el("td", {}, when(o.at)),
        el("td", { class: "text" }, o.reason || ""),
        el("td", {}, el("pre", { class: "tail" }, tail(payload || "", 300))));
    });
    const count = dead.count || 0;
    swap("dead", table(["at", "reason", "payload" + (count > rows.length ? " (newest " + rows.length + " of " + count + ")" : "")],
      rows, "No dead letter."));
  }

  // ---- chart ----

  // Rates between consecutive samples: the totals' differences over the
  // time between them (a gap while Redis was down spreads over its length;
  // a total that went down, a Redis emptied, counts as no task).
  function rates(history) {
    const s = history.samples || [];
    const out = [];
    for (let i = 1; i < s.length; i++) {
      const dt = (s[i].at - s[i - 1].at) / 1000;
      if (dt <= 0) continue;
      out.push({
        at: s[i].at,
        ok: Math.max(0, s[i].succeeded - s[i - 1].succeeded) / dt,
        bad: Math.max(0, s[i].failed - s[i - 1].failed) / dt,
      });
    }
    return out;
  }

  function drawChart(history) {
    const canvas = $("chart");
    const ratio = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    if (w === 0) return;
    if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
    }
    const g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, w, h);
    const pts = rates(history || {});
    const span = 15 * 60 * 1000;
    const end = pts.length ? pts[pts.length - 1].at : Date.now();
    const start = end - span;
    let max = 1;
    for (const p of pts) max = Math.max(max, p.ok, p.bad);
    const nice = Math.pow(10, Math.floor(Math.log10(max)));
    max = Math.ceil(max / nice) * nice;
    const left = 44, bottom = h - 18, top = 6, right = w - 6;
    const x = (at) => left + (right - left) * (at - start) / span;
    const y = (v) => bottom - (bottom - top) * v / max;
    const css = getComputedStyle(document.documentElement);
    g.strokeStyle = css.getPropertyValue("--line").trim() || "#ddd";
    g.fillStyle = css.getPropertyValue("--muted").trim() || "#666";
    g.font = "11px system-ui, sans-serif";
    g.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const v = max * i / 4;
      g.beginPath(); g.moveTo(left, y(v)); g.lineTo(right, y(v)); g.stroke();
      g.fillText(v >= 10 ? v.toFixed(0) : v.toFixed(max < 2 ? 2 : 1), 4, y(v) + 4);
    }
    for (let m = 0; m <= 15; m += 5) {
      const at = end - m * 60000;
      g.fillText(m ? "-" + m + "m" : "now", x(at) - (m ? 12 : 22), h - 4);
    }
    const line = (key, color) => {
      g.strokeStyle = color; g.lineWidth = 1.8; g.beginPath();
      pts.forEach((p, i) => (i ? g.lineTo(x(p.at), y(p[key])) : g.moveTo(x(p.at), y(p[key]))));
      g.stroke();
    };
    line("ok", css.getPropertyValue("--ok").trim() || "green");
    line("bad", css.getPropertyValue("--bad").trim() || "red");
    const last = pts[pts.length - 1];
    $("chart-now").textContent = last
      ? "now " + last.ok.toFixed(1) + " ok/s, " + last.bad.toFixed(1) + " failed/s"
      : "collecting samples\u2026";
  }

  // ---- refresh ----

  async function refresh() {
    if (refreshing || askingToken || pendingConfirm) return;
    refreshing = true;
    try {
      const [status, channels, delayed, schedules, dead, history] = await Promise.all([
        api("GET", "/"),
        api("GET", "/channels?limit=0"),
        api("GET", "/delay-tasks?limit=100"),
        api("GET", "/schedules?limit=100"),
        api("GET", "/dead-letters?limit=20"),
        api("GET", "/stats/history"),
      ]);
      const chans = channels.data || {};
      const names = Object.keys(chans).sort().slice(0, MAX_CHANNELS);
      const details = {};
      await Promise.all(names.map(async (name) => {
        const [running, failed] = await Promise.all([
          api("GET", chanPath(name) + "/running?limit=100"),
          api("GET", chanPath(name) + "/failed-tasks?limit=10"),
        ]);
        details[name] = { running: running.data, failed: failed.data };
      }));
      // A dialog opened meanwhile keeps the page as the user saw it.
      if (pendingConfirm) return;
      const nowMs = Date.now();
      renderDaemon(status);
      renderChannels(chans, details, delayed.data || {});
      renderRunning(details);
      renderFailed(details);
      renderDelayed(delayed.data || {}, nowMs);
      renderSchedules(schedules.data || {}, nowMs);
      renderDead(dead.data || {});
      lastHistory = history.data;
      drawChart(lastHistory);
      $("updated").textContent = "updated " + new Date().toLocaleTimeString();
      document.body.setAttribute("data-refreshes",
        String(Number(document.body.getAttribute("data-refreshes") || 0) + 1));
      const n = $("notice");
      if (n.getAttribute("data-kind") === "stale") n.hidden = true;
    } catch (e) {
      if (!(e instanceof AuthNeeded)) {
        notice("Could not refresh: " + e.message, true);
        $("notice").setAttribute("data-kind", "stale");
      }
    } finally {
      refreshing = false;
    }
  }

  function refreshNow() {
    clearTimeout(timer);
    refresh().finally(() => { timer = setTimeout(refreshNow, REFRESH_MS); });
  }

  // ---- actions ----

  // What each button does: the question asked first (null: none), and the
  // request.
  const ACTIONS = {
    cancel: {
      ask: (d) => "Cancel task " + d.task + "?",
      run: (d) => api("DELETE", "/tasks/" + encodeURIComponent(d.task)),
      done: (d, r) => "Task " + d.task + ": " + ((r.data && r.data.state) === "running" ? "being stopped" : "cancelled"),
    },
    retry: {
      ask: null,
      run: (d) => api("POST", chanPath(d.channel) + "/failed-tasks/" + encodeURIComponent(d.task)),
      done: (d) => "Task " + d.task + " queued again",
    },
    forget: {
      ask: (d) => "Forget failed task " + d.task + "? Its record is deleted.",
      run: (d) => api("DELETE", chanPath(d.channel) + "/failed-tasks/" + encodeURIComponent(d.task)),
      done: (d) => "Task " + d.task + " forgotten",
    },
    "retry-all": {
      ask: (d) => "Run every failed task of " + d.channel + " again?",
      run: (d) => api("POST", chanPath(d.channel) + "/failed-tasks/retry-all"),
      done: (d, r) => (r.data ? r.data.queued : 0) + " tasks of " + d.channel + " queued again",
    },
    pause: {
      ask: (d) => "Pause channel " + d.channel + "? Running tasks finish; no new one starts.",
      run: (d) => api("POST", chanPath(d.channel) + "/pause"),
      done: (d) => "Channel " + d.channel + " paused",
    },
    resume: {
      ask: null,
      run: (d) => api("POST", chanPath(d.channel) + "/resume"),
      done: (d) => "Channel " + d.channel + " resumed",
    },
  };

  async function perform(name, data, btn) {
    const a = ACTIONS[name];
    if (btn) btn.disabled = true;
    try {
      const r = await a.run(data);
      notice(a.done(data, r), false);
    } catch (e) {
      if (!(e instanceof AuthNeeded)) notice(e.message, true);
    } finally {
      if (btn) btn.disabled = false;
      refreshNow();
    }
  }

  function confirmThen(text, then) {
    pendingConfirm = then;
    $("confirm-text").textContent = text;
    $("confirm").hidden = false;
    document.querySelector("[data-role=confirm-no]").focus();
  }

  function closeConfirm(yes) {
    const then = pendingConfirm;
    pendingConfirm = null;
    $("confirm").hidden = true;
    if (yes && then) then();
    else refreshNow();
  }

  function onClick(ev) {
    const t = ev.target.closest("button");
    if (!t) return;
    const role = t.getAttribute("data-role");
    if (role === "confirm-yes") return closeConfirm(true);
    if (role === "confirm-no") return closeConfirm(false);
    const name = t.getAttribute("data-action");
    if (!name || !ACTIONS[name]) return;
    const data = { task: t.getAttribute("data-task"), channel: t.getAttribute("data-channel") };
    const a = ACTIONS[name];
    if (a.ask) confirmThen(a.ask(data), () => perform(name, data, null));
    else perform(name, data, t);
  }

  async function onPush(ev) {
    ev.preventDefault();
    const f = ev.target;
    const field = (n) => f.elements.namedItem(n);
    const channel = field("channel").value.trim();
    const fields = { task: field("task").value };
    if (field("id").value.trim()) fields.id = field("id").value.trim();
    if (field("delay").value.trim()) fields.delay = field("delay").value.trim();
    try {
      const r = await api("POST", chanPath(channel), fields);
      const d = r.data || {};
      notice(d.result === false
        ? "Not queued: the same command is already queued in " + channel
        : "Queued task " + d.task_id + " in " + channel, false);
      field("task").value = "";
      field("id").value = "";
    } catch (e) {
      if (!(e instanceof AuthNeeded)) notice(e.message, true);
    }
    refreshNow();
  }

  document.addEventListener("click", onClick);
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && pendingConfirm) closeConfirm(false);
  });
  $("token-form").addEventListener("submit", onTokenSubmit);
  $("push-form").addEventListener("submit", onPush);
  window.addEventListener("resize", () => drawChart(lastHistory));
  refreshNow();
})();

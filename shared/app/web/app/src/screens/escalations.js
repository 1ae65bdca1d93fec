// Escalations for the authority: escalated reports, newest first, the waiting ones marked,
// acknowledged with one button; a sound and a browser notification when a new escalation
// arrives while the tab is open (after the user turned them on with a click, which browsers
// require for both).

import { html } from "htm/preact";
import { useState, useEffect } from "preact/hooks";
import { signal, effect } from "@preact/signals";
import { freshEscalations } from "../alerts.js";
import { adoptStyles, strings, scoped, get, send, failure, label, formatTime, relative, PRIORITIES } from "./common.js";

strings("escalations", {
  fr: {
    title: "Remontées aux autorités",
    intro: "Signalements remontés par les bénévoles, les plus récents d'abord.",
    waiting: "En attente",
    waiting_count: "{n} en attente d'accusé de réception",
    acked: "Reçu par {who}, {when}",
    ack: "Accuser réception",
    acking: "Envoi…",
    acked_now: "Réception accusée.",
    escalated_at: "Remonté {when}",
    none: "Aucune remontée pour l'instant.",
    open: "Voir dans la file",
    alerts_on: "Activer le son et les notifications",
    alerts_enabled: "Son et notifications activés pour les nouvelles remontées.",
    alerts_sound_only: "Son activé ; le navigateur refuse les notifications.",
    alerts_off: "Couper le son et les notifications",
    test_sound: "Tester le son",
    new_one: "Nouvelle remontée : {text}",
    notif_title: "Vigie : nouvelle remontée ({priority})",
    place: "Lieu : {place}",
    waiting_only: "Seulement celles en attente",
  },
  en: {
    title: "Escalations to the authority",
    intro: "Reports escalated by volunteers, newest first.",
    waiting: "Waiting",
    waiting_count: "{n} waiting for acknowledgement",
    acked: "Acknowledged by {who}, {when}",
    ack: "Acknowledge",
    acking: "Sending…",
    acked_now: "Acknowledged.",
    escalated_at: "Escalated {when}",
    none: "No escalation yet.",
    open: "Show in the queue",
    alerts_on: "Turn on sound and notifications",
    alerts_enabled: "Sound and notifications on for new escalations.",
    alerts_sound_only: "Sound on; the browser refuses notifications.",
    alerts_off: "Turn off sound and notifications",
    test_sound: "Test the sound",
    new_one: "New escalation: {text}",
    notif_title: "Vigie: new escalation ({priority})",
    place: "Place: {place}",
    waiting_only: "Waiting ones only",
  },
});

adoptStyles("escalations", `
.esc .item { border-left: 0.4rem solid #6b6d6d; }
.esc .item.waiting { border-left-color: #b00020; background: #fff6f6; }
.esc .meta { font-size: 0.9rem; color: #4d4d4d; }
.esc .alerts { margin: 0.5rem 0 1rem; }
.esc .check { display: flex; gap: 0.4rem; align-items: center; font-weight: 400; margin: 0.5rem 0; }
.esc .check input { width: auto; }
`);

// The alerts live with the tab, not with the screen: `startEscalationAlerts(ctx)` watches the
// table from the moment it is called (the shell may call it at sign-in; the screen calls it too).
const alerts = { enabled: signal(false), started: false, seen: new Set(), since: 0, audio: null, last: signal(null) };

function beep() {
  try {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    alerts.audio = alerts.audio || new Ctx();
    const ac = alerts.audio;
    if (ac.state === "suspended") ac.resume();
    const t0 = ac.currentTime + 0.02;
    // Two short rising tones, loud enough to be heard across a room, not a siren.
    [[880, 0], [1320, 0.22]].forEach(([freq, at]) => {
      const osc = ac.createOscillator();
      const gain = ac.createGain();
      osc.type = "sine";
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, t0 + at);
      gain.gain.exponentialRampToValueAtTime(0.35, t0 + at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + at + 0.2);
      osc.connect(gain).connect(ac.destination);
      osc.start(t0 + at);
      osc.stop(t0 + at + 0.22);
    });
  } catch { /* no sound available */ }
}

function notify(ctx, report) {
  const tr = scoped(ctx, "escalations");
  const text = String(report.summary || report.text || "").slice(0, 160);
  ctx.announce(tr("new_one", { text }));
  alerts.last.value = report.id;
  if (!alerts.enabled.value) return;
  beep();
  if (typeof Notification !== "undefined" && Notification.permission === "granted") {
    try {
      const p = report.priority || report.suggested_priority;
      const n = new Notification(tr("notif_title", { priority: label.priority(ctx, p) }), { body: text, tag: `vigie-esc-${report.id}`, lang: document.documentElement.lang || "fr" });
      n.onclick = () => { window.focus(); ctx.navigate("escalations", {}); n.close(); };
    } catch { /* notifications unavailable (some mobile browsers) */ }
  }
}

/** Starts watching the table for new escalations (once per tab). */
export function startEscalationAlerts(ctx) {
  if (alerts.started || !ctx.table || !ctx.table.reports) return;
  alerts.started = true;
  alerts.since = Date.now() - 60000; // a minute of slack for the server's clock
  try { alerts.enabled.value = localStorage.getItem("vigie.alerts") === "on"; } catch { /* private mode */ }
  effect(() => {
    const map = ctx.table.reports.value;
    for (const r of freshEscalations(map.values(), alerts.seen, alerts.since)) notify(ctx, r);
  });
}

async function enableAlerts(ctx, tr) {
  let message = tr("alerts_enabled");
  beep(); // also unlocks audio, during the click
  if (typeof Notification !== "undefined" && Notification.permission !== "granted") {
    try {
      const answer = await Notification.requestPermission();
      if (answer !== "granted") message = tr("alerts_sound_only");
    } catch { message = tr("alerts_sound_only"); }
  } else if (typeof Notification === "undefined") {
    message = tr("alerts_sound_only");
  }
  alerts.enabled.value = true;
  try { localStorage.setItem("vigie.alerts", "on"); } catch { /* private mode */ }
  ctx.announce(message);
  return message;
}

export default function Screen({ ctx }) {
  const tr = scoped(ctx, "escalations");
  const [fetched, setFetched] = useState(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState({});
  const [note, setNote] = useState("");
  const [waitingOnly, setWaitingOnly] = useState(false);
  const [, tick] = useState(0);

  useEffect(() => {
    startEscalationAlerts(ctx);
    let live = true;
    // The table keeps the list live; the route is read again now and then all the same (an
    // escalation older than the table's first pages, or a table still loading).
    const load = () => get(ctx, "/escalations").then((b) => { if (live) { setFetched((b && b.items) || []); setError(""); } },
      (e) => live && setError(failure((k) => ctx.t(`common.${k}`), e)));
    load();
    const timer = setInterval(() => { tick((n) => n + 1); load(); }, 30000);
    return () => { live = false; clearInterval(timer); };
  }, []);

  // The list: what /escalations answered, kept live by the table (a newer version wins, and
  // reports escalated since appear).
  const byId = new Map();
  for (const r of fetched || []) byId.set(r.id, r);
  const table = ctx.table && ctx.table.reports ? ctx.table.reports.value : new Map();
  for (const r of table.values()) {
    if (!r.escalated) continue;
    const had = byId.get(r.id);
    if (!had || had.version < r.version) byId.set(r.id, r);
  }
  let items = [...byId.values()].filter((r) => r.escalated);
  items.sort((a, b) => (Date.parse(b.escalated_at) || 0) - (Date.parse(a.escalated_at) || 0));
  const waiting = items.filter((r) => !r.acknowledged_at).length;
  if (waitingOnly) items = items.filter((r) => !r.acknowledged_at);
  const mayAck = ctx.me && ctx.me.role === "authority";

  const ack = async (r) => {
    setBusy((b) => ({ ...b, [r.id]: true }));
    try {
      const res = await send(ctx, "POST", `/reports/${encodeURIComponent(r.id)}/ack`);
      if (res.body && res.body.id) {
        if (ctx.table && ctx.table.upsert) ctx.table.upsert(res.body);
        setFetched((list) => (list || []).map((x) => (x.id === r.id ? res.body : x)));
      }
      ctx.announce(tr("acked_now"));
    } catch (e) {
      setError(failure((k) => ctx.t(`common.${k}`), e));
    } finally {
      setBusy((b) => ({ ...b, [r.id]: false }));
    }
  };

  const alertsOn = alerts.enabled.value;
  return html`<section class="scr esc" aria-labelledby="esc-title">
    <h1 id="esc-title">${tr("title")}</h1>
    <p class="muted">${tr("intro")}</p>
    <div class="row alerts">
      ${alertsOn
        ? html`<button class="btn" type="button" onClick=${() => { alerts.enabled.value = false; try { localStorage.setItem("vigie.alerts", "off"); } catch { /* */ } }}>${tr("alerts_off")}</button>
               <button class="btn" type="button" onClick=${beep}>${tr("test_sound")}</button>`
        : html`<button class="btn primary" type="button" onClick=${async () => setNote(await enableAlerts(ctx, tr))}>${tr("alerts_on")}</button>`}
      ${note ? html`<span class="ok">${note}</span>` : ""}
    </div>
    <p><strong>${tr("waiting_count", { n: waiting })}</strong></p>
    <label class="check"><input type="checkbox" checked=${waitingOnly} onChange=${(e) => setWaitingOnly(e.currentTarget.checked)} /> ${tr("waiting_only")}</label>
    ${error ? html`<p class="error" role="alert">${error}</p>` : ""}
    ${fetched === null && !error ? html`<p>${ctx.t("common.loading")}</p>` : ""}
    ${fetched !== null && items.length === 0 ? html`<p>${tr("none")}</p>` : ""}
    <ul class="plain" aria-label=${tr("title")}>
      ${items.map((r) => {
        const p = r.priority || r.suggested_priority;
        const c = r.category || r.suggested_category;
        const isWaiting = !r.acknowledged_at;
        const place = r.location && r.location.place;
        return html`<li class=${"card item" + (isWaiting ? " waiting" : "")} data-id=${r.id} data-waiting=${isWaiting ? "true" : "false"}>
          <div class="row">
            ${isWaiting ? html`<span class="badge" style=${{ background: "#b00020" }}>${tr("waiting")}</span>` : ""}
            <span class="badge" style=${{ background: (PRIORITIES[p] || PRIORITIES.low)[0] }}>${label.priority(ctx, p)}</span>
            <span class="badge outline">${label.category(ctx, c)}</span>
            <span class="meta">${label.network(ctx, r.network)}</span>
          </div>
          ${r.summary ? html`<p class="post"><strong>${r.summary}</strong></p>` : ""}
          <p class="post">${r.text}</p>
          <p class="meta">${place ? tr("place", { place }) + " · " : ""}${tr("escalated_at", { when: relative(r.escalated_at) })} (${formatTime(r.escalated_at)})</p>
          ${!isWaiting ? html`<p class="meta">${tr("acked", { who: r.acknowledged_by || "?", when: formatTime(r.acknowledged_at) })}</p>` : ""}
          <div class="row">
            ${mayAck && isWaiting ? html`<button class="btn primary" type="button" disabled=${!!busy[r.id]} onClick=${() => ack(r)}>${busy[r.id] ? tr("acking") : tr("ack")}</button>` : ""}
            <button class="btn" type="button" onClick=${() => ctx.navigate("queue", { open: r.id })}>${tr("open")}</button>
          </div>
        </li>`;
      })}
    </ul>
  </section>`;
}

// The queue: an ARIA grid of the reports that pass the view's filters, sorted as the API
// sorts, with virtual rows (only the visible ones in the DOM), topic rooms as tabs, filters
// kept in the URL, new rows waiting behind an "N new" button, selection and bulk actions,
// the keyboard, and the triage panel beside it.
import { html } from "htm/preact";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { registerStrings, lang } from "../i18n.js";
import { matches, compare, effectiveCategory, effectivePriority, CATEGORIES, PRIORITIES, STATUSES, VERIFICATIONS } from "../fold.js";
import { actionFor, isTyping, moveIndex, nextUnclaimed } from "../keymap.js";
import { apiParams, sameFilters } from "../urlstate.js";
import { age, countdown, heldByOther, holderName, CategoryMenu, Modal } from "../ui.js";
import * as act from "../actions.js";
import Triage from "./triage.js";
import { reasonsText } from "../reasons.js";

registerStrings("queue", {
  fr: {
    "queue.title": "File des signalements",
    "queue.rooms": "Salles thématiques",
    "queue.all": "Tout",
    "queue.newInRoom": "{n} nouveau(x)",
    "queue.filters": "Filtres",
    "queue.search": "Chercher dans le texte",
    "queue.any": "tous",
    "queue.status": "Statut", "queue.category": "Catégorie", "queue.priority": "Priorité",
    "queue.verification": "Vérification", "queue.network": "Réseau", "queue.escalated": "Alerté",
    "queue.place": "Lieu (nom ou code INSEE)", "queue.cluster": "Groupe",
    "queue.yes": "oui", "queue.no": "non",
    "queue.clear": "Effacer les filtres",
    "queue.count": "{n} signalement(s)",
    "queue.new": "{n} nouveau(x) — afficher",
    "queue.col.select": "Sélection", "queue.col.priority": "Priorité", "queue.col.category": "Catégorie",
    "queue.col.text": "Texte", "queue.col.place": "Lieu", "queue.col.network": "Réseau", "queue.col.age": "Âge",
    "queue.col.status": "Statut", "queue.col.verification": "Vérif.", "queue.col.cluster": "Groupe",
    "queue.col.claim": "Pris par",
    "queue.suggested": "suggéré",
    "queue.selectAll": "Tout sélectionner (200 au plus)",
    "queue.selectRow": "Sélectionner ce signalement",
    "queue.selected": "{n} sélectionné(s)",
    "queue.bulk.dismiss": "Écarter",
    "queue.bulk.category": "Catégorie…",
    "queue.bulk.priority": "Priorité…",
    "queue.bulk.publish": "Publier",
    "queue.bulk.release": "Libérer",
    "queue.bulk.clear": "Désélectionner",
    "queue.bulk.result": "{done} fait(s), {skipped} ignoré(s)",
    "queue.bulk.title": "Action groupée",
    "queue.skip.claimed": "pris par quelqu'un d'autre",
    "queue.empty": "Aucun signalement ne correspond à ces filtres.",
    "queue.loading": "Chargement…",
    "queue.grid": "Signalements, triés par priorité puis du plus récent",
    "queue.editRooms": "Gérer les salles",
    "queue.rooms.title": "Salles de l'équipe",
    "queue.rooms.name": "Nom",
    "queue.rooms.id": "Identifiant",
    "queue.rooms.params": "Filtres",
    "queue.rooms.delete": "Supprimer",
    "queue.rooms.addCurrent": "Nouvelle salle avec les filtres actuels",
    "queue.rooms.save": "Enregistrer pour toute l'équipe",
    "queue.rooms.saved": "Salles enregistrées",
    "queue.rooms.stale": "Quelqu'un a modifié les salles entre-temps : rechargées, refaites votre changement.",
    "queue.help": "Raccourcis (?)",
    "queue.tidy": "retirer {n} ligne(s) sorties du filtre",
    "queue.box": "Zone de la carte : {box}",
    "queue.clearBox": "Retirer la zone",
    "queue.claimedBy": "pris par {name}, encore {left}",
    "queue.mine": "vous",
    "err.offline": "API injoignable : la modification est gardée et sera envoyée.",
    "err.claimed": "Pris par quelqu'un d'autre : {message}",
    "err.refused": "Refusé :",
    "saved": "Enregistré",
    "done.claim": "Pris en charge",
    "done.release": "Libéré",
    "done.escalate": "Alerte envoyée à l'autorité",
    "done.publish": "Publié",
    "done.unpublish": "Dépublié",
    "done.queued": "Modification envoyée",
  },
  en: {
    "queue.title": "Report queue",
    "queue.rooms": "Topic rooms",
    "queue.all": "All",
    "queue.newInRoom": "{n} new",
    "queue.filters": "Filters",
    "queue.search": "Search the text",
    "queue.any": "any",
    "queue.status": "Status", "queue.category": "Category", "queue.priority": "Priority",
    "queue.verification": "Verification", "queue.network": "Network", "queue.escalated": "Escalated",
    "queue.place": "Place (name or INSEE code)", "queue.cluster": "Cluster",
    "queue.yes": "yes", "queue.no": "no",
    "queue.clear": "Clear filters",
    "queue.count": "{n} report(s)",
    "queue.new": "{n} new — show",
    "queue.col.select": "Selection", "queue.col.priority": "Priority", "queue.col.category": "Category",
    "queue.col.text": "Text", "queue.col.place": "Place", "queue.col.network": "Network", "queue.col.age": "Age",
    "queue.col.status": "Status", "queue.col.verification": "Verif.", "queue.col.cluster": "Cluster",
    "queue.col.claim": "Claimed by",
    "queue.suggested": "suggested",
    "queue.selectAll": "Select all (200 at most)",
    "queue.selectRow": "Select this report",
    "queue.selected": "{n} selected",
    "queue.bulk.dismiss": "Dismiss",
    "queue.bulk.category": "Category…",
    "queue.bulk.priority": "Priority…",
    "queue.bulk.publish": "Publish",
    "queue.bulk.release": "Release",
    "queue.bulk.clear": "Clear selection",
    "queue.bulk.result": "{done} done, {skipped} skipped",
    "queue.bulk.title": "Bulk action",
    "queue.skip.claimed": "claimed by someone else",
    "queue.empty": "No report matches these filters.",
    "queue.loading": "Loading…",
    "queue.grid": "Reports, by priority then newest first",
    "queue.editRooms": "Manage rooms",
    "queue.rooms.title": "The team's rooms",
    "queue.rooms.name": "Name",
    "queue.rooms.id": "Id",
    "queue.rooms.params": "Filters",
    "queue.rooms.delete": "Delete",
    "queue.rooms.addCurrent": "New room with the current filters",
    "queue.rooms.save": "Save for the whole team",
    "queue.rooms.saved": "Rooms saved",
    "queue.rooms.stale": "Someone changed the rooms meanwhile: reloaded, make your change again.",
    "queue.help": "Shortcuts (?)",
    "queue.tidy": "remove {n} row(s) no longer in the filter",
    "queue.box": "Map area: {box}",
    "queue.clearBox": "Remove the area",
    "queue.claimedBy": "claimed by {name}, {left} left",
    "queue.mine": "you",
    "err.offline": "API unreachable: the edit is kept and will be sent.",
    "err.claimed": "Claimed by someone else: {message}",
    "err.refused": "Refused:",
    "saved": "Saved",
    "done.claim": "Claimed",
    "done.release": "Released",
    "done.escalate": "Escalated to the authority",
    "done.publish": "Published",
    "done.unpublish": "Unpublished",
    "done.queued": "Edit sent",
  },
});

const DEFAULT_ROOMS = [
  { id: "secours", name: "Secours", params: { category: "rescue" } },
  { id: "meteo", name: "Météo", params: { category: "weather" } },
  { id: "reseaux", name: "Réseaux", params: { status: "new" } },
  { id: "rumeurs", name: "Rumeurs", params: { verification: "rumor" } },
  { id: "carto", name: "Carto", params: { status: "triaged" } },
];
const SEEN = "vigie.rooms.seen";

/** The map's box (`w,s,e,n`), or null. */
function parseBox(text) {
  const p = String(text || "").split(",").map(Number);
  return p.length === 4 && p.every(Number.isFinite) && p[0] <= p[2] && p[1] <= p[3] ? p : null;
}
const inBox = (r, [w, s, e, n]) => Boolean(r.location) && r.location.lon >= w && r.location.lon <= e && r.location.lat >= s && r.location.lat <= n;
const readSeen = () => { try { return JSON.parse(localStorage.getItem(SEEN) || "{}"); } catch { return {}; } };

const phone = () => window.matchMedia("(max-width: 720px)").matches;

function useRowHeight() {
  const [h, setH] = useState(phone() ? 84 : 40);
  useEffect(() => {
    const m = window.matchMedia("(max-width: 720px)");
    const on = () => setH(m.matches ? 84 : 40);
    m.addEventListener("change", on);
    return () => m.removeEventListener("change", on);
  }, []);
  return h;
}

function useNow(ms) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => { const i = setInterval(() => setNow(Date.now()), ms); return () => clearInterval(i); }, [ms]);
  return now;
}

function useRooms(api) {
  const [rooms, setRooms] = useState({ items: DEFAULT_ROOMS, version: 0, route: true });
  const reload = () => api.get("/rooms")
    .then((b) => setRooms({ items: b.items || [], version: b.version || 0, route: true }))
    .catch((e) => { if (e.status === 404) setRooms({ items: DEFAULT_ROOMS, version: 0, route: false }); });
  useEffect(() => { reload(); }, []);
  return [rooms, reload];
}

const COLS = ["select", "priority", "category", "text", "place", "network", "age", "status", "verification", "cluster", "claim"];

function Row({ r, index, top, active, selected, ctx, now, onFocusRow, onOpen, onToggle, open, gone }) {
  const { t, me } = ctx;
  const l = lang.value;
  const cat = effectiveCategory(r);
  const pri = effectivePriority(r);
  const left = r.claimed_by && r.claim_expires_at ? countdown(r.claim_expires_at, now) : null;
  const mine = left && r.claimed_by === me.label;
  const cell = (col, content, extra = {}) => html`<div role="gridcell" class=${`c c-${col}`} ...${extra}>${content}</div>`;
  return html`<div role="row" aria-rowindex=${index + 2} aria-selected=${selected ? "true" : "false"} data-id=${r.id}
      class=${`row p-${pri}${active ? " active" : ""}${open ? " open" : ""}${r.status === "dismissed" ? " dismissed" : ""}${gone ? " gone" : ""}`}
      style=${{ transform: `translateY(${top}px)` }}
      onClick=${(e) => { if (e.target.closest("input")) return; onFocusRow(r.id); onOpen(r.id); }}>
    ${cell("select", html`<input type="checkbox" tabindex="-1" checked=${selected} aria-label=${t("queue.selectRow")}
        onClick=${(e) => { e.stopPropagation(); onToggle(r.id); }} />`)}
    ${cell("priority", html`<span class=${`prio prio-${pri}${r.priority ? "" : " suggested"}`}>${t(`priority.${pri}`)}</span>`)}
    ${cell("category", r.category
      ? html`<span class="cat">${t(`category.${cat}`)}</span>`
      : html`<span class="cat suggested" title=${[t("queue.suggested"), reasonsText(t, r.suggestion_reasons)].filter(Boolean).join("\n")}>◇ ${t(`category.${cat}`)}<span class="sr-only"> (${t("queue.suggested")})</span></span>`)}
    ${cell("text", r.text, { tabindex: active ? "0" : "-1", "data-focus": "1", onFocus: () => onFocusRow(r.id) })}
    ${cell("place", (r.location && r.location.place) || "—")}
    ${cell("network", r.network)}
    ${cell("age", html`<time datetime=${r.posted_at}>${age(r.posted_at, now, l)}</time>`)}
    ${cell("status", html`<span class=${`status s-${r.status}`}>${t(`status.${r.status}`)}</span>${r.escalated ? html` <span class="flag" title="escalated">⚑</span>` : null}`)}
    ${cell("verification", html`<span class=${`verif v-${r.verification}`}>${t(`verification.${r.verification}`)}</span>`)}
    ${cell("cluster", r.cluster_size > 1 ? `×${r.cluster_size}` : "")}
    ${cell("claim", left ? html`<span class=${`claim${mine ? " mine" : ""}`}>${mine ? t("queue.mine") : holderName(r.claimed_by)} <span class="countdown">${left}</span></span>` : "")}
  </div>`;
}

function FilterBar({ ctx, filters, networks, onChange }) {
  const { t } = ctx;
  const [q, setQ] = useState(filters.q || "");
  const timer = useRef(0);
  const latest = useRef({ filters, q });
  latest.current.filters = filters;
  useEffect(() => { setQ(filters.q || ""); latest.current.q = filters.q || ""; }, [filters.q]);
  // Every change starts from the latest filters and the text typed so far (a pending search
  // is not lost to a select changed within its debounce).
  const set = (k, v, replace) => {
    clearTimeout(timer.current);
    onChange({ ...latest.current.filters, q: latest.current.q || undefined, [k]: v || undefined }, replace);
  };
  const select = (k, values, label) => html`<label class="f">
    <span>${t(`queue.${k}`)}</span>
    <select value=${filters[k] || ""} onChange=${(e) => set(k, e.currentTarget.value)}>
      <option value="">${t("queue.any")}</option>
      ${values.map((v) => html`<option value=${v}>${label ? label(v) : v}</option>`)}
    </select>
  </label>`;
  const search = html`<label class="f grow"><span>${t("queue.search")}</span>
      <input type="search" id="queue-search" value=${q} onInput=${(e) => {
        const v = e.currentTarget.value;
        setQ(v);
        latest.current.q = v;
        clearTimeout(timer.current);
        timer.current = setTimeout(() => set("q", v, true), 250);
      }} /></label>`;
  const more = html`
    ${select("status", STATUSES, (v) => t(`status.${v}`))}
    ${select("category", CATEGORIES, (v) => t(`category.${v}`))}
    ${select("priority", PRIORITIES, (v) => t(`priority.${v}`))}
    ${select("verification", VERIFICATIONS, (v) => t(`verification.${v}`))}
    ${select("network", networks)}
    ${select("escalated", ["true", "false"], (v) => t(v === "true" ? "queue.yes" : "queue.no"))}
    <label class="f"><span>${t("queue.place")}</span>
      <input type="text" value=${filters.place || ""} onChange=${(e) => set("place", e.currentTarget.value.trim())} /></label>
  `;
  const count = Object.keys(apiParams({ ...filters, q: "" })).length;
  return html`<form class="filters" role="search" aria-label=${t("queue.filters")} onSubmit=${(e) => { e.preventDefault(); set("q", q); }}>
    ${search}
    ${phone() ? html`<details class="more-filters"><summary>${t("queue.filters")}${count ? ` (${count})` : ""}</summary><div class="filter-set">${more}</div></details>` : more}
    ${filters.cluster && html`<span class="chip">${t("queue.cluster")} ${filters.cluster} <button type="button" class="quiet" aria-label=${t("queue.clear")} onClick=${() => set("cluster", "")}>×</button></span>`}
    ${Object.keys(apiParams(filters)).length > 0 && html`<button type="button" class="quiet" onClick=${() => { clearTimeout(timer.current); latest.current.q = ""; setQ(""); onChange({}); }}>${t("queue.clear")}</button>`}
  </form>`;
}

function RoomsEditor({ ctx, rooms, filters, onClose, onSaved }) {
  const { t, api } = ctx;
  const [items, setItems] = useState(rooms.items.map((r) => ({ ...r, params: { ...r.params } })));
  const [error, setError] = useState("");
  const setItem = (i, patch) => setItems(items.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const add = () => {
    const base = "salle";
    let n = items.length + 1;
    while (items.some((r) => r.id === `${base}-${n}`)) n++;
    setItems([...items, { id: `${base}-${n}`, name: `Salle ${n}`, params: apiParams(filters) }]);
  };
  const save = async () => {
    setError("");
    try {
      await api.send("PUT", "/rooms", { items, version: rooms.version });
      ctx.announce(t("queue.rooms.saved"));
      onSaved();
      onClose();
    } catch (e) {
      if (e.status === 412) { setError(t("queue.rooms.stale")); onSaved(); } else setError(act.explain(t, e));
    }
  };
  return html`<${Modal} title=${t("queue.rooms.title")} onClose=${onClose} className="rooms-editor">
    <table>
      <thead><tr><th scope="col">${t("queue.rooms.name")}</th><th scope="col">${t("queue.rooms.id")}</th><th scope="col">${t("queue.rooms.params")}</th><th></th></tr></thead>
      <tbody>
        ${items.map((r, i) => html`<tr>
          <td><input aria-label=${t("queue.rooms.name")} value=${r.name} maxlength="60" onInput=${(e) => setItem(i, { name: e.currentTarget.value })} /></td>
          <td><input aria-label=${t("queue.rooms.id")} value=${r.id} maxlength="40" pattern="[a-z0-9-]{1,40}" onInput=${(e) => setItem(i, { id: e.currentTarget.value })} /></td>
          <td><code>${new URLSearchParams(r.params).toString()}</code></td>
          <td><button type="button" class="quiet" onClick=${() => setItems(items.filter((_, j) => j !== i))}>${t("queue.rooms.delete")}</button></td>
        </tr>`)}
      </tbody>
    </table>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <div class="buttons">
      <button type="button" onClick=${add}>${t("queue.rooms.addCurrent")}</button>
      <button type="button" class="primary" onClick=${save}>${t("queue.rooms.save")}</button>
      <button type="button" class="quiet" onClick=${onClose}>${t("close")}</button>
    </div>
  <//>`;
}

function BulkBar({ ctx, ids, onDone, onClear }) {
  const { t, api, me, table } = ctx;
  const [result, setResult] = useState(null);
  const run = async (action, changes) => {
    const body = { ids: ids.slice(0, 200), action };
    if (changes) body.changes = changes;
    let out;
    try {
      out = (await api.send("POST", "/reports/bulk", body)).body;
    } catch (e) {
      if (e.status !== 404) { setResult({ error: act.explain(t, e) }); return; }
      out = await bulkByHand(ctx, body); // an API without /reports/bulk yet
    }
    if (table.live()) table.pollNow().catch(() => {});
    else for (const d of out.done || []) table.refresh(d.id).catch(() => {});
    setResult(out);
    ctx.announce(t("queue.bulk.result", { done: (out.done || []).length, skipped: (out.skipped || []).length }));
    onDone(out);
  };
  return html`<div class="bulkbar" role="region" aria-label=${t("queue.bulk.title")}>
    <strong>${t("queue.selected", { n: ids.length })}</strong>
    <button type="button" onClick=${() => run("dismiss")}>${t("queue.bulk.dismiss")}</button>
    <label><span class="sr-only">${t("queue.bulk.category")}</span>
      <select onChange=${(e) => { const v = e.currentTarget.value; e.currentTarget.value = ""; if (v) run("update", { category: v }); }}>
        <option value="">${t("queue.bulk.category")}</option>
        ${CATEGORIES.map((c) => html`<option value=${c}>${t(`category.${c}`)}</option>`)}
      </select></label>
    <label><span class="sr-only">${t("queue.bulk.priority")}</span>
      <select onChange=${(e) => { const v = e.currentTarget.value; e.currentTarget.value = ""; if (v) run("update", { priority: v }); }}>
        <option value="">${t("queue.bulk.priority")}</option>
        ${PRIORITIES.map((p) => html`<option value=${p}>${t(`priority.${p}`)}</option>`)}
      </select></label>
    ${me.role === "coordinator" && html`<button type="button" onClick=${() => run("publish")}>${t("queue.bulk.publish")}</button>`}
    <button type="button" onClick=${() => run("release")}>${t("queue.bulk.release")}</button>
    <button type="button" class="quiet" onClick=${onClear}>${t("queue.bulk.clear")}</button>
    ${result && html`<div class="bulk-result" data-testid="bulk-result">
      ${result.error ? html`<p class="error">${result.error}</p>` : html`<p>${t("queue.bulk.result", { done: (result.done || []).length, skipped: (result.skipped || []).length })}</p>
      ${(result.skipped || []).length > 0 && html`<ul>${result.skipped.map((s) => html`<li><code>${s.id}</code> — ${s.reason || s.code}</li>`)}</ul>`}`}
    </div>`}
  </div>`;
}

async function bulkByHand(ctx, body) {
  const done = [];
  const skipped = [];
  for (const id of body.ids) {
    const r = ctx.table.get(id);
    if (!r) { skipped.push({ id, code: "not_found", reason: "not found" }); continue; }
    if (heldByOther(r, ctx.me.label)) { skipped.push({ id, code: "claimed", reason: `${ctx.t("queue.skip.claimed")}: ${r.claimed_by}` }); continue; }
    try {
      let res;
      if (body.action === "dismiss" || body.action === "update") {
        const changes = body.action === "dismiss" ? { status: "dismissed" } : body.changes;
        res = await ctx.api.send("PATCH", `/reports/${id}`, changes, { "If-Match": String(r.version) });
      } else {
        res = await ctx.api.send("POST", `/reports/${id}/${body.action}`);
      }
      done.push({ id, version: res.body && res.body.version });
    } catch (e) {
      skipped.push({ id, code: e.code || "error", reason: e.message });
    }
  }
  return { done, skipped };
}

/** When a report was collected, in ms, parsed once per report version (the room counts read
 * it for every report at every change). */
const collected = new WeakMap();
function collectedMs(r) {
  let at = collected.get(r);
  if (at === undefined) { at = Date.parse(r.collected_at); collected.set(r, at); }
  return at;
}

export default function Queue({ ctx }) {
  const { t, table, url, me } = ctx;
  const state = url.value;
  const filters = state.filters;
  const fkey = JSON.stringify(apiParams(filters));
  const reports = table.reports.value;
  const now = useNow(1000);
  const rowH = useRowHeight();
  const [acceptedAt, setAcceptedAt] = useState(Date.now());
  const [activeId, setActiveId] = useState(null);
  const [selected, setSelected] = useState(() => new Set());
  const [menu, setMenu] = useState(null);
  const [editRooms, setEditRooms] = useState(false);
  const [rooms, reloadRooms] = useRooms(ctx.api);
  const [seen, setSeen] = useState(readSeen);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const viewport = useRef(null);
  const panelRef = useRef(null);
  const triageApi = useRef(null);
  const wantFocus = useRef(null);
  const prev = useRef({ index: -1, id: null, rows: null });

  // A new view shows every report it has; later arrivals wait behind the button.
  useEffect(() => { setAcceptedAt(Date.now()); }, [fkey, state.box]);
  // The first page of a new view comes from the API while the table is still loading.
  useEffect(() => { if (!table.complete.value) table.loadFirst(apiParams(filters)).catch(() => {}); }, [fkey]);

  const box = parseBox(state.box);
  // Rows shown in this view stay (muted) when a change takes them out of its filters, until
  // the view changes or the user asks for the new rows: the row under the cursor never jumps.
  const shown = useRef({ key: "", ids: new Set() });
  const viewKey = `${fkey}|${state.box || ""}|${acceptedAt}`;
  if (shown.current.key !== viewKey) shown.current = { key: viewKey, ids: new Set() };
  const { rows, pending, index, gone } = useMemo(() => {
    const list = [];
    const out = new Set();
    let waiting = 0;
    for (const r of reports.values()) {
      const ok = matches(filters, r) && (!box || inBox(r, box));
      if (!ok) {
        if (shown.current.ids.has(r.id)) { list.push(r); out.add(r.id); }
        continue;
      }
      const at = table.arrived.get(r.id);
      if (at && at > acceptedAt) waiting++;
      else list.push(r);
    }
    list.sort(compare);
    const idx = new Map();
    list.forEach((r, i) => { idx.set(r.id, i); shown.current.ids.add(r.id); });
    return { rows: list, pending: waiting, index: idx, gone: out };
  }, [reports, viewKey]);

  // An empty view has no row to keep still: what arrives is shown at once.
  useEffect(() => { if (rows.length === 0 && pending > 0) setAcceptedAt(Date.now()); }, [rows.length === 0 && pending > 0]);

  const networks = useMemo(() => {
    const s = new Set();
    for (const r of reports.values()) s.add(r.network);
    return Array.from(s).sort();
  }, [reports.size > 0 && table.complete.value, reports.size === 0]);

  const roomCounts = useMemo(() => {
    const out = {};
    for (const room of rooms.items) {
      const since = seen[room.id] ? Date.parse(seen[room.id]) : 0;
      let n = 0;
      for (const r of reports.values()) if (collectedMs(r) > since && matches(room.params, r)) n++;
      out[room.id] = n;
    }
    return out;
  }, [reports, rooms, seen]);

  // The room being looked at is seen now (and when left).
  useEffect(() => {
    if (!state.room) return undefined;
    const mark = () => {
      const next = { ...readSeen(), [state.room]: new Date().toISOString() };
      try { localStorage.setItem(SEEN, JSON.stringify(next)); } catch { /* none */ }
      setSeen(next);
    };
    mark();
    return mark;
  }, [state.room]);

  const activeIndex = activeId != null && index.has(activeId) ? index.get(activeId) : -1;

  // The row under the cursor never jumps: when rows move around it, the scroll follows.
  useLayoutEffect(() => {
    const p = prev.current;
    const el = viewport.current;
    if (el && p.rows && p.rows !== rows && p.id && p.id === activeId) {
      const before = p.index;
      const after = index.has(p.id) ? index.get(p.id) : -1;
      if (before >= 0 && after >= 0 && before !== after) el.scrollTop += (after - before) * rowH;
    } else if (el && p.rows && p.rows !== rows && !activeId && p.topId) {
      const after = index.has(p.topId) ? index.get(p.topId) : -1;
      if (after >= 0 && after !== p.topIndex) el.scrollTop += (after - p.topIndex) * rowH;
    }
    const topIndex = Math.floor((el ? el.scrollTop : 0) / rowH);
    prev.current = { index: activeIndex, id: activeId, rows, topIndex, topId: rows[topIndex] && rows[topIndex].id };
  });

  useEffect(() => {
    const el = viewport.current;
    if (!el) return undefined;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  const onScroll = () => {
    const el = viewport.current;
    if (!el) return;
    if (!onScroll.raf) onScroll.raf = requestAnimationFrame(() => { onScroll.raf = 0; setScrollTop(el.scrollTop); });
  };

  // One focus request at a time, the latest: a row asked for by a key press is focused once it
  // is rendered, and a later key (another row, Enter opening the panel) replaces or cancels the
  // request. On a slow device a delayed focus of an earlier row would otherwise land after the
  // next keys and make that row active again.
  const focusCell = () => {
    const id = wantFocus.current;
    if (!id) return;
    const cell = viewport.current && viewport.current.querySelector(`[data-id="${CSS.escape(id)}"] [data-focus]`);
    if (!cell) return; // not rendered yet: the next render tries again
    wantFocus.current = null;
    if (document.activeElement !== cell) cell.focus({ preventScroll: true });
  };
  const focusRow = (id, scroll = true) => {
    setActiveId(id);
    wantFocus.current = id;
    requestAnimationFrame(focusCell);
    const i = index.get(id);
    const el = viewport.current;
    if (scroll && el && i !== undefined) {
      if (i * rowH < el.scrollTop) el.scrollTop = i * rowH;
      else if ((i + 1) * rowH > el.scrollTop + el.clientHeight) el.scrollTop = (i + 1) * rowH - el.clientHeight;
      setScrollTop(el.scrollTop);
    }
  };
  useEffect(focusCell);

  const setFilters = (f, replace) => ctx.navigate("queue", { filters: apiParams(f), room: undefined, replace });
  // The panel takes the focus: a row's focus still waiting must not take it back.
  const openReport = (id) => { wantFocus.current = null; ctx.navigate("queue", { open: id }); };
  const closePanel = () => {
    ctx.navigate("queue", { open: undefined });
    if (state.open) { const id = state.open; setTimeout(() => focusRow(id), 0); }
  };
  const toggle = (id) => setSelected((s) => { const n = new Set(s); if (n.has(id)) n.delete(id); else if (n.size < 200) n.add(id); return n; });

  const run = async (fn, done) => {
    try { await fn(); if (done) ctx.announce(t(done)); } catch (e) { ctx.announce(act.explain(t, e)); }
  };
  /** An action on a row of the grid (the panel being closed or not focused). */
  const onRowAction = (a, r) => {
    switch (a.action) {
      case "claim": return run(() => act.claim(ctx, r), "done.claim");
      case "release": return run(() => act.release(ctx, r), "done.release");
      case "priority": return run(() => act.edit(ctx, r, { priority: a.value }), "done.queued");
      case "accept": return run(() => act.edit(ctx, r, act.acceptSuggestion(r)), "done.queued");
      case "dismiss": return run(() => act.edit(ctx, r, { status: "dismissed" }), "done.queued");
      case "escalate": return run(() => act.post(ctx, r, "escalate"), "done.escalate");
      case "publish": if (me.role === "coordinator") return run(() => act.togglePublish(ctx, r), r.status === "published" ? "done.unpublish" : "done.publish"); return undefined;
      case "category": return setMenu({ id: r.id });
      default: return undefined;
    }
  };

  // Registered as the render commits (not after paint), so a key pressed as soon as a row
  // shows active acts on that row, never on the state of the render before.
  useLayoutEffect(() => {
    const onKey = (ev) => {
      const target = document.activeElement;
      const inPanel = panelRef.current && panelRef.current.contains(target);
      const dialog = Boolean(document.querySelector("dialog[open]"));
      const a = actionFor(ev, { typing: isTyping(target), dialog, panel: Boolean(state.open) });
      if (!a) return;
      if (a.action === "close") {
        if (dialog) return; // the dialog closes itself
        if (state.open) { ev.preventDefault(); closePanel(); }
        else if (isTyping(target)) target.blur();
        return;
      }
      if (a.action === "help") return; // the shell shows it
      if (a.action === "search") { ev.preventDefault(); const s = document.getElementById("queue-search"); if (s) s.focus(); return; }
      if (inPanel && triageApi.current) {
        if (a.action === "next") { ev.preventDefault(); const j = nextUnclaimed(rows, activeIndex, Date.now()); if (j >= 0) { focusRow(rows[j].id); openReport(rows[j].id); } return; }
        if (triageApi.current.onAction(a)) ev.preventDefault();
        return;
      }
      // Keys in the rest of the page act on the grid (buttons and links keep Enter and Space).
      const onControl = target && /^(BUTTON|A|SUMMARY)$/.test(target.tagName);
      if (onControl && (a.action === "open" || a.action === "select")) return;
      const inGrid = viewport.current && viewport.current.contains(target);
      if (!inGrid && target && target !== document.body && !target.closest(".queue")) return;
      ev.preventDefault();
      const r = activeIndex >= 0 ? rows[activeIndex] : null;
      switch (a.action) {
        case "down": case "up": case "first": case "last": case "pagedown": case "pageup": {
          const j = moveIndex(a.action, activeIndex, rows.length, Math.max(1, Math.floor(height / rowH) - 1));
          if (j >= 0) focusRow(rows[j].id);
          return;
        }
        case "open": if (r) openReport(r.id); return;
        case "select": if (r) toggle(r.id); return;
        case "next": { const j = nextUnclaimed(rows, activeIndex, Date.now()); if (j >= 0) { focusRow(rows[j].id); openReport(rows[j].id); } return; }
        default: if (r) onRowAction(a, r);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  const n = rows.length;
  const first = Math.max(0, Math.floor(scrollTop / rowH) - 8);
  const last = Math.min(n, Math.ceil((scrollTop + height) / rowH) + 8);
  const visible = rows.slice(first, last);
  const selIds = Array.from(selected);
  const allSelected = n > 0 && rows.slice(0, 200).every((r) => selected.has(r.id));
  const chooseRoom = (room) => ctx.navigate("queue", room ? { room: room.id, filters: { ...room.params }, open: undefined } : { room: undefined, filters: {}, open: undefined });
  const menuReport = menu && table.get(menu.id);

  return html`<div class=${`queue${state.open ? " with-panel" : ""}`}>
    <div class="queue-main">
      <h1 class="sr-only">${t("queue.title")}</h1>
      <div class="rooms-bar">
        <div role="tablist" aria-label=${t("queue.rooms")} class="rooms" onKeyDown=${(e) => {
          // Arrows move between the tabs (and stay out of the grid's keys).
          if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
          const tabs = Array.from(e.currentTarget.querySelectorAll("[role=tab]"));
          const i = tabs.indexOf(document.activeElement);
          const j = (i + (e.key === "ArrowRight" ? 1 : -1) + tabs.length) % tabs.length;
          e.preventDefault();
          e.stopPropagation();
          tabs[j].focus();
        }}>
          <button role="tab" type="button" aria-selected=${!state.room ? "true" : "false"} tabindex=${!state.room ? "0" : "-1"} onClick=${() => chooseRoom(null)}>${t("queue.all")}</button>
          ${rooms.items.map((room) => html`<button role="tab" type="button" aria-selected=${state.room === room.id ? "true" : "false"} tabindex=${state.room === room.id ? "0" : "-1"} onClick=${() => chooseRoom(room)} data-room=${room.id}>
            ${room.name}${roomCounts[room.id] > 0 && state.room !== room.id ? html` <span class="badge" aria-label=${t("queue.newInRoom", { n: roomCounts[room.id] })}>${roomCounts[room.id]}</span>` : ""}
          </button>`)}
        </div>
        ${me.role === "coordinator" && rooms.route && html`<button type="button" class="quiet" onClick=${() => setEditRooms(true)}>${t("queue.editRooms")}</button>`}
        <button type="button" class="quiet" onClick=${() => ctx.showHelp && ctx.showHelp()}>${t("queue.help")}</button>
      </div>
      <${FilterBar} ctx=${ctx} filters=${filters} networks=${networks} onChange=${setFilters} />
      ${box && html`<p class="chip">${t("queue.box", { box: state.box })} <button type="button" class="quiet" onClick=${() => ctx.navigate("queue", { box: undefined })}>${t("queue.clearBox")}</button></p>`}
      <div class="queue-status">
        <span role="status" data-testid="count">${t("queue.count", { n: n - gone.size })}</span>
        ${gone.size > 0 && html`<button type="button" class="quiet" onClick=${() => setAcceptedAt(Date.now())}>${t("queue.tidy", { n: gone.size })}</button>`}
        ${pending > 0 && html`<button type="button" class="new-rows" data-testid="new-rows" onClick=${() => setAcceptedAt(Date.now())}>${t("queue.new", { n: pending })}</button>`}
      </div>
      ${selIds.length > 0 && html`<${BulkBar} ctx=${ctx} ids=${selIds} onDone=${() => {}} onClear=${() => setSelected(new Set())} />`}
      <div role="grid" class="grid" aria-label=${t("queue.grid")} aria-rowcount=${n + 1} aria-colcount=${COLS.length} aria-multiselectable="true">
        <div role="rowgroup" class="head">
          <div role="row" aria-rowindex="1" class="row header">
            ${COLS.map((c) => html`<div role="columnheader" class=${`c c-${c}`}>${c === "select"
              ? html`<input type="checkbox" aria-label=${t("queue.selectAll")} checked=${allSelected}
                  onChange=${() => setSelected(allSelected ? new Set() : new Set(rows.slice(0, 200).map((r) => r.id)))} />`
              : t(`queue.col.${c}`)}</div>`)}
          </div>
        </div>
        <div class="viewport" ref=${viewport} onScroll=${onScroll}>
          <div role="rowgroup" class="body" style=${{ height: `${n * rowH}px` }}>
            ${visible.map((r, k) => html`<${Row} key=${r.id} r=${r} index=${first + k} top=${(first + k) * rowH} ctx=${ctx} now=${now}
              active=${r.id === activeId || (activeId === null && first + k === 0)} selected=${selected.has(r.id)} open=${r.id === state.open} gone=${gone.has(r.id)}
              onFocusRow=${(id) => setActiveId(id)} onOpen=${openReport} onToggle=${toggle} />`)}
          </div>
          ${n === 0 && html`<p class="empty">${reports.size ? t("queue.empty") : t("queue.loading")}</p>`}
        </div>
      </div>
    </div>
    ${state.open && html`<aside class="panel" ref=${panelRef} aria-label=${t("triage.title")}>
      <${Triage} key=${state.open} ctx=${ctx} id=${state.open} apiRef=${triageApi} onClose=${closePanel}
        onOpen=${(id) => { focusRow(id); openReport(id); }} />
    </aside>`}
    ${menuReport && html`<${CategoryMenu} t=${t} current=${menuReport.category} suggested=${menuReport.suggested_category}
      onClose=${() => setMenu(null)} onPick=${(c) => { setMenu(null); run(() => act.edit(ctx, menuReport, { category: c }), "done.queued"); }} />`}
    ${editRooms && html`<${RoomsEditor} ctx=${ctx} rooms=${rooms} filters=${filters} onClose=${() => setEditRooms(false)} onSaved=${reloadRooms} />`}
  </div>`;
}

export { sameFilters };

// Rumours: clusters of near-identical posts flagged as rumours, with their spread over time;
// a volunteer marks one confirmed, or debunked with the debunking text that the public feed
// carries (each member is changed with its version, If-Match).

import { html } from "htm/preact";
import { useState, useEffect } from "preact/hooks";
import { cumulative } from "../buckets.js";
import { adoptStyles, strings, scoped, get, send, failure, label, formatTime, excerpt } from "./common.js";

strings("rumors", {
  fr: {
    title: "Rumeurs",
    intro: "Messages presque identiques signalés comme rumeurs, les plus répandus d'abord.",
    open: "Rumeur ouverte",
    debunked: "Démentie",
    confirmed: "Confirmée",
    size: "{n} messages",
    size_one: "1 message",
    spread: "diffusion {n}",
    seen: "de {first} à {last}",
    networks: "Réseaux : {list}",
    spark: "Diffusion dans le temps : {n} messages de {first} à {last}",
    members: "Voir les messages ({n})",
    confirm: "Confirmer",
    debunk: "Démentir…",
    debunk_text: "Texte du démenti (repris par la carte publique et le flux une fois publié)",
    publish: "Publier le démenti (carte publique et flux)",
    publish_later: "Un coordinateur publie le démenti pour la carte publique et le flux.",
    published: "Démenti publié.",
    no_location: "Aucun message n'a de lieu : localisez-en un dans la file, puis publiez-le.",
    publish_failed: "Publication refusée : {reason}",
    debunk_hint: "500 caractères au plus. Dites ce qui est vrai, sans nom ni numéro.",
    debunk_send: "Publier le démenti",
    debunk_missing: "Écrivez le texte du démenti.",
    working: "Mise à jour de {done}/{n}…",
    result: "{done} messages mis à jour.",
    skipped: "{n} non modifiés : {list}",
    none: "Aucune rumeur signalée.",
    not_allowed: "Votre rôle ne permet pas de changer la vérification.",
    public_text: "Démenti publié : {text}",
  },
  en: {
    title: "Rumours",
    intro: "Near-identical posts flagged as rumours, the most widespread first.",
    open: "Open rumour",
    debunked: "Debunked",
    confirmed: "Confirmed",
    size: "{n} posts",
    size_one: "1 post",
    spread: "spread {n}",
    seen: "from {first} to {last}",
    networks: "Networks: {list}",
    spark: "Spread over time: {n} posts from {first} to {last}",
    members: "Show the posts ({n})",
    confirm: "Confirm",
    debunk: "Debunk…",
    debunk_text: "Debunking text (carried by the public map and feed once published)",
    publish: "Publish the debunking (public map and feed)",
    publish_later: "A coordinator publishes the debunking for the public map and feed.",
    published: "Debunking published.",
    no_location: "No post has a place: locate one in the queue, then publish it.",
    publish_failed: "Publication refused: {reason}",
    debunk_hint: "At most 500 characters. Say what is true, with no name or number.",
    debunk_send: "Publish the debunking",
    debunk_missing: "Write the debunking text.",
    working: "Updating {done}/{n}…",
    result: "{done} posts updated.",
    skipped: "{n} not changed: {list}",
    none: "No rumour flagged.",
    not_allowed: "Your role cannot change the verification.",
    public_text: "Published debunking: {text}",
  },
});

adoptStyles("rumors", `
.rum .item { border-left: 0.4rem solid #a0660b; }
.rum .item.debunked { border-left-color: #1e8449; }
.rum .spark { display: block; width: 100%; max-width: 16rem; height: 3rem; }
.rum .meta { font-size: 0.9rem; color: #4d4d4d; }
.rum details { margin: 0.4rem 0; }
.rum summary { cursor: pointer; min-height: 2rem; padding: 0.2rem 0; }
.rum .members li { border-top: 1px solid #e0e0e0; padding: 0.4rem 0; }
.rum .debunk { margin-top: 0.5rem; }
.rum .check { display: flex; gap: 0.4rem; align-items: center; font-weight: 400; }
.rum .check input { width: auto; }
`);

/** A small inline SVG of a cluster's cumulative posts over time. */
function Sparkline({ times, title }) {
  const pts = cumulative(times);
  // One post, or posts all at the same time: no spread to draw.
  if (pts.length < 2 || pts[0][0] === pts[pts.length - 1][0]) return "";
  const w = 160, h = 36, pad = 3;
  const t0 = pts[0][0], t1 = pts[pts.length - 1][0];
  const n = pts[pts.length - 1][1];
  const x = (t) => (t1 === t0 ? w / 2 : pad + ((t - t0) / (t1 - t0)) * (w - 2 * pad));
  const y = (c) => h - pad - ((c - (n > 1 ? 1 : 0)) / Math.max(1, n - 1)) * (h - 2 * pad);
  // A step line: the count rises at each post.
  let d = `M${pad},${y(1).toFixed(1)}`;
  for (const [t, c] of pts) d += ` H${x(t).toFixed(1)} V${y(c).toFixed(1)}`;
  return html`<svg class="spark" viewBox=${`0 0 ${w} ${h}`} role="img" aria-label=${title} preserveAspectRatio="none">
    <title>${title}</title>
    <path d=${d} fill="none" stroke="#a0660b" stroke-width="2" vector-effect="non-scaling-stroke" />
    ${pts.map(([t, c]) => html`<circle cx=${x(t).toFixed(1)} cy=${y(c).toFixed(1)} r="2" fill="#6b3f00" />`)}
  </svg>`;
}

/** A cluster's members: from the client's table, else from /reports?cluster=. */
async function loadMembers(ctx, item) {
  const table = ctx.table && ctx.table.reports ? ctx.table.reports.value : new Map();
  const found = item.reports.map((id) => table.get(id)).filter(Boolean);
  if (found.length === item.reports.length) return found;
  const body = await get(ctx, "/reports", { cluster: item.cluster_id, limit: 200 });
  return (body && body.items) || found;
}

/** PATCHes one report with its version; on 412 reads it again and tries once more. */
async function patchMember(ctx, report, changes) {
  let current = report;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const res = await send(ctx, "PATCH", `/reports/${encodeURIComponent(current.id)}`, changes, { "If-Match": String(current.version) });
      return res.body;
    } catch (e) {
      if (e && e.status === 412 && attempt === 0) {
        current = await get(ctx, `/reports/${encodeURIComponent(current.id)}`);
        continue;
      }
      throw e;
    }
  }
  return null;
}

/**
 * Puts a debunked cluster on the public side: nothing to do when one of its posts is already
 * published (its summary, the debunking, was just changed); else one located post is published
 * (with its suggested category confirmed when it has none, as publication needs one).
 */
async function publishDebunking(ctx, tr, saved) {
  if (saved.some((r) => r.status === "published")) return tr("published");
  const target = saved.find((r) => r.location && r.status !== "dismissed");
  if (!target) return tr("no_location");
  try {
    let current = target;
    if (!current.category) current = await patchMember(ctx, current, { category: current.suggested_category });
    const res = await send(ctx, "POST", `/reports/${encodeURIComponent(current.id)}/publish`);
    if (res.body && res.body.id && ctx.table && ctx.table.upsert) ctx.table.upsert(res.body);
    return tr("published");
  } catch (e) {
    return tr("publish_failed", { reason: failure((k) => ctx.t(`common.${k}`), e) });
  }
}

function Cluster({ ctx, tr, item, members, mayChange, mayPublish, onDone }) {
  const [mode, setMode] = useState(""); // "" | "debunk"
  const [text, setText] = useState(item.summary || "");
  const [busy, setBusy] = useState("");
  const [outcome, setOutcome] = useState(null);
  const [tried, setTried] = useState(false);
  const [publish, setPublish] = useState(true);
  const open = item.verification === "rumor";
  const list = members || [];
  const title = item.summary || (list[0] && excerpt(list[0].text, 200)) || item.cluster_id;
  const times = list.length ? list.map((m) => m.posted_at) : [item.first_seen, item.last_seen].filter(Boolean);
  const sparkTitle = tr("spark", { n: item.size, first: formatTime(item.first_seen), last: formatTime(item.last_seen) });

  const apply = async (changes, publishIt) => {
    let targets = list.length ? list : await loadMembers(ctx, item);
    const done = [];
    const saved = [];
    const skipped = [];
    const reached = new Set();
    // Copies keep arriving while a rumour spreads: after each pass the cluster is read again
    // and the posts that joined it meanwhile get the same change (a few passes at most).
    for (let pass = 0; pass < 3 && targets.length; pass++) {
      for (const m of targets) {
        reached.add(m.id);
        setBusy(tr("working", { done: done.length + skipped.length, n: reached.size }));
        try {
          const after = await patchMember(ctx, m, changes);
          if (after && after.id) { done.push(after.id); saved.push(after); if (ctx.table && ctx.table.upsert) ctx.table.upsert(after); }
        } catch (e) {
          skipped.push(`${m.id} (${failure((k) => ctx.t(`common.${k}`), e)})`);
        }
      }
      let fresh = [];
      try { fresh = ((await get(ctx, "/reports", { cluster: item.cluster_id, limit: 200 })) || {}).items || []; } catch { break; }
      targets = fresh.filter((m) => !reached.has(m.id));
    }
    let message = tr("result", { done: done.length }) + (skipped.length ? " " + tr("skipped", { n: skipped.length, list: skipped.join("; ") }) : "");
    let ok = skipped.length === 0;
    if (publishIt && saved.length) {
      const published = await publishDebunking(ctx, tr, saved);
      message += " " + published;
      ok = ok && published === tr("published");
    }
    setBusy("");
    setOutcome({ ok, message });
    ctx.announce(message);
    setMode("");
    onDone();
  };
  const debunk = (e) => {
    e.preventDefault();
    setTried(true);
    if (!text.trim()) return;
    apply({ verification: "debunked", summary: text.trim() }, mayPublish && publish);
  };
  const id = `rum-${item.cluster_id}`;
  return html`<li class=${"card item" + (open ? "" : " debunked")} data-cluster=${item.cluster_id} data-verification=${item.verification} aria-labelledby=${`${id}-title`}>
    <div class="row">
      <span class="badge" style=${{ background: open ? "#8a5300" : "#1e8449" }}>${open ? tr("open") : tr("debunked")}</span>
      <span class="meta">${item.size === 1 ? tr("size_one") : tr("size", { n: item.size })} · ${tr("spread", { n: item.spread })} · ${tr("seen", { first: formatTime(item.first_seen), last: formatTime(item.last_seen) })}</span>
    </div>
    <p class="post" id=${`${id}-title`}><strong>${title}</strong></p>
    ${!open && item.summary ? html`<p class="meta">${tr("public_text", { text: item.summary })}</p>` : ""}
    <${Sparkline} times=${times} title=${sparkTitle} />
    <p class="meta">${tr("networks", { list: (item.networks || []).map((n) => label.network(ctx, n)).join(", ") })}</p>
    <details>
      <summary>${tr("members", { n: item.size })}</summary>
      <ul class="plain members">
        ${list.map((m) => html`<li><span class="meta">${label.network(ctx, m.network)} · ${formatTime(m.posted_at)}</span>
          <p class="post">${m.text}</p>
          <button class="btn" type="button" onClick=${() => ctx.navigate("queue", { open: m.id })}>${ctx.t("common.open")}</button></li>`)}
      </ul>
    </details>
    ${mayChange ? html`<div class="row">
      ${open ? html`<button class="btn" type="button" disabled=${!!busy} onClick=${() => apply({ verification: "confirmed" })}>${tr("confirm")}</button>` : ""}
      <button class="btn primary" type="button" disabled=${!!busy} aria-expanded=${mode === "debunk" ? "true" : "false"} aria-controls=${`${id}-form`}
        onClick=${() => setMode(mode === "debunk" ? "" : "debunk")}>${tr("debunk")}</button>
    </div>` : ""}
    ${mode === "debunk" ? html`<form class="debunk" id=${`${id}-form`} onSubmit=${debunk} novalidate>
      <label for=${`${id}-text`}>${tr("debunk_text")}</label>
      <textarea id=${`${id}-text`} maxlength="500" aria-describedby=${`${id}-hint`} aria-invalid=${tried && !text.trim() ? "true" : "false"}
        value=${text} onInput=${(e) => setText(e.currentTarget.value)}></textarea>
      <p id=${`${id}-hint`} class=${tried && !text.trim() ? "hint error" : "hint"}>${tried && !text.trim() ? tr("debunk_missing") : tr("debunk_hint")} (${text.length}/500)</p>
      ${mayPublish
        ? html`<label class="check"><input type="checkbox" checked=${publish} onChange=${(e) => setPublish(e.currentTarget.checked)} /> ${tr("publish")}</label>`
        : html`<p class="hint">${tr("publish_later")}</p>`}
      <div class="row"><button class="btn primary" type="submit" disabled=${!!busy}>${tr("debunk_send")}</button>
        <button class="btn" type="button" onClick=${() => setMode("")}>${ctx.t("common.cancel")}</button></div>
    </form>` : ""}
    ${busy ? html`<p class="meta">${busy}</p>` : ""}
    ${outcome ? html`<p class=${outcome.ok ? "ok" : "error"}>${outcome.message}</p>` : ""}
  </li>`;
}

export default function Screen({ ctx }) {
  const tr = scoped(ctx, "rumors");
  const [items, setItems] = useState(null);
  const [members, setMembers] = useState({});
  const [error, setError] = useState("");
  const load = async () => {
    try {
      const body = await get(ctx, "/rumors");
      const list = (body && body.items) || [];
      setItems(list);
      const next = {};
      for (const item of list) {
        try { next[item.cluster_id] = await loadMembers(ctx, item); } catch { /* shown without members */ }
      }
      setMembers(next);
    } catch (e) {
      setError(failure((k) => ctx.t(`common.${k}`), e));
    }
  };
  useEffect(() => { load(); }, []);
  const role = ctx.me && ctx.me.role;
  const mayChange = role === "volunteer" || role === "coordinator";
  return html`<section class="scr rum" aria-labelledby="rum-title">
    <h1 id="rum-title">${tr("title")}</h1>
    <p class="muted">${tr("intro")}</p>
    ${!mayChange ? html`<p class="muted">${tr("not_allowed")}</p>` : ""}
    ${error ? html`<p class="error" role="alert">${error}</p>` : ""}
    ${items === null && !error ? html`<p>${ctx.t("common.loading")}</p>` : ""}
    ${items && items.length === 0 ? html`<p>${tr("none")}</p>` : ""}
    <ul class="plain" aria-label=${tr("title")}>
      ${(items || []).map((item) => html`<${Cluster} key=${item.cluster_id} ctx=${ctx} tr=${tr} item=${item}
        members=${members[item.cluster_id]} mayChange=${mayChange} mayPublish=${role === "coordinator"} onDone=${load} />`)}
    </ul>
  </section>`;
}

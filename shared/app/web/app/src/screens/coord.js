// Coordinators' screen: who holds what (claims by person, idle ones, forced release), access
// tokens (create with a sign-in link shown once, revoke), collectors' health with an alarm
// when a source fails, and the CSV/HXL export.

import { html } from "htm/preact";
import { useState, useEffect, useRef } from "preact/hooks";
import { claimsByHolder, failing, quotaUse } from "../claims.js";
import { adoptStyles, strings, scoped, get, send, failure, formatTime, relative, excerpt, label } from "./common.js";

strings("coord", {
  fr: {
    title: "Coordination",
    only: "Cet écran est réservé aux coordinateurs.",
    nav: "Sections",
    claims: "Qui tient quoi",
    claims_none: "Personne ne tient de signalement en ce moment.",
    holder_count: "{n} en cours, {idle} inactif(s)",
    idle: "Inactif",
    idle_hint: "Non renouvelé depuis plus des 2/3 du bail de {m} min.",
    expires: "libéré {when}",
    release: "Libérer",
    released: "Libéré (tenu par {who}).",
    released_nobody: "Personne ne le tenait plus.",
    released_plain: "Libéré.",
    tokens: "Accès (jetons)",
    token_name: "Nom de la personne",
    token_role: "Rôle",
    role_volunteer: "Bénévole",
    role_coordinator: "Coordinateur",
    role_authority: "Autorité",
    create: "Créer l'accès",
    creating: "Création…",
    link_title: "Lien de connexion pour {name}",
    link_once: "Ce lien n'est affiché qu'une fois : copiez-le et envoyez-le à la personne par un canal sûr.",
    copy: "Copier le lien",
    copied: "Lien copié.",
    copy_failed: "Copie impossible : sélectionnez le lien et copiez-le.",
    link_done: "C'est fait, masquer le lien",
    revoke: "Révoquer",
    revoke_confirm: "Révoquer l'accès de {name} ? La personne ne pourra plus se connecter.",
    revoke_yes: "Oui, révoquer",
    revoked: "Révoqué {when}",
    revoked_now: "Accès de {name} révoqué.",
    active: "Actif",
    created: "créé {when}",
    th_name: "Nom", th_role: "Rôle", th_state: "État", th_action: "Action",
    sources: "Santé des collecteurs",
    sources_alarm: "{n} source(s) en échec : {list}",
    sources_ok: "Toutes les sources fonctionnent.",
    failing: "En échec",
    ok: "OK",
    waiting: "En attente",
    never: "Jamais lancée",
    last_success: "Dernier succès",
    last_error: "Dernière erreur",
    waiting_until: "Attend jusqu'à",
    counts: "Collectés / ignorés",
    quota: "Quota : {used} / {cap} {unit} ({pct} %)",
    quota_resets: "remis à zéro le {at}",
    unit_posts: "posts lus",
    unit_units: "unités",
    last_run: "Dernier passage",
    run_counts: "{new} nouveaux, {seen} déjà connus",
    all_skipped: "Tout ignoré",
    skip_unreadable: "illisibles",
    skip_no_text: "sans texte",
    skip_not_actual: "tests, exercices ou messages système",
    skip_before_since: "publiés avant le début de la crise",
    skip_outside_area: "hors de la zone de crise",
    skip_no_place: "sans lieu de la zone de crise",
    skip_cancels_unknown: "annulent une alerte jamais collectée",
    skip_line: "{n} ignorés : {reason}",
    every: "toutes les {s} s",
    refresh: "Actualiser",
    export: "Export CSV / HXL",
    export_intro: "Toute la table : UTF-8, une ligne d'en-têtes et une ligne HXL (pour les tableurs et les outils humanitaires).",
    download: "Télécharger l'export",
    downloading: "Préparation…",
    downloaded: "Export téléchargé : {name}",
  },
  en: {
    title: "Coordination",
    only: "This screen is for coordinators.",
    nav: "Sections",
    claims: "Who holds what",
    claims_none: "Nobody holds a report right now.",
    holder_count: "{n} held, {idle} idle",
    idle: "Idle",
    idle_hint: "Not renewed for more than 2/3 of the {m}-minute lease.",
    expires: "freed {when}",
    release: "Release",
    released: "Released (held by {who}).",
    released_nobody: "Nobody held it any more.",
    released_plain: "Released.",
    tokens: "Access (tokens)",
    token_name: "Person's name",
    token_role: "Role",
    role_volunteer: "Volunteer",
    role_coordinator: "Coordinator",
    role_authority: "Authority",
    create: "Create access",
    creating: "Creating…",
    link_title: "Sign-in link for {name}",
    link_once: "This link is shown only once: copy it and send it to the person through a safe channel.",
    copy: "Copy the link",
    copied: "Link copied.",
    copy_failed: "Could not copy: select the link and copy it.",
    link_done: "Done, hide the link",
    revoke: "Revoke",
    revoke_confirm: "Revoke {name}'s access? They will no longer be able to sign in.",
    revoke_yes: "Yes, revoke",
    revoked: "Revoked {when}",
    revoked_now: "{name}'s access revoked.",
    active: "Active",
    created: "created {when}",
    th_name: "Name", th_role: "Role", th_state: "State", th_action: "Action",
    sources: "Collectors' health",
    sources_alarm: "{n} source(s) failing: {list}",
    sources_ok: "Every source is working.",
    failing: "Failing",
    ok: "OK",
    waiting: "Waiting",
    never: "Never run",
    last_success: "Last success",
    last_error: "Last error",
    waiting_until: "Waiting until",
    counts: "Collected / skipped",
    quota: "Quota: {used} / {cap} {unit} ({pct}%)",
    quota_resets: "resets {at}",
    unit_posts: "posts read",
    unit_units: "units",
    last_run: "Last run",
    run_counts: "{new} new, {seen} already stored",
    all_skipped: "Every item skipped",
    skip_unreadable: "unreadable",
    skip_no_text: "no text",
    skip_not_actual: "test, exercise or system message",
    skip_before_since: "published before the crisis start",
    skip_outside_area: "outside the crisis area",
    skip_no_place: "names no place of the crisis area",
    skip_cancels_unknown: "cancel an alert never collected",
    skip_line: "{n} skipped: {reason}",
    every: "every {s} s",
    refresh: "Refresh",
    export: "CSV / HXL export",
    export_intro: "The whole table: UTF-8, a header row and an HXL row (for spreadsheets and humanitarian tools).",
    download: "Download the export",
    downloading: "Preparing…",
    downloaded: "Export downloaded: {name}",
  },
});

adoptStyles("coord", `
.coord nav ul { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; list-style: none; padding: 0; margin: 0 0 0.5rem; }
.coord nav a { color: #0b3d5c; }
.coord .holder h3 { font-size: 1rem; margin: 0 0 0.3rem; }
.coord .claim-row { display: flex; flex-wrap: wrap; gap: 0.3rem 0.75rem; align-items: center; border-top: 1px solid #e0e0e0; padding: 0.4rem 0; }
.coord .claim-row .text { flex: 1 1 14rem; overflow-wrap: anywhere; }
.coord .alarm { border: 2px solid #a31515; background: #fdecec; color: #7a0f0f; padding: 0.6rem 0.75rem; border-radius: 0.4rem; font-weight: 700; }
.coord .allgood { border: 1px solid #0f6b2f; background: #edf7ef; color: #0f4d22; padding: 0.5rem 0.75rem; border-radius: 0.4rem; }
.coord tr.failing td { background: #fdecec; }
.coord .skips { margin: 0.2rem 0 0; padding-left: 1.1rem; }
.coord .warn { color: #7a4a00; }
.coord table.stack { margin-top: 1rem; }
.coord .secret { font-family: ui-monospace, monospace; font-size: 0.9rem; }
.coord .once { border: 2px solid #0b3d5c; background: #eef5fa; }
.coord .grid2 { display: grid; grid-template-columns: 1fr 12rem auto; gap: 0.5rem; align-items: end; }
.coord .grid2 label { margin: 0 0 0.25rem; }
@media (max-width: 640px) {
  .coord .grid2 { grid-template-columns: 1fr; }
  .coord table.stack, .coord table.stack tbody, .coord table.stack tr, .coord table.stack td, .coord table.stack th { display: block; }
  .coord table.stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  .coord table.stack tr { border: 1px solid #c8c8c8; border-radius: 0.4rem; margin: 0.4rem 0; padding: 0.25rem 0; }
  .coord table.stack td, .coord table.stack th { border: 0; padding: 0.2rem 0.6rem; }
  .coord table.stack td[data-label]::before { content: attr(data-label) " : "; font-weight: 600; }
}
`);

const ROLES = ["volunteer", "coordinator", "authority"];
const errorText = (ctx, e) => failure((k) => ctx.t(`common.${k}`), e);

function Claims({ ctx, tr }) {
  const [now, setNow] = useState(Date.now());
  const [note, setNote] = useState(null); // {ok, text}: the last release, kept after its row leaves
  useEffect(() => { const t = setInterval(() => setNow(Date.now()), 10000); return () => clearInterval(t); }, []);
  const minutes = (ctx.me && ctx.me.claim_minutes) || 15;
  const reports = ctx.table && ctx.table.reports ? [...ctx.table.reports.value.values()] : [];
  const groups = claimsByHolder(reports, now, minutes);
  const release = async (r) => {
    try {
      const res = await send(ctx, "POST", `/reports/${encodeURIComponent(r.id)}/release`);
      const body = res.body || {};
      if (body.id && ctx.table && ctx.table.upsert) {
        const { released_from, ...report } = body;
        ctx.table.upsert(report);
      }
      // `released_from`: who held it (null: nobody did any more); an older API does not say.
      const msg = body.released_from ? tr("released", { who: body.released_from })
        : body.released_from === null ? tr("released_nobody") : tr("released_plain");
      ctx.announce(msg);
      setNote({ ok: true, text: `${msg} ${excerpt(r.summary || r.text, 60)}` });
    } catch (e) {
      setNote({ ok: false, text: errorText(ctx, e) });
    }
  };
  return html`<section aria-labelledby="coord-claims">
    <h2 id="coord-claims">${tr("claims")}</h2>
    <p class="hint">${tr("idle_hint", { m: minutes })}</p>
    ${note ? html`<p class=${"claims-note " + (note.ok ? "ok" : "error")}>${note.text}</p>` : ""}
    ${groups.length === 0 ? html`<p>${tr("claims_none")}</p>` : ""}
    ${groups.map((g) => html`<div class="card holder" data-holder=${g.holder}>
      <h3>${g.holder} <span class="muted">· ${tr("holder_count", { n: g.items.length, idle: g.idle })}</span></h3>
      <ul class="plain">
        ${g.items.map(({ report: r, expiresAt, idle }) => html`<li class=${"claim-row" + (idle ? " idle" : "")} data-id=${r.id}>
          ${idle ? html`<span class="badge" style=${{ background: "#8a5300" }}>${tr("idle")}</span>` : ""}
          <span class="text">${excerpt(r.summary || r.text, 120)}</span>
          <span class="muted">${tr("expires", { when: relative(expiresAt, now) })}</span>
          <button class="btn" type="button" onClick=${() => ctx.navigate("queue", { open: r.id })}>${ctx.t("common.open")}</button>
          <button class="btn danger" type="button" aria-label=${`${tr("release")} : ${excerpt(r.text, 40)}`} onClick=${() => release(r)}>${tr("release")}</button>
        </li>`)}
      </ul>
    </div>`)}
  </section>`;
}

async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (input) { input.focus(); input.select(); try { return document.execCommand("copy"); } catch { return false; } }
    return false;
  }
}

function Tokens({ ctx, tr }) {
  const [items, setItems] = useState(null);
  const [error, setError] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState("volunteer");
  const [busy, setBusy] = useState(false);
  const [fresh, setFresh] = useState(null); // {name, link}: shown once, kept in memory only
  const [copied, setCopied] = useState("");
  const [confirming, setConfirming] = useState("");
  const linkRef = useRef(null);
  const load = () => get(ctx, "/tokens").then((b) => setItems((b && b.items) || []), (e) => setError(errorText(ctx, e)));
  useEffect(() => { load(); }, []);
  useEffect(() => { if (fresh && linkRef.current) { linkRef.current.focus(); linkRef.current.select(); } }, [fresh]);

  const create = async (e) => {
    e.preventDefault();
    if (!name.trim() || busy) return;
    setBusy(true); setError("");
    try {
      const res = await send(ctx, "POST", "/tokens", { name: name.trim(), role });
      const body = res.body || {};
      setFresh({ name: body.name || name.trim(), link: `${location.origin}/#token=${body.token}` });
      setCopied(""); setName("");
      load();
    } catch (err) {
      setError(errorText(ctx, err));
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (t) => {
    try {
      await send(ctx, "DELETE", `/tokens/${encodeURIComponent(t.id)}`);
      ctx.announce(tr("revoked_now", { name: t.name }));
      setConfirming("");
      load();
    } catch (err) {
      setError(errorText(ctx, err));
    }
  };
  const roleName = (r) => tr(`role_${r}`);
  return html`<section aria-labelledby="coord-tokens">
    <h2 id="coord-tokens">${tr("tokens")}</h2>
    <form class="grid2" onSubmit=${create}>
      <div><label for="tok-name">${tr("token_name")}</label>
        <input id="tok-name" required maxlength="100" autocomplete="off" value=${name} onInput=${(e) => setName(e.currentTarget.value)} /></div>
      <div><label for="tok-role">${tr("token_role")}</label>
        <select id="tok-role" value=${role} onChange=${(e) => setRole(e.currentTarget.value)}>
          ${ROLES.map((r) => html`<option value=${r}>${roleName(r)}</option>`)}
        </select></div>
      <div><button class="btn primary" type="submit" disabled=${busy || !name.trim()}>${busy ? tr("creating") : tr("create")}</button></div>
    </form>
    ${fresh ? html`<div class="card once" role="group" aria-labelledby="tok-link-title" data-once="true">
      <h3 id="tok-link-title">${tr("link_title", { name: fresh.name })}</h3>
      <p>${tr("link_once")}</p>
      <label class="sr-only" for="tok-link">${tr("link_title", { name: fresh.name })}</label>
      <input id="tok-link" class="secret" readonly value=${fresh.link} ref=${linkRef} onFocus=${(e) => e.currentTarget.select()} />
      <div class="row" style=${{ marginTop: "0.5rem" }}>
        <button class="btn primary" type="button" onClick=${async () => { const ok = await copyText(fresh.link, linkRef.current); const m = ok ? tr("copied") : tr("copy_failed"); setCopied(m); ctx.announce(m); }}>${tr("copy")}</button>
        <button class="btn" type="button" onClick=${() => { setFresh(null); setCopied(""); }}>${tr("link_done")}</button>
        ${copied ? html`<span class="ok" role="status">${copied}</span>` : ""}
      </div>
    </div>` : ""}
    ${error ? html`<p class="error" role="alert">${error}</p>` : ""}
    ${items === null && !error ? html`<p>${ctx.t("common.loading")}</p>` : ""}
    ${items ? html`<div class="scroll-x"><table class="stack">
      <caption class="sr-only">${tr("tokens")}</caption>
      <thead><tr><th scope="col">${tr("th_name")}</th><th scope="col">${tr("th_role")}</th><th scope="col">${tr("th_state")}</th><th scope="col">${tr("th_action")}</th></tr></thead>
      <tbody>${items.map((t) => html`<tr data-token=${t.id}>
        <td>${t.name}<br /><span class="muted">${t.id} · ${tr("created", { when: formatTime(t.created_at) })}</span></td>
        <td data-label=${tr("th_role")}>${roleName(t.role)}</td>
        <td data-label=${tr("th_state")}>${t.revoked_at ? tr("revoked", { when: formatTime(t.revoked_at) }) : tr("active")}</td>
        <td data-label=${tr("th_action")}>${t.revoked_at ? "" : confirming === t.id
          ? html`<div role="group" aria-label=${tr("revoke_confirm", { name: t.name })}><p>${tr("revoke_confirm", { name: t.name })}</p>
              <div class="row"><button class="btn danger primary" type="button" onClick=${() => revoke(t)}>${tr("revoke_yes")}</button>
              <button class="btn" type="button" onClick=${() => setConfirming("")}>${ctx.t("common.cancel")}</button></div></div>`
          : html`<button class="btn danger" type="button" aria-label=${`${tr("revoke")} : ${t.name}`} onClick=${() => setConfirming(t.id)}>${tr("revoke")}</button>`}</td>
      </tr>`)}</tbody>
    </table></div>` : ""}
  </section>`;
}

function Sources({ ctx, tr }) {
  const [items, setItems] = useState(null);
  const [error, setError] = useState("");
  const load = () => get(ctx, "/sources").then((b) => { setItems((b && b.items) || []); setError(""); }, (e) => setError(errorText(ctx, e)));
  useEffect(() => { load(); const t = setInterval(load, 60000); return () => clearInterval(t); }, []);
  const bad = (items || []).filter((s) => failing(s.health));
  const now = Date.now();
  const state = (s) => {
    const h = s.health;
    if (!h || !h.last_run_at) return tr("never");
    if (failing(h)) return tr("failing");
    if (h.next_allowed_at && Date.parse(h.next_allowed_at) > now) return tr("waiting");
    if (allSkipped(h)) return tr("all_skipped");
    return tr("ok");
  };
  return html`<section aria-labelledby="coord-sources">
    <div class="row"><h2 id="coord-sources">${tr("sources")}</h2>
      <button class="btn" type="button" onClick=${load}>${tr("refresh")}</button></div>
    ${items && bad.length ? html`<p class="alarm" role="alert" data-alarm="true">⚠ ${tr("sources_alarm", { n: bad.length, list: bad.map((s) => s.id).join(", ") })}</p>` : ""}
    ${items && items.length && !bad.length ? html`<p class="allgood">${tr("sources_ok")}</p>` : ""}
    ${error ? html`<p class="error" role="alert">${error}</p>` : ""}
    ${items ? html`<div class="scroll-x"><table class="stack">
      <caption class="sr-only">${tr("sources")}</caption>
      <thead><tr><th scope="col">Source</th><th scope="col">${tr("th_state")}</th><th scope="col">${tr("last_success")}</th>
        <th scope="col">${tr("last_error")}</th><th scope="col">${tr("waiting_until")}</th><th scope="col">${tr("last_run")}</th><th scope="col">${tr("counts")}</th></tr></thead>
      <tbody>${items.map((s) => {
        const h = s.health || {};
        const isBad = failing(s.health);
        return html`<tr class=${isBad ? "failing" : ""} data-source=${s.id}>
          <th scope="row">${s.id}<br /><span class="muted">${s.kind} · ${tr("every", { s: s.every_seconds })}</span></th>
          <td data-label=${tr("th_state")}>${isBad ? html`<strong class="error">⚠ ${state(s)}</strong>` : state(s)}</td>
          <td data-label=${tr("last_success")}>${h.last_success_at ? html`${relative(h.last_success_at, now)}<br /><span class="muted">${formatTime(h.last_success_at)}</span>` : "—"}</td>
          <td data-label=${tr("last_error")}>${h.last_error ? html`<span class=${isBad ? "error" : ""}>${h.last_error}</span><br /><span class="muted">${formatTime(h.last_error_at)}</span>` : "—"}</td>
          <td data-label=${tr("waiting_until")}>${h.next_allowed_at && Date.parse(h.next_allowed_at) > now ? formatTime(h.next_allowed_at) : "—"}</td>
          <td data-label=${tr("last_run")} data-last-run="true">${lastRun(h, tr)}</td>
          <td data-label=${tr("counts")}>${h.items_collected ?? 0} / ${h.items_skipped ?? 0}${quotaCell(h, tr)}</td>
        </tr>`;
      })}</tbody>
    </table></div>` : ""}
  </section>`;
}

/** The allowance a source spends from (X's monthly cap, YouTube's daily quota), if any. */
function quotaCell(h, tr) {
  const q = quotaUse(h);
  if (!q) return "";
  const line = tr("quota", { used: q.used.toLocaleString(), cap: q.cap.toLocaleString(), unit: tr(`unit_${q.unit}`), pct: q.pct });
  return html`<br /><span class=${q.low ? "warn" : "muted"} data-quota=${q.pct}>${q.low ? "⚠ " : ""}${line}<br />${tr("quota_resets", { at: formatTime(q.resets_at) })}</span>`;
}

/** The latest run read items and skipped every one of them. */
function allSkipped(h) {
  const r = h && h.last_run;
  if (!r) return false;
  const skipped = Object.values(r.skipped || {}).reduce((a, n) => a + n, 0);
  return r.new === 0 && r.seen === 0 && skipped > 0;
}

/** What the latest run read: new, already stored, and each reason items were skipped for. */
function lastRun(h, tr) {
  const r = h.last_run;
  if (!r) return "—";
  const reasons = Object.entries(r.skipped || {}).sort((a, b) => b[1] - a[1]);
  return html`${allSkipped(h) ? html`<strong class="warn">⚠ ${tr("all_skipped")}</strong><br />` : ""}${tr("run_counts", { new: r.new, seen: r.seen })}
    ${reasons.length ? html`<ul class="skips">${reasons.map(([reason, n]) => html`<li>${tr("skip_line", { n, reason: tr(`skip_${reason}`) })}</li>`)}</ul>` : ""}`;
}

/** The bearer token of the session, for the one call that is a download. */
function token(ctx) {
  const api = ctx.api || {};
  return api.token || (typeof api.getToken === "function" ? api.getToken() : "");
}

function Export({ ctx, tr }) {
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState("");
  const [error, setError] = useState("");
  const download = async () => {
    setBusy(true); setError(""); setNote("");
    try {
      const base = ctx.api.base || "/api/v1";
      const res = await fetch(`${base}/export.csv`, { headers: { Authorization: `Bearer ${token(ctx)}` } });
      if (!res.ok) {
        let message = `HTTP ${res.status}`;
        try { message = (await res.json()).error.message; } catch { /* not JSON */ }
        throw new Error(message);
      }
      const disposition = res.headers.get("Content-Disposition") || "";
      const m = disposition.match(/filename="?([^";]+)"?/);
      const filename = m ? m[1] : "vigie-export.csv";
      const blob = await res.blob();
      const href = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = href; a.download = filename; a.hidden = true;
      document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(href), 30000);
      const msg = tr("downloaded", { name: filename });
      setNote(msg); ctx.announce(msg);
    } catch (e) {
      setError(e instanceof TypeError ? ctx.t("common.offline") : errorText(ctx, e));
    } finally {
      setBusy(false);
    }
  };
  return html`<section aria-labelledby="coord-export">
    <h2 id="coord-export">${tr("export")}</h2>
    <p class="muted">${tr("export_intro")}</p>
    <div class="row"><button class="btn primary" type="button" disabled=${busy} onClick=${download}>${busy ? tr("downloading") : tr("download")}</button>
      ${note ? html`<span class="ok">${note}</span>` : ""}</div>
    ${error ? html`<p class="error" role="alert">${error}</p>` : ""}
  </section>`;
}

/** In-page links that move focus to their section without touching the address's hash. */
function jump(e, id) {
  e.preventDefault();
  const el = document.getElementById(id);
  if (!el) return;
  el.setAttribute("tabindex", "-1");
  el.scrollIntoView({ block: "start" });
  el.focus({ preventScroll: true });
}

export default function Screen({ ctx }) {
  const tr = scoped(ctx, "coord");
  if (!ctx.me || ctx.me.role !== "coordinator") {
    return html`<section class="scr coord"><h1>${tr("title")}</h1><p>${tr("only")}</p></section>`;
  }
  return html`<section class="scr coord" aria-labelledby="coord-title">
    <h1 id="coord-title">${tr("title")}</h1>
    <nav aria-label=${tr("nav")}><ul>
      ${[["coord-sources", "sources"], ["coord-claims", "claims"], ["coord-tokens", "tokens"], ["coord-export", "export"]].map(([id, key]) => html`<li>
        <a href=${`#${id}`} onClick=${(e) => jump(e, id)}>${tr(key)}</a></li>`)}
    </ul></nav>
    <${Sources} ctx=${ctx} tr=${tr} />
    <${Claims} ctx=${ctx} tr=${tr} />
    <${Tokens} ctx=${ctx} tr=${tr} />
    <${Export} ctx=${ctx} tr=${tr} />
  </section>`;
}

// The triage panel: one report, claimed while it is open (renewed every claim_minutes/3,
// released on close); its text, source, media, suggestion, fields, history, cluster and
// spread. A save is a PATCH with If-Match through the outbox; on 412 the other person's
// change is shown beside mine, field by field, to keep mine or take theirs.
import { html } from "htm/preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { registerStrings, lang } from "../i18n.js";
import { CATEGORIES, PRIORITIES, VERIFICATIONS, effectiveCategory, effectivePriority } from "../fold.js";
import { FIELDS, valuesOf, changedFields } from "../merge.js";
import { age, countdown, heldByMe, heldByOther, holderName, safeHref, CategoryMenu } from "../ui.js";
import { loadLeaflet, tileLayerOptions } from "../leaflet.js";
import * as act from "../actions.js";
import { reasonLine } from "../reasons.js";

registerStrings("triage", {
  fr: {
    "triage.title": "Signalement",
    "triage.close": "Fermer (Échap)",
    "triage.source": "Voir la publication d'origine",
    "triage.media": "{n} média(s) joint(s)",
    "triage.noMedia": "aucun média",
    "triage.by": "par {name} sur {network}",
    "triage.suggestion": "Suggestion : {category}, priorité {priority}",
    "triage.accept": "Accepter la suggestion (s)",
    "triage.category": "Catégorie",
    "triage.priority": "Priorité",
    "triage.verification": "Vérification",
    "triage.summary": "Résumé (public, sans nom ni lien privé)",
    "triage.location": "Lieu",
    "triage.locationHint": "Commune ou quartier ; ou un point sur la carte",
    "triage.pickOnMap": "Choisir un point sur la carte",
    "triage.hideMap": "Masquer la carte",
    "triage.point": "point {lat}, {lon}",
    "triage.noPlace": "sans lieu",
    "triage.clearLocation": "Retirer le lieu",
    "triage.status": "Statut",
    "triage.save": "Enregistrer",
    "triage.saving": "Envoi…",
    "triage.unsaved": "Modifications non enregistrées",
    "triage.queued": "API injoignable : votre modification est gardée et sera envoyée dès que possible.",
    "triage.failed": "Refusé : {error}",
    "triage.discard": "Abandonner cette modification",
    "triage.retry": "Réessayer",
    "triage.escalate": "Alerter l'autorité (e)",
    "triage.escalated": "Alerte envoyée",
    "triage.publish": "Publier (p)",
    "triage.unpublish": "Dépublier (p)",
    "triage.dismiss": "Écarter (d)",
    "triage.claim": "Prendre en charge (c)",
    "triage.release": "Libérer (r)",
    "triage.claimedByMe": "Vous l'avez pris en charge : encore {left}",
    "triage.claimedByOther": "Pris en charge par {name} jusqu'à {until} : vous ne pouvez pas le modifier.",
    "triage.notClaimed": "Personne ne l'a pris en charge.",
    "triage.history": "Historique",
    "triage.cluster": "Même groupe ({n} signalements, {spread} reprises)",
    "triage.open": "Ouvrir",
    "triage.conflict": "Quelqu'un a modifié ce signalement pendant que vous le modifiiez. Pour chaque champ, gardez votre valeur ou prenez la sienne.",
    "triage.field": "Champ",
    "triage.mine": "Vous",
    "triage.theirs": "L'autre personne",
    "triage.keepMine": "garder la mienne",
    "triage.takeTheirs": "prendre la sienne",
    "triage.apply": "Appliquer ces choix",
    "triage.none": "—",
    "triage.loading": "Chargement du signalement…",
    "triage.gone": "Ce signalement n'existe pas (ou plus).",
    "triage.official": "source officielle",
    "triage.next": "Suivant libre (n)",
    "triage.relay": "À relayer…",
    "triage.action.relay_draft": "relais proposé",
    "triage.action.relay_approve": "relais approuvé",
    "triage.action.relay_post": "relayé",
    "triage.action.relay_fail": "relais refusé",
    "triage.action.relay_withdraw": "relais retiré",
  },
  en: {
    "triage.title": "Report",
    "triage.close": "Close (Esc)",
    "triage.source": "See the original post",
    "triage.media": "{n} media attached",
    "triage.noMedia": "no media",
    "triage.by": "by {name} on {network}",
    "triage.suggestion": "Suggestion: {category}, priority {priority}",
    "triage.accept": "Accept the suggestion (s)",
    "triage.category": "Category",
    "triage.priority": "Priority",
    "triage.verification": "Verification",
    "triage.summary": "Summary (public, no private name or link)",
    "triage.location": "Place",
    "triage.locationHint": "Commune or district; or a point on the map",
    "triage.pickOnMap": "Pick a point on the map",
    "triage.hideMap": "Hide the map",
    "triage.point": "point {lat}, {lon}",
    "triage.noPlace": "no place",
    "triage.clearLocation": "Remove the place",
    "triage.status": "Status",
    "triage.save": "Save",
    "triage.saving": "Sending…",
    "triage.unsaved": "Unsaved changes",
    "triage.queued": "API unreachable: your edit is kept and will be sent as soon as possible.",
    "triage.failed": "Refused: {error}",
    "triage.discard": "Discard this edit",
    "triage.retry": "Retry",
    "triage.escalate": "Escalate to the authority (e)",
    "triage.escalated": "Escalated",
    "triage.publish": "Publish (p)",
    "triage.unpublish": "Unpublish (p)",
    "triage.dismiss": "Dismiss (d)",
    "triage.claim": "Claim (c)",
    "triage.release": "Release (r)",
    "triage.claimedByMe": "You hold it: {left} left",
    "triage.claimedByOther": "Claimed by {name} until {until}: you cannot change it.",
    "triage.notClaimed": "Nobody holds it.",
    "triage.history": "History",
    "triage.cluster": "Same cluster ({n} reports, {spread} reshares)",
    "triage.open": "Open",
    "triage.conflict": "Someone changed this report while you were editing it. For each field, keep your value or take theirs.",
    "triage.field": "Field",
    "triage.mine": "You",
    "triage.theirs": "The other person",
    "triage.keepMine": "keep mine",
    "triage.takeTheirs": "take theirs",
    "triage.apply": "Apply these choices",
    "triage.none": "—",
    "triage.loading": "Loading the report…",
    "triage.gone": "This report does not exist (any more).",
    "triage.official": "official source",
    "triage.next": "Next unclaimed (n)",
    "triage.relay": "To relay…",
    "triage.action.relay_draft": "relay drafted",
    "triage.action.relay_approve": "relay approved",
    "triage.action.relay_post": "relayed",
    "triage.action.relay_fail": "relay refused",
    "triage.action.relay_withdraw": "relay withdrawn",
  },
});

function showValue(t, field, v) {
  if (v === null || v === undefined || v === "") return t("triage.none");
  switch (field) {
    case "category": return t(`category.${v}`);
    case "priority": return t(`priority.${v}`);
    case "verification": return t(`verification.${v}`);
    case "status": return t(`status.${v}`);
    case "location": return v.place || t("triage.point", { lat: (+v.lat).toFixed(5), lon: (+v.lon).toFixed(5) });
    default: return String(v);
  }
}

function PlaceInput({ ctx, value, onPick, disabled }) {
  const { t, api } = ctx;
  const [text, setText] = useState(value && value.place ? value.place : "");
  const [items, setItems] = useState([]);
  const [active, setActive] = useState(-1);
  const timer = useRef(0);
  const seq = useRef(0);
  useEffect(() => { setText(value && value.place ? value.place : ""); }, [value && value.place]);
  const search = (q) => {
    clearTimeout(timer.current);
    if (!q.trim()) { setItems([]); return; }
    timer.current = setTimeout(async () => {
      const n = ++seq.current;
      try {
        const b = await api.get("/places", { q: q.trim(), limit: 8 });
        if (n === seq.current) { setItems(b.items || []); setActive(-1); }
      } catch { setItems([]); }
    }, 150);
  };
  const pick = (p) => { setText(p.name); setItems([]); onPick({ place: p.name, insee: p.insee || null, lat: p.lat, lon: p.lon, named: true }); };
  const onKey = (e) => {
    if (!items.length) {
      if (e.key === "Enter") { e.preventDefault(); if (text.trim()) onPick({ place: text.trim() }); }
      return;
    }
    if (e.key === "ArrowDown") { e.preventDefault(); setActive(Math.min(items.length - 1, active + 1)); }
    else if (e.key === "ArrowUp") { e.preventDefault(); setActive(Math.max(0, active - 1)); }
    else if (e.key === "Enter") { e.preventDefault(); pick(items[Math.max(0, active)]); }
    else if (e.key === "Escape") { e.stopPropagation(); setItems([]); }
  };
  return html`<div class="combo">
    <input id="tri-place" type="text" role="combobox" aria-autocomplete="list" aria-expanded=${items.length ? "true" : "false"}
      aria-controls="tri-place-list" aria-activedescendant=${active >= 0 ? `tri-place-${active}` : undefined}
      aria-describedby="tri-place-hint" value=${text} disabled=${disabled} autocomplete="off"
      onInput=${(e) => { setText(e.currentTarget.value); search(e.currentTarget.value); }} onKeyDown=${onKey}
      onBlur=${() => setTimeout(() => setItems([]), 200)} />
    <ul id="tri-place-list" role="listbox" class=${items.length ? "options" : "options hidden"} aria-label=${t("triage.location")}>
      ${items.map((p, i) => html`<li id=${`tri-place-${i}`} role="option" aria-selected=${i === active ? "true" : "false"}
        onMouseDown=${(e) => { e.preventDefault(); pick(p); }}>${p.name}${p.matched && p.matched !== p.name ? html` <span class="hint">(${p.matched})</span>` : ""} <span class="hint">${p.insee || p.kind || ""}</span></li>`)}
    </ul>
  </div>`;
}

function PointMap({ ctx, value, onPick }) {
  const ref = useRef(null);
  const map = useRef(null);
  const marker = useRef(null);
  useEffect(() => {
    let cancelled = false;
    Promise.all([loadLeaflet(), tileLayerOptions()]).then(([L, tiles]) => {
      if (cancelled || !ref.current) return;
      const center = value && typeof value.lat === "number" ? [value.lat, value.lon] : [16.2, -61.55];
      const m = L.map(ref.current, { zoomControl: true, attributionControl: true }).setView(center, value ? 13 : 9);
      L.tileLayer(tiles.url, { maxZoom: 18, attribution: tiles.attribution }).addTo(m);
      marker.current = value && typeof value.lat === "number" ? L.circleMarker(center, { radius: 8 }).addTo(m) : null;
      m.on("click", (e) => {
        const { lat, lng } = e.latlng;
        if (marker.current) marker.current.setLatLng(e.latlng); else marker.current = L.circleMarker(e.latlng, { radius: 8 }).addTo(m);
        onPick({ lat: +lat.toFixed(6), lon: +lng.toFixed(6), place: null });
      });
      map.current = m;
    });
    return () => { cancelled = true; if (map.current) map.current.remove(); };
  }, []);
  return html`<div class="point-map" ref=${ref} role="application" aria-label=${ctx.t("triage.pickOnMap")}></div>`;
}

export default function Triage({ ctx, id, onClose, onOpen, apiRef }) {
  const { t, table, me, outbox, api } = ctx;
  const live = table.reports.value.get(id);
  const [detail, setDetail] = useState(null);
  const [missing, setMissing] = useState(false);
  const [draft, setDraft] = useState({});
  const [base, setBase] = useState(null);
  const [message, setMessage] = useState("");
  const [busy, setBusy] = useState(false);
  const [members, setMembers] = useState([]);
  const [menu, setMenu] = useState(false);
  const [showMap, setShowMap] = useState(false);
  const [choices, setChoices] = useState({});
  const [, tick] = useState(0);
  const heading = useRef(null);
  const held = useRef(false);
  const r = live || (detail && detail.report);
  const now = Date.now();

  const loadDetail = () => api.get(`/reports/${encodeURIComponent(id)}`)
    .then((d) => { table.upsert(d); setDetail({ report: d, history: d.history || [] }); })
    .catch((e) => { if (e.status === 404) setMissing(true); });

  // Open: claim (renewed every claim_minutes/3), release on close.
  useEffect(() => {
    let timer = 0;
    let closed = false;
    const minutes = Number(me.claim_minutes) || 15;
    const take = async (quiet) => {
      try {
        await act.claim(ctx, { id });
        held.current = true;
        if (!quiet) ctx.announce(t("done.claim"));
      } catch (e) {
        held.current = false;
        if (!quiet || e.code === "claimed") setMessage(act.explain(t, e));
      }
    };
    // Nothing to claim for who cannot change it: the authority, or a volunteer on a published report.
    const known = table.get(id);
    const looker = me.role === "authority" || (known && known.status === "published" && me.role !== "coordinator");
    (looker ? Promise.resolve() : take(true)).then(() => {
      loadDetail();
      if (!closed) timer = setInterval(() => { if (held.current) take(true); }, (minutes * 60000) / 3);
    });
    heading.current && heading.current.focus();
    const tickTimer = setInterval(() => tick((n) => n + 1), 1000);
    const onUnload = () => { if (held.current) act.release(ctx, { id }).catch(() => {}); };
    window.addEventListener("pagehide", onUnload);
    return () => {
      closed = true;
      clearInterval(timer);
      clearInterval(tickTimer);
      window.removeEventListener("pagehide", onUnload);
      if (held.current) act.release(ctx, { id }).catch(() => {});
    };
  }, [id]);

  useEffect(() => {
    if (!r || !(r.cluster_size > 1)) { setMembers([]); return; }
    api.get("/reports", { cluster: r.cluster_id, limit: 50 }).then((b) => setMembers((b.items || []).filter((m) => m.id !== id))).catch(() => {});
  }, [r && r.cluster_id, r && r.cluster_size]);

  // Reload the history when the report changes (someone else's edit, or mine saved).
  useEffect(() => { if (r && detail && detail.report.version !== r.version) loadDetail(); }, [r && r.version]);

  const entries = outbox.forReport(id);
  const conflict = entries.find((e) => e.state === "conflict");
  const failed = entries.find((e) => e.state === "failed");
  const queued = entries.find((e) => e.state === "pending");

  if (missing) return html`<div class="triage"><p>${t("triage.gone")}</p><button type="button" onClick=${onClose}>${t("close")}</button></div>`;
  if (!r) return html`<div class="triage"><p role="status">${t("triage.loading")}</p></div>`;

  const current = valuesOf(r);
  const value = (f) => (f in draft ? draft[f] : current[f]);
  const other = heldByOther(r, me.label, now);
  const mine = heldByMe(r, me.label, now);
  const readOnly = other || me.role === "authority" || (r.status === "published" && me.role !== "coordinator");
  const setField = (f, v) => {
    if (!base) setBase({ version: r.version, values: current });
    setDraft((d) => ({ ...d, [f]: v }));
  };
  const dirty = base ? changedFields(base.values, { ...base.values, ...draft }) : [];

  const save = async (extra = {}) => {
    const b = base || { version: r.version, values: current };
    const all = { ...draft, ...extra };
    const changes = {};
    for (const f of FIELDS) if (f in all) changes[f] = all[f];
    if (changes.location && changes.location.named) changes.location = { place: changes.location.place };
    const fields = changedFields(b.values, { ...b.values, ...changes });
    if (!fields.length) { setDraft({}); setBase(null); return; }
    const send = {};
    for (const f of fields) send[f] = changes[f];
    setBusy(true);
    setMessage("");
    try {
      await outbox.push(r.id, b.version, b.values, send);
    } finally {
      setBusy(false);
    }
    const left = outbox.forReport(id);
    if (!left.length) {
      setDraft({});
      setBase(null);
      setMessage(t("saved"));
      ctx.announce(t("saved"));
      loadDetail();
    } else if (left.some((e) => e.state === "pending")) {
      setMessage(t("triage.queued"));
      ctx.announce(t("triage.queued"));
    }
  };

  const run = async (fn, done) => {
    try { await fn(); if (done) { ctx.announce(t(done)); setMessage(t(done)); } loadDetail(); } catch (e) { const m = act.explain(t, e); setMessage(m); ctx.announce(m); }
  };
  const claimNow = () => run(async () => { await act.claim(ctx, r); held.current = true; }, "done.claim");
  const releaseNow = () => run(async () => { await act.release(ctx, r); held.current = false; }, "done.release");
  const accept = () => { const c = act.acceptSuggestion(r); for (const [f, v] of Object.entries(c)) setField(f, v); return save(c); };
  const dismiss = () => { setField("status", "dismissed"); return save({ status: "dismissed" }); };
  const escalate = () => run(() => act.post(ctx, r, "escalate"), "done.escalate");
  const publish = () => run(() => act.togglePublish(ctx, r), r.status === "published" ? "done.unpublish" : "done.publish");

  // The keys while focus is in the panel (the queue forwards them here).
  if (apiRef) {
    apiRef.current = {
      onAction(a) {
        if (readOnly && !["claim", "release"].includes(a.action)) return false;
        switch (a.action) {
          case "claim": claimNow(); return true;
          case "release": releaseNow(); return true;
          case "priority": setField("priority", a.value); save({ priority: a.value }); return true;
          case "accept": accept(); return true;
          case "dismiss": dismiss(); return true;
          case "escalate": escalate(); return true;
          case "publish": if (me.role === "coordinator") { publish(); return true; } return false;
          case "category": setMenu(true); return true;
          default: return false;
        }
      },
    };
  }

  const href = safeHref(r.source_url);
  const cat = effectiveCategory(r);
  const left = r.claim_expires_at ? countdown(r.claim_expires_at, now) : null;
  const l = lang.value;
  const history = (detail && detail.history) || [];
  const loc = value("location");

  return html`<div class="triage" data-testid="triage">
    <div class="triage-head">
      <h2 tabindex="-1" ref=${heading}>${t("triage.title")} <span class=${`prio prio-${effectivePriority(r)}`}>${t(`priority.${effectivePriority(r)}`)}</span></h2>
      <button type="button" class="quiet close" onClick=${onClose} aria-label=${t("triage.close")}>×</button>
    </div>
    <p class=${`claim-line${other ? " bad" : mine ? " mine" : ""}`} role="status">
      ${other ? t("triage.claimedByOther", { name: holderName(r.claimed_by), until: new Date(r.claim_expires_at).toLocaleTimeString(l) })
        : mine && left ? t("triage.claimedByMe", { left }) : t("triage.notClaimed")}
    </p>
    ${message && html`<p class="message" data-testid="triage-message">${message}</p>`}
    <blockquote class="post-text" data-testid="post-text">${r.text}</blockquote>
    <p class="meta">
      ${r.author_name || r.author ? t("triage.by", { name: r.author_name || r.author, network: r.network }) : r.network}${r.official ? html` · <strong>${t("triage.official")}</strong>` : ""}
      · <time datetime=${r.posted_at}>${age(r.posted_at, now, l)}</time>
      · ${r.media ? t("triage.media", { n: r.media }) : t("triage.noMedia")}
      ${href && html` · <a href=${href} target="_blank" rel="noopener noreferrer">${t("triage.source")}</a>`}
    </p>
    ${!r.category && html`<p class="suggestion">
      ${t("triage.suggestion", { category: t(`category.${r.suggested_category}`), priority: t(`priority.${r.suggested_priority}`) })}
      <button type="button" onClick=${accept} disabled=${readOnly}>${t("triage.accept")}</button></p>`}
    ${!r.category && r.suggestion_reasons && r.suggestion_reasons.length > 0 && html`<section class="reasons" aria-label=${t("why.title")} data-testid="reasons">
      <h3>${t("why.title")}</h3>
      <ul>${r.suggestion_reasons.map((x) => html`<li data-rule=${x.rule}>${reasonLine(t, x)}</li>`)}</ul>
    </section>`}

    ${conflict && html`<section class="conflict" aria-labelledby="conflict-title" data-testid="conflict">
      <h3 id="conflict-title">${t("triage.conflict")}</h3>
      <table>
        <thead><tr><th scope="col">${t("triage.field")}</th><th scope="col">${t("triage.mine")}</th><th scope="col">${t("triage.theirs")}</th></tr></thead>
        <tbody>${conflict.conflicts.map((c) => html`<tr data-field=${c.field}>
          <th scope="row">${t(`triage.${c.field}`)}</th>
          <td><label><input type="radio" name=${`pick-${c.field}`} value="mine" checked=${(choices[c.field] || "mine") === "mine"}
            onChange=${() => setChoices({ ...choices, [c.field]: "mine" })} /> ${showValue(t, c.field, c.mine)} <span class="hint">(${t("triage.keepMine")})</span></label></td>
          <td><label><input type="radio" name=${`pick-${c.field}`} value="theirs" checked=${choices[c.field] === "theirs"}
            onChange=${() => setChoices({ ...choices, [c.field]: "theirs" })} /> ${showValue(t, c.field, c.theirs)} <span class="hint">(${t("triage.takeTheirs")})</span></label></td>
        </tr>`)}</tbody>
      </table>
      <button type="button" class="primary" onClick=${async () => {
        await outbox.choose(conflict.key, choices);
        setChoices({});
        if (!outbox.forReport(id).length) { setDraft({}); setBase(null); setMessage(t("saved")); ctx.announce(t("saved")); loadDetail(); }
      }}>${t("triage.apply")}</button>
    </section>`}
    ${failed && html`<p class="error" role="alert">${t("triage.failed", { error: failed.error })}
      <button type="button" onClick=${() => outbox.retryFailed(failed.key)}>${t("triage.retry")}</button>
      <button type="button" class="quiet" onClick=${() => outbox.discard(failed.key)}>${t("triage.discard")}</button></p>`}
    ${queued && !busy && html`<p class="pending" role="status">${t("triage.queued")}</p>`}

    <form class="fields" onSubmit=${(e) => { e.preventDefault(); save(); }}>
      <fieldset disabled=${readOnly}>
        <div class="field">
          <label for="tri-category">${t("triage.category")}</label>
          <select id="tri-category" value=${value("category") || ""} onChange=${(e) => setField("category", e.currentTarget.value || null)}>
            <option value="">${t("triage.none")} (${t("queue.suggested")} : ${t(`category.${r.suggested_category}`)})</option>
            ${CATEGORIES.map((c) => html`<option value=${c}>${t(`category.${c}`)}</option>`)}
          </select>
        </div>
        <div class="field">
          <label for="tri-priority">${t("triage.priority")}</label>
          <select id="tri-priority" value=${value("priority") || ""} onChange=${(e) => setField("priority", e.currentTarget.value || null)}>
            <option value="">${t("triage.none")} (${t("queue.suggested")} : ${t(`priority.${r.suggested_priority}`)})</option>
            ${PRIORITIES.map((p, i) => html`<option value=${p}>${i + 1} — ${t(`priority.${p}`)}</option>`)}
          </select>
        </div>
        <div class="field">
          <label for="tri-verification">${t("triage.verification")}</label>
          <select id="tri-verification" value=${value("verification")} onChange=${(e) => setField("verification", e.currentTarget.value)}>
            ${VERIFICATIONS.map((v) => html`<option value=${v}>${t(`verification.${v}`)}</option>`)}
          </select>
        </div>
        <div class="field">
          <label for="tri-status">${t("triage.status")}</label>
          <select id="tri-status" value=${value("status")} onChange=${(e) => setField("status", e.currentTarget.value)}>
            ${["new", "triaged", "dismissed"].concat(r.status === "published" ? ["published"] : []).map((s) => html`<option value=${s}>${t(`status.${s}`)}</option>`)}
          </select>
        </div>
        <div class="field wide">
          <label for="tri-summary">${t("triage.summary")}</label>
          <textarea id="tri-summary" rows="3" maxlength="500" value=${value("summary") || ""}
            onInput=${(e) => setField("summary", e.currentTarget.value)}
            onKeyDown=${(e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); save(); } }}></textarea>
        </div>
        <div class="field wide">
          <label for="tri-place">${t("triage.location")}</label>
          <${PlaceInput} ctx=${ctx} value=${loc} disabled=${readOnly} onPick=${(v) => setField("location", v)} />
          <p id="tri-place-hint" class="hint">${t("triage.locationHint")} — ${loc ? showValue(t, "location", loc) : t("triage.noPlace")}</p>
          <div class="buttons">
            <button type="button" onClick=${() => setShowMap(!showMap)} aria-expanded=${showMap ? "true" : "false"}>${showMap ? t("triage.hideMap") : t("triage.pickOnMap")}</button>
            ${loc && html`<button type="button" class="quiet" onClick=${() => setField("location", null)}>${t("triage.clearLocation")}</button>`}
          </div>
          ${showMap && html`<${PointMap} ctx=${ctx} value=${loc} onPick=${(v) => setField("location", v)} />`}
        </div>
      </fieldset>
      <div class="buttons actions">
        <button type="submit" class="primary" disabled=${readOnly || busy || !dirty.length} data-testid="save">${busy ? t("triage.saving") : t("triage.save")}</button>
        ${dirty.length > 0 && html`<span class="hint">${t("triage.unsaved")} (${dirty.map((f) => t(`triage.${f}`)).join(", ")})</span>`}
      </div>
    </form>
    <div class="buttons actions">
      ${mine ? html`<button type="button" onClick=${releaseNow}>${t("triage.release")}</button>`
        : html`<button type="button" onClick=${claimNow} disabled=${other || me.role === "authority"}>${t("triage.claim")}</button>`}
      <button type="button" onClick=${escalate} disabled=${readOnly || r.escalated}>${r.escalated ? t("triage.escalated") : t("triage.escalate")}</button>
      ${me.role === "coordinator" && html`<button type="button" onClick=${publish} disabled=${other}>${r.status === "published" ? t("triage.unpublish") : t("triage.publish")}</button>`}
      <button type="button" onClick=${dismiss} disabled=${readOnly || r.status === "dismissed"}>${t("triage.dismiss")}</button>
      ${me.role !== "authority" && html`<button type="button" data-testid="to-relay" onClick=${() => ctx.navigate("relays", { open: r.id })}>${t("triage.relay")}</button>`}
    </div>

    ${members.length > 0 && html`<section class="cluster" aria-labelledby="cluster-title">
      <h3 id="cluster-title">${t("triage.cluster", { n: r.cluster_size, spread: r.spread_count || 0 })}</h3>
      <ul>${members.map((m) => html`<li><button type="button" class="link" onClick=${() => onOpen(m.id)}>${t("triage.open")}</button>
        <span class="hint">${m.network} · ${age(m.posted_at, now, l)}</span> ${m.text.length > 140 ? `${m.text.slice(0, 140)}…` : m.text}</li>`)}</ul>
    </section>`}

    <section class="history" aria-labelledby="history-title">
      <h3 id="history-title">${t("triage.history")}</h3>
      <ol>${history.slice().reverse().map((h) => html`<li>
        <time datetime=${h.at}>${new Date(h.at).toLocaleString(l)}</time> — <strong>${holderName(h.actor)}</strong> : ${/^relay_/.test(h.action) ? t(`triage.action.${h.action}`) : h.action}
        ${h.changes && Object.keys(h.changes).length > 0 && html`<ul>${Object.entries(h.changes).filter(([k]) => k !== "claim_expires_at" && k !== "updated_at").map(([k, c]) => html`<li><code>${k}</code> : ${fmt(c && c.before)} → ${fmt(c && c.after)}</li>`)}</ul>`}
      </li>`)}</ol>
    </section>
    ${menu && html`<${CategoryMenu} t=${t} current=${value("category") || cat} suggested=${r.suggested_category}
      onClose=${() => setMenu(false)} onPick=${(c) => { setMenu(false); setField("category", c); save({ category: c }); }} />`}
  </div>`;
}

function fmt(v) {
  if (v === null || v === undefined) return "∅";
  if (typeof v === "object" && v.url) return `${v.account || v.network || ""} ${v.url}`.trim();
  if (typeof v === "object" && v.error) return `${v.account || v.network || ""} : ${v.error}`;
  if (typeof v === "object") return v.place || JSON.stringify(v);
  return String(v);
}

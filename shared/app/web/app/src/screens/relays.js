// Relays: the outbound half of the job. A volunteer drafts the relay of an official message or
// a call for solidarity (opened from a report: `?view=relays&open=<report id>`), with its
// lengths counted for each network as it is typed; a coordinator approves it (Vigie posts to
// the association's accounts, each once) or withdraws it; everyone gets the share links of the
// networks without a posting API, the relay log with the published posts' links, and the
// reminders of the safety messages to relay again.

import { html } from "htm/preact";
import { useState, useEffect } from "preact/hooks";
import { counters, proposeText, reminder } from "../relaytext.js";
import { adoptStyles, strings, scoped, get, send, failure, label, formatTime, relative, excerpt } from "./common.js";

strings("relays", {
  fr: {
    title: "Relais",
    intro: "Consignes officielles et appels à la solidarité relayés sur les comptes de l'association et par liens de partage.",
    draft_title: "Proposer un relais",
    report: "Signalement relayé",
    kind: "Nature",
    kind_official: "Consigne officielle",
    kind_solidarity: "Appel à la solidarité",
    accounts: "Comptes de l'association",
    no_accounts: "Le fichier de crise ne nomme aucun compte [[relay]] : ce relais passera par les liens de partage.",
    text: "Texte du relais (avec le lien de la source et les mots-dièse de la crise)",
    count: "{network} : {length} / {max}",
    over: "trop long pour {network} de {n}",
    submit: "Proposer au coordinateur",
    sending: "Envoi…",
    cancel: "Annuler",
    drafted_now: "Relais proposé : un coordinateur l'approuvera.",
    log: "Journal des relais",
    none: "Aucun relais pour l'instant. Ouvrez un signalement et choisissez « À relayer ».",
    status_draft: "À approuver",
    status_approved: "En cours de publication",
    status_posted: "Relayé",
    status_failed: "Échec sur un compte",
    status_withdrawn: "Retiré",
    drafted: "Proposé par {who}, {when}",
    approved: "Approuvé par {who}, {when}",
    target_posted: "publié {when}",
    target_pending: "en attente",
    target_posting: "en cours d'envoi",
    target_failed: "refusé : {error}",
    see_post: "Voir la publication",
    share: "Partager ailleurs (texte prêt) :",
    share_on: "Partager sur {network}",
    copy: "Copier le texte",
    copied: "Texte copié.",
    remind: "Rappel",
    remind_none: "pas de rappel",
    remind_every: "toutes les {n} h",
    approve: "Approuver et publier",
    approving: "Publication…",
    retry: "Réessayer les comptes en échec",
    withdraw: "Retirer",
    approved_now: "Relais approuvé.",
    withdrawn_now: "Relais retiré.",
    due: "À relayer de nouveau maintenant (rappel toutes les {n} h)",
    next: "Prochain rappel {when} (toutes les {n} h)",
    due_banner: "{n} consigne(s) à relayer de nouveau",
    again: "Relayer de nouveau",
    open_report: "Voir le signalement",
    approve_hint: "Seul un coordinateur approuve et publie.",
  },
  en: {
    title: "Relays",
    intro: "Official safety messages and calls for solidarity relayed on the association's accounts and by share links.",
    draft_title: "Draft a relay",
    report: "Report relayed",
    kind: "Kind",
    kind_official: "Official safety message",
    kind_solidarity: "Call for solidarity",
    accounts: "The association's accounts",
    no_accounts: "The crisis file names no [[relay]] account: this relay will go by share links.",
    text: "Text of the relay (with the source's link and the crisis's hashtags)",
    count: "{network}: {length} / {max}",
    over: "too long for {network} by {n}",
    submit: "Send to a coordinator",
    sending: "Sending…",
    cancel: "Cancel",
    drafted_now: "Relay drafted: a coordinator will approve it.",
    log: "Relay log",
    none: "No relay yet. Open a report and choose “To relay”.",
    status_draft: "To approve",
    status_approved: "Being posted",
    status_posted: "Relayed",
    status_failed: "Failed on an account",
    status_withdrawn: "Withdrawn",
    drafted: "Drafted by {who}, {when}",
    approved: "Approved by {who}, {when}",
    target_posted: "posted {when}",
    target_pending: "waiting",
    target_posting: "being sent",
    target_failed: "refused: {error}",
    see_post: "See the post",
    share: "Share elsewhere (text ready):",
    share_on: "Share on {network}",
    copy: "Copy the text",
    copied: "Text copied.",
    remind: "Reminder",
    remind_none: "no reminder",
    remind_every: "every {n} h",
    approve: "Approve and post",
    approving: "Posting…",
    retry: "Retry the failed accounts",
    withdraw: "Withdraw",
    approved_now: "Relay approved.",
    withdrawn_now: "Relay withdrawn.",
    due: "To relay again now (reminder every {n} h)",
    next: "Next reminder {when} (every {n} h)",
    due_banner: "{n} safety message(s) to relay again",
    again: "Relay again",
    open_report: "Show the report",
    approve_hint: "Only a coordinator approves and posts.",
  },
});

adoptStyles("relays", `
.relays .item { border-left: 0.4rem solid #6b6d6d; }
.relays .item[data-status=draft] { border-left-color: #8a6d00; }
.relays .item[data-status=posted] { border-left-color: #0f6b2f; }
.relays .item[data-status=failed] { border-left-color: #a31515; }
.relays .item.due { background: #fff8e1; }
.relays .meta { font-size: 0.9rem; color: #4d4d4d; margin: 0.2rem 0; }
.relays .counters { display: flex; gap: 1rem; flex-wrap: wrap; margin: 0.3rem 0; font-variant-numeric: tabular-nums; }
.relays .counters .over { color: #a31515; font-weight: 700; }
.relays .check { display: flex; gap: 0.4rem; align-items: center; font-weight: 400; margin: 0.3rem 0; }
.relays .check input { width: auto; }
.relays fieldset { border: 1px solid #c8c8c8; border-radius: 0.4rem; margin: 0.75rem 0; padding: 0.25rem 0.75rem 0.5rem; }
.relays legend { font-weight: 600; padding: 0 0.25rem; }
.relays .share a { display: inline-flex; align-items: center; min-height: 2.5rem; padding: 0 0.8rem; border: 1px solid #0b3d5c; border-radius: 0.35rem; color: #0b3d5c; text-decoration: none; }
.relays .due-banner { border: 2px solid #8a6d00; background: #fff8e1; border-radius: 0.5rem; padding: 0.5rem 0.75rem; margin: 0.5rem 0; font-weight: 600; }
.relays .badge[data-status=draft] { background: #8a6d00; }
.relays .badge[data-status=approved] { background: #1f618d; }
.relays .badge[data-status=posted] { background: #0f6b2f; }
.relays .badge[data-status=failed] { background: #a31515; }
.relays .draft h2 { margin-top: 0; }
.relays .targets { margin: 0.3rem 0; padding-left: 1.2rem; }
.relays select { width: auto; }
`);

const NETWORK_OF = { mastodon: "Mastodon", bluesky: "Bluesky" };

/** The draft form: a report, its kind, the accounts, the text with its counters. */
function DraftForm({ ctx, tr, reportId, accounts, hashtags, seed, onDone }) {
  const [report, setReport] = useState(() => (ctx.table && ctx.table.reports ? ctx.table.reports.value.get(reportId) : null) || null);
  const [chosen, setChosen] = useState(() => accounts.map((a) => a.id));
  const networks = accounts.filter((a) => chosen.includes(a.id)).map((a) => a.network);
  const [kind, setKind] = useState(seed ? seed.kind : null);
  const [text, setText] = useState(seed ? seed.text : null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (report) return;
    get(ctx, `/reports/${encodeURIComponent(reportId)}`).then(setReport, (e) => setError(failure((k) => ctx.t(`common.${k}`), e)));
  }, [reportId]);
  // The first draft, once the report is known.
  useEffect(() => {
    if (!report) return;
    if (kind === null) setKind(report.official || (report.category || report.suggested_category) === "official" ? "official" : "solidarity");
    if (text === null) setText(proposeText(report, hashtags, networks));
  }, [report]);

  const counts = counters(text || "", networks);
  const tooLong = counts.some((c) => c.over);
  const submit = async (ev) => {
    ev.preventDefault();
    setBusy(true);
    setError("");
    try {
      await send(ctx, "POST", "/relays", { report: reportId, text, kind, accounts: chosen });
      ctx.announce(tr("drafted_now"));
      onDone(true);
    } catch (e) {
      setError(failure((k) => ctx.t(`common.${k}`), e));
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="card draft" onSubmit=${submit} aria-labelledby="relay-draft-title" data-testid="relay-draft">
    <h2 id="relay-draft-title">${tr("draft_title")}</h2>
    <p class="meta">${tr("report")} : ${report ? html`<span class="post">${excerpt(report.text, 200)}</span>` : ctx.t("common.loading")}</p>
    <fieldset>
      <legend>${tr("kind")}</legend>
      ${["official", "solidarity"].map((k) => html`<label class="check"><input type="radio" name="relay-kind" value=${k} checked=${kind === k} onChange=${() => setKind(k)} /> ${tr(`kind_${k}`)}</label>`)}
    </fieldset>
    <fieldset>
      <legend>${tr("accounts")}</legend>
      ${accounts.length === 0 ? html`<p class="hint">${tr("no_accounts")}</p>` : accounts.map((a) => html`<label class="check">
        <input type="checkbox" value=${a.id} checked=${chosen.includes(a.id)}
          onChange=${(e) => setChosen(e.currentTarget.checked ? [...chosen, a.id] : chosen.filter((x) => x !== a.id))} />
        ${a.id} (${NETWORK_OF[a.network] || a.network})</label>`)}
    </fieldset>
    <label for="relay-text">${tr("text")}</label>
    <textarea id="relay-text" rows="7" value=${text || ""} aria-describedby="relay-counters" onInput=${(e) => setText(e.currentTarget.value)}></textarea>
    <div id="relay-counters" class="counters" aria-live="polite" data-testid="relay-counters">
      ${counts.map((c) => html`<span class=${c.over ? "over" : ""} data-network=${c.network}>${tr("count", { network: NETWORK_OF[c.network], length: c.length, max: c.max })}${c.over ? ` — ${tr("over", { network: NETWORK_OF[c.network], n: c.length - c.max })}` : ""}</span>`)}
    </div>
    ${error ? html`<p class="error" role="alert">${error}</p>` : ""}
    <div class="row">
      <button class="btn primary" type="submit" disabled=${busy || !report || !(text || "").trim() || tooLong}>${busy ? tr("sending") : tr("submit")}</button>
      <button class="btn" type="button" onClick=${() => onDone(false)}>${tr("cancel")}</button>
    </div>
  </form>`;
}

/** Share links and a copy button: the networks without a posting API. */
function Share({ ctx, tr, relay }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try { await navigator.clipboard.writeText(relay.text); setCopied(true); ctx.announce(tr("copied")); } catch { setCopied(false); }
  };
  return html`<div class="row share">
    <span class="meta">${tr("share")}</span>
    ${(relay.share || []).map((s) => html`<a href=${s.url} target="_blank" rel="noopener noreferrer" data-network=${s.network}
      aria-label=${tr("share_on", { network: label.network(ctx, s.network) })}>${label.network(ctx, s.network)}</a>`)}
    <button class="btn" type="button" onClick=${copy}>${copied ? tr("copied") : tr("copy")}</button>
  </div>`;
}

function Relay({ ctx, tr, relay, coordinator, dueNow, onSaved, onAgain }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [every, setEvery] = useState(relay.kind === "official" ? "6" : "");
  const due = reminder(relay);
  const step = async (what, body, said) => {
    setBusy(true);
    setError("");
    try {
      const res = await send(ctx, "POST", `/relays/${encodeURIComponent(relay.id)}/${what}`, body);
      onSaved(res.body);
      ctx.announce(said);
    } catch (e) {
      setError(failure((k) => ctx.t(`common.${k}`), e));
    } finally {
      setBusy(false);
    }
  };
  const approve = () => step("approve", { version: relay.version, remind_every_hours: every ? Number(every) : null }, tr("approved_now"));
  const selectId = `remind-${relay.id}`;
  const answered = due && due.due && !dueNow.includes(relay);
  return html`<li class=${"card item" + (due && due.due && !answered ? " due" : "")} data-id=${relay.id} data-status=${relay.status}>
    <div class="row">
      <span class="badge" data-status=${relay.status} data-testid="relay-status">${tr(`status_${relay.status}`)}</span>
      <span class="badge outline">${tr(`kind_${relay.kind}`)}</span>
    </div>
    <p class="post">${relay.text}</p>
    <p class="meta">${tr("drafted", { who: relay.drafted_by, when: formatTime(relay.drafted_at) })}${relay.approved_by ? html` · ${tr("approved", { who: relay.approved_by, when: formatTime(relay.approved_at) })}` : ""}</p>
    ${relay.targets && relay.targets.length > 0 && html`<ul class="targets">${relay.targets.map((t) => html`<li data-account=${t.account} data-state=${t.state}>
      <strong>${t.account}</strong> ${`(${NETWORK_OF[t.network] || t.network}) : `}${t.state === "posted" ? tr("target_posted", { when: formatTime(t.posted_at) }) : t.state === "failed" ? tr("target_failed", { error: t.error || "?" }) : tr(`target_${t.state}`)}
      ${t.url && /^https?:\/\//.test(t.url) ? html` — <a href=${t.url} target="_blank" rel="noopener noreferrer">${tr("see_post")}</a>` : ""}
    </li>`)}</ul>`}
    ${due && !answered && html`<p class=${due.due ? "error" : "meta"} data-testid="relay-reminder">${due.due ? tr("due", { n: due.every }) : tr("next", { when: `${relative(due.at)} (${formatTime(due.at)})`, n: due.every })}</p>`}
    ${relay.status !== "withdrawn" && html`<${Share} ctx=${ctx} tr=${tr} relay=${relay} />`}
    ${error ? html`<p class="error" role="alert">${error}</p>` : ""}
    <div class="row">
      ${coordinator && relay.status === "draft" && html`
        <label class="check" for=${selectId}>${tr("remind")}</label>
        <select id=${selectId} value=${every} onChange=${(e) => setEvery(e.currentTarget.value)}>
          <option value="">${tr("remind_none")}</option>
          ${[2, 3, 4, 6, 8, 12, 24].map((n) => html`<option value=${String(n)}>${tr("remind_every", { n })}</option>`)}
        </select>
        <button class="btn primary" type="button" disabled=${busy} onClick=${approve}>${busy ? tr("approving") : tr("approve")}</button>
        <button class="btn danger" type="button" disabled=${busy} onClick=${() => step("withdraw", { version: relay.version }, tr("withdrawn_now"))}>${tr("withdraw")}</button>`}
      ${coordinator && relay.status === "failed" && html`<button class="btn primary" type="button" disabled=${busy} onClick=${() => step("approve", {}, tr("approved_now"))}>${tr("retry")}</button>`}
      ${dueNow && dueNow.includes(relay) && ctx.me.role !== "authority" && html`<button class="btn primary" type="button" onClick=${() => onAgain(relay)}>${tr("again")}</button>`}
      <button class="btn" type="button" onClick=${() => ctx.navigate("queue", { open: relay.report })}>${tr("open_report")}</button>
    </div>
  </li>`;
}

export default function Screen({ ctx }) {
  const tr = scoped(ctx, "relays");
  const [data, setData] = useState(null);
  const [error, setError] = useState("");
  const [seed, setSeed] = useState(null);
  const [, tick] = useState(0);
  const open = ctx.url.value.open;
  const coordinator = ctx.me.role === "coordinator";
  const mayDraft = ctx.me.role === "volunteer" || coordinator;

  const load = () => get(ctx, "/relays").then((b) => { setData(b); setError(""); }, (e) => setError(failure((k) => ctx.t(`common.${k}`), e)));
  useEffect(() => {
    load();
    const timer = setInterval(() => { tick((n) => n + 1); load(); }, 30000);
    return () => clearInterval(timer);
  }, []);

  const all = (data && data.items) || [];
  // A reminder is answered by a newer relay of the same text.
  const dueNow = all.filter((r) => {
    const d = reminder(r);
    return d && d.due && !all.some((o) => o !== r && o.text === r.text && o.status !== "withdrawn" && Date.parse(o.drafted_at) > Date.parse(r.drafted_at));
  });
  // What needs someone first: reminders due, then drafts to approve, then the log, newest first.
  const rank = (r) => (dueNow.includes(r) ? 0 : r.status === "draft" ? 1 : 2);
  const items = all.slice().sort((a, b) => rank(a) - rank(b) || Date.parse(b.drafted_at) - Date.parse(a.drafted_at));
  const saved = (relay) => setData((d) => ({ ...d, items: (d.items || []).map((x) => (x.id === relay.id ? relay : x)) }));
  const done = (drafted) => { setSeed(null); ctx.navigate("relays", { open: null, replace: true }); if (drafted) load(); };
  const again = (relay) => { setSeed({ kind: relay.kind, text: relay.text }); ctx.navigate("relays", { open: relay.report }); };

  return html`<section class="scr relays" aria-labelledby="relays-title">
    <h1 id="relays-title">${tr("title")}</h1>
    <p class="muted">${tr("intro")}</p>
    ${dueNow.length > 0 && html`<p class="due-banner" role="status" data-testid="relay-due">${tr("due_banner", { n: dueNow.length })}</p>`}
    ${error ? html`<p class="error" role="alert">${error}</p>` : ""}
    ${open && mayDraft && data && html`<${DraftForm} key=${open + (seed ? seed.text : "")} ctx=${ctx} tr=${tr} reportId=${open}
      accounts=${data.accounts || []} hashtags=${data.hashtags || []} seed=${seed} onDone=${done} />`}
    ${!coordinator && mayDraft && html`<p class="hint">${tr("approve_hint")}</p>`}
    <h2>${tr("log")}</h2>
    ${data === null && !error ? html`<p>${ctx.t("common.loading")}</p>` : ""}
    ${data !== null && items.length === 0 ? html`<p>${tr("none")}</p>` : ""}
    <ul class="plain" aria-label=${tr("log")}>
      ${items.map((r) => html`<${Relay} key=${r.id} ctx=${ctx} tr=${tr} relay=${r} coordinator=${coordinator} dueNow=${dueNow} onSaved=${saved} onAgain=${again} />`)}
    </ul>
  </section>`;
}

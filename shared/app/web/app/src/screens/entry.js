// Hand entry of a post seen on a network without an API (Facebook, WhatsApp, Waze…): its
// address (the network is recognised from it), its text, its place (autocompleted from
// /places) and when it was seen. Also the target of the installed app's share sheet
// (`share_target`: ?view=entry&url=…&text=…&title=…), which prefills the form.

import { html } from "htm/preact";
import { useState, useRef, useEffect } from "preact/hooks";
import { networkFromUrl, isHttpUrl, fromShare, NETWORKS } from "../network.js";
import { adoptStyles, strings, scoped, get, send, failure, label } from "./common.js";

strings("entry", {
  fr: {
    title: "Saisie à la main",
    intro: "Un message vu sur un réseau que Vigie ne lit pas (Facebook, Instagram, WhatsApp, Waze, TikTok…) : collez son adresse et son texte.",
    url: "Adresse du message",
    url_hint: "Le réseau est reconnu depuis l'adresse.",
    url_bad: "Une adresse qui commence par https:// ou http://",
    network: "Réseau",
    recognised: "Reconnu : {network}",
    text: "Texte du message",
    text_missing: "Le texte est obligatoire.",
    place: "Lieu (facultatif)",
    place_hint: "Commune ou quartier : tapez le début du nom.",
    no_place: "Aucun lieu connu ne commence ainsi.",
    also: "aussi appelé {name}",
    time: "Vu à (facultatif)",
    time_hint: "Laissez vide pour maintenant.",
    save: "Enregistrer",
    saving: "Enregistrement…",
    saved: "Enregistré dans la table.",
    duplicate: "Déjà dans la table.",
    open_it: "L'ouvrir",
    open_new: "Ouvrir dans la file",
    another: "Saisir un autre message",
    shared: "Reçu d'une autre application : vérifiez et complétez.",
    not_allowed: "Votre rôle ne permet pas de saisir des messages.",
  },
  en: {
    title: "Hand entry",
    intro: "A post seen on a network Vigie does not read (Facebook, Instagram, WhatsApp, Waze, TikTok…): paste its address and its text.",
    url: "Post address",
    url_hint: "The network is recognised from the address.",
    url_bad: "An address starting with https:// or http://",
    network: "Network",
    recognised: "Recognised: {network}",
    text: "Post text",
    text_missing: "The text is required.",
    place: "Place (optional)",
    place_hint: "Commune or district: type the start of its name.",
    no_place: "No known place starts like that.",
    also: "also called {name}",
    time: "Seen at (optional)",
    time_hint: "Leave empty for now.",
    save: "Save",
    saving: "Saving…",
    saved: "Saved in the table.",
    duplicate: "Already in the table.",
    open_it: "Open it",
    open_new: "Open in the queue",
    another: "Enter another post",
    shared: "Received from another app: check and complete.",
    not_allowed: "Your role cannot enter posts.",
  },
});

adoptStyles("entry", `
.entry form { max-width: 40rem; }
.entry .combo { position: relative; }
.entry [role=listbox] { position: absolute; z-index: 20; left: 0; right: 0; margin: 0; padding: 0; list-style: none; background: #fff; border: 1px solid #6b6b6b; border-radius: 0.3rem; max-height: 16rem; overflow-y: auto; box-shadow: 0 4px 12px rgba(0,0,0,0.15); }
.entry [role=option] { padding: 0.5rem; cursor: pointer; }
.entry [role=option][aria-selected=true] { background: #0b3d5c; color: #fff; }
.entry [role=option][aria-selected=true] .muted { color: #e6e6e6; }
.entry .actions { margin-top: 1rem; }
.entry .result { margin-top: 1rem; }
`);

/** The form's values from the address bar (a share from another app, or a link). */
function fromAddress() {
  const q = new URLSearchParams(location.search);
  const shared = q.has("url") || q.has("text") || q.has("title");
  return { shared, ...fromShare({ title: q.get("title") || "", text: q.get("text") || "", url: q.get("url") || "" }) };
}

/** `datetime-local` value → RFC 3339 in UTC, or undefined when empty or unreadable. */
function toRfc3339(local) {
  if (!local) return undefined;
  const t = new Date(local);
  return Number.isNaN(t.getTime()) ? undefined : t.toISOString();
}

/** A place field with suggestions from /places (an ARIA 1.2 combobox). */
function PlaceInput({ ctx, tr, value, onChange }) {
  const [items, setItems] = useState([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [empty, setEmpty] = useState(false);
  const timer = useRef(0);
  const asked = useRef(0);
  useEffect(() => () => clearTimeout(timer.current), []);

  const lookup = (q) => {
    clearTimeout(timer.current);
    if (q.trim().length < 2) { setItems([]); setOpen(false); setEmpty(false); return; }
    timer.current = setTimeout(async () => {
      const n = ++asked.current;
      try {
        const body = await get(ctx, "/places", { q: q.trim(), limit: 8 });
        if (n !== asked.current) return;
        const found = (body && body.items) || [];
        setItems(found); setActive(-1); setOpen(found.length > 0); setEmpty(found.length === 0);
      } catch { if (n === asked.current) { setItems([]); setOpen(false); } }
    }, 180);
  };
  const choose = (item) => {
    onChange({ text: item.name, code: item.insee || item.name });
    setOpen(false); setItems([]); setEmpty(false);
  };
  const onKey = (e) => {
    if (e.key === "ArrowDown" && items.length) { e.preventDefault(); setOpen(true); setActive((a) => (a + 1) % items.length); }
    else if (e.key === "ArrowUp" && items.length) { e.preventDefault(); setOpen(true); setActive((a) => (a <= 0 ? items.length - 1 : a - 1)); }
    else if (e.key === "Enter" && open && active >= 0) { e.preventDefault(); choose(items[active]); }
    else if (e.key === "Escape" && open) { e.preventDefault(); e.stopPropagation(); setOpen(false); }
  };
  return html`<div class="combo">
    <label for="entry-place">${tr("place")}</label>
    <input id="entry-place" type="text" autocomplete="off" role="combobox" aria-autocomplete="list"
      aria-expanded=${open ? "true" : "false"} aria-controls="entry-place-list" aria-describedby="entry-place-hint"
      aria-activedescendant=${open && active >= 0 ? `entry-place-${active}` : undefined}
      value=${value.text}
      onInput=${(e) => { onChange({ text: e.currentTarget.value, code: "" }); lookup(e.currentTarget.value); }}
      onKeyDown=${onKey} onBlur=${() => setTimeout(() => setOpen(false), 150)} />
    <ul id="entry-place-list" role="listbox" aria-label=${tr("place")} hidden=${!open}>
      ${items.map((item, i) => html`<li id=${`entry-place-${i}`} role="option" aria-selected=${i === active ? "true" : "false"}
          onMouseDown=${(e) => { e.preventDefault(); choose(item); }}>
        ${item.name}${item.matched && item.matched !== item.name ? html` <span class="muted">(${tr("also", { name: item.matched })})</span>` : ""}
        ${item.kind ? html` <span class="muted">· ${item.kind}</span>` : ""}
      </li>`)}
    </ul>
    <p id="entry-place-hint" class="hint">${empty ? tr("no_place") : tr("place_hint")}</p>
  </div>`;
}

export default function Screen({ ctx }) {
  const tr = scoped(ctx, "entry");
  const start = useRef(fromAddress()).current;
  const [url, setUrl] = useState(start.url);
  const [network, setNetwork] = useState(networkFromUrl(start.url));
  const [networkTouched, setNetworkTouched] = useState(false);
  const [text, setText] = useState(start.text);
  const [place, setPlace] = useState({ text: "", code: "" });
  const [time, setTime] = useState("");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState(null); // {kind: saved|duplicate|error, message, id}
  const [tried, setTried] = useState(false);
  const resultRef = useRef(null);
  const first = useRef(null);

  useEffect(() => { if (result && resultRef.current) resultRef.current.focus(); }, [result]);
  const role = ctx.me && ctx.me.role;
  if (role === "authority") return html`<section class="scr entry"><h1>${tr("title")}</h1><p>${tr("not_allowed")}</p></section>`;

  const urlOk = isHttpUrl(url);
  const textOk = text.trim() !== "";
  const onUrl = (v) => { setUrl(v); if (!networkTouched) setNetwork(networkFromUrl(v)); };

  const submit = async (e) => {
    e.preventDefault();
    setTried(true);
    if (!urlOk || !textOk || busy) return;
    setBusy(true);
    const body = { network, url: url.trim(), text };
    if (place.code || place.text.trim()) body.place = place.code || place.text.trim();
    const at = toRfc3339(time);
    if (at) body.observed_at = at;
    try {
      const res = await send(ctx, "POST", "/reports", body);
      const report = res.body;
      if (ctx.table && ctx.table.upsert && report && report.id) ctx.table.upsert(report);
      if (report && report.duplicate) {
        setResult({ kind: "duplicate", id: report.id, message: tr("duplicate") });
        ctx.announce(tr("duplicate"));
      } else {
        setResult({ kind: "saved", id: report && report.id, message: tr("saved") });
        ctx.announce(tr("saved"));
      }
    } catch (err) {
      setResult({ kind: "error", message: failure((k) => ctx.t(`common.${k}`), err) });
    } finally {
      setBusy(false);
    }
  };
  const again = () => {
    setUrl(""); setText(""); setPlace({ text: "", code: "" }); setTime(""); setNetwork("other");
    setNetworkTouched(false); setResult(null); setTried(false);
    setTimeout(() => first.current && first.current.focus(), 0);
  };

  return html`<section class="scr entry" aria-labelledby="entry-title">
    <h1 id="entry-title">${tr("title")}</h1>
    <p class="muted">${tr("intro")}</p>
    ${start.shared ? html`<p class="ok">${tr("shared")}</p>` : ""}
    <form onSubmit=${submit} novalidate>
      <label for="entry-url">${tr("url")}</label>
      <input id="entry-url" ref=${first} type="url" inputmode="url" required autocomplete="off"
        aria-invalid=${tried && !urlOk ? "true" : "false"} aria-describedby="entry-url-hint"
        value=${url} onInput=${(e) => onUrl(e.currentTarget.value)} />
      <p id="entry-url-hint" class=${tried && !urlOk ? "hint error" : "hint"}>
        ${tried && !urlOk ? tr("url_bad") : urlOk && network !== "other" ? tr("recognised", { network: label.network(ctx, network) }) : tr("url_hint")}
      </p>

      <label for="entry-network">${tr("network")}</label>
      <select id="entry-network" value=${network} onChange=${(e) => { setNetwork(e.currentTarget.value); setNetworkTouched(true); }}>
        ${NETWORKS.map((n) => html`<option value=${n}>${label.network(ctx, n)}</option>`)}
      </select>

      <label for="entry-text">${tr("text")}</label>
      <textarea id="entry-text" required maxlength="10000" aria-invalid=${tried && !textOk ? "true" : "false"}
        aria-describedby=${tried && !textOk ? "entry-text-error" : undefined}
        value=${text} onInput=${(e) => setText(e.currentTarget.value)}></textarea>
      ${tried && !textOk ? html`<p id="entry-text-error" class="hint error">${tr("text_missing")}</p>` : ""}

      <${PlaceInput} ctx=${ctx} tr=${tr} value=${place} onChange=${setPlace} />

      <label for="entry-time">${tr("time")}</label>
      <input id="entry-time" type="datetime-local" aria-describedby="entry-time-hint" value=${time} onInput=${(e) => setTime(e.currentTarget.value)} />
      <p id="entry-time-hint" class="hint">${tr("time_hint")}</p>

      <div class="row actions">
        <button class="btn primary" type="submit" disabled=${busy}>${busy ? tr("saving") : tr("save")}</button>
      </div>
    </form>
    ${result ? html`<div class="result card" tabindex="-1" ref=${resultRef} data-result=${result.kind}>
      <p class=${result.kind === "error" ? "error" : "ok"}>${result.message}</p>
      <div class="row">
        ${result.kind === "duplicate" ? html`<button class="btn primary" type="button" onClick=${() => ctx.navigate("queue", { open: result.id })}>${tr("open_it")}</button>` : ""}
        ${result.kind === "saved" && result.id ? html`<button class="btn" type="button" onClick=${() => ctx.navigate("queue", { open: result.id })}>${tr("open_new")}</button>` : ""}
        ${result.kind !== "error" ? html`<button class="btn" type="button" onClick=${again}>${tr("another")}</button>` : ""}
      </div>
    </div>` : ""}
  </section>`;
}

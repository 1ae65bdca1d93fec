// The shell: sign-in, who is signed in, navigation between views (kept in the query string),
// language, the polite live region, the sync indicator, the outbox of edits and the keyboard.
import { h, render } from "preact";
import { html } from "htm/preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { signal, effect } from "@preact/signals";
import { createApi } from "./api.js";
import { t, lang, setLang } from "./i18n.js";
import { createTable } from "./table.js";
import { createOutbox } from "./outbox.js";
import { parse, serialize, tokenFromHash, VIEWS, apiParams } from "./urlstate.js";
import { BINDINGS } from "./keymap.js";
import "./strings.js";
import Queue from "./screens/queue.js";
import Entry from "./screens/entry.js";
import Escalations from "./screens/escalations.js";
import Rumors from "./screens/rumors.js";
import Relays from "./screens/relays.js";
import Coord from "./screens/coord.js";
import MapView from "./screens/map.js";
import Stats from "./screens/stats.js";

const SCREENS = { queue: Queue, entry: Entry, escalations: Escalations, rumors: Rumors, relays: Relays, coord: Coord, map: MapView, stats: Stats };
const TOKEN = "vigie.token";

// A sign-in link (`#token=…`): the token leaves the address bar before anything else runs.
{
  const { token, rest } = tokenFromHash(location.hash);
  if (token) {
    try { sessionStorage.setItem(TOKEN, token); } catch { /* kept in memory below */ }
    history.replaceState(history.state, "", location.pathname + location.search + rest);
    window.__vigieToken = token;
  }
}

const readToken = () => { try { return sessionStorage.getItem(TOKEN) || window.__vigieToken || null; } catch { return window.__vigieToken || null; } };

/** The URL state: view, room, filters, open report. */
export const url = signal(parse(location.search));
window.addEventListener("popstate", () => { url.value = parse(location.search); });

function go(state, replace) {
  const qs = serialize(state);
  if (qs !== location.search) history[replace ? "replaceState" : "pushState"](null, "", location.pathname + qs);
  url.value = parse(qs);
}

const announcement = signal("");
function announce(text) {
  announcement.value = "";
  setTimeout(() => { announcement.value = text; }, 30);
}

/** Who the token belongs to: /me, or (an API without /me) what the token may do. */
async function whoAmI(api) {
  try {
    return await api.get("/me");
  } catch (e) {
    if (e.status !== 404 || e.code !== "not_found" || !/route/.test(e.message)) throw e;
    const me = { token_id: api.token.slice(-12), name: "?", role: "volunteer", label: null, claim_minutes: 15 };
    try { await api.get("/tokens"); me.role = "coordinator"; } catch (err) {
      if (err.status === 401) throw err;
    }
    return me;
  }
}

function SignIn({ onSignedIn, message }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState(message || "");
  const [busy, setBusy] = useState(false);
  const submit = async (ev) => {
    ev.preventDefault();
    const tok = token.trim();
    if (!tok) return;
    setBusy(true);
    setError("");
    try {
      const api = createApi(tok);
      const me = await whoAmI(api);
      try { sessionStorage.setItem(TOKEN, tok); } catch { window.__vigieToken = tok; }
      onSignedIn(tok, me);
    } catch (e) {
      setError(e.name === "OfflineError" ? t("signin.offline") : t("signin.refused"));
    } finally {
      setBusy(false);
    }
  };
  return html`<main id="main" class="signin">
    <form onSubmit=${submit} aria-labelledby="signin-title">
      <h1 id="signin-title">${t("signin.title")} — Vigie</h1>
      <p>${t("signin.intro")}</p>
      <label for="token">${t("signin.token")}</label>
      <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" value=${token}
        onInput=${(e) => setToken(e.currentTarget.value)} required />
      <button type="submit" class="primary" disabled=${busy}>${busy ? t("signin.checking") : t("signin.submit")}</button>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <p><button type="button" class="link" lang=${lang.value === "fr" ? "en" : "fr"} onClick=${() => setLang(lang.value === "fr" ? "en" : "fr")}>${t("lang.other")}</button></p>
    </form>
  </main>`;
}

function SyncIndicator({ table, outbox }) {
  const [, tick] = useState(0);
  useEffect(() => { const i = setInterval(() => tick((n) => n + 1), 1000); return () => clearInterval(i); }, []);
  const at = table.syncedAt.value;
  const s = at ? Math.max(0, Math.round((Date.now() - at) / 1000)) : 0;
  const down = !table.reachable.value;
  const entries = outbox.entries.value;
  const pending = entries.filter((e) => e.state === "pending").length;
  const conflict = entries.filter((e) => e.state === "conflict").length;
  const failed = entries.filter((e) => e.state === "failed").length;
  return html`<div class="sync-area">
    <span class=${`sync ${down ? "bad" : "ok"}`} data-testid="sync">${down ? t("sync.down", { s }) : at ? t("sync.ago", { s }) : t("sync.never")}</span>
    ${!table.complete.value && html`<span class="sync loading">${t("sync.loading", { n: table.reports.value.size })}</span>`}
    ${pending > 0 && html`<span class="sync pending" data-testid="outbox">${t("outbox.pending", { n: pending })}</span>`}
    ${conflict > 0 && html`<span class="sync bad">${t("outbox.conflict", { n: conflict })}</span>`}
    ${failed > 0 && html`<span class="sync bad">${t("outbox.failed", { n: failed })}</span>`}
  </div>`;
}

/** The `?` dialog. */
export function HelpDialog({ onClose }) {
  const ref = useRef(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    const closed = () => onClose();
    d.addEventListener("close", closed);
    return () => d.removeEventListener("close", closed);
  }, []);
  return html`<dialog ref=${ref} class="help" aria-labelledby="help-title">
    <h2 id="help-title">${t("help.title")}</h2>
    <table>
      <tbody>
        ${BINDINGS.map(([keys, , label]) => html`<tr><th scope="row">${keys.map((k, i) => html`${i ? " " : ""}<kbd>${k}</kbd>`)}</th><td>${t(label)}</td></tr>`)}
      </tbody>
    </table>
    <form method="dialog"><button class="primary" autofocus>${t("close")}</button></form>
  </dialog>`;
}

function Shell({ token, me, onSignOut }) {
  const [ctx] = useState(() => {
    const table = createTable();
    const api = createApi(token, { onReach: (ok) => table.reached(ok) });
    const outbox = createOutbox(api, table, me.token_id || "me", {
      onSaved: () => announce(t("saved")),
    });
    return {
      api, table, me, t, outbox, url, announce,
      /** Goes to a view; on the same view, `params` (filters, room, open) change only what they name. */
      navigate(view, params = {}) {
        const cur = url.value;
        const { replace, ...rest } = params;
        const base = view === cur.view ? cur : { view, filters: {} };
        go({ ...base, view, ...rest }, Boolean(replace));
      },
    };
  });
  const [help, setHelp] = useState(false);
  const [err, setErr] = useState("");
  // For tests and the curious: the table and who is signed in (no token).
  window.vigie = { table: ctx.table, me: ctx.me, outbox: ctx.outbox };
  ctx.showHelp = () => setHelp(true);
  useEffect(() => {
    const { table, api, outbox } = ctx;
    let cancelled = false;
    (async () => {
      try {
        await table.begin(api);
        const first = url.value.view === "queue" ? apiParams(url.value.filters) : {};
        await table.loadFirst(first);
        if (cancelled) return;
        table.poll();
        outbox.flush();
        await table.loadAll();
      } catch (e) {
        if (e.status === 401) onSignOut(t("signin.refused"));
        else setErr(e.message);
      }
    })();
    return () => { cancelled = true; table.stop(); };
  }, []);
  useEffect(() => {
    const onKey = (ev) => {
      if (ev.key === "?" && !/^(INPUT|TEXTAREA|SELECT)$/.test(ev.target.tagName) && !document.querySelector("dialog[open]")) {
        ev.preventDefault();
        setHelp(true);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  const state = url.value;
  const views = VIEWS.filter((v) => v !== "coord" || me.role === "coordinator");
  const view = views.includes(state.view) ? state.view : "queue";
  const Screen = SCREENS[view];
  return html`<div class="shell">
    <a class="skip" href="#main">${t("skip")}</a>
    <header class="top">
      <span class="brand"><img src="icon.svg" alt="" width="28" height="28" /> Vigie</span>
      <nav aria-label=${t("nav.label")}>
        <ul>
          ${views.map((v) => html`<li><a href=${serialize({ view: v, filters: {} })} aria-current=${v === view ? "page" : undefined}
            onClick=${(e) => { if (e.ctrlKey || e.metaKey || e.shiftKey) return; e.preventDefault(); ctx.navigate(v); }}>${t(`view.${v}`)}</a></li>`)}
        </ul>
      </nav>
      <${SyncIndicator} table=${ctx.table} outbox=${ctx.outbox} />
      <span class="who" data-testid="me"><span class="name">${me.name}</span> <span class="role">${t(`role.${me.role}`)}</span></span>
      <button type="button" class="quiet" lang=${lang.value === "fr" ? "en" : "fr"} onClick=${() => setLang(lang.value === "fr" ? "en" : "fr")}>${lang.value === "fr" ? "EN" : "FR"}</button>
      <button type="button" class="quiet" onClick=${() => onSignOut()}>${t("signout")}</button>
    </header>
    ${err && html`<p class="error banner" role="alert">${err}</p>`}
    <main id="main" tabindex="-1" class=${`view view-${view}`}>
      <${Screen} ctx=${ctx} />
    </main>
    <div class="sr-only" aria-live="polite" aria-atomic="true" data-testid="live">${announcement.value}</div>
    ${help && html`<${HelpDialog} onClose=${() => setHelp(false)} />`}
  </div>`;
}

function App() {
  const [session, setSession] = useState(null);
  const [message, setMessage] = useState("");
  const [checking, setChecking] = useState(Boolean(readToken()));
  useEffect(() => {
    const tok = readToken();
    if (!tok) return;
    whoAmI(createApi(tok))
      .then((me) => setSession({ token: tok, me }))
      .catch((e) => {
        if (e.name === "OfflineError") setMessage(t("signin.offline"));
        else { try { sessionStorage.removeItem(TOKEN); } catch { /* none */ } setMessage(t("signin.refused")); }
      })
      .finally(() => setChecking(false));
  }, []);
  useEffect(() => effect(() => { document.title = t("app.title"); document.documentElement.lang = lang.value; }), []);
  const signOut = (why) => {
    try { sessionStorage.removeItem(TOKEN); } catch { /* none */ }
    window.__vigieToken = null;
    setMessage(typeof why === "string" ? why : "");
    setSession(null);
  };
  if (checking) return html`<p class="boot" role="status">${t("signin.checking")}</p>`;
  if (!session) return html`<${SignIn} message=${message} onSignedIn=${(token, me) => setSession({ token, me })} />`;
  return html`<${Shell} token=${session.token} me=${session.me} onSignOut=${signOut} />`;
}

const root = document.getElementById("root");
root.textContent = "";
render(h(App), root);

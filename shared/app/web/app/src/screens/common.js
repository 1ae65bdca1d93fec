// What the secondary screens share: their styles (constructed stylesheets, allowed by the
// app's Content-Security-Policy, which forbids inline <style>), API calls, labels of the
// vocabulary, and time formatting.

import { registerStrings, lang as language } from "../i18n.js";

/** Adds a screen's CSS to the document once (a constructed, adopted stylesheet). */
const adopted = new Set();
export function adoptStyles(name, css) {
  if (adopted.has(name) || typeof CSSStyleSheet === "undefined") return;
  adopted.add(name);
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  } catch {
    /* an old browser: the screen works unstyled */
  }
}

/** Registers a screen's strings under `screen.key` (the shell's dictionary is flat). */
export function strings(screen, { fr, en }) {
  const prefix = (d) => Object.fromEntries(Object.entries(d).map(([k, v]) => [`${screen}.${k}`, v]));
  registerStrings(screen, { fr: prefix(fr), en: prefix(en) });
}

/** A translation function for one screen's keys (`screen.key`). */
export const scoped = (ctx, screen) => (key, vars) => ctx.t(`${screen}.${key}`, vars);

/** The body of a GET (api.get answers the body; paths are under /api/v1). */
export const get = (ctx, path, params) => ctx.api.get(path, params);
/** Any call: `{status, body, etag}`. */
export const send = (ctx, method, path, body, headers) => ctx.api.send(method, path, body, headers);
/** The message to show for a failed call. */
export function failure(tr, e) {
  if (e && e.name === "OfflineError") return tr("offline");
  if (e && e.message) return e.message;
  return String(e);
}

// Category colours for charts, told apart side by side (3:1 against white at least).
export const CATEGORIES = {
  rescue: ["#c0392b"],
  casualties: ["#7b1020"],
  damage: ["#8d5a2b"],
  utilities: ["#b36b00"],
  access: ["#6c3483"],
  hazard: ["#1f77b4"],
  needs: ["#c2185b"],
  shelter: ["#117a65"],
  solidarity: ["#3d7a1f"],
  official: ["#1a2f6b"],
  weather: ["#5f8a9e"],
  other: ["#767676"],
};
export const PRIORITIES = {
  critical: ["#b00020"],
  high: ["#c25400"],
  medium: ["#8a6d00"],
  low: ["#4a6a86"],
};
const NETWORK_NAMES = {
  facebook: "Facebook", instagram: "Instagram", snapchat: "Snapchat", whatsapp: "WhatsApp", waze: "Waze",
  tiktok: "TikTok", x: "X", twitter: "Twitter", youtube: "YouTube", telegram: "Telegram", threads: "Threads",
  bluesky: "Bluesky", mastodon: "Mastodon", sms: "SMS", feed: "Flux / Feed",
};
// Colours for networks in charts: 3:1 against white at least.
const PALETTE = ["#1f618d", "#b03a2e", "#1e8449", "#6c3483", "#a0660b", "#117a65", "#7f5539", "#5d6d7e"];
export const seriesColor = (i) => PALETTE[i % PALETTE.length];

strings("common", {
  fr: { offline: "Hors ligne : réessayez quand le réseau revient.", loading: "Chargement…", open: "Ouvrir", network_other: "Autre", other: "Autres", cancel: "Annuler" },
  en: { offline: "Offline: try again when the network is back.", loading: "Loading…", open: "Open", network_other: "Other", other: "Others", cancel: "Cancel" },
});

const cap = (s) => (s ? s.charAt(0).toUpperCase() + s.slice(1) : s);
/** Names of the vocabulary, from the shell's dictionary (`category.*`, `priority.*`). */
export const label = {
  category: (ctx, c) => (CATEGORIES[c] ? cap(ctx.t(`category.${c}`)) : c),
  priority: (ctx, p) => (PRIORITIES[p] ? cap(ctx.t(`priority.${p}`)) : p),
  network: (ctx, n) => NETWORK_NAMES[n] || (n === "other" ? ctx.t("common.network_other") : n),
};

/** The current language (a signal read: a component showing times re-renders when it changes). */
export const lang = () => language.value || "fr";

/** A date and time in the user's language: `14/09 03:05` style, with the day when not today. */
export function formatTime(iso) {
  const t = typeof iso === "number" ? iso : Date.parse(iso);
  if (!Number.isFinite(t)) return "—";
  const d = new Date(t);
  const today = new Date().toDateString() === d.toDateString();
  const opts = today ? { hour: "2-digit", minute: "2-digit" } : { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" };
  return new Intl.DateTimeFormat(lang(), opts).format(d);
}

/** "3 min ago" / "in 5 min" in the user's language. */
export function relative(iso, now = Date.now()) {
  const t = typeof iso === "number" ? iso : Date.parse(iso);
  if (!Number.isFinite(t)) return "—";
  const s = Math.round((t - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(lang(), { numeric: "auto" });
  const a = Math.abs(s);
  if (a < 60) return rtf.format(s, "second");
  if (a < 3600) return rtf.format(Math.round(s / 60), "minute");
  if (a < 86400) return rtf.format(Math.round(s / 3600), "hour");
  return rtf.format(Math.round(s / 86400), "day");
}

/** The first characters of a post's text (shown as text, never as HTML). */
export const excerpt = (text, n = 140) => {
  const s = String(text || "").replace(/\s+/g, " ").trim();
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
};

/** Styles every secondary screen uses. */
adoptStyles("screens-common", `
/* A screen fills the shell's view (a flex column) and scrolls inside it; its content is centred. */
.scr { flex: 1 1 auto; min-height: 0; overflow: auto; box-sizing: border-box; width: 100%; padding: 0.75rem max(1rem, calc((100% - 72rem) / 2)) 2rem; color: #1a1a1a; }
.scr h1 { font-size: 1.35rem; margin: 0.25rem 0 0.75rem; }
.scr h2 { font-size: 1.1rem; margin: 1.5rem 0 0.5rem; }
.scr .muted { color: #4d4d4d; }
.scr .btn { font: inherit; min-height: 2.5rem; padding: 0.35rem 0.9rem; border: 1px solid #0b3d5c; border-radius: 0.35rem; background: #fff; color: #0b3d5c; cursor: pointer; }
.scr .btn.primary { background: #0b3d5c; color: #fff; }
.scr .btn.danger { border-color: #a31515; color: #a31515; }
.scr .btn.danger.primary { background: #a31515; color: #fff; }
.scr .btn:disabled { opacity: 0.6; cursor: not-allowed; }
.scr .btn:focus-visible, .scr input:focus-visible, .scr select:focus-visible, .scr textarea:focus-visible, .scr summary:focus-visible, .scr a:focus-visible, .scr [tabindex]:focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
.scr label { font-weight: 600; display: block; margin: 0.75rem 0 0.25rem; }
.scr input, .scr select, .scr textarea { font: inherit; padding: 0.45rem 0.5rem; border: 1px solid #6b6b6b; border-radius: 0.3rem; width: 100%; box-sizing: border-box; background: #fff; color: #1a1a1a; }
.scr textarea { min-height: 6rem; resize: vertical; }
.scr .hint { font-size: 0.9rem; color: #4d4d4d; margin: 0.2rem 0 0; }
.scr .error { color: #a31515; font-weight: 600; }
.scr .ok { color: #0f6b2f; font-weight: 600; }
.scr .row { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
.scr .card { border: 1px solid #c8c8c8; border-radius: 0.5rem; padding: 0.75rem; margin: 0.5rem 0; background: #fff; }
.scr .badge { display: inline-block; font-size: 0.8rem; font-weight: 700; padding: 0.1rem 0.45rem; border-radius: 0.25rem; color: #fff; background: #4d4d4d; }
.scr .badge.outline { background: #fff; color: #1a1a1a; border: 1px solid #6b6b6b; }
.scr .post { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0.4rem 0; }
.scr ul.plain { list-style: none; padding: 0; margin: 0; }
.scr table { border-collapse: collapse; width: 100%; }
.scr th, .scr td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid #d9d9d9; vertical-align: top; }
.scr .scroll-x { overflow-x: auto; }
.scr .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 480px) { .scr { padding: 0.5rem 0.6rem 2rem; } .scr .btn { padding: 0.35rem 0.6rem; } }
`);

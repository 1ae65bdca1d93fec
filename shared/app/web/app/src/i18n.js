// Strings of the app in French (default) and English, one dictionary per screen.
import { signal } from "@preact/signals";

const STORE = "vigie.lang";
const saved = (() => { try { return localStorage.getItem(STORE); } catch { return null; } })();
export const lang = signal(saved === "en" ? "en" : "fr");

const dict = { fr: {}, en: {} };

/** Adds a screen's strings: keys are prefixed by nothing; keep them unique (`screen.key`). */
export function registerStrings(_screen, strings) {
  for (const l of ["fr", "en"]) Object.assign(dict[l], (strings && strings[l]) || {});
}

/** The text of `key` in the current language, with `{name}` replaced from `vars`. */
export function t(key, vars) {
  const l = lang.value;
  let s = dict[l][key];
  if (s === undefined) s = dict.fr[key];
  if (s === undefined) s = key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));
  return s;
}

export function setLang(l) {
  lang.value = l === "en" ? "en" : "fr";
  try { localStorage.setItem(STORE, lang.value); } catch { /* private mode */ }
  document.documentElement.lang = lang.value;
}

// The app's state in the query string (pure, unit-tested): the view, the topic room, every
// /reports filter and the report open in the panel. `?view=queue&room=secours&status=new&q=…`

import { FILTERS } from "./fold.js";

export const VIEWS = ["queue", "entry", "escalations", "rumors", "relays", "coord", "map", "stats"];
const EXTRA = ["room", "open", "box"];

/** Reads a query string (with or without its `?`) into `{view, room, open, box, filters}`. */
export function parse(search) {
  const p = new URLSearchParams(String(search || "").replace(/^\?/, ""));
  // The installed app's share sheet opens `./?title=…&text=…&url=…` (share_target replaces
  // the action's query): a share with no view goes to hand entry.
  const shared = !p.get("view") && ["url", "text", "title"].some((k) => p.get(k));
  const view = VIEWS.includes(p.get("view")) ? p.get("view") : shared ? "entry" : "queue";
  const filters = {};
  for (const k of FILTERS) {
    const v = p.get(k);
    if (v !== null && v.trim() !== "") filters[k] = k === "q" ? v : v.trim();
  }
  const out = { view, filters };
  for (const k of EXTRA) {
    const v = p.get(k);
    if (v) out[k] = v;
  }
  return out;
}

/** Writes a state back: fixed key order, empty values left out, so equal states give equal
 * strings (and a shared link reads back the same). */
export function serialize(state) {
  const p = new URLSearchParams();
  p.set("view", VIEWS.includes(state.view) ? state.view : "queue");
  if (state.room) p.set("room", state.room);
  const f = state.filters || {};
  for (const k of FILTERS) {
    const v = f[k];
    if (v !== undefined && v !== null && String(v).trim() !== "") p.set(k, String(v));
  }
  for (const k of EXTRA) if (k !== "room" && state[k]) p.set(k, state[k]);
  return `?${p.toString()}`;
}

/** The API's query for a view's filters: only the non-empty /reports filters. */
export function apiParams(filters) {
  const out = {};
  for (const k of FILTERS) {
    const v = filters && filters[k];
    if (v !== undefined && v !== null && String(v).trim() !== "") out[k] = String(v);
  }
  return out;
}

/** Whether two filter sets ask for the same reports. */
export function sameFilters(a, b) {
  return JSON.stringify(apiParams(a)) === JSON.stringify(apiParams(b));
}

/** Reads `#token=…` from a location hash; returns the token and the hash without it. */
export function tokenFromHash(hash) {
  const h = String(hash || "").replace(/^#/, "");
  if (!h) return { token: null, rest: "" };
  const p = new URLSearchParams(h);
  const token = p.get("token");
  if (token === null) return { token: null, rest: `#${h}` };
  p.delete("token");
  const rest = p.toString();
  return { token: token && token.trim() ? token.trim() : null, rest: rest ? `#${rest}` : "" };
}

// The client's copy of the API's text rules and ordering (pure: no DOM, unit-tested):
// `fold` is vigie_domain::text::fold, `matches` is ReportQuery::matches, `compare` is the
// stores' order (effective priority, critical first; then most recent; then id).

const COMBINING = /\p{M}/u;
const ALNUM = /[\p{Alphabetic}\p{N}]/u;

/** Lowercase, accents removed, non-alphanumeric runs as one space, a space at each end;
 * URLs and @mentions dropped. */
export function fold(text) {
  let out = " ";
  for (const word of String(text || "").split(/\s+/u)) {
    if (!word) continue;
    const lower = word.toLowerCase();
    if (lower.startsWith("http://") || lower.startsWith("https://") || lower.startsWith("www.")) continue;
    if (lower.startsWith("@") && lower.length > 1) continue;
    for (const ch of lower.normalize("NFD")) {
      if (COMBINING.test(ch)) continue;
      if (ALNUM.test(ch)) out += ch;
      else if (!out.endsWith(" ")) out += " ";
    }
    if (!out.endsWith(" ")) out += " ";
  }
  return out;
}

export const PRIORITIES = ["critical", "high", "medium", "low"];
export const CATEGORIES = ["rescue", "casualties", "damage", "utilities", "access", "hazard", "needs", "shelter", "solidarity", "official", "weather", "other"];
export const STATUSES = ["new", "triaged", "published", "dismissed"];
export const VERIFICATIONS = ["unverified", "confirmed", "rumor", "debunked"];
/** The /reports filters, in the order the URL writes them. */
export const FILTERS = ["status", "category", "priority", "verification", "network", "escalated", "place", "q", "cluster"];

export const effectiveCategory = (r) => r.category || r.suggested_category;
export const effectivePriority = (r) => r.priority || r.suggested_priority;
export const rank = (p) => { const i = PRIORITIES.indexOf(p); return i < 0 ? PRIORITIES.length : i; };

// Folded text per report version: folding is the costly part of a text filter.
const folded = new WeakMap();
export function foldedText(r) {
  let f = folded.get(r);
  if (f === undefined) { f = fold(`${r.text || ""} ${r.summary || ""}`); folded.set(r, f); }
  return f;
}

/** Whether a report passes every filter of `query` (an object of /reports filter names to
 * strings; empty or missing ones are not filters), as ReportQuery::matches decides. */
export function matches(query, r) {
  const q = query || {};
  const has = (k) => q[k] !== undefined && q[k] !== null && q[k] !== "";
  if (has("status") && r.status !== q.status) return false;
  if (has("category") && effectiveCategory(r) !== q.category) return false;
  if (has("priority") && effectivePriority(r) !== q.priority) return false;
  if (has("verification") && r.verification !== q.verification) return false;
  if (has("network") && r.network !== q.network) return false;
  if (has("escalated") && Boolean(r.escalated) !== (q.escalated === true || q.escalated === "true")) return false;
  if (has("cluster") && r.cluster_id !== q.cluster) return false;
  if (has("place")) {
    const l = r.location;
    const p = String(q.place);
    if (!l) return false;
    const byInsee = l.insee === p;
    const byName = typeof l.place === "string" && asciiLower(l.place) === asciiLower(p);
    if (!byInsee && !byName) return false;
  }
  if (has("q")) {
    const text = foldedText(r);
    const words = fold(q.q).split(" ").filter(Boolean);
    if (!words.every((w) => text.includes(` ${w}`))) return false;
  }
  return true;
}

// Rust's eq_ignore_ascii_case: only ASCII letters fold.
const asciiLower = (s) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** The stores' order: effective priority (critical first), then posted_at newest first, then id. */
export function compare(a, b) {
  const d = rank(effectivePriority(a)) - rank(effectivePriority(b));
  if (d) return d;
  if (a.posted_at !== b.posted_at) return a.posted_at < b.posted_at ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

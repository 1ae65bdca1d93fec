// Reports per hour, stacked by a key (category, network), for the stats charts; and a
// report's spread over time for the rumours' sparklines.

export const HOUR = 3600000;

/** The effective category and priority, as the API sorts and counts them. */
export const categoryOf = (r) => r.category || r.suggested_category || "other";
export const priorityOf = (r) => r.priority || r.suggested_priority || "low";

/**
 * Reports per hour of posting over `hours` hours, stacked by `keyOf(report)`:
 * `{start, hours: [{start, counts: {key: n}, total}], keys, max}`. The range ends at the current
 * hour, or at the latest report's hour when nothing was posted in the last `hours` hours (an
 * older table still shows its activity). At most `top` keys, the others counted as `other`;
 * keys ordered by their total, largest first.
 */
export function hourly(reports, keyOf, { now = Date.now(), hours = 24, top = 7 } = {}) {
  const times = [];
  let latest = -Infinity;
  for (const r of reports) {
    const t = Date.parse(r.posted_at);
    if (Number.isNaN(t)) continue;
    times.push([t, r]);
    if (t > latest) latest = t;
  }
  let end = Math.floor(now / HOUR) * HOUR;
  if (latest !== -Infinity && latest < end - (hours - 1) * HOUR) end = Math.floor(latest / HOUR) * HOUR;
  const start = end - (hours - 1) * HOUR;
  const totals = new Map();
  const slots = Array.from({ length: hours }, (_, i) => ({ start: start + i * HOUR, counts: {}, total: 0 }));
  const inRange = [];
  for (const [t, r] of times) {
    if (t < start || t >= end + HOUR) continue;
    const key = keyOf(r) || "other";
    inRange.push([t, key]);
    totals.set(key, (totals.get(key) || 0) + 1);
  }
  const ranked = [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k]) => k);
  let keys = ranked;
  if (ranked.length > top) {
    const kept = new Set(ranked.slice(0, top - 1).filter((k) => k !== "other"));
    keys = [...kept, "other"];
  }
  const known = new Set(keys);
  for (const [t, key] of inRange) {
    const slot = slots[Math.floor((t - start) / HOUR)];
    const k = known.has(key) ? key : "other";
    slot.counts[k] = (slot.counts[k] || 0) + 1;
    slot.total += 1;
  }
  const max = slots.reduce((m, s) => Math.max(m, s.total), 0);
  return { start, hours: slots, keys, max };
}

/**
 * A cluster's spread over time: the cumulative count of its members by posting time, as
 * points `[t, count]` from the first post to the last (or to `until`).
 */
export function cumulative(times, until) {
  const sorted = times.map((t) => (typeof t === "number" ? t : Date.parse(t))).filter((t) => !Number.isNaN(t)).sort((a, b) => a - b);
  const points = sorted.map((t, i) => [t, i + 1]);
  if (points.length && until !== undefined && until > points[points.length - 1][0]) points.push([until, points.length]);
  return points;
}

/** The queue's backlog: new reports, new and unclaimed, and new ones by priority. */
export function backlog(reports, now) {
  const out = { new: 0, unclaimed: 0, by_priority: { critical: 0, high: 0, medium: 0, low: 0 } };
  for (const r of reports) {
    if (r.status !== "new") continue;
    out.new += 1;
    const held = r.claimed_by && r.claim_expires_at && Date.parse(r.claim_expires_at) > now;
    if (!held) out.unclaimed += 1;
    const p = priorityOf(r);
    out.by_priority[p] = (out.by_priority[p] || 0) + 1;
  }
  return out;
}

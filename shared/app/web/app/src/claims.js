// Who holds what: claims of the client's table grouped by holder, with the idle-claim rule.

/** Whether a report is held now (a holder and a lease that has not ended). */
export function isHeld(report, now) {
  if (!report.claimed_by || !report.claim_expires_at) return false;
  return Date.parse(report.claim_expires_at) > now;
}

/**
 * Whether a held claim is idle: its holder has not renewed it for more than 2/3 of the lease,
 * i.e. it ends in under a third of `claimMinutes` (an open panel renews it well before).
 */
export function isIdle(report, now, claimMinutes) {
  if (!isHeld(report, now)) return false;
  const left = Date.parse(report.claim_expires_at) - now;
  return left < (claimMinutes * 60000) / 3;
}

/**
 * The claims held now, by holder: `[{holder, items: [{report, expiresAt, idle}], idle}]`, the
 * holders with most claims first, each holder's claims ending soonest first.
 */
export function claimsByHolder(reports, now, claimMinutes) {
  const byHolder = new Map();
  for (const r of reports) {
    if (!isHeld(r, now)) continue;
    const item = { report: r, expiresAt: Date.parse(r.claim_expires_at), idle: isIdle(r, now, claimMinutes) };
    if (!byHolder.has(r.claimed_by)) byHolder.set(r.claimed_by, []);
    byHolder.get(r.claimed_by).push(item);
  }
  const out = [];
  for (const [holder, items] of byHolder) {
    items.sort((a, b) => a.expiresAt - b.expiresAt || (a.report.id < b.report.id ? -1 : 1));
    out.push({ holder, items, idle: items.filter((i) => i.idle).length });
  }
  out.sort((a, b) => b.items.length - a.items.length || a.holder.localeCompare(b.holder));
  return out;
}

/** Whether a collector's last run failed: an error after its last success, or never a success. */
export function failing(health) {
  if (!health || !health.last_error_at) return false;
  if (!health.last_success_at) return true;
  return Date.parse(health.last_error_at) >= Date.parse(health.last_success_at);
}

/**
 * A source's allowance (X's posts read this month, YouTube's quota units today) as the
 * sources' table shows it: used, cap, the share used in whole percent, and whether it is
 * nearly spent (90% or more). Null when the source has none.
 */
export function quotaUse(health) {
  const q = health && health.quota;
  if (!q || !(q.cap > 0)) return null;
  const used = Math.max(0, q.used || 0);
  const pct = Math.min(100, Math.floor((used * 100) / q.cap));
  return { used, cap: q.cap, pct, unit: q.unit, period: q.period, resets_at: q.resets_at, low: pct >= 90 };
}

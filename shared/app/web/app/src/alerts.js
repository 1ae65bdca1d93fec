// Which escalations are new to this tab: escalated reports not seen before, waiting for the
// authority, escalated since the tab started watching (the escalations screen rings and
// notifies for these).

/**
 * The escalated, unacknowledged reports of `reports` whose id is not in `seen` (a Set) and
 * whose `escalated_at` is at or after `since` (ms); adds every escalated report's id to `seen`.
 * Escalations from before `since`, which the table's first pages bring in, never ring.
 */
export function freshEscalations(reports, seen, since) {
  const fresh = [];
  for (const r of reports) {
    if (!r.escalated || seen.has(r.id)) continue;
    seen.add(r.id);
    const at = Date.parse(r.escalated_at);
    if (!r.acknowledged_at && !(at < since)) fresh.push(r);
  }
  return fresh;
}

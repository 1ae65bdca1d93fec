// Which escalations are new to this tab: escalated reports not seen before, waiting for the
// authority (the escalations screen rings and notifies for these).

/**
 * The escalated, unacknowledged reports of `reports` whose id is not in `seen` (a Set); adds
 * every escalated report's id to `seen`. The first call (`seen` empty and `primed` false)
 * only learns what is already there, so opening the tab does not ring for old escalations.
 */
export function freshEscalations(reports, seen, primed) {
  const fresh = [];
  for (const r of reports) {
    if (!r.escalated) continue;
    if (!seen.has(r.id)) {
      seen.add(r.id);
      if (primed && !r.acknowledged_at) fresh.push(r);
    }
  }
  return fresh;
}

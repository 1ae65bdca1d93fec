// The client's copy of the table: every report by id, loaded page by page in the background
// and kept live by /changes (every 3 s while the tab is visible, 30 s when hidden).
import { signal } from "@preact/signals";

const PAGE = 200;

export function createTable() {
  /** id → report; a new Map at each flush so signal readers see the change. */
  const reports = signal(new Map());
  /** Whether every page of the table has been read. */
  const complete = signal(false);
  /** Last time the API answered (ms since epoch), and whether the last call reached it. */
  const syncedAt = signal(0);
  const reachable = signal(true);
  /** id → ms when a report first reached this tab through /changes (new since loading). */
  const arrived = new Map();
  const working = new Map();
  let flushTimer = 0;
  let startedAt = Date.now();

  function flush() {
    flushTimer = 0;
    reports.value = new Map(working);
  }
  function schedule(now) {
    if (now) { if (flushTimer) clearTimeout(flushTimer); flush(); return; }
    if (!flushTimer) flushTimer = setTimeout(flush, 120);
  }

  /** Adds or replaces a report; a version already held (or older) is ignored. */
  function put(r, live) {
    if (!r || !r.id) return false;
    const had = working.get(r.id);
    if (had && had.version >= r.version) return false;
    if (!had && live && (complete.value || Date.parse(r.collected_at || 0) >= startedAt - 5000)) {
      arrived.set(r.id, Date.now());
    }
    working.set(r.id, r);
    return true;
  }
  function upsert(report, opts = {}) {
    const changed = put(report, opts.live);
    if (changed) schedule(opts.now !== false);
    return changed;
  }
  function upsertMany(list, opts = {}) {
    let n = 0;
    for (const r of list || []) if (put(r, opts.live)) n++;
    if (n) schedule(opts.now);
    return n;
  }
  const all = () => Array.from(reports.value.values());
  const get = (id) => working.get(id);

  let api = null;
  let cursor = null;
  let etag = null;
  let changesRoute = true;
  let pollTimer = 0;
  let stopped = false;

  function reached(ok) {
    reachable.value = ok;
    if (ok) syncedAt.value = Date.now();
  }

  /** Where /changes starts, read before the first page so nothing falls in between. */
  async function begin(theApi) {
    api = theApi;
    startedAt = Date.now();
    try {
      const first = await api.raw("/changes");
      cursor = first.body && first.body.cursor;
      etag = first.etag || null;
    } catch (e) {
      if (e && e.status === 404) changesRoute = false; // an API without /changes yet
    }
  }

  /** The first page of a view (its filters), shown before the rest of the table loads. */
  async function loadFirst(params) {
    const page = await api.get("/reports", { ...params, limit: PAGE });
    upsertMany(page.items, { now: true });
    return page;
  }

  /** Every page of the table, in the background; the view stays usable meanwhile. */
  async function loadAll() {
    let next = null;
    for (;;) {
      if (stopped) return;
      let page;
      try {
        page = await api.get("/reports", { limit: PAGE, cursor: next });
      } catch (e) {
        if (e && e.name === "OfflineError") { await wait(3000); continue; }
        throw e;
      }
      upsertMany(page.items);
      next = page.next_cursor;
      if (!next) break;
    }
    complete.value = true;
    schedule(true);
  }

  async function pollOnce() {
    if (!changesRoute) {
      // Without /changes: the first page again (newest and most urgent first).
      const page = await api.get("/reports", { limit: PAGE });
      upsertMany(page.items, { live: true, now: true });
      return;
    }
    for (let round = 0; round < 20; round++) {
      let res;
      try {
        res = await api.raw("/changes", { since: cursor || undefined, limit: 500 }, etag ? { "If-None-Match": etag } : {});
      } catch (e) {
        if (e && e.status === 400 && cursor) {
          // A cursor too old (a tab asleep for days): start again from now and reload the table.
          cursor = null;
          etag = null;
          const fresh = await api.raw("/changes");
          cursor = fresh.body && fresh.body.cursor;
          etag = fresh.etag || null;
          loadAll().catch(() => {});
          return;
        }
        throw e;
      }
      if (res.status === 304) return;
      etag = res.etag;
      const body = res.body || {};
      performance.mark("vigie:changes:answer"); // scripts/bench-app times applying an answer
      const applied = upsertMany(body.items, { live: true, now: true });
      // The grid renders in a microtask after the flush: measured in the next task.
      setTimeout(() => { if (applied) performance.measure("vigie:changes:applied", "vigie:changes:answer"); performance.clearMarks("vigie:changes:answer"); }, 0);
      if (body.cursor) cursor = body.cursor;
      if (!body.more) return;
    }
  }

  function poll() {
    if (stopped) return;
    clearTimeout(pollTimer);
    const run = async () => {
      try { await pollOnce(); } catch { /* offline: the indicator says so */ }
      if (!stopped) pollTimer = setTimeout(run, document.hidden ? 30000 : 3000);
    };
    pollTimer = setTimeout(run, document.hidden ? 30000 : 3000);
  }
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && api && !stopped) { clearTimeout(pollTimer); pollOnce().catch(() => {}).finally(poll); }
  });

  /** Fetches one report again (after an action) and keeps it. */
  async function refresh(id) {
    const r = await api.get(`/reports/${encodeURIComponent(id)}`);
    upsert(r);
    return r;
  }

  return {
    reports, complete, syncedAt, reachable, arrived,
    upsert, upsertMany, all, get, refresh,
    begin, loadFirst, loadAll, poll, pollNow: () => pollOnce(), reached,
    /** Whether the API has /changes (otherwise the first page is polled). */
    live: () => changesRoute,
    stop() { stopped = true; clearTimeout(pollTimer); },
  };
}

const wait = (ms) => new Promise((r) => setTimeout(r, ms));

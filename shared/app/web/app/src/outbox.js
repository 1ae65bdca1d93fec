// Edits waiting for the API: kept in localStorage (per token) until the server has them,
// retried while the API is unreachable, never lost, never applied twice. A PATCH carries
// If-Match; a replay after a success meets 412 and is recognised as already applied when the
// server's values equal the edit. A real conflict waits for the user's field-by-field choice.
import { signal } from "@preact/signals";
import { alreadyApplied, merge, patchBody, resolve } from "./merge.js";

export function createOutbox(api, table, owner, hooks = {}) {
  const KEY = `vigie.outbox.${owner}`;
  const load = () => { try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch { return []; } };
  /** [{key, id, version, base, changes, at, state: pending|conflict|failed, error?, conflicts?, server?}] */
  const entries = signal(load());
  const save = (list) => {
    entries.value = list;
    try { localStorage.setItem(KEY, JSON.stringify(list)); } catch { /* full: kept in memory */ }
  };
  const update = (key, patch) => save(entries.value.map((e) => (e.key === key ? { ...e, ...patch } : e)));
  const remove = (key) => save(entries.value.filter((e) => e.key !== key));
  let running = null;
  let retry = 0;
  let retryTimer = 0;

  /** Queues an edit of report `id` made on `version` whose values were `base`; sends it. */
  function push(id, version, base, changes) {
    const open = entries.value.find((e) => e.id === id && e.state === "pending");
    if (open) {
      update(open.key, { changes: { ...open.changes, ...changes } });
    } else {
      const key = `${id}:${Date.now()}:${Math.random().toString(36).slice(2, 8)}`;
      save([...entries.value, { key, id, version, base, changes, at: new Date().toISOString(), state: "pending" }]);
    }
    return flush();
  }

  async function sendOne(e) {
    let entry = e;
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        const res = await api.send("PATCH", `/reports/${encodeURIComponent(entry.id)}`, patchBody(entry.changes), { "If-Match": String(entry.version) });
        table.upsert(res.body);
        remove(entry.key);
        if (hooks.onSaved) hooks.onSaved(entry, res.body);
        return;
      } catch (err) {
        if (err.name === "OfflineError") throw err;
        if (err.status === 412) {
          const server = await api.get(`/reports/${encodeURIComponent(entry.id)}`);
          table.upsert(server);
          if (alreadyApplied(entry.changes, server)) {
            remove(entry.key);
            if (hooks.onSaved) hooks.onSaved(entry, server);
            return;
          }
          const { auto, conflicts } = merge(entry.base, entry.changes, server);
          if (conflicts.length) {
            update(entry.key, { state: "conflict", conflicts, auto, server });
            if (hooks.onConflict) hooks.onConflict(entry);
            return;
          }
          // Only others' fields (or a claim renewal) moved: mine go on the new version.
          entry = { ...entry, version: server.version, changes: auto };
          update(entry.key, { version: server.version, changes: auto });
          continue;
        }
        update(entry.key, { state: "failed", error: `${err.code}: ${err.message}` });
        if (hooks.onFailed) hooks.onFailed(entry, err);
        return;
      }
    }
  }

  /** Sends every pending edit in order; when the API is unreachable, tries again later.
   * A call during a run waits for it, then runs again (for edits pushed meanwhile). */
  function flush() {
    if (running) return running.then(() => flush());
    const run = (async () => {
      try {
        for (;;) {
          const next = entries.value.find((e) => e.state === "pending");
          if (!next) break;
          await sendOne(next);
        }
        retry = 0;
      } catch (err) {
        if (err && err.name === "OfflineError") {
          retry = Math.min(retry + 1, 5);
          clearTimeout(retryTimer);
          retryTimer = setTimeout(() => flush(), 1000 * Math.min(2 ** retry, 10));
        }
      }
    })();
    running = run;
    run.finally(() => { if (running === run) running = null; });
    return run;
  }

  /** The user's choices for a conflict ({field: "mine"|"theirs"}): sent on the server's version. */
  function choose(key, choices) {
    const e = entries.value.find((x) => x.key === key);
    if (!e || e.state !== "conflict") return Promise.resolve();
    const changes = resolve(e.auto || {}, e.conflicts || [], choices);
    if (!Object.keys(changes).length) { remove(key); return Promise.resolve(); }
    update(key, { state: "pending", changes, version: e.server.version, base: e.server ? baseOf(e.server) : e.base, conflicts: undefined, server: undefined, auto: undefined });
    return flush();
  }

  const forReport = (id) => entries.value.filter((e) => e.id === id);
  return { entries, push, flush, choose, discard: remove, forReport, retryFailed(key) { update(key, { state: "pending", error: undefined }); return flush(); } };
}

import { valuesOf as baseOf } from "./merge.js";

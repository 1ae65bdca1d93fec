import { test } from "node:test";
import assert from "node:assert/strict";

const store = new Map();
globalThis.localStorage = { getItem: (k) => (store.has(k) ? store.get(k) : null), setItem: (k, v) => store.set(k, String(v)), removeItem: (k) => store.delete(k) };
const { createOutbox } = await import("../src/outbox.js");
const { valuesOf } = await import("../src/merge.js");

class OfflineError extends Error { constructor() { super("offline"); this.name = "OfflineError"; } }
class ApiError extends Error { constructor(status, code) { super(code); this.status = status; this.code = code; } }

/** A fake API holding one report; `down` makes every call fail as offline. */
function fakeApi(report) {
  const s = { report: { ...report }, patches: 0, down: false, loseAnswer: false };
  s.api = {
    async send(method, path, body, headers) {
      if (s.down) throw new OfflineError();
      assert.equal(method, "PATCH");
      if (Number(headers["If-Match"]) !== s.report.version) throw new ApiError(412, "stale_version");
      s.patches++;
      s.report = { ...s.report, ...body, version: s.report.version + 1, location: body.location === undefined ? s.report.location : body.location };
      if (s.loseAnswer) { s.loseAnswer = false; throw new OfflineError(); } // applied, answer lost
      return { status: 200, body: s.report };
    },
    async get() { if (s.down) throw new OfflineError(); return { ...s.report }; },
  };
  return s;
}
const table = { upsert() {} };
const report = { id: "r1", version: 1, status: "new", category: null, priority: null, verification: "unverified", summary: null, location: null };

test("an edit is sent once; a replay after a lost answer is recognised as applied", async () => {
  store.clear();
  const s = fakeApi(report);
  const box = createOutbox(s.api, table, "t1");
  s.loseAnswer = true;
  await box.push("r1", 1, valuesOf(report), { summary: "Pont coupé" });
  assert.equal(box.entries.value.length, 1, "kept after the lost answer");
  assert.ok(store.get("vigie.outbox.t1").includes("Pont coupé"), "kept in localStorage");
  await box.flush();
  assert.equal(box.entries.value.length, 0);
  assert.equal(s.patches, 1, "applied once");
});

test("an edit made offline waits, survives a reload, and goes when the API is back", async () => {
  store.clear();
  const s = fakeApi(report);
  s.down = true;
  const box = createOutbox(s.api, table, "t2");
  await box.push("r1", 1, valuesOf(report), { priority: "high" });
  assert.equal(box.entries.value[0].state, "pending");
  const again = createOutbox(s.api, table, "t2"); // the tab reloaded
  assert.equal(again.entries.value.length, 1);
  s.down = false;
  await again.flush();
  assert.equal(again.entries.value.length, 0);
  assert.equal(s.report.priority, "high");
  assert.equal(s.patches, 1);
});

test("someone else's change to another field is kept and mine goes on their version", async () => {
  store.clear();
  const s = fakeApi(report);
  s.report = { ...s.report, version: 3, category: "rescue" };
  const box = createOutbox(s.api, table, "t3");
  await box.push("r1", 1, valuesOf(report), { summary: "Famille sur le toit" });
  assert.equal(box.entries.value.length, 0);
  assert.equal(s.report.category, "rescue");
  assert.equal(s.report.summary, "Famille sur le toit");
});

test("a real conflict waits for the user's choice, field by field", async () => {
  store.clear();
  const s = fakeApi(report);
  s.report = { ...s.report, version: 2, priority: "critical", summary: "Leur texte" };
  const box = createOutbox(s.api, table, "t4");
  await box.push("r1", 1, valuesOf(report), { priority: "low", summary: "Mon texte" });
  const e = box.entries.value[0];
  assert.equal(e.state, "conflict");
  assert.deepEqual(e.conflicts.map((c) => c.field), ["priority", "summary"]);
  await box.choose(e.key, { priority: "theirs", summary: "mine" });
  assert.equal(box.entries.value.length, 0);
  assert.equal(s.report.priority, "critical");
  assert.equal(s.report.summary, "Mon texte");
});

test("a refusal is kept with its reason, not lost", async () => {
  store.clear();
  const s = fakeApi(report);
  s.api.send = async () => { throw new ApiError(409, "claimed"); };
  const box = createOutbox(s.api, table, "t5");
  await box.push("r1", 1, valuesOf(report), { priority: "low" });
  assert.equal(box.entries.value[0].state, "failed");
  assert.match(box.entries.value[0].error, /claimed/);
});

test("a flush with nothing to send, then an edit: sent, no endless loop", async () => {
  store.clear();
  const s = fakeApi(report);
  const box = createOutbox(s.api, table, "t6");
  await box.flush();
  await box.flush();
  await box.push("r1", 1, valuesOf(report), { priority: "medium" });
  assert.equal(box.entries.value.length, 0);
  assert.equal(s.report.priority, "medium");
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { valuesOf, merge, resolve, alreadyApplied, patchBody, changedFields, same } from "../src/merge.js";

const server = (over = {}) => ({
  id: "r1", version: 3, status: "new", category: null, priority: null, verification: "unverified",
  summary: null, location: { lat: 16.24, lon: -61.75, place: "Lamentin", insee: "97115", precision: "commune", method: "gazetteer" },
  ...over,
});

test("a field only I changed is sent; one only they changed stays theirs", () => {
  const base = valuesOf(server());
  const mine = { category: "rescue", summary: "Famille sur le toit" };
  const theirs = server({ version: 5, priority: "critical" });
  const { auto, conflicts } = merge(base, mine, theirs);
  assert.deepEqual(auto, mine);
  assert.deepEqual(conflicts, []);
});

test("a field we both changed differently is a conflict, the same change is not", () => {
  const base = valuesOf(server());
  const mine = { category: "rescue", priority: "high", summary: "Mon résumé" };
  const theirs = server({ version: 4, category: "rescue", priority: "critical", summary: "Leur résumé" });
  const { auto, conflicts } = merge(base, mine, theirs);
  assert.deepEqual(auto, {});
  assert.deepEqual(conflicts.map((c) => [c.field, c.mine, c.theirs]), [
    ["priority", "high", "critical"],
    ["summary", "Mon résumé", "Leur résumé"],
  ]);
  assert.deepEqual(resolve(auto, conflicts, { priority: "theirs" }), { summary: "Mon résumé" });
  assert.deepEqual(resolve(auto, conflicts, { priority: "mine", summary: "theirs" }), { priority: "high" });
  assert.deepEqual(resolve(auto, conflicts, {}), { priority: "high", summary: "Mon résumé" }, "mine unless told");
});

test("a replay after a success is recognised as already applied", () => {
  const mine = { category: "access", summary: "Pont fermé ", location: { place: "Goyave" } };
  const after = server({ version: 4, category: "access", summary: "Pont fermé", location: { lat: 16.13, lon: -61.57, place: "Goyave", insee: "97114" } });
  assert.ok(alreadyApplied(mine, after));
  assert.ok(!alreadyApplied({ ...mine, priority: "low" }, after));
  assert.ok(alreadyApplied({ location: { place: "97114" } }, after), "a place given by its INSEE code");
  assert.ok(alreadyApplied({ location: { lat: 16.13, lon: -61.57 } }, after), "a point");
  assert.ok(!alreadyApplied({ location: { lat: 16.2, lon: -61.57 } }, after));
  assert.ok(alreadyApplied({ location: null }, server({ location: null })));
});

test("values compare as the server stores them", () => {
  assert.ok(same("summary", "", null));
  assert.ok(same("summary", " a ", "a"));
  assert.ok(!same("category", "rescue", null));
  assert.deepEqual(changedFields(valuesOf(server()), { ...valuesOf(server()), priority: "low", summary: "" }), ["priority"]);
});

test("the PATCH body writes a location as a point or a place, and a blank summary as null", () => {
  assert.deepEqual(patchBody({ location: { lat: 1, lon: 2, place: null }, summary: "  " }), { summary: null, location: { lat: 1, lon: 2 } });
  assert.deepEqual(patchBody({ location: { place: "Goyave" } }), { location: { place: "Goyave" } });
  assert.deepEqual(patchBody({ location: null, category: "rescue" }), { category: "rescue", location: null });
});

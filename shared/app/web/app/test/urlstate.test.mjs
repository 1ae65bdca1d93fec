import { test } from "node:test";
import assert from "node:assert/strict";
import { parse, serialize, apiParams, sameFilters, tokenFromHash } from "../src/urlstate.js";

test("the query string reads into a view, a room, filters and the open report", () => {
  const s = parse("?view=queue&room=secours&status=new&q=toit%20eau&priority=critical&open=r1&junk=1");
  assert.deepEqual(s, { view: "queue", room: "secours", open: "r1", filters: { status: "new", priority: "critical", q: "toit eau" } });
  assert.equal(parse("").view, "queue");
  assert.equal(parse("?view=nowhere").view, "queue");
  assert.equal(parse("?view=coord").view, "coord");
  assert.deepEqual(parse("?status=&q=").filters, {});
});

test("a link shared from another app, with no view, opens hand entry", () => {
  assert.equal(parse("?title=Post&text=Eau%20dans%20les%20maisons&url=https%3A%2F%2Fwww.instagram.com%2Fp%2Fx%2F").view, "entry");
  assert.equal(parse("?text=Eau").view, "entry");
  assert.equal(parse("?url=https%3A%2F%2Fx.example%2F").view, "entry");
  // A view named keeps its place; empty share fields are no share.
  assert.equal(parse("?view=queue&text=Eau").view, "queue");
  assert.equal(parse("?text=&url=").view, "queue");
});

test("writing back gives one string per state, and reads back the same", () => {
  const state = { view: "queue", room: "meteo", filters: { q: "pont fermé", category: "access", status: "" }, open: "r9" };
  const qs = serialize(state);
  assert.equal(qs, "?view=queue&room=meteo&category=access&q=pont+ferm%C3%A9&open=r9");
  assert.deepEqual(parse(qs), { view: "queue", room: "meteo", open: "r9", filters: { category: "access", q: "pont fermé" } });
  assert.equal(serialize({ filters: {} }), "?view=queue");
  assert.equal(serialize({ view: "map", filters: { escalated: "true" } }), "?view=map&escalated=true");
});

test("API parameters keep only the /reports filters that are set", () => {
  assert.deepEqual(apiParams({ status: "new", q: "", place: "97115", other: "x" }), { status: "new", place: "97115" });
  assert.ok(sameFilters({ status: "new", q: "" }, { status: "new" }));
  assert.ok(!sameFilters({ status: "new" }, { status: "triaged" }));
});

test("a sign-in link's token is taken out of the hash", () => {
  assert.deepEqual(tokenFromHash("#token=vigie_abc"), { token: "vigie_abc", rest: "" });
  assert.deepEqual(tokenFromHash("#token=vigie_abc&x=1"), { token: "vigie_abc", rest: "#x=1" });
  assert.deepEqual(tokenFromHash(""), { token: null, rest: "" });
  assert.deepEqual(tokenFromHash("#other"), { token: null, rest: "#other" });
});

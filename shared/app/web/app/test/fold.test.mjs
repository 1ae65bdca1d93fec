import { test } from "node:test";
import assert from "node:assert/strict";
import { fold, matches, compare } from "../src/fold.js";

const report = (over = {}) => ({
  id: "r1", status: "new", network: "mastodon", verification: "unverified", escalated: false,
  suggested_category: "rescue", suggested_priority: "high", category: null, priority: null,
  text: "Famille sur le toit à Lamentin, l'eau MONTE https://x.example/a @voisin", summary: null,
  cluster_id: "c1", location: { place: "Lamentin", insee: "97115", lat: 16.2, lon: -61.7 },
  posted_at: "2026-12-02T09:00:00Z", ...over,
});

test("fold lowercases, drops accents, URLs and mentions, and pads with spaces", () => {
  assert.equal(fold("Pointe-à-Pitre: ÉVACUATION!"), " pointe a pitre evacuation ");
  assert.equal(fold("voir https://a.example/x et @maire www.b.fr ok"), " voir et ok ");
  assert.equal(fold(""), " ");
  assert.equal(fold("l'eau   monte"), " l eau monte ");
});

test("matches applies every filter as ReportQuery::matches does", () => {
  const r = report();
  assert.ok(matches({}, r));
  assert.ok(matches({ category: "rescue" }, r), "the suggested category counts until set");
  assert.ok(!matches({ category: "damage" }, r));
  assert.ok(!matches({ category: "rescue" }, report({ category: "damage" })));
  assert.ok(matches({ priority: "high" }, r));
  assert.ok(matches({ status: "new", network: "mastodon", verification: "unverified" }, r));
  assert.ok(!matches({ status: "triaged" }, r));
  assert.ok(matches({ escalated: "false" }, r));
  assert.ok(!matches({ escalated: "true" }, r));
  assert.ok(matches({ place: "97115" }, r));
  assert.ok(matches({ place: "LAMENTIN" }, r));
  assert.ok(!matches({ place: "Goyave" }, r));
  assert.ok(!matches({ place: "Lamentin" }, report({ location: null })));
  assert.ok(matches({ cluster: "c1" }, r));
  assert.ok(!matches({ cluster: "c2" }, r));
});

test("free text needs every word, at a word start, accents and case ignored", () => {
  const r = report({ summary: "Évacuation demandée" });
  assert.ok(matches({ q: "lamentin toit" }, r));
  assert.ok(matches({ q: "EVACU" }, r), "a word prefix");
  assert.ok(matches({ q: "monte" }, r));
  assert.ok(!matches({ q: "ente" }, r), "not inside a word");
  assert.ok(!matches({ q: "toit goyave" }, r), "all words");
  assert.ok(!matches({ q: "voisin" }, r), "mentions are not text");
  assert.ok(matches({ q: "  " }, r), "blank is no filter");
});

test("compare sorts critical first, then most recent, then id", () => {
  const rows = [
    report({ id: "a", suggested_priority: "low", posted_at: "2026-12-02T10:00:00Z" }),
    report({ id: "b", priority: "critical", posted_at: "2026-12-02T08:00:00Z" }),
    report({ id: "c", suggested_priority: "critical", posted_at: "2026-12-02T09:00:00Z" }),
    report({ id: "e", suggested_priority: "critical", priority: "medium", posted_at: "2026-12-02T11:00:00Z" }),
    report({ id: "d", suggested_priority: "critical", posted_at: "2026-12-02T09:00:00Z" }),
  ];
  assert.deepEqual(rows.sort(compare).map((r) => r.id), ["c", "d", "b", "e", "a"]);
});

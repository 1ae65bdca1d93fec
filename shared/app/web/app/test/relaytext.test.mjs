import { test } from "node:test";
import assert from "node:assert/strict";
import { lengthFor, graphemes, counters, proposeText, reminder, links, MAX } from "../src/relaytext.js";

test("lengths as the networks count them: graphemes, and a link as 23 on Mastodon", () => {
  assert.equal(graphemes("👩‍👩‍👧 é"), 3, "a family emoji is one, a space one, é one");
  assert.equal(lengthFor("bluesky", "e\u0301"), 1, "a letter and its combining accent");
  const text = "Consignes : https://prefecture.example/une/tres/longue/adresse/qui/depasse. #Gwada";
  assert.deepEqual(links(text).map(([s, e]) => text.slice(s, e)), ["https://prefecture.example/une/tres/longue/adresse/qui/depasse"]);
  assert.equal(lengthFor("mastodon", text), "Consignes : ".length + 23 + ". #Gwada".length);
  assert.equal(lengthFor("bluesky", text), [...text].length);
});

test("the counters say which network a text is too long for", () => {
  const text = "a".repeat(301);
  const c = counters(text, ["mastodon", "bluesky", "bluesky", "whatsapp"]);
  assert.deepEqual(c, [
    { network: "mastodon", length: 301, max: MAX.mastodon, over: false },
    { network: "bluesky", length: 301, max: 300, over: true },
  ]);
});

test("a first draft fits the tightest network, with the source link and the missing hashtags", () => {
  const report = { text: "Abri ouvert ".repeat(40), source_url: "https://social.example/@prefecture/1" };
  const draft = proposeText(report, ["#Gwada", "#Kalina"], ["mastodon", "bluesky"]);
  assert.ok(lengthFor("bluesky", draft) <= 300, `${lengthFor("bluesky", draft)}`);
  assert.ok(draft.endsWith("https://social.example/@prefecture/1 #Gwada #Kalina"), draft);
  assert.ok(draft.includes("…"));
  // A hashtag the text carries is not added twice; a short text is kept whole.
  const short = proposeText({ text: "Restez chez vous #gwada", source_url: "javascript:alert(1)" }, ["#Gwada"], ["bluesky"]);
  assert.equal(short, "Restez chez vous #gwada");
  // No account: no limit to fit.
  assert.equal(proposeText({ text: "x ".repeat(400) }, [], []).length, "x ".repeat(400).trim().length);
});

test("a reminder is due once its time has come, for a posted relay only", () => {
  const relay = { status: "posted", due_again: "2026-12-07T10:00:00Z", remind_every_hours: 6 };
  assert.deepEqual(reminder(relay, Date.parse("2026-12-07T09:00:00Z")), { at: Date.parse(relay.due_again), due: false, every: 6 });
  assert.equal(reminder(relay, Date.parse("2026-12-07T10:00:01Z")).due, true);
  assert.equal(reminder({ ...relay, status: "draft" }), null);
  assert.equal(reminder({ status: "posted" }), null);
});

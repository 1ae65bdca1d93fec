// Unit tests of the secondary screens' pure logic: network from a URL, shares, idle claims,
// hourly buckets, backlog, spread, box filter, fresh escalations. Run: node --test test/
import { test } from "node:test";
import assert from "node:assert/strict";
import { networkFromUrl, isHttpUrl, fromShare, NETWORKS } from "../src/network.js";
import { isHeld, isIdle, claimsByHolder, failing, quotaUse } from "../src/claims.js";
import { hourly, cumulative, backlog, HOUR } from "../src/buckets.js";
import { formatBbox, parseBbox, inBbox } from "../src/bbox.js";
import { freshEscalations } from "../src/alerts.js";

test("the network is recognised from the address's host, subdomains included", () => {
  const cases = {
    "https://www.facebook.com/groups/123/posts/456": "facebook",
    "https://m.facebook.com/story.php?id=1": "facebook",
    "https://fb.watch/abc/": "facebook",
    "https://www.instagram.com/p/Cx1/": "instagram",
    "https://story.snapchat.com/s/abc": "snapchat",
    "https://chat.whatsapp.com/Invite": "whatsapp",
    "https://wa.me/33612345678": "whatsapp",
    "https://www.waze.com/live-map/directions?to=ll.16.2,-61.5": "waze",
    "https://vm.tiktok.com/ZM123/": "tiktok",
    "https://x.com/someone/status/1": "x",
    "https://twitter.com/someone/status/1": "twitter",
    "https://mobile.twitter.com/a/status/2": "twitter",
    "https://youtu.be/dQw4w9WgXcQ": "youtube",
    "https://www.youtube.com/watch?v=1": "youtube",
    "https://t.me/channel/12": "telegram",
    "HTTPS://WWW.FACEBOOK.COM./x": "facebook",
    "https://example.org/facebook.com": "other",
    "https://notfacebook.com/x": "other",
    "https://facebook.com.evil.example/x": "other",
    "ftp://facebook.com/x": "other",
    "not a url": "other",
    "": "other",
  };
  for (const [url, network] of Object.entries(cases)) assert.equal(networkFromUrl(url), network, url);
  for (const n of ["facebook", "instagram", "snapchat", "whatsapp", "waze", "tiktok", "x", "youtube", "telegram", "other"]) assert.ok(NETWORKS.includes(n), n);
  assert.ok(isHttpUrl(" https://a.example/p "));
  assert.ok(!isHttpUrl("javascript:alert(1)"));
  assert.ok(!isHttpUrl("www.facebook.com/x"));
});

test("a share from another app gives the form an address and a text", () => {
  assert.deepEqual(fromShare({ url: "https://fb.com/1", text: "Route coupée" }), { url: "https://fb.com/1", text: "Route coupée" });
  assert.deepEqual(fromShare({ text: "Route coupée à Goyave https://fb.com/2 vu ce matin" }), { url: "https://fb.com/2", text: "Route coupée à Goyave  vu ce matin" });
  assert.deepEqual(fromShare({ title: "Post de Marie", text: "Eau montante", url: "" }), { url: "", text: "Post de Marie\nEau montante" });
  assert.deepEqual(fromShare({}), { url: "", text: "" });
});

test("a claim is idle when not renewed for more than 2/3 of the lease", () => {
  const now = Date.parse("2026-09-14T03:00:00Z");
  const at = (min) => new Date(now + min * 60000).toISOString();
  const claim = (id, by, min) => ({ id, claimed_by: by, claim_expires_at: at(min) });
  assert.ok(!isHeld({ id: "a" }, now));
  assert.ok(!isHeld(claim("a", "Lyne (tok_1)", -1), now), "an expired claim is free");
  assert.ok(isHeld(claim("a", "Lyne (tok_1)", 1), now));
  assert.ok(!isIdle(claim("a", "L", 14), now, 15), "just renewed");
  assert.ok(!isIdle(claim("a", "L", 5), now, 15), "exactly a third left is not idle yet");
  assert.ok(isIdle(claim("a", "L", 4.9), now, 15));
  assert.ok(!isIdle(claim("a", "L", -1), now, 15), "an expired claim is not a claim");
  const groups = claimsByHolder([
    claim("r1", "Lyne (tok_1)", 10), claim("r2", "Mano (tok_2)", 2), claim("r3", "Lyne (tok_1)", 3),
    claim("r4", "Mano (tok_2)", -3), { id: "r5" }, claim("r6", "Ana (tok_3)", 12),
  ], now, 15);
  assert.deepEqual(groups.map((g) => [g.holder, g.items.map((i) => i.report.id), g.idle]), [
    ["Lyne (tok_1)", ["r3", "r1"], 1],
    ["Ana (tok_3)", ["r6"], 0],
    ["Mano (tok_2)", ["r2"], 1],
  ]);
});

test("reports are counted per hour, stacked by a key, the largest keys first", () => {
  const now = Date.parse("2026-09-14T10:20:00Z");
  const r = (iso, category) => ({ posted_at: iso, category });
  const reports = [
    r("2026-09-14T10:05:00Z", "rescue"), r("2026-09-14T10:59:59Z", "rescue"), r("2026-09-14T09:00:00Z", "damage"),
    r("2026-09-14T08:30:00Z", "rescue"), r("2026-09-13T08:00:00Z", "rescue"), r("bad", "rescue"),
    { posted_at: "2026-09-14T10:10:00Z", suggested_category: "weather" },
  ];
  const h = hourly(reports, (x) => x.category || x.suggested_category, { now, hours: 3 });
  assert.equal(h.hours.length, 3);
  assert.equal(new Date(h.start).toISOString(), "2026-09-14T08:00:00.000Z");
  assert.deepEqual(h.hours.map((s) => s.total), [1, 1, 3]);
  assert.deepEqual(h.hours[2].counts, { rescue: 2, weather: 1 });
  assert.deepEqual(h.keys, ["rescue", "damage", "weather"]);
  assert.equal(h.max, 3);
  // An old table: the range ends at its latest report.
  const old = hourly(reports, (x) => x.category, { now: now + 10 * 24 * HOUR, hours: 3 });
  assert.equal(new Date(old.start).toISOString(), "2026-09-14T08:00:00.000Z");
  // Beyond `top` keys, the rest is `other`.
  const many = ["a", "b", "c", "d"].flatMap((k, i) => Array.from({ length: 4 - i }, () => r("2026-09-14T10:00:00Z", k)));
  const top = hourly(many, (x) => x.category, { now, hours: 1, top: 3 });
  assert.deepEqual(top.keys, ["a", "b", "other"]);
  assert.deepEqual(top.hours[0].counts, { a: 4, b: 3, other: 3 });
  assert.deepEqual(hourly([], (x) => x.category, { now, hours: 2 }).hours.map((s) => s.total), [0, 0]);
});

test("the backlog counts new reports, the unclaimed ones and by effective priority", () => {
  const now = Date.parse("2026-09-14T10:00:00Z");
  const later = "2026-09-14T10:05:00Z";
  const b = backlog([
    { status: "new", suggested_priority: "high" },
    { status: "new", priority: "critical", suggested_priority: "low", claimed_by: "L", claim_expires_at: later },
    { status: "new", suggested_priority: "low", claimed_by: "L", claim_expires_at: "2026-09-14T09:00:00Z" },
    { status: "triaged", suggested_priority: "high" },
  ], now);
  assert.deepEqual(b, { new: 3, unclaimed: 2, by_priority: { critical: 1, high: 1, medium: 0, low: 1 } });
});

test("a rumour's spread is the cumulative count of its members over time", () => {
  assert.deepEqual(cumulative(["2026-09-14T10:00:00Z", "2026-09-14T09:00:00Z"]), [
    [Date.parse("2026-09-14T09:00:00Z"), 1], [Date.parse("2026-09-14T10:00:00Z"), 2],
  ]);
  assert.deepEqual(cumulative([5, "x"], 9), [[5, 1], [9, 1]]);
  assert.deepEqual(cumulative([]), []);
});

test("the box filter is w,s,e,n and keeps only located reports inside it", () => {
  assert.equal(formatBbox(-61.2, 16.4, -61.8, 15.9), "-61.8,15.9,-61.2,16.4");
  assert.equal(formatBbox(-61.1234567, 16, -61, 16.1), "-61.12346,16,-61,16.1");
  assert.deepEqual(parseBbox("-61.8,15.9,-61.2,16.4"), [-61.8, 15.9, -61.2, 16.4]);
  for (const bad of ["", "1,2,3", "a,b,c,d", "-61.2,15.9,-61.8,16.4", "0,-91,1,0"]) assert.equal(parseBbox(bad), null, bad);
  const box = parseBbox("-61.8,15.9,-61.2,16.4");
  assert.ok(inBbox({ location: { lat: 16.2, lon: -61.5 } }, box));
  assert.ok(!inBbox({ location: { lat: 16.5, lon: -61.5 } }, box));
  assert.ok(!inBbox({ location: null }, box));
});

test("only escalations made since the tab started watching, not seen before, are fresh", () => {
  const seen = new Set();
  const since = Date.parse("2026-09-14T10:00:00Z");
  const esc = (id, at, ack) => ({ id, escalated: true, escalated_at: at, acknowledged_at: ack ? at : null });
  const old = esc("a", "2026-09-14T09:00:00Z");
  assert.deepEqual(freshEscalations([old, { id: "b", escalated: false }], seen, since), []);
  const fresh = freshEscalations([old, esc("c", "2026-09-14T10:00:01Z"), esc("d", "2026-09-14T10:01:00Z", true), esc("e", null)], seen, since);
  assert.deepEqual(fresh.map((r) => r.id), ["c", "e"]);
  assert.deepEqual(freshEscalations([old, esc("c", "2026-09-14T10:00:01Z")], seen, since), [], "never twice");
});

test("a source is failing when its last run ended in an error", () => {
  assert.ok(!failing(null));
  assert.ok(!failing({ last_success_at: "2026-09-14T10:00:00Z" }));
  assert.ok(failing({ last_error_at: "2026-09-14T10:00:00Z", last_error: "401" }), "never a success");
  assert.ok(failing({ last_success_at: "2026-09-14T09:00:00Z", last_error_at: "2026-09-14T10:00:00Z" }));
  assert.ok(!failing({ last_success_at: "2026-09-14T10:05:00Z", last_error_at: "2026-09-14T10:00:00Z" }), "recovered");
});

test("a source's allowance shows its share used and warns when nearly spent", () => {
  assert.equal(quotaUse({}), null);
  assert.equal(quotaUse(null), null);
  assert.equal(quotaUse({ quota: { unit: "posts", used: 5, cap: 0 } }), null);
  const some = quotaUse({ quota: { unit: "posts", period: "2026-12", used: 2500, cap: 10000, resets_at: "2027-01-01T00:00:00Z" } });
  assert.deepEqual([some.used, some.cap, some.pct, some.low, some.unit], [2500, 10000, 25, false, "posts"]);
  const nearly = quotaUse({ quota: { unit: "units", used: 9950, cap: 10000 } });
  assert.deepEqual([nearly.pct, nearly.low], [99, true]);
  assert.equal(quotaUse({ quota: { unit: "posts", used: 10400, cap: 10000 } }).pct, 100, "never over 100%");
});

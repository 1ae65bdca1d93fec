// The public map in a real browser: `vigie local --demo` serves it, a coordinator publishes a
// report whose summary carries markup, and headless Chromium shows the published reports as
// markers or clusters, filters a category, opens a popup, and shows the markup as text without
// running it. A screenshot is saved under artifacts/.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import net from "node:net";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const vigie = process.env.VIGIE_BIN || join(root, "target", "debug", "vigie");
const browserPath = process.env.CHROMIUM || "/usr/bin/chromium";

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

async function waitFor(check, what, ms = 30000) {
  const start = Date.now();
  for (;;) {
    try { const v = await check(); if (v) return v; } catch { /* not yet */ }
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test("the public map shows published reports, filters, popups, and never runs injected markup", async (t) => {
  const data = mkdtempSync(join(tmpdir(), "vigie-browser-"));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(vigie, ["local", "--demo", "--data-dir", data, "--listen", `127.0.0.1:${port}`], { stdio: "ignore" });
  t.after(() => server.kill());
  await waitFor(async () => (await fetch(`${base}/healthz`)).ok, "vigie local");
  const token = execFileSync(vigie, ["token", "create", "--role", "coordinator", "--name", "Browser test", "--data-dir", data]).toString().trim().split("\n").pop();
  const api = async (method, path, body, headers = {}) => {
    const r = await fetch(`${base}${path}`, { method, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...headers }, body: body && JSON.stringify(body) });
    const json = await r.json();
    assert.ok(r.ok, `${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
    return json;
  };

  // A report whose summary tries to inject markup, published by a coordinator.
  const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> Pont fermé à Goyave';
  const created = await api("POST", "/api/v1/reports", { network: "facebook", url: "https://facebook.example/posts/browser-test", text: "Pont fermé", place: "97114" });
  const updated = await api("PATCH", `/api/v1/reports/${created.id}`, { category: "access", summary: hostile }, { "If-Match": String(created.version) });
  await api("POST", `/api/v1/reports/${updated.id}/publish`);
  const isHostile = (f) => f.properties.summary.includes("Pont fermé à Goyave");
  await waitFor(async () => (await (await fetch(`${base}/public/reports.geojson`)).json()).features.some(isHostile), "the export of the new report");

  const browser = await chromium.launch({
    executablePath: browserPath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  t.after(() => browser.close());
  // The browser speaks English: the page is French all the same (the crisis's language).
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
  const dialogs = [];
  page.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss(); });
  // The page runs under the map's Content-Security-Policy: anything it blocks is a defect.
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  // Every request the page makes, to check it contacts only this server and the tile server.
  // Tiles are answered here, so the test needs no network.
  const meta = await (await fetch(`${base}/public/meta.json`)).json();
  const tileHost = new URL(meta.tiles.replace(/[{}]/g, "")).host;
  const requested = [];
  page.on("request", (r) => requested.push(r.url()));
  const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=", "base64");
  await page.route((url) => url.host === tileHost, (route) => route.fulfill({ status: 200, contentType: "image/png", body: png }));
  await page.goto(`${base}/public/`);
  await page.waitForSelector("body[data-ready=true]", { timeout: 30000 });
  assert.equal(await page.evaluate(() => document.documentElement.lang), "fr", "French by default");

  // The base tiles come from the crisis file's URL, with their attribution.
  assert.equal(await page.evaluate(() => window.vigie.tiles._url), meta.tiles);
  await page.waitForSelector("img.leaflet-tile");
  const tileSrc = await page.locator("img.leaflet-tile").first().getAttribute("src");
  assert.equal(new URL(tileSrc).host, tileHost);
  const attribution = page.locator(".leaflet-control-attribution");
  assert.match(await attribution.textContent(), /OpenStreetMap/);
  assert.equal(await attribution.locator('a[href="https://www.openstreetmap.org/copyright"]').count(), 1);

  // The official-messages panel shows official messages with their link to the source.
  const officialWithLink = (await (await fetch(`${base}/public/reports.geojson`)).json()).features
    .filter((f) => f.properties.official && f.properties.verification !== "debunked" && /^https?:\/\//.test(f.properties.source_url || ""));
  assert.ok(officialWithLink.length > 0, "the demo publishes official messages with a source");
  const first = officialWithLink[0].properties;
  const entry = page.locator(`#official-list li[data-id="${first.id}"]`);
  assert.ok((await entry.textContent()).includes(first.summary));
  assert.equal(await entry.locator("a").getAttribute("href"), first.source_url);
  assert.equal(await entry.locator("a").textContent(), "Source officielle");

  // Published reports are on the map, as markers or clusters.
  const features = (await (await fetch(`${base}/public/reports.geojson`)).json()).features;
  const onMap = features.filter((f) => f.properties.verification !== "debunked");
  assert.ok(onMap.length > 50, `the demo publishes reports (${onMap.length})`);
  const icons = await page.locator(".leaflet-marker-icon").count();
  assert.ok(icons > 0, "markers or clusters are drawn");
  assert.equal(await page.evaluate(() => window.vigie.cluster.getLayers().length), onMap.length);
  assert.match(await page.locator("#updated").textContent(), /Dernière mise à jour/);

  // Filtering a category hides its markers and list entries.
  const official = onMap.filter((f) => f.properties.category === "official").length;
  assert.ok(official > 0);
  await page.locator('input[data-category="official"]').uncheck();
  assert.equal(await page.evaluate(() => window.vigie.cluster.getLayers().length), onMap.length - official);
  assert.equal(await page.locator('#report-list li[data-category="official"]').count(), 0);
  await page.locator('input[data-category="official"]').check();

  // The hostile report's popup shows the markup as text and nothing runs.
  const publicId = features.find(isHostile).properties.id;
  assert.notEqual(publicId, created.id, "the public id is not the table's");
  await page.evaluate((id) => new Promise((resolve) => {
    const marker = window.vigie.cluster.getLayers().find((m) => m.feature.properties.id === id);
    window.vigie.cluster.zoomToShowLayer(marker, () => { marker.openPopup(); resolve(); });
  }), publicId);
  const popup = page.locator(".leaflet-popup-content");
  await popup.waitFor();
  const text = await popup.textContent();
  assert.ok(text.includes('<img src=x onerror="window.__pwned=1">'), `markup shown as text: ${text}`);
  assert.ok(text.includes("Goyave"));
  assert.equal(await popup.locator("img, script").count(), 0, "no element was made from the data");
  assert.equal(await page.evaluate(() => window.__pwned), undefined, "the injected code never ran");
  assert.deepEqual(dialogs, []);
  mkdirSync(join(here, "artifacts"), { recursive: true });
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(here, "artifacts", "map.png") });

  // The list view, in English, carries the same text safely.
  await page.locator("#lang-toggle").click();
  await page.locator("#view-toggle").click();
  assert.equal(await page.locator("#view-toggle").textContent(), "Map");
  const item = page.locator(`#report-list li[data-id="${publicId}"]`);
  assert.ok((await item.textContent()).includes("<script>window.__pwned=2</script>"));
  assert.ok(await page.locator("#debunked-list li").count() > 0, "debunked rumours have their panel");
  await page.screenshot({ path: join(here, "artifacts", "list.png") });
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.match((await fetch(`${base}/public/`)).headers.get("content-security-policy"), /script-src 'self';/);
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], "nothing the page does is blocked by its CSP");

  // Only this server and the tile server were contacted.
  const origins = new Set(requested.filter((u) => !u.startsWith("data:")).map((u) => new URL(u).host));
  for (const host of origins) {
    assert.ok(host === `127.0.0.1:${port}` || host === tileHost, `the page contacted ${host}`);
  }
  assert.ok(origins.has(`127.0.0.1:${port}`) && origins.has(tileHost), [...origins].join(", "));

  // English on request, through the address; the feed's links (index.html#ID) show their report.
  const english = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: "fr-FR" });
  await english.route((url) => url.host === tileHost, (route) => route.fulfill({ status: 200, contentType: "image/png", body: png }));
  await english.goto(`${base}/public/index.html?lang=en#${publicId}`);
  await english.waitForSelector("body[data-ready=true]");
  assert.equal(await english.evaluate(() => document.documentElement.lang), "en");
  assert.match(await english.locator("#updated").textContent(), /Last update/);
  const linked = english.locator(".leaflet-popup-content");
  await linked.waitFor();
  assert.ok((await linked.textContent()).includes("Pont fermé à Goyave"), "the linked report's popup opens");

  // A phone-sized screen starts with the list.
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  await phone.goto(`${base}/public/`);
  await phone.waitForSelector("body[data-ready=true]");
  assert.equal(await phone.locator("#list-view").isVisible(), true);
  await phone.screenshot({ path: join(here, "artifacts", "phone.png") });
});

// The volunteers' app's secondary screens in a real browser, against `vigie local --demo`:
// hand entry (network recognised, place suggested, the duplicate answer opening the stored
// report), an escalation made by a volunteer reaching an authority's screen in another browser
// context (sound and notification) and acknowledged there, a rumour debunked, a coordinator
// creating a token whose sign-in link is shown once, the map's markers and box, the stats'
// charts; axe-core on each screen (no serious or critical violation); screenshots of each
// screen on a desktop (1366x800) and a phone (390x844) under artifacts/.
//
// Run: cd tests/browser && npm ci && VIGIE_BIN=/path/to/vigie node --test screens.test.mjs

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import net from "node:net";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const vigie = process.env.VIGIE_BIN || join(root, "target", "debug", "vigie");
const browserPath = process.env.CHROMIUM || "/usr/bin/chromium";
const artifacts = join(here, "artifacts");
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=", "base64");

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

// Records notifications and generated sounds instead of playing them (headless Chromium has
// neither a notification centre nor speakers).
function recordAlerts() {
  window.__notes = [];
  window.__tones = 0;
  class RecordedNotification {
    constructor(title, options) { window.__notes.push({ title, body: options && options.body }); }
    close() {}
    static async requestPermission() { RecordedNotification.permission = "granted"; return "granted"; }
  }
  RecordedNotification.permission = "default";
  window.Notification = RecordedNotification;
  const Ctx = window.AudioContext;
  if (Ctx) {
    const make = Ctx.prototype.createOscillator;
    Ctx.prototype.createOscillator = function () { window.__tones += 1; return make.call(this); };
  }
}

test("the secondary screens: hand entry, escalations, rumours, coordination, map, stats", async (t) => {
  const data = mkdtempSync(join(tmpdir(), "vigie-screens-"));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(vigie, ["local", "--demo", "--data-dir", data, "--listen", `127.0.0.1:${port}`], { stdio: "ignore" });
  t.after(() => server.kill());
  await waitFor(async () => (await fetch(`${base}/healthz`)).ok, "vigie local");
  const coordinator = execFileSync(vigie, ["token", "create", "--role", "coordinator", "--name", "Coordinatrice Test", "--data-dir", data]).toString().trim().split("\n").pop();
  const call = async (token, method, path, body, headers = {}) => {
    const r = await fetch(`${base}/api/v1${path}`, { method, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...headers }, body: body && JSON.stringify(body) });
    const json = await r.json().catch(() => null);
    return { status: r.status, body: json };
  };
  const api = async (token, method, path, body, headers) => {
    const r = await call(token, method, path, body, headers);
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const volunteer = (await api(coordinator, "POST", "/tokens", { name: "Bénévole Test", role: "volunteer" })).token;
  const authority = (await api(coordinator, "POST", "/tokens", { name: "Préfecture Test", role: "authority" })).token;
  const hasMe = (await call(volunteer, "GET", "/me")).status === 200;
  const hasPlaces = (await call(volunteer, "GET", "/places", undefined)).status === 400; // q required

  const browser = await chromium.launch({
    executablePath: browserPath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"],
  });
  t.after(() => browser.close());
  mkdirSync(artifacts, { recursive: true });
  const meta = await (await fetch(`${base}/public/meta.json`)).json();
  const tileHost = new URL(meta.tiles.replace(/[{}]/g, "")).host;

  const errors = [];
  /** A signed-in tab of its own (a browser context: its own session storage). */
  async function signIn(token, viewport = { width: 1366, height: 800 }) {
    const context = await browser.newContext({ viewport, locale: "fr-FR" });
    context.setDefaultTimeout(60000);
    await context.addInitScript(recordAlerts);
    await context.route((url) => url.host === tileHost, (route) => route.fulfill({ status: 200, contentType: "image/png", body: png }));
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("dialog", (d) => { errors.push(`dialog: ${d.message()}`); d.dismiss(); });
    await page.goto(`${base}/#token=${token}`);
    await page.waitForSelector("[data-testid=me]");
    assert.ok(!page.url().includes(token), "the token left the address bar");
    return page;
  }
  /** Goes to a view through the shell's navigation. */
  async function open(page, view) {
    await page.locator(`header nav a[href="?view=${view}"]`).click();
    await page.waitForSelector(`main.view-${view}`);
  }
  /** axe-core on the screen (the shell's main region): no serious or critical violation. */
  async function axe(page, name) {
    await page.evaluate(axeSource);
    const result = await page.evaluate(() => window.axe.run({ include: ["#main"] }, { resultTypes: ["violations"] }));
    const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")})`), [], `axe on ${name}`);
  }
  async function shots(page, name) {
    await page.screenshot({ path: join(artifacts, `screen-${name}-desktop.png`), fullPage: false });
    const viewport = page.viewportSize();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(artifacts, `screen-${name}-phone.png`), fullPage: false });
    const [page_, screen] = await page.evaluate(() => {
      const el = document.querySelector("#main .scr");
      return [document.documentElement.scrollWidth, el ? el.scrollWidth - el.clientWidth : 0];
    });
    assert.ok(page_ <= 390 && screen <= 1, `${name} fits a 390-px phone (page ${page_} px, screen ${screen} px too wide)`);
    await page.setViewportSize(viewport);
  }

  const vol = await signIn(volunteer);

  await t.test("hand entry: network from the URL, place suggestion, saved; a known URL opens the stored report", async () => {
    await open(vol, "entry");
    await vol.fill("#entry-url", "https://m.facebook.com/groups/gwada/posts/screens-test-1");
    assert.equal(await vol.inputValue("#entry-network"), "facebook", "network recognised from the host");
    await vol.fill("#entry-text", "Arbre tombé sur la route de la Boucan, <b>passage impossible</b>");
    if (hasPlaces) {
      await vol.locator("#entry-place").pressSequentially("goy", { delay: 30 });
      await vol.waitForSelector("#entry-place-list [role=option]");
      await vol.keyboard.press("ArrowDown");
      assert.equal(await vol.getAttribute("#entry-place", "aria-activedescendant"), "entry-place-0");
      await vol.keyboard.press("Enter");
      assert.equal(await vol.inputValue("#entry-place"), "Goyave");
    } else {
      await vol.fill("#entry-place", "Goyave");
    }
    await axe(vol, "entry");
    await vol.locator("form button[type=submit]").click();
    await vol.waitForSelector(".result[data-result=saved]");
    const found = (await api(coordinator, "GET", "/reports?network=facebook&limit=200")).items.find((r) => r.source_url === "https://m.facebook.com/groups/gwada/posts/screens-test-1");
    assert.ok(found, "the hand entry is stored");
    assert.equal(found.location && found.location.place, "Goyave");

    // A URL already in the table (collected by the demo): "already in the table: open it".
    const known = (await api(coordinator, "GET", "/reports?limit=20")).items.find((r) => r.source_url);
    await vol.locator(".result button", { hasText: /Saisir un autre/ }).click();
    await vol.fill("#entry-url", known.source_url);
    await vol.fill("#entry-text", "Vu aussi sur un groupe WhatsApp");
    await vol.locator("form button[type=submit]").click();
    await vol.waitForSelector(".result[data-result=duplicate]");
    assert.match(await vol.locator(".result").textContent(), /Déjà dans la table/);
    await shots(vol, "entry");
    await vol.locator(".result button", { hasText: "L'ouvrir" }).click();
    await waitFor(async () => new URL(vol.url()).searchParams.get("open") === known.id, "the queue opening the stored report");
    assert.equal(new URL(vol.url()).searchParams.get("view"), "queue");
  });

  await t.test("a share from another app prefills the form", async () => {
    // As the installed app's share sheet opens it: the manifest's share_target action with
    // the shared fields as its whole query (no view named).
    const manifest = await (await fetch(`${base}/manifest.webmanifest`)).json();
    assert.equal(manifest.share_target.method, "GET");
    const shared = new URLSearchParams({ title: "Post de Mano", text: "Eau dans les maisons à Capesterre https://www.instagram.com/p/screens-share/" });
    const action = new URL(manifest.share_target.action, `${base}/`);
    action.search = shared.toString();
    await vol.goto(action.href);
    await vol.waitForSelector("#entry-url");
    assert.equal(await vol.inputValue("#entry-url"), "https://www.instagram.com/p/screens-share/");
    assert.equal(await vol.inputValue("#entry-network"), "instagram");
    assert.equal(await vol.inputValue("#entry-text"), "Post de Mano\nEau dans les maisons à Capesterre");
  });

  await t.test("an escalation made by a volunteer reaches the authority's screen, rings, and is acknowledged", async (st) => {
    const auth = await signIn(authority);
    await open(auth, "escalations");
    await auth.locator("button", { hasText: "Activer le son et les notifications" }).click();
    await auth.waitForSelector("text=Son et notifications activés");
    const tonesBefore = await auth.evaluate(() => window.__tones);
    // The volunteer escalates a report nobody escalated yet.
    const target = (await api(volunteer, "GET", "/reports?escalated=false&status=new&limit=50")).items.find((r) => !r.claimed_by);
    await api(volunteer, "POST", `/reports/${target.id}/escalate`);
    const item = auth.locator(`li[data-id="${target.id}"]`);
    await item.waitFor({ timeout: 20000 });
    assert.equal(await item.getAttribute("data-waiting"), "true");
    assert.equal(await auth.locator("ul[aria-label] > li").first().getAttribute("data-id"), target.id, "newest first");
    await waitFor(() => auth.evaluate(() => window.__notes.length > 0), "a browser notification");
    const notes = await auth.evaluate(() => window.__notes);
    assert.match(notes[0].title, /Vigie/);
    assert.ok(notes[0].body.length > 0);
    assert.ok(await auth.evaluate(() => window.__tones) > tonesBefore, "a sound was generated");
    await axe(auth, "escalations");
    await shots(auth, "escalations");
    if (!hasMe) {
      // Without GET /me the app cannot know the authority's role, so it offers no acknowledgement.
      st.diagnostic("acknowledgement not tried: needs GET /api/v1/me (branch api)");
      await auth.context().close();
      return;
    }
    await item.locator("button", { hasText: "Accuser réception" }).click();
    await waitFor(async () => (await item.getAttribute("data-waiting")) === "false", "the acknowledgement shown");
    assert.match(await item.textContent(), /Reçu par Préfecture Test/);
    const stored = await api(coordinator, "GET", `/reports/${target.id}`);
    assert.ok(stored.acknowledged_at, "acknowledged in the table");
    await auth.context().close();
  });

  const coord = await signIn(coordinator);

  await t.test("a coordinator debunks a rumour: the public feed carries the debunking", async () => {
    await open(coord, "rumors");
    const cluster = coord.locator("li[data-verification=rumor]").first();
    await cluster.waitFor();
    assert.equal(await cluster.locator("svg.spark").count(), 1, "its spread over time");
    const id = await cluster.getAttribute("data-cluster");
    await axe(coord, "rumors");
    await shots(coord, "rumors");
    await cluster.locator("button", { hasText: "Démentir" }).click();
    const text = "Démenti : le barrage tient, aucune évacuation demandée par la préfecture (test navigateur).";
    await cluster.locator("textarea").fill(text);
    assert.ok(await cluster.locator("input[type=checkbox]").isChecked(), "published by default for a coordinator");
    await cluster.locator("button[type=submit]").click();
    const outcome = coord.locator(`li[data-cluster="${id}"] p.ok, li[data-cluster="${id}"] p.error`);
    await outcome.first().waitFor({ timeout: 20000 });
    const said = await outcome.first().textContent();
    assert.match(said, /Démenti publié/, said);
    const after = (await api(coordinator, "GET", `/reports?cluster=${id}&limit=200`)).items;
    for (const m of after) {
      assert.equal(m.verification, "debunked", m.id);
      assert.equal(m.summary, text);
    }
    assert.ok(after.some((m) => m.status === "published"));
    await waitFor(async () => (await (await fetch(`${base}/public/official.atom`)).text()).includes("le barrage tient"), "the debunking in the public feed");
  });

  await t.test("a volunteer debunks a rumour: every post of it is marked, a coordinator publishes", async () => {
    await open(vol, "rumors");
    const cluster = vol.locator("li[data-verification=rumor]").first();
    await cluster.waitFor();
    const id = await cluster.getAttribute("data-cluster");
    await cluster.locator("button", { hasText: "Démentir" }).click();
    assert.match(await cluster.locator("form").textContent(), /Un coordinateur publie/);
    await cluster.locator("textarea").fill("Démenti bénévole (test navigateur)");
    await cluster.locator("button[type=submit]").click();
    await vol.locator(`li[data-cluster="${id}"] p.ok`).waitFor({ timeout: 20000 });
    const after = (await api(coordinator, "GET", `/reports?cluster=${id}&limit=200`)).items;
    assert.ok(after.every((m) => m.verification === "debunked" && m.summary === "Démenti bénévole (test navigateur)"));
  });

  await t.test("a coordinator sees who holds what and releases a volunteer's claim", async () => {
    const held = (await api(volunteer, "GET", "/reports?status=new&limit=50")).items.find((r) => !r.claimed_by);
    await api(volunteer, "POST", `/reports/${held.id}/claim`);
    await open(coord, "coord");
    const row = coord.locator(`li.claim-row[data-id="${held.id}"]`);
    await row.waitFor({ timeout: 20000 });
    assert.match(await coord.locator(".holder", { has: row }).locator("h3").textContent(), /Bénévole Test/);
    await row.locator("button", { hasText: "Libérer" }).click();
    const note = coord.locator(".claims-note");
    await note.waitFor();
    assert.match(await note.textContent(), /Libéré/);
    await row.waitFor({ state: "detached" });
    const after = await api(coordinator, "GET", `/reports/${held.id}`);
    assert.equal(after.claimed_by, null, "the claim is released");
  });

  await t.test("a coordinator creates a token: its sign-in link is shown once", async () => {
    await coord.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
    await open(coord, "coord");
    await coord.waitForSelector("[data-source]");
    // Each source shows what its latest run read: new, already stored, skipped by reason.
    await waitFor(async () => /\d+ nouveaux, \d+ déjà connus/.test(await coord.locator("[data-source] [data-last-run]").first().textContent()), "the last run's counts");
    await coord.fill("#tok-name", "Nouvelle Bénévole");
    await coord.selectOption("#tok-role", "volunteer");
    await coord.locator("button", { hasText: "Créer l'accès" }).click();
    const link = await (await coord.waitForSelector("#tok-link")).inputValue();
    assert.match(link, new RegExp(`^${base}/#token=vigie_[0-9a-f]+$`));
    await coord.locator("button", { hasText: "Copier le lien" }).click();
    await coord.waitForSelector("text=Lien copié.");
    assert.equal(await coord.evaluate(() => navigator.clipboard.readText()), link);
    await axe(coord, "coord");
    await shots(coord, "coord");
    await coord.locator("button", { hasText: "C'est fait" }).click();
    assert.equal(await coord.locator("#tok-link").count(), 0, "the link is gone");
    await coord.reload();
    await coord.waitForSelector("[data-token]");
    assert.equal(await coord.locator("#tok-link").count(), 0, "never shown again");
    assert.equal(await coord.locator("tr[data-token]", { hasText: "Nouvelle Bénévole" }).count(), 1);
    assert.ok(!(await coord.content()).includes(link.split("#token=")[1]), "the secret is nowhere in the page");
    // The link signs the new volunteer in.
    const fresh = await browser.newContext();
    const page = await fresh.newPage();
    await page.goto(link);
    await page.waitForSelector("[data-testid=me]");
    if (hasMe) assert.match(await page.locator("[data-testid=me]").textContent(), /Nouvelle Bénévole/);
    await fresh.close();
    // Revoked, with a confirmation: the link signs nobody in any more.
    const row = coord.locator("tr[data-token]", { hasText: "Nouvelle Bénévole" });
    await row.locator("button", { hasText: "Révoquer" }).click();
    assert.match(await row.textContent(), /Révoquer l'accès de Nouvelle Bénévole/);
    await row.locator("button", { hasText: "Oui, révoquer" }).click();
    await waitFor(async () => /Révoqué/.test(await coord.locator("tr[data-token]", { hasText: "Nouvelle Bénévole" }).textContent()), "the token shown revoked");
    assert.equal((await call(link.split("#token=")[1], "GET", "/reports?limit=1")).status, 401, "a revoked token is refused");
    // The export downloads with the token.
    const [download] = await Promise.all([coord.waitForEvent("download"), coord.locator("button", { hasText: "Télécharger l'export" }).click()]);
    assert.match(download.suggestedFilename(), /^vigie-.*\.csv$/);
    const csv = readFileSync(await download.path(), "utf8");
    assert.ok(csv.split("\n")[1].startsWith("#"), "an HXL row");
  });

  await t.test("the map shows every located report and a box filters the queue", async () => {
    await open(vol, "map");
    const map = vol.locator(".mapv .map");
    await waitFor(async () => Number(await map.getAttribute("data-markers")) > 50, "markers on the map");
    const located = (await vol.evaluate(() => document.querySelector(".mapv .map").dataset.markers));
    const all = (await api(coordinator, "GET", "/stats")).total;
    assert.ok(Number(located) > 0 && Number(located) <= all);
    assert.match(await vol.locator("[data-unplaced]").textContent(), /sans lieu/);
    // Reports at one spot (a commune's centre) share a circle that says how many they are.
    const counts = (await vol.locator(".leaflet-tooltip.map-count").allTextContents()).map(Number);
    assert.ok(counts.length > 0 && counts.every((n) => Number.isInteger(n) && n >= 2), `spot counts: ${counts}`);
    assert.ok(counts.reduce((a, b) => a + b, 0) <= Number(located), `${counts} within ${located}`);
    // A click on a critical circle opens its popup, text only, with a way to the queue.
    const spot = await vol.evaluate(() => {
      const canvas = document.querySelector(".mapv canvas");
      const rect = canvas.getBoundingClientRect();
      const { data, width, height } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
      for (let y = 0; y < height; y += 2) for (let x = 0; x < width; x += 2) {
        const i = (y * width + x) * 4;
        if (Math.abs(data[i] - 176) < 12 && data[i + 1] < 30 && Math.abs(data[i + 2] - 32) < 20) {
          const cx = rect.left + (x * rect.width) / width, cy = rect.top + (y * rect.height) / height;
          if (cx > rect.left + 60 && cy > rect.top + 80) return { x: cx, y: cy };
        }
      }
      return null;
    });
    assert.ok(spot, "a critical circle is drawn");
    await vol.mouse.click(spot.x, spot.y);
    const popup = vol.locator(".leaflet-popup-content .vigie-popup");
    await popup.waitFor();
    assert.match(await popup.textContent(), /Critique/);
    assert.equal(await popup.locator("img, script").count(), 0);
    await axe(vol, "map");
    await shots(vol, "map");
    await vol.locator(".leaflet-popup-close-button").click();
    // Shift-drag draws a box over the middle of the map.
    const box = await map.boundingBox();
    const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
    await vol.keyboard.down("Shift");
    await vol.mouse.move(cx - 150, cy - 120);
    await vol.mouse.down();
    await vol.mouse.move(cx, cy, { steps: 5 });
    await vol.mouse.move(cx + 150, cy + 120, { steps: 5 });
    await vol.mouse.up();
    await vol.keyboard.up("Shift");
    const bar = vol.locator("[data-box]");
    await bar.waitFor();
    const bbox = await bar.getAttribute("data-box");
    assert.match(bbox, /^-?\d+(\.\d+)?,-?\d+(\.\d+)?,-?\d+(\.\d+)?,-?\d+(\.\d+)?$/);
    await bar.locator("button", { hasText: "Voir ces signalements" }).click();
    await waitFor(async () => new URL(vol.url()).searchParams.get("box") === bbox, "the queue with the box");
    assert.equal(new URL(vol.url()).searchParams.get("view"), "queue");
  });

  await t.test("stats show reports per hour by category and by network, and the backlog", async () => {
    await open(vol, "stats");
    await vol.waitForSelector("[data-totals]");
    for (const id of ["by-category", "by-network"]) {
      const fig = vol.locator(`figure[data-chart=${id}]`);
      assert.ok(Number(await fig.getAttribute("data-total")) > 0, id);
      assert.ok(await fig.locator("rect").count() > 0, `${id} has bars`);
    }
    assert.ok(Number(await vol.getAttribute("[data-backlog]", "data-backlog")) >= 0);
    // In English with the shell's toggle.
    await vol.locator("header button", { hasText: "EN" }).click();
    await vol.waitForSelector("text=Reports per hour by category");
    assert.equal(await vol.locator("#stats-title").textContent(), "Statistics");
    await vol.locator("header button", { hasText: "FR" }).click();
    await vol.waitForSelector("text=Signalements par heure et par catégorie");
    await axe(vol, "stats");
    await shots(vol, "stats");
  });

  assert.deepEqual(errors, [], "no script error, no dialog");
});

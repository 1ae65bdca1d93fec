// Relays in a real browser, against `vigie local` with a crisis file naming two [[relay]]
// accounts that post to loopback fakes of Mastodon's statuses API (Idempotency-Key honoured)
// and of an atproto PDS (createSession, createRecord refusing a record key already used): a
// volunteer marks an official message "to relay" from its report, drafts it with the lengths
// counted for each network, a coordinator approves it with a reminder, Vigie posts it once to
// each account (a second approval posts nothing more), the log shows the published posts'
// links and the share links, the CSV and the public feed carry it; an account that fails is retried from the app; five hours later
// the reminder is due and the volunteer relays again; the report's history tells it all. The
// same crisis file collects X (API v2 recent search) and YouTube (Data API v3) from loopback
// fakes, and the coordinator sees their allowances (monthly cap, daily quota) in the sources.
// axe-core on the screen; screenshots under artifacts/.
//
// Run: cd tests/browser && npm ci && VIGIE_BIN=/path/to/vigie node --test relays.test.mjs

import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { root, artifacts, png, launch, waitFor, axeViolations, startVigie, call } from "./support.mjs";

const MASTODON_TOKEN = "relay-masto-token";
const X_BEARER = "x-bearer-for-tests";
const YOUTUBE_KEY = "youtube-key-for-tests";
const fixture = (name) => JSON.parse(readFileSync(join(root, "shared", "sources", "tests", "fixtures", name), "utf8"));
const PDS_PASSWORD = "relay-app-password";

/** One loopback server speaking the networks' wire formats (as their documentation says):
 * Mastodon's statuses and hashtag timeline, an atproto PDS, X API v2's recent search and the
 * YouTube Data API's search and videos (a first page from the fixtures, then nothing new). */
function startFakes() {
  const fakes = { statuses: [], records: new Map(), pdsDown: false, requests: [], ytServed: 0 };
  const xPage = fixture("x_search.json");
  delete xPage.meta.next_token;
  const ytSearch = fixture("youtube_search.json");
  delete ytSearch.nextPageToken;
  const ytVideos = fixture("youtube_videos.json");
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => { raw += c; });
    req.on("end", () => {
      const url = new URL(req.url, "http://fake");
      const json = (status, body) => { res.writeHead(status, { "Content-Type": "application/json" }); res.end(JSON.stringify(body)); };
      fakes.requests.push(`${req.method} ${url.pathname}`);
      // The Mastodon source of the crisis file reads its hashtags here: nothing new.
      if (req.method === "GET" && url.pathname.startsWith("/api/v1/timelines/tag/")) return json(200, []);
      if (req.method === "GET" && url.pathname === "/2/tweets/search/recent") {
        if (req.headers.authorization !== `Bearer ${X_BEARER}`) return json(401, { title: "Unauthorized", type: "about:blank", status: 401, detail: "Unauthorized" });
        if (url.searchParams.get("since_id")) return json(200, { meta: { result_count: 0 } });
        return json(200, xPage);
      }
      if (req.method === "GET" && url.pathname === "/youtube/v3/search") {
        if (url.searchParams.get("key") !== YOUTUBE_KEY) return json(400, { error: { code: 400, message: "API key not valid.", errors: [{ reason: "keyInvalid" }] } });
        return json(200, fakes.ytServed++ ? { kind: "youtube#searchListResponse", items: [] } : ytSearch);
      }
      if (req.method === "GET" && url.pathname === "/youtube/v3/videos") return json(200, ytVideos);
      if (req.method === "POST" && url.pathname === "/api/v1/statuses") {
        if (req.headers.authorization !== `Bearer ${MASTODON_TOKEN}`) return json(401, { error: "The access token is invalid" });
        const body = JSON.parse(raw || "{}");
        if ([...String(body.status || "")].length > 500) return json(422, { error: "Validation failed: Text character limit of 500 exceeded" });
        const key = req.headers["idempotency-key"] || "";
        let made = key && fakes.statuses.find((s) => s.key === key);
        if (!made) {
          const id = String(110000 + fakes.statuses.length);
          made = { key, status: { id, url: `https://mastodon.example/@asso/${id}`, uri: `https://mastodon.example/users/asso/statuses/${id}`, content: body.status, visibility: body.visibility } };
          fakes.statuses.push(made);
        }
        return json(200, made.status);
      }
      if (req.method === "POST" && url.pathname === "/xrpc/com.atproto.server.createSession") {
        const body = JSON.parse(raw || "{}");
        if (body.password !== PDS_PASSWORD) return json(401, { error: "AuthenticationRequired", message: "Invalid identifier or password" });
        return json(200, { accessJwt: "access-1", refreshJwt: "refresh-1", did: "did:plc:asso123", handle: body.identifier });
      }
      if (req.method === "POST" && url.pathname === "/xrpc/com.atproto.repo.createRecord") {
        if (req.headers.authorization !== "Bearer access-1") return json(401, { error: "AuthenticationRequired", message: "Bad token" });
        if (fakes.pdsDown) return json(503, { error: "Unavailable", message: "The PDS is down" });
        const body = JSON.parse(raw || "{}");
        if (fakes.records.has(body.rkey)) return json(400, { error: "InvalidRequest", message: "Record already exists" });
        fakes.records.set(body.rkey, body.record);
        return json(200, { uri: `at://did:plc:asso123/app.bsky.feed.post/${body.rkey}`, cid: "bafyrei" });
      }
      if (req.method === "GET" && url.pathname === "/xrpc/com.atproto.repo.getRecord") {
        const rkey = url.searchParams.get("rkey");
        const record = fakes.records.get(rkey);
        if (!record) return json(400, { error: "RecordNotFound", message: "Could not locate record" });
        return json(200, { uri: `at://did:plc:asso123/app.bsky.feed.post/${rkey}`, value: record });
      }
      json(404, { error: "Record not found" });
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    fakes.url = `http://127.0.0.1:${server.address().port}`;
    fakes.close = () => server.close();
    resolve(fakes);
  }));
}

/** The clock of a tab moved forward (a volunteer coming back hours later). */
function laterBy(ms) {
  return `(() => { const Real = Date; const off = ${ms};
    class Later extends Real { constructor(...a) { if (a.length === 0) super(Real.now() + off); else super(...a); } static now() { return Real.now() + off; } }
    window.Date = Later; })();`;
}

test("relays: drafted from a report with live counts, approved, posted once to each account, shared, retried, reminded", { timeout: 600000 }, async (t) => {
  const fakes = await startFakes();
  t.after(() => fakes.close());
  const demo = readFileSync(join(root, "shared", "app", "demo", "crisis.toml"), "utf8");
  const crisis = `${demo.replace(/^keywords = .*$/m, (line) => `${line}\nsince = "2026-12-01T00:00:00Z"`)}
[[sources]]
id = "x"
kind = "x"
api = "${fakes.url}"
query = "(#Kalina OR #gwada) cyclone"
bearer_env = "X_BEARER_TOKEN"
monthly_cap = 10000
every = "10m"

[[sources]]
id = "youtube"
kind = "youtube"
api = "${fakes.url}"
query = "Guadeloupe cyclone"
key_env = "YOUTUBE_API_KEY"
daily_quota = 10000

[[sources]]
id = "masto-tags"
kind = "mastodon"
instance = "${fakes.url}"
hashtags = ["Kalina", "gwada"]
every = "10m"

[[relay]]
id = "asso-masto"
kind = "mastodon"
instance = "${fakes.url}"
token_env = "RELAY_MASTO_TOKEN"

[[relay]]
id = "asso-bsky"
kind = "bluesky"
service = "${fakes.url}"
handle_env = "RELAY_BSKY_HANDLE"
password_env = "RELAY_BSKY_APP_PASSWORD"
`;
  const vigie = await startVigie({
    name: "vigie-relays",
    crisis,
    env: { X_BEARER_TOKEN: X_BEARER, YOUTUBE_API_KEY: YOUTUBE_KEY, RELAY_MASTO_TOKEN: MASTODON_TOKEN, RELAY_BSKY_HANDLE: "asso.bsky.example", RELAY_BSKY_APP_PASSWORD: PDS_PASSWORD },
  });
  t.after(() => vigie.close());
  const base = vigie.base;
  const coordinator = vigie.token("coordinator", "Corinne Coord");
  const api = async (token, method, path, body) => {
    const r = await call(base, token, method, path, body);
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const volunteer = (await api(coordinator, "POST", "/tokens", { name: "Lyne Bénévole", role: "volunteer" })).token;
  // The prefecture's kit message of the demo (official, with its source link).
  const report = await waitFor(async () => (await api(volunteer, "GET", "/reports?limit=200")).items.find((r) => /kit d'urgence/.test(r.text)), "the prefecture's message");
  assert.ok(report.official, "an official message");

  mkdirSync(artifacts, { recursive: true });
  const browser = await launch();
  t.after(() => browser.close());
  const meta = await (await fetch(`${base}/public/meta.json`)).json();
  const tileHost = new URL(meta.tiles.replace(/[{}]/g, "")).host;
  const errors = [];
  async function signIn(token, path, init) {
    const context = await browser.newContext({ viewport: { width: 1366, height: 800 }, locale: "fr-FR" });
    context.setDefaultTimeout(60000);
    if (init) await context.addInitScript(init);
    await context.route((url) => url.host === tileHost, (route) => route.fulfill({ status: 200, contentType: "image/png", body: png }));
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${base}/${path}#token=${token}`);
    await page.waitForSelector("[data-testid=me]");
    return page;
  }
  /** Screenshots on a desktop and on a phone, which the screen must fit. */
  async function shot(page, name) {
    await page.screenshot({ path: join(artifacts, `relays-${name}.png`), fullPage: true });
    const viewport = page.viewportSize();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(artifacts, `relays-${name}-phone.png`), fullPage: false });
    const [wide, inner] = await page.evaluate(() => {
      const el = document.querySelector("#main .scr");
      return [document.documentElement.scrollWidth, el ? el.scrollWidth - el.clientWidth : 0];
    });
    assert.ok(wide <= 390 && inner <= 1, `${name} fits a 390-px phone (page ${wide} px, screen ${inner} px too wide)`);
    await page.setViewportSize(viewport);
  }
  const item = (page, id) => page.locator(`li.item[data-id="${id}"]`);

  // A volunteer opens the report and marks it "to relay".
  const vol = await signIn(volunteer, `?view=queue&open=${encodeURIComponent(report.id)}`);
  await vol.locator("[data-testid=triage] [data-testid=to-relay]").click();
  await vol.waitForSelector("main.view-relays [data-testid=relay-draft]");
  assert.match(vol.url(), /view=relays/);
  const textarea = vol.locator("#relay-text");
  await waitFor(async () => (await textarea.inputValue()).length > 0, "the first draft");
  const first = await textarea.inputValue();
  assert.ok(first.includes(report.source_url), `the source's link in ${first}`);
  assert.ok(/#gwada/.test(first) && (first.match(/#Kalina/g) || []).length === 1, `the crisis's hashtags, once each: ${first}`);
  assert.ok(await vol.locator("input[name=relay-kind][value=official]").isChecked(), "an official message by default");
  const counters = vol.locator("[data-testid=relay-counters]");
  assert.match(await counters.locator("[data-network=bluesky]").textContent(), /Bluesky : \d+ \/ 300/);
  assert.match(await counters.locator("[data-network=mastodon]").textContent(), /Mastodon : \d+ \/ 500/);
  const submit = vol.locator("[data-testid=relay-draft] button[type=submit]");
  assert.ok(await submit.isEnabled());

  // Too long for Bluesky: said, and not sent; without the Bluesky account it fits Mastodon.
  const long = `${"Abri ouvert à la salle des fêtes de Baie-Mahault. ".repeat(7)}${report.source_url}`;
  await textarea.fill(long);
  await waitFor(async () => /trop long pour Bluesky de \d+/.test(await counters.textContent()), "Bluesky's limit said");
  assert.ok(!(await submit.isEnabled()), "a text too long is not sent");
  await vol.locator("input[type=checkbox][value=asso-bsky]").uncheck();
  await waitFor(async () => submit.isEnabled(), "sendable to Mastodon alone");
  assert.equal(await counters.locator("[data-network=bluesky]").count(), 0);
  await vol.locator("input[type=checkbox][value=asso-bsky]").check();
  const text = `Consignes de la préfecture : préparez votre kit d'urgence (eau pour 3 jours, médicaments, papiers au sec). ${report.source_url} #Kalina #gwada`;
  await textarea.fill(text);
  await waitFor(async () => submit.isEnabled(), "the text fitting both");
  assert.deepEqual(await axeViolations(vol, "the draft form", "#main"), []);
  await shot(vol, "draft");
  await submit.click();
  await waitFor(async () => /Relais proposé/.test(await vol.locator("[data-testid=live]").textContent()), "the draft announced");
  await vol.waitForSelector("li.item[data-status=draft]");
  assert.equal(await vol.locator("[data-testid=relay-draft]").count(), 0, "the form closed");
  const relays = await api(volunteer, "GET", "/relays");
  assert.equal(relays.items.length, 1);
  const relay = relays.items[0];
  assert.equal(relay.text, text);
  assert.deepEqual(relay.accounts.sort(), ["asso-bsky", "asso-masto"]);
  assert.match(relay.drafted_by, /Lyne Bénévole/);
  assert.equal(await item(vol, relay.id).locator("button", { hasText: "Approuver" }).count(), 0, "a volunteer does not approve");
  assert.equal(fakes.statuses.length + fakes.records.size, 0, "nothing posted before approval");

  // A coordinator approves it with a reminder every 4 hours: posted once to each account.
  const coord = await signIn(coordinator, "?view=relays");
  const mine = item(coord, relay.id);
  await mine.waitFor();
  await mine.locator("select").selectOption("4");
  await mine.locator("button", { hasText: "Approuver et publier" }).click();
  await waitFor(async () => (await mine.getAttribute("data-status")) === "posted", "the relay posted");
  assert.equal(fakes.statuses.length, 1);
  assert.equal(fakes.records.size, 1);
  assert.equal(fakes.statuses[0].status.content, text);
  assert.equal([...fakes.records.values()][0].text, text);
  const links = await mine.locator(".targets a").evaluateAll((as) => as.map((a) => a.href));
  assert.ok(links.includes(fakes.statuses[0].status.url), links.join(" "));
  assert.ok(links.some((l) => /^https:\/\/bsky\.app\/profile\/.+\/post\//.test(l)), links.join(" "));
  assert.match(await mine.locator("[data-testid=relay-reminder]").textContent(), /Prochain rappel .* \(toutes les 4 h\)/);
  const whatsapp = await mine.locator(".share a[data-network=whatsapp]").getAttribute("href");
  assert.equal(decodeURIComponent(new URL(whatsapp).searchParams.get("text")), text);
  for (const n of ["telegram", "x", "facebook"]) assert.equal(await mine.locator(`.share a[data-network=${n}]`).count(), 1, `a ${n} share link`);
  assert.deepEqual(await axeViolations(coord, "the relay log", "#main"), []);
  await shot(coord, "posted");

  // The relay in the table's CSV (the report's row) and, an official message, in the public feed.
  const csv = await (await fetch(`${base}/api/v1/export.csv`, { headers: { Authorization: `Bearer ${coordinator}` } })).text();
  const row = csv.split("\r\n").find((l) => l.startsWith(`${report.id},`));
  assert.ok(row && row.includes(`asso-masto ${fakes.statuses[0].status.url}`) && /posted \d{4}-/.test(row), `the report's row: ${row}`);
  const atom = await waitFor(async () => {
    const text = await (await fetch(`${base}/public/official.atom`)).text();
    return text.includes(`:relay:${relay.id}<`) && text;
  }, "the relayed message in official.atom");
  assert.ok(atom.includes(`href="${fakes.statuses[0].status.url}"`), atom);

  // The coordinator's request sent again: nothing posted twice.
  const again = await api(coordinator, "POST", `/relays/${relay.id}/approve`, { version: relay.version });
  assert.equal(again.status, "posted");
  assert.equal(fakes.statuses.length, 1);
  assert.equal(fakes.records.size, 1);

  // A call for solidarity while the PDS is down: failed on Bluesky, said, retried from the app.
  fakes.pdsDown = true;
  const solidarity = await api(volunteer, "POST", "/relays", { report: report.id, kind: "solidarity", text: "Collecte d'eau et de bâches à la mairie de Capesterre, apportez ce que vous pouvez. #gwada" });
  await coord.reload();
  const sol = item(coord, solidarity.id);
  await sol.waitFor();
  await sol.locator("button", { hasText: "Approuver et publier" }).click();
  await waitFor(async () => (await sol.getAttribute("data-status")) === "failed", "the failure shown");
  assert.match(await sol.locator("[data-account=asso-bsky]").textContent(), /refusé : .*503|refusé/);
  assert.equal(await sol.locator("[data-account=asso-masto]").getAttribute("data-state"), "posted");
  await shot(coord, "failed");
  fakes.pdsDown = false;
  await sol.locator("button", { hasText: "Réessayer" }).click();
  await waitFor(async () => (await sol.getAttribute("data-status")) === "posted", "the retry posted");
  assert.equal(fakes.statuses.length, 2, "Mastodon not posted twice by the retry");
  assert.equal(fakes.records.size, 2);

  // Five hours later: the reminder is due; the volunteer relays the message again.
  const later = await signIn(volunteer, "?view=relays", laterBy(5 * 3600 * 1000));
  await later.waitForSelector("[data-testid=relay-due]");
  assert.match(await later.locator("[data-testid=relay-due]").textContent(), /1 consigne\(s\) à relayer de nouveau/);
  const due = item(later, relay.id);
  assert.equal(await later.locator("li.item").first().getAttribute("data-id"), relay.id, "the reminder due comes first");
  assert.match(await due.locator("[data-testid=relay-reminder]").textContent(), /À relayer de nouveau maintenant/);
  await shot(later, "due");
  await due.locator("button", { hasText: "Relayer de nouveau" }).click();
  await later.waitForSelector("[data-testid=relay-draft]");
  assert.equal(await later.locator("#relay-text").inputValue(), text, "the same text, ready");
  await later.locator("[data-testid=relay-draft] button[type=submit]").click();
  await waitFor(async () => (await later.locator("li.item[data-status=draft]").count()) === 1, "the new draft");
  assert.equal(await later.locator("[data-testid=relay-due]").count(), 0, "the reminder answered by the new draft");

  // The report's history: drafted, approved, relayed with the posts' links.
  await vol.goto(`${base}/?view=queue&open=${encodeURIComponent(report.id)}`);
  const history = vol.locator("[data-testid=triage] .history");
  await waitFor(async () => /relayé/.test(await history.textContent()), "the relay in the report's history");
  const said = await history.textContent();
  for (const step of ["relais proposé", "relais approuvé", "relayé", "relais refusé"]) assert.ok(said.includes(step), `${step} in ${said}`);
  assert.ok(said.includes(fakes.statuses[0].status.url), said);

  // The same crisis collected X and YouTube from their fakes: in the queue, and their
  // allowances in the coordinator's view of the sources.
  const collected = await waitFor(async () => {
    const { items } = await api(coordinator, "GET", "/reports?limit=200");
    const x = items.filter((r) => r.network === "x");
    const yt = items.filter((r) => r.network === "youtube");
    return x.length > 0 && yt.length > 0 && { x, yt };
  }, "posts collected from X and YouTube");
  assert.ok(collected.x.some((r) => /Petit-Bourg/.test(r.text)), collected.x.map((r) => r.text).join(" | "));
  await coord.goto(`${base}/?view=coord`);
  const xRow = coord.locator("[data-source=x]");
  await waitFor(async () => /Quota : \d+ \/ 10\s?000 posts lus/.test(await xRow.textContent()), "X's monthly cap in the sources' health", { onTimeout: () => shot(coord, "quota-timeout") });
  assert.match(await coord.locator("[data-source=youtube]").textContent(), /Quota : \d+ \/ 10\s?000 unités/);
  await coord.locator("[data-source=x]").scrollIntoViewIfNeeded();
  await coord.screenshot({ path: join(artifacts, "relays-sources-quota.png"), fullPage: true });

  assert.deepEqual(errors, []);
});

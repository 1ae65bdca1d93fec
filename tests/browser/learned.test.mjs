// The triage model as a volunteer meets it: after the team has filed a crisis's own subject
// (sargassum seaweed on the beaches, which the rules do not know) and other posts through the
// API, a new post on that subject is suggested as they filed it, and the app's panel says the
// suggestion was learnt from their decisions, quoting the words that weighed. Screenshot under
// artifacts/.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { artifacts, axeViolations, call, launch, png, startVigie, waitFor } from "./support.mjs";

test("a suggestion learnt from the volunteers' decisions says so in the panel", { timeout: 600000 }, async (t) => {
  mkdirSync(artifacts, { recursive: true });
  const vigie = await startVigie({ name: "vigie-learned" });
  t.after(() => vigie.close());
  const { base } = vigie;
  const token = vigie.token("volunteer", "Lyne Test");
  const api = async (method, path, body, headers) => {
    const r = await call(base, token, method, path, body, headers);
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  let n = 0;
  const enter = (text) => api("POST", "/reports", {
    network: "facebook", url: `https://www.facebook.example/groups/gwada/posts/${++n}/`, text, observed_at: "2026-09-14T03:00:00Z",
  });
  const file = async (text, category, priority) => {
    const r = await enter(text);
    await api("PATCH", `/reports/${r.id}`, { category, priority }, { "If-Match": `"${r.version}"` });
  };
  for (let i = 0; i < 25; i++) {
    await file(`Les sargasses recouvrent l'anse numéro ${i}, odeur forte`, "hazard", "medium");
    await file(`Collecte de vêtements samedi au gymnase ${i}, venez nombreux`, "solidarity", "low");
  }
  const probe = await enter("Encore des sargasses à Sainte-Anne ce matin, ça sent l'œuf pourri");
  assert.equal(probe.suggested_category, "hazard", JSON.stringify(probe));
  assert.equal(probe.suggestion_reasons[0].rule, "learned", JSON.stringify(probe.suggestion_reasons));

  const browser = await launch();
  t.after(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1366, height: 800 }, locale: "fr-FR" });
  context.setDefaultTimeout(60000);
  const own = new URL(base).host;
  await context.route((url) => url.host !== own, (route) => route.fulfill({ status: 200, contentType: "image/png", body: png }));
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${base}/?view=queue&q=pourri#token=${token}`);
  const row = page.locator(`.grid .body [data-id="${probe.id}"]`);
  await row.waitFor();
  await row.locator(".c-text").click();
  const panel = page.locator("[data-testid=triage]");
  await panel.waitFor();
  const reasons = panel.locator("[data-testid=reasons]");
  await waitFor(async () => /appris des décisions des bénévoles/.test(await reasons.textContent()), "the learnt reason in the panel");
  const why = await reasons.textContent();
  assert.ok(why.includes("« sargasses »"), why);
  await page.screenshot({ path: join(artifacts, "app-panel-learned-desktop.png") });
  assert.deepEqual(await axeViolations(page, "panel with a learnt reason", "[data-testid=triage]"), []);
  assert.deepEqual(errors, []);
});

// A team's shift in real browsers, once on the embedded store and once on DynamoDB Local
// publishing to an S3 server: two volunteers in two browser contexts meet on one report (B's
// claim force-released by the coordinator, A claims it and B sees the claim arrive without a
// reload and cannot claim it, A saves, B's edit typed before A's meets the field-by-field
// conflict and B keeps their value); the API stopped for 10 s while a volunteer edits and
// started again, the edit saved once; a coordinator publishing from the app and the report
// appearing on the public map page; signing out and in with a pasted token; a keyboard-only
// triage of five reports with no mouse event.
// Screenshots under artifacts/.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { artifacts, call, launch, png, sleep, startVigie, waitFor } from "./support.mjs";

/** "Accès, routes" is the fifth of the menu's categories (rescue, casualties, damage, utilities, access). */
const CATEGORIES_BEFORE_ACCESS = 4;

for (const backend of ["sqlite", "dynamodb"]) {
  test(`a team's shift on ${backend === "sqlite" ? "the embedded store" : "DynamoDB Local and an S3 server"}: claims seen live, a conflict kept, the API away and back, publication, keyboard only`, { timeout: 900000 }, async (t) => {
    mkdirSync(artifacts, { recursive: true });
    const shot = (page, name) => page.screenshot({ path: join(artifacts, `team-${backend}-${name}.png`) });
    const vigie = await startVigie({ backend, name: `vigie-team-${backend}` });
    t.after(() => vigie.close());
    const { base } = vigie;
    const api = async (token, method, path, body, headers) => {
      const r = await call(base, token, method, path, body, headers);
      assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const coordinator = vigie.token("coordinator", "Corinne Coord");
    const person = async (name) => (await api(coordinator, "POST", "/tokens", { name, role: "volunteer" })).token;
    const [alice, bruno, kim] = [await person("Alice Ambroise"), await person("Bruno Bélair"), await person("Kim Clavier")];
    const report = await api(alice, "POST", "/reports", {
      network: "facebook", url: `https://facebook.example/posts/zyxteam-${backend}`, place: "97129",
      text: "Zyxteam une famille réfugiée à l'étage, l'eau monte dans la maison à Sainte-Rose",
    });
    const id = report.id;
    const get = () => api(coordinator, "GET", `/reports/${id}`);

    const browser = await launch();
    t.after(() => browser.close());
    const errors = [];
    const own = new Set([new URL(base).host, new URL(vigie.publicMap).host]);
    async function signIn(token, path, { keyboardOnly = false } = {}) {
      const context = await browser.newContext({ viewport: { width: 1366, height: 800 }, locale: "fr-FR" });
      // A loaded 2-core machine runs four tabs, two servers and a store here: waits are generous.
      context.setDefaultTimeout(60000);
      // Tiles are answered here: the test needs no network.
      await context.route((url) => !own.has(url.host), (route) => route.fulfill({ status: 200, contentType: "image/png", body: png }));
      if (keyboardOnly) {
        await context.addInitScript(() => {
          window.__pointer = [];
          for (const type of ["mousedown", "mouseup", "pointerdown", "pointerup", "wheel", "touchstart"]) {
            window.addEventListener(type, (e) => { if (e.isTrusted) window.__pointer.push(type); }, true);
          }
        });
      }
      const page = await context.newPage();
      page.on("pageerror", (e) => errors.push(`${e.message}`));
      page.on("dialog", (d) => { errors.push(`dialog: ${d.message()}`); d.dismiss(); });
      await page.goto(`${base}/${path}#token=${token}`);
      await page.waitForSelector("[data-testid=me]", { timeout: 60000 });
      return page;
    }
    const row = (page) => page.locator(`.grid .body [data-id="${id}"]`);
    const claimLine = (page) => page.locator("[data-testid=triage] .claim-line");

    // Both volunteers look at the same view (a free-text filter in the address).
    const pageA = await signIn(alice, "?view=queue&q=zyxteam");
    const pageB = await signIn(bruno, "?view=queue&q=zyxteam");
    await row(pageA).waitFor({ timeout: 60000 });
    await row(pageB).waitFor({ timeout: 60000 });

    // B opens the report (claimed by B) and types a summary, not saved yet.
    await row(pageB).locator(".c-text").click();
    await waitFor(async () => /Vous l'avez pris en charge/.test(await claimLine(pageB).textContent()), "B's claim");
    const mine = "Famille à l'étage, l'eau monte : secours demandés (selon Bruno)";
    await pageB.locator("#tri-summary").fill(mine);

    // The coordinator frees the report (B seen idle); A takes it.
    const freed = await api(coordinator, "POST", `/reports/${id}/release`);
    assert.match(JSON.stringify(freed), /Bruno Bélair/, "the forced release names who held it");
    await waitFor(async () => !/Bruno/.test(await row(pageA).locator(".c-claim").textContent()), "A seeing the report free");
    await row(pageA).locator(".c-text").click();
    await waitFor(async () => /Vous l'avez pris en charge/.test(await claimLine(pageA).textContent()), "A's claim");
    assert.match((await get()).claimed_by || "", /Alice Ambroise/);

    // B sees A's claim arrive without a reload, in the grid and in the open panel, and cannot claim.
    await waitFor(async () => /Alice Ambroise/.test(await row(pageB).locator(".c-claim").textContent()), "A's claim in B's grid");
    await waitFor(async () => /Pris en charge par Alice Ambroise/.test(await claimLine(pageB).textContent()), "A's claim in B's panel");
    assert.equal(await pageB.locator("[data-testid=triage]").getByRole("button", { name: "Prendre en charge (c)" }).isDisabled(), true);
    assert.equal(await pageB.locator("[data-testid=save]").isDisabled(), true);
    await pageB.keyboard.press("c");
    const refused = await call(base, bruno, "POST", `/reports/${id}/claim`);
    assert.equal(refused.status, 409, `B's claim refused: ${JSON.stringify(refused.body)}`);
    assert.match((await get()).claimed_by || "", /Alice Ambroise/, "A still holds it");
    assert.equal(await pageB.locator("#tri-summary").inputValue(), mine, "B's typing is kept while A holds the report");
    await shot(pageB, "claimed-by-other");

    // A saves a summary and a category, then closes (released).
    const theirs = "Famille réfugiée à l'étage, eau qui monte à Sainte-Rose";
    await pageA.locator("#tri-summary").fill(theirs);
    await pageA.locator("#tri-category").selectOption("rescue");
    await pageA.locator("[data-testid=save]").click();
    await waitFor(async () => (await get()).summary === theirs, "A's saved edit");
    await pageA.keyboard.press("Escape");
    await waitFor(async () => (await get()).claimed_by === null, "A's release");

    // B's panel comes back to life with B's text; saving meets A's change, field by field.
    await waitFor(async () => !(await pageB.locator("[data-testid=save]").isDisabled()), "B's panel editable again");
    assert.equal(await pageB.locator("#tri-summary").inputValue(), mine);
    await pageB.locator("[data-testid=save]").click();
    const conflict = pageB.locator("[data-testid=conflict]");
    await conflict.waitFor();
    assert.ok((await conflict.textContent()).includes(theirs), "A's value shown");
    assert.ok((await conflict.textContent()).includes(mine), "B's value shown");
    assert.equal(await conflict.locator("tr[data-field=summary] input[value=mine]").isChecked(), true);
    assert.equal(await conflict.locator("tr[data-field=category]").count(), 0, "only the field both changed is in question");
    await shot(pageB, "conflict");
    await conflict.getByRole("button", { name: "Appliquer ces choix" }).click();
    await waitFor(async () => (await get()).summary === mine, "B's value kept");
    assert.equal((await get()).category, "rescue", "A's category kept beside B's summary");
    await conflict.waitFor({ state: "detached" });
    await pageB.keyboard.press("Escape");
    await waitFor(async () => (await get()).claimed_by === null, "B's panel closed");

    // The API goes away for 10 s while A edits; the edit waits and is saved once it is back.
    await row(pageA).locator(".c-text").click();
    await waitFor(async () => /Vous l'avez pris en charge/.test(await claimLine(pageA).textContent()), "A's claim again");
    const before = await get();
    await vigie.stop();
    const stoppedAt = Date.now();
    await pageA.locator("#tri-verification").selectOption("confirmed");
    await pageA.locator("[data-testid=save]").click();
    await waitFor(async () => /API injoignable/.test(await pageA.locator("[data-testid=triage]").textContent()), "the edit kept while the API is away");
    await waitFor(async () => /API injoignable/.test(await pageA.locator("[data-testid=sync]").textContent()), "the sync indicator turning red");
    assert.match(await pageA.locator("[data-testid=sync]").getAttribute("class"), /\bbad\b/);
    assert.match(await pageA.locator("[data-testid=outbox]").textContent(), /1 modification/);
    await shot(pageA, "api-away");
    await sleep(Math.max(0, 10000 - (Date.now() - stoppedAt)));
    await vigie.start();
    await waitFor(async () => (await get()).verification === "confirmed", "the kept edit saved", { ms: 60000 });
    await waitFor(async () => (await pageA.locator("[data-testid=outbox]").count()) === 0, "the outbox empty");
    const after = await get();
    const edits = (after.history || []).filter((h) => h.version > before.version && h.changes && h.changes.verification);
    assert.equal(edits.length, 1, `the edit saved once: ${JSON.stringify(after.history)}`);
    assert.equal(edits[0].changes.verification.after, "confirmed");
    assert.match(edits[0].actor, /Alice Ambroise/);
    await waitFor(async () => /synchronisé/.test(await pageA.locator("[data-testid=sync]").textContent()), "the indicator back to synced");
    await pageA.keyboard.press("Escape");
    await waitFor(async () => (await get()).claimed_by === null, "A's release after the outage");

    // The coordinator publishes it from the app; the public map shows it.
    const pageC = await signIn(coordinator, "?view=queue&q=zyxteam");
    await row(pageC).waitFor();
    await row(pageC).locator(".c-text").click();
    await waitFor(async () => /Vous l'avez pris en charge/.test(await claimLine(pageC).textContent()), "the coordinator's claim");
    await pageC.locator("[data-testid=triage]").getByRole("button", { name: "Publier (p)" }).click();
    await waitFor(async () => (await get()).status === "published", "the publication");
    await pageC.keyboard.press("Escape");
    const map = await pageC.context().newPage();
    await map.goto(vigie.publicMap);
    await map.waitForSelector("body[data-ready=true]", { timeout: 60000 });
    await waitFor(async () => {
      if ((await map.locator("#report-list").textContent()).includes(mine)) return true;
      await map.reload();
      await map.waitForSelector("body[data-ready=true]");
      return (await map.locator("#report-list").textContent()).includes(mine);
    }, "the published report on the public map page", { ms: 60000 });
    assert.equal(await map.evaluate((text) => window.vigie.cluster.getLayers().some((m) => m.feature.properties.summary === text), mine), true, "a marker for it");
    await shot(map, "public-map");

    // The coordinator signs out: the token leaves the tab, a reload asks for one; pasting it
    // signs in again.
    await pageC.getByRole("button", { name: "Se déconnecter" }).click();
    await pageC.locator("#token").waitFor();
    assert.equal(await pageC.evaluate(() => sessionStorage.getItem("vigie.token")), null);
    await pageC.reload();
    await pageC.locator("#token").waitFor();
    await pageC.locator("#token").fill(coordinator);
    await pageC.getByRole("button", { name: "Se connecter" }).click();
    await waitFor(async () => /Corinne Coord/.test(await pageC.locator("[data-testid=me]").textContent()), "signed in with the pasted token");
    assert.match(await pageC.locator("[data-testid=me]").textContent(), /coordinat/);

    // Keyboard only: five reports triaged (priority, category) with no mouse event at all.
    const five = [];
    for (let i = 1; i <= 5; i++) {
      five.push((await api(kim, "POST", "/reports", { network: "instagram", url: `https://www.instagram.com/p/zyxkbd-${backend}-${i}/`, text: `Zyxkbd ${i} arbre en travers de la route à Baie-Mahault`, place: "97103" })).id);
    }
    const pageK = await signIn(kim, "?view=queue&q=zyxkbd", { keyboardOnly: true });
    await waitFor(async () => (await pageK.locator(".grid .body [role=row]").count()) === 5, "the five reports");
    const activeId = () => pageK.evaluate(() => { const r = document.querySelector(".grid .body [role=row].active"); return r && r.dataset.id; });
    const seen = [];
    await pageK.keyboard.press("j");
    await waitFor(() => activeId(), "a row made active by j");
    try {
      for (let i = 0; i < 5; i++) {
        if (i === 0) await pageK.keyboard.press("Enter");
        else await pageK.keyboard.press("n"); // the next unclaimed report, this one released
        await pageK.locator("[data-testid=triage]").waitFor();
        await waitFor(async () => /Vous l'avez pris en charge/.test(await claimLine(pageK).textContent()), `the claim of report ${i + 1}`);
        const current = await activeId();
        assert.ok(five.includes(current) && !seen.includes(current), `report ${i + 1} is a new one of the five: ${current}`);
        seen.push(current);
        await pageK.keyboard.press("3");
        await waitFor(async () => (await api(kim, "GET", `/reports/${current}`)).priority === "medium", `the priority of report ${i + 1}`);
        await pageK.keyboard.press("t");
        await pageK.locator("[role=menu]").waitFor();
        // As a person would: the next keys once the menu has the focus.
        await waitFor(() => pageK.evaluate(() => Boolean(document.activeElement && document.activeElement.closest("[role=menu]"))), "the focus in the category menu");
        await pageK.keyboard.press("Home");
        for (let k = 0; k < CATEGORIES_BEFORE_ACCESS; k++) await pageK.keyboard.press("ArrowDown");
        await pageK.keyboard.press("Enter");
        await pageK.locator("[role=menu]").waitFor({ state: "detached" });
        await waitFor(async () => (await api(kim, "GET", `/reports/${current}`)).category === "access", `the category of report ${i + 1}`);
      }
    } catch (e) {
      // What the page shows and where the focus is, to tell a slow machine from a wrong key.
      await pageK.screenshot({ path: join(artifacts, `team-${backend}-keyboard-failure.png`) }).catch(() => {});
      const where = await pageK.evaluate(() => `${location.search} focus: ${document.activeElement && document.activeElement.outerHTML.slice(0, 160)}`).catch((x) => x.message);
      console.log(`keyboard triage stopped after ${seen.length} reports at ${where}`);
      throw e;
    }
    await pageK.keyboard.press("Escape");
    await pageK.locator("[data-testid=triage]").waitFor({ state: "detached" });
    for (const r of five) {
      const got = await api(kim, "GET", `/reports/${r}`);
      assert.equal(got.priority, "medium");
      assert.equal(got.category, "access");
      await waitFor(async () => (await api(kim, "GET", `/reports/${r}`)).claimed_by === null, `report ${r} released`);
    }
    assert.deepEqual(await pageK.evaluate(() => window.__pointer), [], "no mouse, pointer or touch event");
    await shot(pageK, "keyboard");

    assert.deepEqual(errors, []);
  });
}

// Scratch: open the app and take screenshots (not a test).
import { chromium } from "playwright-core";
const [base, token, out, w = "1366", hgt = "800", extra = ""] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu"] });
const page = await browser.newPage({ viewport: { width: +w, height: +hgt } });
const logs = [];
page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
await page.goto(`${base}/${extra}#token=${token}`);
await page.waitForTimeout(2500);
console.log("url", page.url());
await page.screenshot({ path: `${out}-1.png` }); console.log(logs.join("\n"));
if (process.env.OPEN) {
  await page.locator(".grid .body .row").nth(1).click();
  await page.waitForTimeout(1500);
  await page.screenshot({ path: `${out}-2.png` });
}
console.log(logs.join("\n"));
await browser.close();

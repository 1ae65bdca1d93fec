// Edits against a report's fields (pure, unit-tested): what a user changed, whether a change
// is already on the server (a replay after a success), and the field-by-field three-way merge
// shown when a save meets 412.

/** The fields a PATCH changes, in the order the panel shows them. */
export const FIELDS = ["category", "priority", "verification", "summary", "location", "status"];

/** The editable value of each field of a report, as an edit would write it. */
export function valuesOf(report) {
  const l = report.location;
  return {
    category: report.category || null,
    priority: report.priority || null,
    verification: report.verification || "unverified",
    summary: report.summary || null,
    location: l ? { lat: l.lat, lon: l.lon, place: l.place || null, insee: l.insee || null } : null,
    status: report.status,
  };
}

const norm = (s) => (typeof s === "string" ? s.trim().toLowerCase() : s);

/** Whether two values of `field` are the same. A location named by place alone equals a
 * server location of that place (or INSEE code); points compare to 1e-6 degrees. */
export function same(field, a, b) {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (field === "summary") {
    const x = typeof a === "string" && a.trim() ? a.trim() : null;
    const y = typeof b === "string" && b.trim() ? b.trim() : null;
    return x === y;
  }
  if (field === "location") {
    if (a === null || b === null) return a === b;
    const aPoint = typeof a.lat === "number" && typeof a.lon === "number";
    const bPoint = typeof b.lat === "number" && typeof b.lon === "number";
    if (aPoint && bPoint) {
      const near = Math.abs(a.lat - b.lat) < 1e-6 && Math.abs(a.lon - b.lon) < 1e-6;
      return near && (a.place == null || b.place == null || norm(a.place) === norm(b.place));
    }
    // One side is a place name alone: compare names (or a code against the INSEE code).
    const names = (l) => [norm(l.place), l.insee].filter(Boolean);
    const bn = names(b);
    return names(a).some((n) => bn.includes(n));
  }
  return a === b;
}

/** The fields whose values differ between `before` and `after` (values as valuesOf gives). */
export function changedFields(before, after) {
  return FIELDS.filter((f) => f in after && !same(f, before[f], after[f]));
}

/** The PATCH body for `changes` (field → value): a location as {lat, lon, place} or {place}. */
export function patchBody(changes) {
  const body = {};
  for (const f of FIELDS) {
    if (!(f in changes)) continue;
    const v = changes[f];
    if (f === "location" && v) {
      body.location = typeof v.lat === "number" && typeof v.lon === "number"
        ? (v.place ? { lat: v.lat, lon: v.lon, place: v.place } : { lat: v.lat, lon: v.lon })
        : { place: v.place };
    } else if (f === "summary") {
      body.summary = v && String(v).trim() ? String(v) : null;
    } else {
      body[f] = v;
    }
  }
  return body;
}

/** Whether the server's report already carries every change (a replay after a success, or
 * someone else made the same change): then nothing is sent again. */
export function alreadyApplied(changes, server) {
  const now = valuesOf(server);
  return Object.keys(changes).every((f) => {
    if (f === "status" && changes.status === "triaged" && now.status !== "new") return true;
    return same(f, changes[f], now[f]);
  });
}

/** Three-way merge of my `changes` (made on `base`, the values I started from) with the
 * server's report `theirs`. Fields only I changed are kept; fields only they changed are
 * theirs already; a field we both changed to different values is a conflict.
 * Returns {auto, conflicts}: `auto` the changes that can be sent as they are, `conflicts`
 * [{field, base, mine, theirs}] for the user to decide. */
export function merge(base, changes, theirs) {
  const now = valuesOf(theirs);
  const auto = {};
  const conflicts = [];
  for (const f of FIELDS) {
    if (!(f in changes)) continue;
    const mine = changes[f];
    if (same(f, mine, now[f])) continue; // the same on both sides: nothing to send
    if (same(f, base[f], now[f])) auto[f] = mine; // they left it: mine goes
    else conflicts.push({ field: f, base: base[f], mine, theirs: now[f] });
  }
  return { auto, conflicts };
}

/** The changes to send after the user chose, for each conflict, "mine" or "theirs". */
export function resolve(auto, conflicts, choices) {
  const out = { ...auto };
  for (const c of conflicts) if ((choices[c.field] || "mine") === "mine") out[c.field] = c.mine;
  return out;
}

// The map's box filter: `w,s,e,n` in degrees, as the queue's `bbox` URL parameter carries it.

/** `w,s,e,n` from the box's corners, rounded to about a metre, west/south first. */
export function formatBbox(w, s, e, n) {
  const r = (x) => Number(x.toFixed(5));
  return [Math.min(w, e), Math.min(s, n), Math.max(w, e), Math.max(s, n)].map(r).join(",");
}

/** `[w, s, e, n]` from a `bbox` parameter, or null when it is not four numbers in range. */
export function parseBbox(text) {
  const parts = String(text || "").split(",").map((x) => Number(x.trim()));
  if (parts.length !== 4 || parts.some((x) => !Number.isFinite(x) || String(text).trim() === "")) return null;
  const [w, s, e, n] = parts;
  if (w > e || s > n || s < -90 || n > 90 || w < -180 || e > 180) return null;
  return parts;
}

/** Whether a report's location lies in a box (`[w, s, e, n]`); a report without one does not. */
export function inBbox(report, box) {
  const loc = report && report.location;
  if (!loc || !box) return false;
  const [w, s, e, n] = box;
  return loc.lon >= w && loc.lon <= e && loc.lat >= s && loc.lat <= n;
}

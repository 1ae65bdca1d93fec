// A relay's text as the networks count it, a first draft from a report, and when a reminder
// is due (pure, unit-tested). The server checks the same lengths: these are for the counters
// the volunteer sees while typing.

/** The most each network with a posting API takes. */
export const MAX = { mastodon: 500, bluesky: 300 };
/** What Mastodon counts a link as, whatever its length. */
const MASTODON_URL = 23;

const segmenter = typeof Intl !== "undefined" && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;

/** User-perceived characters (an emoji with its modifiers, a letter with its accents: one). */
export function graphemes(text) {
  const s = String(text || "");
  if (!segmenter) return [...s].length;
  let n = 0;
  for (const _ of segmenter.segment(s)) n += 1;
  return n;
}

/** The `http(s)://` links of a text, as [start, end) character offsets; a link stops at white
 * space and leaves out the punctuation that closes a sentence. */
export function links(text) {
  const out = [];
  const re = /https?:\/\/\S+/g;
  let m;
  while ((m = re.exec(text))) {
    let url = m[0];
    while (url.length && /[.,;:!?)"»]$/.test(url)) url = url.slice(0, -1);
    if (url.length > url.indexOf("//") + 2) out.push([m.index, m.index + url.length]);
  }
  return out;
}

/** How long a text is for a network, as the network counts it. */
export function lengthFor(network, text) {
  const s = String(text || "");
  if (network !== "mastodon") return graphemes(s);
  let n = 0;
  let at = 0;
  for (const [start, end] of links(s)) {
    n += graphemes(s.slice(at, start)) + MASTODON_URL;
    at = end;
  }
  return n + graphemes(s.slice(at));
}

/** Each network's length and limit, and whether the text goes over it. */
export function counters(text, networks) {
  return [...new Set(networks)].filter((n) => MAX[n]).map((network) => {
    const length = lengthFor(network, text);
    return { network, length, max: MAX[network], over: length > MAX[network] };
  });
}

const cut = (s, n) => {
  const parts = segmenter ? [...segmenter.segment(s)].map((x) => x.segment) : [...s];
  return parts.length <= n ? s : parts.slice(0, Math.max(0, n - 1)).join("").trimEnd() + "…";
};

/**
 * A first draft of a report's relay: its text (cut to fit the tightest network chosen), the
 * source's link, and the crisis's hashtags the text does not carry yet.
 * @param {{text?: string, summary?: string, source_url?: string}} report
 * @param {string[]} hashtags  with their `#`
 * @param {string[]} networks  of the accounts it goes to
 */
export function proposeText(report, hashtags = [], networks = []) {
  const body = String(report.text || report.summary || "").replace(/\s+/g, " ").trim();
  const link = /^https?:\/\//.test(report.source_url || "") ? report.source_url : "";
  const have = body.toLowerCase();
  const tags = hashtags.filter((t) => !have.includes(t.toLowerCase()));
  const tail = [link, tags.join(" ")].filter(Boolean).join(" ");
  const limits = networks.map((n) => MAX[n]).filter(Boolean);
  const room = limits.length ? Math.min(...limits) : Infinity;
  if (room === Infinity) return tail ? `${body}\n\n${tail}` : body;
  // What the tail takes on the tightest network, and two for the line break.
  const tight = networks.filter((n) => MAX[n] === room)[0];
  const tailLength = tail ? lengthFor(tight, tail) + 2 : 0;
  const text = cut(body, Math.max(20, room - tailLength));
  return tail ? `${text}\n\n${tail}` : text;
}

/** Whether a relay's reminder is due at `now` (ms), and when (ms), or null without one. */
export function reminder(relay, now = Date.now()) {
  if (!relay || !relay.due_again || relay.status !== "posted") return null;
  const at = Date.parse(relay.due_again);
  if (!Number.isFinite(at)) return null;
  return { at, due: at <= now, every: relay.remind_every_hours };
}

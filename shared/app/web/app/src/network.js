// Which network a post's address belongs to, from its host name (hand entry).

// Host name (and its subdomains) → network, as the API's known networks name them.
const HOSTS = [
  ["facebook", ["facebook.com", "fb.com", "fb.me", "fb.watch", "messenger.com"]],
  ["instagram", ["instagram.com", "instagr.am"]],
  ["snapchat", ["snapchat.com", "snap.com"]],
  ["whatsapp", ["whatsapp.com", "whatsapp.net", "wa.me"]],
  ["waze", ["waze.com"]],
  ["tiktok", ["tiktok.com"]],
  ["x", ["x.com"]],
  ["twitter", ["twitter.com", "t.co"]],
  ["youtube", ["youtube.com", "youtu.be", "youtube-nocookie.com"]],
  ["telegram", ["t.me", "telegram.me", "telegram.org", "telegram.dog"]],
  ["threads", ["threads.net", "threads.com"]],
  ["bluesky", ["bsky.app"]],
];

/** The networks the entry form offers, `other` last. */
export const NETWORKS = [...HOSTS.map(([n]) => n), "mastodon", "sms", "other"];

/** The network of an address (`other` when the host is not one we know or the text is no URL). */
export function networkFromUrl(text) {
  let host;
  try {
    const url = new URL(String(text || "").trim());
    if (url.protocol !== "https:" && url.protocol !== "http:") return "other";
    host = url.hostname.toLowerCase().replace(/\.$/, "");
  } catch {
    return "other";
  }
  for (const [network, domains] of HOSTS) {
    if (domains.some((d) => host === d || host.endsWith("." + d))) return network;
  }
  return "other";
}

/** Whether a text is an http(s) address the API accepts. */
export function isHttpUrl(text) {
  try {
    const url = new URL(String(text || "").trim());
    return (url.protocol === "https:" || url.protocol === "http:") && url.hostname !== "";
  } catch {
    return false;
  }
}

/**
 * What a share from another app gives (Web Share Target `title`, `text`, `url`) as the form's
 * address and text: apps often put the link inside `text`, so the first address found there is
 * taken when `url` is empty, and removed from the text.
 */
export function fromShare({ title = "", text = "", url = "" } = {}) {
  let link = String(url || "").trim();
  let body = String(text || "").trim();
  if (!link) {
    const found = body.match(/https?:\/\/[^\s<>"]+/);
    if (found) {
      link = found[0];
      body = (body.slice(0, found.index) + body.slice(found.index + found[0].length)).trim();
    }
  }
  const head = String(title || "").trim();
  if (head && !body.includes(head)) body = body ? `${head}\n${body}` : head;
  return { url: link, text: body };
}

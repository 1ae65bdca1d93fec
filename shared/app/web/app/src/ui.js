// Small pieces shared by the queue and the panel: dialogs, the category menu, ages, countdowns.
import { html } from "htm/preact";
import { useEffect, useRef } from "preact/hooks";
import { CATEGORIES } from "./fold.js";

/** A modal <dialog>: focus kept inside, Escape closes (the browser does both). */
export function Modal({ title, onClose, children, className = "" }) {
  const ref = useRef(null);
  const id = useRef(`dlg-${Math.random().toString(36).slice(2, 8)}`).current;
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    const closed = () => onClose && onClose();
    d.addEventListener("close", closed);
    return () => { d.removeEventListener("close", closed); if (d.open) d.close(); };
  }, []);
  return html`<dialog ref=${ref} class=${`modal ${className}`} aria-labelledby=${id}>
    <h2 id=${id}>${title}</h2>
    ${children}
  </dialog>`;
}

/** The category menu (key `t`): arrows move, Enter or a click picks, Escape closes. */
export function CategoryMenu({ t, current, suggested, onPick, onClose }) {
  const listRef = useRef(null);
  useEffect(() => {
    const el = listRef.current && listRef.current.querySelector('[aria-checked="true"]') || listRef.current.querySelector("button");
    if (el) el.focus();
  }, []);
  const onKey = (e) => {
    const items = Array.from(listRef.current.querySelectorAll("button"));
    const i = items.indexOf(document.activeElement);
    let j = -1;
    if (e.key === "ArrowDown" || e.key === "j") j = Math.min(items.length - 1, i + 1);
    else if (e.key === "ArrowUp" || e.key === "k") j = Math.max(0, i - 1);
    else if (e.key === "Home") j = 0;
    else if (e.key === "End") j = items.length - 1;
    if (j >= 0) { e.preventDefault(); items[j].focus(); }
  };
  return html`<${Modal} title=${t("triage.category")} onClose=${onClose} className="menu">
    <div role="menu" ref=${listRef} onKeyDown=${onKey} aria-label=${t("triage.category")}>
      ${CATEGORIES.map((c) => html`<button type="button" role="menuitemradio" aria-checked=${c === current ? "true" : "false"}
        onClick=${() => onPick(c)}>${t(`category.${c}`)}${c === suggested ? html` <span class="hint">(${t("queue.suggested")})</span>` : ""}</button>`)}
    </div>
    <form method="dialog"><button class="quiet">${t("close")}</button></form>
  <//>`;
}

/** "5 min", "2 h", "3 j" since an ISO time. */
export function age(iso, now, lang) {
  const s = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s)) return "";
  if (s < 60) return lang === "en" ? "now" : "maint.";
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} ${lang === "en" ? "d" : "j"}`;
}

/** mm:ss left until an ISO time, or null when past. */
export function countdown(iso, now) {
  const s = Math.floor((Date.parse(iso) - now) / 1000);
  if (!Number.isFinite(s) || s <= 0) return null;
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, "0")}`;
}

/** Whether a claim is running and held by someone other than `label`. */
export function heldByOther(r, label, now = Date.now()) {
  return Boolean(r && r.claimed_by && r.claim_expires_at && Date.parse(r.claim_expires_at) > now && r.claimed_by !== label);
}
export function heldByMe(r, label, now = Date.now()) {
  return Boolean(r && label && r.claimed_by === label && r.claim_expires_at && Date.parse(r.claim_expires_at) > now);
}

/** A link's href only when it is http(s): a post's URL never becomes javascript: or data:. */
export function safeHref(u) {
  try { const x = new URL(u); return x.protocol === "https:" || x.protocol === "http:" ? x.href : null; } catch { return null; }
}

/** The holder's display name from a label "Name (tok_id)". */
export const holderName = (label) => String(label || "").replace(/\s*\([^)]*\)\s*$/, "");

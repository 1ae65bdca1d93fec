// The keyboard map (pure, unit-tested): a key press and where it happened → an action name,
// or null to let the browser have it. The shell and the queue act on the names.

/** Every binding, as the `?` dialog lists them: [keys shown, action, i18n key]. */
export const BINDINGS = [
  [["↓", "j"], "down", "key.down"],
  [["↑", "k"], "up", "key.up"],
  [["Début", "Fin"], "first|last", "key.firstlast"],
  [["PgUp", "PgDn"], "pageup|pagedown", "key.page"],
  [["Entrée"], "open", "key.open"],
  [["Échap"], "close", "key.close"],
  [["Espace", "x"], "select", "key.select"],
  [["c"], "claim", "key.claim"],
  [["r"], "release", "key.release"],
  [["1", "2", "3", "4"], "priority", "key.priority"],
  [["t"], "category", "key.category"],
  [["s"], "accept", "key.accept"],
  [["e"], "escalate", "key.escalate"],
  [["p"], "publish", "key.publish"],
  [["d"], "dismiss", "key.dismiss"],
  [["n"], "next", "key.next"],
  [["/"], "search", "key.search"],
  [["?"], "help", "key.help"],
];

const PRIORITY_KEYS = { 1: "critical", 2: "high", 3: "medium", 4: "low" };

/**
 * @param {{key: string, ctrlKey?: boolean, metaKey?: boolean, altKey?: boolean}} ev
 * @param {{typing?: boolean, dialog?: boolean, panel?: boolean}} where
 *   typing: focus is in a text field or select; dialog: a dialog or menu is open;
 *   panel: the triage panel is open.
 * @returns {{action: string, value?: string} | null}
 */
export function actionFor(ev, where = {}) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return null;
  const key = ev.key;
  if (key === "Escape") return { action: "close" };
  if (where.typing || where.dialog) return null;
  switch (key) {
    case "ArrowDown": case "j": return { action: "down" };
    case "ArrowUp": case "k": return { action: "up" };
    case "Home": return { action: "first" };
    case "End": return { action: "last" };
    case "PageDown": return { action: "pagedown" };
    case "PageUp": return { action: "pageup" };
    case "Enter": return { action: "open" };
    case " ": case "x": return { action: "select" };
    case "c": return { action: "claim" };
    case "r": return { action: "release" };
    case "t": return { action: "category" };
    case "s": return { action: "accept" };
    case "e": return { action: "escalate" };
    case "p": return { action: "publish" };
    case "d": return { action: "dismiss" };
    case "n": return { action: "next" };
    case "/": return { action: "search" };
    case "?": return { action: "help" };
    default:
      if (PRIORITY_KEYS[key]) return { action: "priority", value: PRIORITY_KEYS[key] };
      return null;
  }
}

/** Whether an element takes typed text (keys then go to it, Escape aside). */
export function isTyping(el) {
  if (!el || !el.tagName) return false;
  const tag = el.tagName.toLowerCase();
  if (tag === "textarea" || tag === "select") return true;
  if (tag === "input") {
    const type = (el.type || "text").toLowerCase();
    return !["checkbox", "radio", "button", "submit", "reset"].includes(type);
  }
  return Boolean(el.isContentEditable);
}

/** The next index for a move action in a list of `count` rows seen `page` at a time. */
export function moveIndex(action, index, count, page = 10) {
  if (count <= 0) return -1;
  const i = index < 0 ? -1 : index;
  switch (action) {
    case "down": return Math.min(count - 1, i + 1);
    case "up": return Math.max(0, i - 1);
    case "first": return 0;
    case "last": return count - 1;
    case "pagedown": return Math.min(count - 1, Math.max(0, i) + page);
    case "pageup": return Math.max(0, i - page);
    default: return Math.max(0, i);
  }
}

/** The index of the next report after `index` that nobody holds and that is still to triage
 * (new or triaged), wrapping around; -1 when there is none. */
export function nextUnclaimed(rows, index, now = Date.now()) {
  const n = rows.length;
  for (let step = 1; step <= n; step++) {
    const r = rows[(Math.max(index, -1) + step + n) % n];
    if (!r) continue;
    const held = r.claimed_by && r.claim_expires_at && Date.parse(r.claim_expires_at) > now;
    if (!held && r.status !== "dismissed" && r.status !== "published") {
      return (Math.max(index, -1) + step + n) % n;
    }
  }
  return -1;
}

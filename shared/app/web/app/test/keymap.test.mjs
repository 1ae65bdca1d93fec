import { test } from "node:test";
import assert from "node:assert/strict";
import { actionFor, isTyping, moveIndex, nextUnclaimed, BINDINGS } from "../src/keymap.js";

test("keys map to actions", () => {
  assert.deepEqual(actionFor({ key: "j" }), { action: "down" });
  assert.deepEqual(actionFor({ key: "ArrowUp" }), { action: "up" });
  assert.deepEqual(actionFor({ key: "Enter" }), { action: "open" });
  assert.deepEqual(actionFor({ key: "2" }), { action: "priority", value: "high" });
  assert.deepEqual(actionFor({ key: "4" }), { action: "priority", value: "low" });
  assert.deepEqual(actionFor({ key: "?" }), { action: "help" });
  assert.equal(actionFor({ key: "5" }), null);
  assert.equal(actionFor({ key: "j", ctrlKey: true }), null, "browser shortcuts are left alone");
});

test("typing in a field keeps its keys, Escape aside", () => {
  assert.equal(actionFor({ key: "d" }, { typing: true }), null);
  assert.equal(actionFor({ key: "Enter" }, { dialog: true }), null);
  assert.deepEqual(actionFor({ key: "Escape" }, { typing: true }), { action: "close" });
  assert.ok(isTyping({ tagName: "INPUT", type: "search" }));
  assert.ok(isTyping({ tagName: "TEXTAREA" }));
  assert.ok(!isTyping({ tagName: "INPUT", type: "checkbox" }));
  assert.ok(!isTyping({ tagName: "DIV" }));
});

test("moves stay inside the list", () => {
  assert.equal(moveIndex("down", -1, 5), 0);
  assert.equal(moveIndex("down", 4, 5), 4);
  assert.equal(moveIndex("up", 0, 5), 0);
  assert.equal(moveIndex("last", 0, 5), 4);
  assert.equal(moveIndex("pagedown", 1, 50, 10), 11);
  assert.equal(moveIndex("pageup", 3, 50, 10), 0);
  assert.equal(moveIndex("down", 0, 0), -1);
});

test("next unclaimed skips held, dismissed and published reports and wraps", () => {
  const now = Date.parse("2026-12-02T10:00:00Z");
  const later = "2026-12-02T10:10:00Z";
  const rows = [
    { id: "a", status: "new" },
    { id: "b", status: "new", claimed_by: "Ana (t1)", claim_expires_at: later },
    { id: "c", status: "dismissed" },
    { id: "d", status: "triaged", claimed_by: "Old (t2)", claim_expires_at: "2026-12-02T09:00:00Z" },
  ];
  assert.equal(nextUnclaimed(rows, 0, now), 3, "an expired claim is no claim");
  assert.equal(nextUnclaimed(rows, 3, now), 0);
  assert.equal(nextUnclaimed([], 0, now), -1);
});

test("every action has a line in the help", () => {
  assert.ok(BINDINGS.length >= 15);
  for (const [keys, action, label] of BINDINGS) assert.ok(keys.length && action && label.startsWith("key."));
});

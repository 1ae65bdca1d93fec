import { test } from "node:test";
import assert from "node:assert/strict";
import { lang } from "../src/i18n.js";
import "../src/strings.js";
import { reasonLine, reasonsText } from "../src/reasons.js";
import { t } from "../src/i18n.js";

test("a reason reads as its rule's meaning and the post's words, in either language", () => {
  lang.value = "fr";
  assert.equal(reasonLine(t, { rule: "trapped_in_danger", words: ["bloqués", "l'eau monte"] }),
    "critique : des personnes ne peuvent pas partir et un danger est dit : « bloqués », « l'eau monte »");
  assert.equal(reasonLine(t, { rule: "evidence", category: "damage", words: ["toiture"] }),
    `indices de la catégorie ${t("category.damage")} : « toiture »`);
  assert.equal(reasonLine(t, { rule: "official_source" }), "source officielle");
  lang.value = "en";
  assert.equal(reasonLine(t, { rule: "condition", words: ["If you", "trapped"] }),
    "a condition (\"if…\"): a case, not a fact: “If you”, “trapped”");
  // A rule this version of the app does not know still shows, by its name.
  assert.equal(reasonLine(t, { rule: "some_new_rule", words: ["x"] }), "some_new_rule: “x”");
  assert.equal(reasonsText(t, [{ rule: "vulnerable", words: ["82 ans"] }, { rule: "urgency" }]), "vulnerable person: “82 ans”\nurgency stated");
  assert.equal(reasonsText(t, undefined), "");
  lang.value = "fr";
});

// Why a suggestion is what it is, in the volunteer's words: each reason the API gives
// (`suggestion_reasons`: a rule, the category it supports, the post's words behind it) as one
// line, for the triage panel and the grid's hover text.
import { registerStrings, lang } from "./i18n.js";

registerStrings("reasons", {
  fr: {
    "why.title": "Pourquoi cette suggestion",
    "why.person_in_peril": "critique : une personne en situation de péril",
    "why.trapped_in_danger": "critique : des personnes ne peuvent pas partir et un danger est dit",
    "why.missing_in_danger": "critique : une personne sans nouvelles, en danger",
    "why.call_for_help": "critique : un appel à l'aide face à un danger",
    "why.hurt_needs_help_now": "critique : une personne blessée ou une urgence médicale, aide nécessaire maintenant",
    "why.people_in_danger": "critique : des personnes en danger maintenant",
    "why.care_out_of_reach": "critique : des soins hors d'atteinte (route coupée, pas d'ambulance) pour une personne qui en a besoin",
    "why.swept_things": "des choses emportées, personne n'est nommé : un danger décrit, pas un secours",
    "why.official_not_a_request": "haute, pas critique : une source officielle informe ou donne des consignes, elle ne demande pas de secours",
    "why.missing_no_danger": "haute, pas critique : une personne sans nouvelles, aucun danger dit",
    "why.stuck_no_danger": "haute, pas critique : bloqué, aucun danger dit",
    "why.in_care": "haute, pas critique : la personne blessée est prise en charge",
    "why.cut_off": "bloqués par une route ou un pont coupé, sans autre danger dit",
    "why.negated": "nié",
    "why.advice": "conseil ou consigne au public, pas un fait",
    "why.condition": "une condition (« si… ») : un cas, pas un fait",
    "why.not_in_danger": "pas de danger dit",
    "why.resolved": "la situation est réglée",
    "why.forecast": "une prévision, pas un fait observé",
    "why.evidence": "indices de la catégorie {category}",
    "why.vulnerable": "personne vulnérable",
    "why.urgency": "urgence dite",
    "why.official_source": "source officielle",
    "why.joke": "autre, basse : des mots qui rient font des mots d'urgence une blague",
    "why.source_fields": "priorité donnée par les champs de la source (gravité, urgence, magnitude, niveau d'alerte)",
    "why.learned": "appris des décisions des bénévoles sur cette crise, d'après les mots",
  },
  en: {
    "why.title": "Why this suggestion",
    "why.person_in_peril": "critical: someone in a perilous situation",
    "why.trapped_in_danger": "critical: people cannot get away and a danger is stated",
    "why.missing_in_danger": "critical: someone not heard from, in danger",
    "why.call_for_help": "critical: a call for help facing a danger",
    "why.hurt_needs_help_now": "critical: someone hurt or a medical emergency, help needed now",
    "why.people_in_danger": "critical: people in danger now",
    "why.care_out_of_reach": "critical: care out of reach (road cut, no ambulance) for someone who needs it",
    "why.swept_things": "things swept away, nobody named: a hazard described, not a rescue",
    "why.official_not_a_request": "high, not critical: an official source informs or instructs, it does not ask for rescue",
    "why.missing_no_danger": "high, not critical: someone not heard from, no danger stated",
    "why.stuck_no_danger": "high, not critical: stuck, no danger stated",
    "why.in_care": "high, not critical: the person hurt is in care",
    "why.cut_off": "cut off by a road or bridge, no other danger stated",
    "why.negated": "negated",
    "why.advice": "advice or instructions to the public, not a fact",
    "why.condition": "a condition (\"if…\"): a case, not a fact",
    "why.not_in_danger": "no danger stated",
    "why.resolved": "the situation is over",
    "why.forecast": "a forecast, not an observed fact",
    "why.evidence": "cues of the category {category}",
    "why.vulnerable": "vulnerable person",
    "why.urgency": "urgency stated",
    "why.official_source": "official source",
    "why.joke": "other, low: laughing words make the emergency words a joke",
    "why.source_fields": "priority set by the source's own fields (severity, urgency, magnitude, alert level)",
    "why.learned": "learnt from the volunteers' decisions in this crisis, from the words",
  },
});

/** One reason as a line: what the rule means, and the post's words between quotes. */
export function reasonLine(t, reason) {
  const key = `why.${reason.rule}`;
  const label = t(key, { category: reason.category ? t(`category.${reason.category}`) : "" });
  const said = label === key ? reason.rule : label;
  const fr = lang.value === "fr";
  const words = (reason.words || []).map((w) => (fr ? `« ${w} »` : `“${w}”`)).join(", ");
  return words ? `${said}${fr ? " : " : ": "}${words}` : said;
}

/** The reasons as one text, for a hover title. */
export function reasonsText(t, reasons) {
  return (reasons || []).map((r) => reasonLine(t, r)).join("\n");
}

//! First classification of a post: a suggested category and priority, for French, English and
//! Antillean Creole. It is a suggestion for a volunteer, tuned so that a life-threatening post
//! is almost never missed (see the development set in `tests/data/devset.jsonl`).
//!
//! How it reads a post: weighted cues per category, found in one pass over the folded text,
//! then a few rules that weigh the context:
//! - a cue can be cancelled by a negation just before it ("pas de blessés", "pa ni moun blésé",
//!   "no injuries"), by advice to the public ("ne traversez jamais une ravine en crue") or by a
//!   condition ("si vous êtes bloqués, appelez le 18", "si ou bizwen"): the danger is then
//!   explained or supposed, not reported;
//! - being stuck ("bloqués", "stuck", "kwensé") is a rescue when a danger is stated (water,
//!   injury, urgency, a vulnerable person), and critical when stuck in a car or at home where
//!   water rises; otherwise a road problem ("bloqués, toutes les routes sont inondées") or a
//!   weak, high-priority rescue;
//! - a call for help goes to the casualty when someone is hurt, otherwise to rescue;
//! - people in danger now come first: rescue or casualty evidence with urgency gets a bonus
//!   over the road, the house or the river around them;
//! - a person (someone, a relative, a driver, the author) in a perilous situation (in a tree,
//!   in the river, under the rubble, shouting under a house, on the table while the water comes
//!   in, water to the chest) is a rescue, and critical, whatever the river, road or house
//!   around them; a heavy peril needs no person named;
//! - a medical emergency (heart attack, stroke, unconscious, breathing badly, seizure, heavy
//!   bleeding), or no doctor or ambulance for someone hurt, is a critical casualty; a casualty
//!   in care ("pris en charge", "at the hospital") is high;
//! - no news of someone is a rescue of high priority, critical when a danger is stated or when
//!   they are out at sea or in the wild (a fisherman, a hiker);
//! - "pas en danger", "rien de grave" cancel urgency;
//! - a resolved situation ("tout le monde va bien") ends a rescue story, unless the peril
//!   outweighs it;
//! - forecasts ("risque d'inondation demain") are weather, not an observed hazard;
//! - "emporté par le courant" is the river's current, not the power.

use crate::taxonomy::{Category, Priority};
use crate::text::{quote, WordOrigin};
use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub category: Category,
    pub priority: Priority,
}

/// Why a suggestion is what it is: a rule that decided or a kind of evidence found, with the
/// words of the post that fired it, as written. The first reason says why the priority is what
/// it is when a rule decided it; the volunteer reads them beside the suggestion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub rule: Rule,
    /// The category the words are evidence for (`evidence` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub words: Vec<String>,
}

/// The rules and kinds of evidence a [`Reason`] names (snake_case on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Critical: someone is in a perilous situation (in the water, on a roof, under rubble).
    PersonInPeril,
    /// Critical: someone cannot get away and a danger is stated.
    TrappedInDanger,
    /// Critical: someone missing or unreachable, and a danger is stated or they are exposed.
    MissingInDanger,
    /// Critical: a call for help with a danger stated.
    CallForHelp,
    /// Critical: someone hurt or a medical emergency, and help is needed now.
    HurtNeedsHelpNow,
    /// Critical: people in danger now (rescue evidence with urgency).
    PeopleInDanger,
    /// Critical: someone with a medical need (in labour, on dialysis, out of insulin) must get
    /// to care that is out of reach (road cut, no ambulance, stuck).
    CareOutOfReach,
    /// High, not critical: an official source informs or instructs, it does not ask for
    /// rescue.
    OfficialNotARequest,
    /// High, not critical: missing or unreachable, no danger stated.
    MissingNoDanger,
    /// High, not critical: stuck, no danger stated.
    StuckNoDanger,
    /// High, not critical: someone hurt is in care.
    InCare,
    /// Cut off: stuck behind a cut road or bridge, no other danger stated.
    CutOff,
    /// Words cancelled by a negation ("pas de blessés", "no injuries").
    Negated,
    /// Words cancelled as advice or instructions to the public ("ne traversez pas").
    Advice,
    /// Words cancelled by a condition ("si vous êtes bloqués"): a case, not a fact.
    Condition,
    /// "Not in danger", "nothing serious": whatever sounded urgent is not.
    NotInDanger,
    /// The situation is over: rescued, everyone is fine.
    Resolved,
    /// About the future: a forecast, not an observed hazard.
    Forecast,
    /// Things swept away, nobody named: a hazard described, not a rescue.
    SweptThings,
    /// Evidence for a category.
    Evidence,
    /// A vulnerable person: a child, an elderly or disabled person, someone in a car.
    Vulnerable,
    /// Life at risk is stated (urgency, emergency words).
    Urgency,
    /// The post comes from an official source or account.
    OfficialSource,
    /// The source's own fields (CAP severity and urgency, magnitude, alert level) set the
    /// priority.
    SourceFields,
}

impl Rule {
    /// Every rule, for the API's schema and the app's words.
    pub const ALL: &'static [Rule] = &[
        Rule::PersonInPeril,
        Rule::TrappedInDanger,
        Rule::MissingInDanger,
        Rule::CallForHelp,
        Rule::HurtNeedsHelpNow,
        Rule::PeopleInDanger,
        Rule::CareOutOfReach,
        Rule::OfficialNotARequest,
        Rule::MissingNoDanger,
        Rule::StuckNoDanger,
        Rule::InCare,
        Rule::CutOff,
        Rule::Negated,
        Rule::Advice,
        Rule::Condition,
        Rule::NotInDanger,
        Rule::Resolved,
        Rule::Forecast,
        Rule::SweptThings,
        Rule::Evidence,
        Rule::Vulnerable,
        Rule::Urgency,
        Rule::OfficialSource,
        Rule::SourceFields,
    ];
}

/// What a cue says besides a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    /// Evidence for a category, with a weight; `negatable` when "no X" means the opposite.
    Topic(Category, u8, bool),
    /// Someone cannot get out or away, with a weight: a rescue only if a danger is stated.
    Stuck(u8),
    /// A call for help, with a weight: urgent; rescue, or casualties when someone is hurt.
    Help(u8),
    /// Someone missing or not heard from, with a rescue weight.
    NoNews(u8),
    /// Life at risk right now.
    Urgent,
    /// Nobody in danger is stated ("pas en danger", "pa an danjé"): cancels urgency.
    Safe,
    /// A vulnerable person (child, elderly, disabled) or place (inside a car): being stuck is
    /// then a danger.
    Vulnerable,
    /// Addressed to the public as advice or instruction; cancels the danger cue just after it.
    Advice,
    /// A condition ("si vous", "si quelqu'un"): the words just after it describe a case, not a
    /// fact; `true` when addressed to the public, which is advice.
    Condition(bool),
    /// The situation is over (rescued, safe).
    Resolved,
    /// About the future: forecast, risk, expected.
    Forecast,
    /// A medical need (insulin, oxygen, dialysis).
    Medical,
    /// A critical facility or a community cut off.
    Serious,
    /// Evacuation ordered.
    Evacuation,
    /// Cancels the negatable cues just after it, and being stuck, help, urgency, no news.
    Negation,
    /// Out at sea or in the wild (a fisherman, a hiker): missing there is a danger.
    Exposed,
    /// Someone hurt is in care ("pris en charge", "at the hospital"): a casualty of high,
    /// not critical, priority.
    Handled,
    /// Someone is there: a person, a relative, a driver, a neighbour, the author ("on est",
    /// "we're", "nou"). A peril around them is a person in danger.
    Person,
    /// A situation that endangers whoever is in it, with a weight: in a tree, in the river,
    /// under the rubble, on the table while the water rises, shouting, unable to swim. With a
    /// person named (or heavy on its own), it is a rescue, and urgent.
    Peril(u8),
    /// The current of water, not the electric one ("emporté par le courant").
    Current,
    /// Care out of reach: someone must get to hospital, an ambulance cannot come.
    Transport,
    /// Things swept away ("voitures emportées", "a emporté le pont"): the water's force, not
    /// a person carried off.
    SweptThing,
}

use Category as C;
use Cue::*;

/// How many words after a negation, advice or condition its scope reaches.
const NEGATION_SCOPE: usize = 2;
const ADVICE_SCOPE: usize = 3;
const CONDITION_SCOPE: usize = 1;

/// From which age a person is vulnerable.
const ELDERLY_FROM: u32 = 65;

/// How much peril makes a rescue: with a person named, or on its own.
const PERIL_WITH_PERSON: i32 = 3;
const PERIL_ALONE: i32 = 4;

/// Cues as folded words. A trailing `*` matches any word starting so; a `*` inside a phrase
/// stands for the plural and feminine endings (`arbre* tombe*` finds "arbres tombés",
/// "arbre tombé"...). The same phrase may carry several cues.
const CUES: &[(&str, Cue)] = &[
    // --- rescue: people trapped, swept away, in the water, on a roof
    ("piege*", Topic(C::Rescue, 4, true)),
    ("pris au piege", Topic(C::Rescue, 4, true)),
    ("sur le toit", Topic(C::Rescue, 4, true)),
    ("sur les toits", Topic(C::Rescue, 4, true)),
    ("sur leur toit", Topic(C::Rescue, 4, true)),
    ("sur son toit", Topic(C::Rescue, 4, true)),
    ("sur notre toit", Topic(C::Rescue, 4, true)),
    ("sur un toit", Topic(C::Rescue, 4, true)),
    ("sur des toits", Topic(C::Rescue, 4, true)),
    ("emporte*", Topic(C::Rescue, 3, true)),
    ("a la derive", Topic(C::Rescue, 5, true)),
    ("chavire*", Topic(C::Rescue, 3, true)),
    ("capsize*", Topic(C::Rescue, 3, true)),
    ("clinging", Topic(C::Rescue, 5, true)),
    ("holding on to", Topic(C::Rescue, 3, true)),
    ("holding onto", Topic(C::Rescue, 3, true)),
    ("in the water", Topic(C::Rescue, 2, true)),
    ("detresse", Topic(C::Rescue, 4, true)),
    ("agrippe*", Topic(C::Rescue, 5, true)),
    ("accroche* a", Topic(C::Rescue, 4, true)),
    ("accroche* au", Topic(C::Rescue, 4, true)),
    ("quelqu un dedans", Topic(C::Rescue, 4, true)),
    ("toujours dedans", Topic(C::Rescue, 4, true)),
    ("encore dedans", Topic(C::Rescue, 4, true)),
    ("encore quelqu un", Topic(C::Rescue, 3, true)),
    ("personnes a bord", Topic(C::Rescue, 3, true)),
    ("se noie", Topic(C::Rescue, 5, true)),
    ("noyade", Topic(C::Rescue, 4, true)),
    ("l eau rentre", Topic(C::Rescue, 3, true)),
    ("l eau entre", Topic(C::Rescue, 3, true)),
    ("l eau arrive", Topic(C::Rescue, 2, true)),
    ("eau jusqu", Topic(C::Rescue, 2, true)),
    ("encercle*", Topic(C::Rescue, 3, true)),
    // Freeing a person ("le dégager"), not a road ("dégager les arbres").
    ("le degager", Topic(C::Rescue, 3, true)),
    ("la degager", Topic(C::Rescue, 3, true)),
    ("les degager", Topic(C::Rescue, 3, true)),
    ("sous les decombres", Topic(C::Rescue, 4, true)),
    ("under the rubble", Topic(C::Rescue, 4, true)),
    ("crier", Topic(C::Rescue, 2, true)),
    ("cris", Topic(C::Rescue, 2, true)),
    ("hurle*", Topic(C::Rescue, 2, true)),
    ("screaming", Topic(C::Rescue, 3, true)),
    ("shouting", Topic(C::Rescue, 2, true)),
    ("le sortir", Topic(C::Rescue, 3, true)),
    ("la sortir", Topic(C::Rescue, 3, true)),
    ("les sortir", Topic(C::Rescue, 3, true)),
    ("tombe* dans l eau", Topic(C::Rescue, 4, true)),
    ("tombe* dans la riviere", Topic(C::Rescue, 4, true)),
    ("tombe* dans la ravine", Topic(C::Rescue, 4, true)),
    ("tombe* dans le canal", Topic(C::Rescue, 4, true)),
    ("fell into", Topic(C::Rescue, 3, true)),
    ("fell in the", Topic(C::Rescue, 3, true)),
    ("drifting", Topic(C::Rescue, 5, true)),
    ("se debat*", Topic(C::Rescue, 4, true)),
    ("atteindre", Topic(C::Rescue, 2, true)),
    ("trapped", Topic(C::Rescue, 4, true)),
    ("on the roof", Topic(C::Rescue, 4, true)),
    ("on their roof", Topic(C::Rescue, 4, true)),
    ("on our roof", Topic(C::Rescue, 4, true)),
    ("on a roof", Topic(C::Rescue, 4, true)),
    ("rooftop*", Topic(C::Rescue, 4, true)),
    ("need rescue", Topic(C::Rescue, 5, false)),
    ("needs rescue", Topic(C::Rescue, 5, false)),
    ("rescue", Topic(C::Rescue, 2, true)),
    ("rescuers", Topic(C::Rescue, 2, true)),
    ("drowning", Topic(C::Rescue, 5, true)),
    ("swept", Topic(C::Rescue, 4, true)),
    ("adrift", Topic(C::Rescue, 5, true)),
    ("still inside", Topic(C::Rescue, 4, true)),
    ("waving", Topic(C::Rescue, 3, true)),
    ("water coming in", Topic(C::Rescue, 3, true)),
    ("water coming through", Topic(C::Hazard, 2, true)),
    ("water pouring in", Topic(C::Hazard, 2, true)),
    ("water getting in", Topic(C::Hazard, 2, true)),
    ("water is coming in", Topic(C::Rescue, 3, true)),
    ("water all around", Topic(C::Rescue, 3, true)),
    ("surrounded", Topic(C::Rescue, 3, true)),
    ("asi twati", Topic(C::Rescue, 4, true)),
    ("asi do kay", Topic(C::Rescue, 4, true)),
    ("anle kay", Topic(C::Rescue, 3, true)),
    ("anle twati", Topic(C::Rescue, 4, true)),
    ("sou twati", Topic(C::Rescue, 4, true)),
    ("an ka neye", Topic(C::Rescue, 5, false)),
    ("ka neye", Topic(C::Rescue, 5, true)),
    ("neye", Topic(C::Rescue, 3, true)),
    ("pati epi dlo", Topic(C::Rescue, 4, true)),
    ("ni moun adan", Topic(C::Rescue, 4, true)),
    ("dlo ka rantre", Topic(C::Rescue, 3, true)),
    ("dlo ka antre", Topic(C::Rescue, 3, true)),
    ("dlo ja rive", Topic(C::Rescue, 2, true)),
    ("dlo ka rive", Topic(C::Rescue, 2, true)),
    // Rescuers and rescues tell a rescue story, over when a resolved cue says so.
    ("secouru*", Topic(C::Rescue, 2, false)),
    ("rescued", Topic(C::Rescue, 2, false)),
    ("got everyone out", Topic(C::Rescue, 2, false)),
    ("firefighters", Topic(C::Rescue, 1, false)),
    ("pompiers", Topic(C::Rescue, 1, false)),
    ("pompye", Topic(C::Rescue, 1, false)),
    // --- rescue: stuck, weighed against the danger stated (see `Stuck`)
    ("bloque*", Stuck(3)),
    ("coince*", Stuck(3)),
    ("stuck", Stuck(3)),
    ("stranded", Stuck(3)),
    ("cut off with", Stuck(2)),
    ("isole* avec", Stuck(2)),
    ("bloke", Stuck(4)),
    ("bloker", Stuck(4)),
    ("kwense", Stuck(3)),
    ("enferme*", Stuck(3)),
    ("locked in", Stuck(3)),
    ("feme adan", Stuck(4)),
    ("pa sa soti", Stuck(3)),
    ("pa ka soti", Stuck(3)),
    ("pa pe soti", Stuck(3)),
    ("pri adan", Stuck(3)),
    ("peut plus se lever", Stuck(3)),
    ("peut pas se lever", Stuck(3)),
    ("arrive pas a marcher", Stuck(3)),
    ("peut pas marcher", Stuck(3)),
    ("peut plus marcher", Stuck(3)),
    ("can t walk", Stuck(3)),
    ("can t climb", Stuck(3)),
    ("peuvent plus revenir", Stuck(3)),
    ("peut plus revenir", Stuck(3)),
    ("can t get back", Stuck(3)),
    ("pe ke soti", Stuck(3)),
    ("pa ka sa soti", Stuck(3)),
    ("pa sa mache", Stuck(3)),
    ("ne pouvons pas sortir", Stuck(3)),
    ("ne peut pas sortir", Stuck(3)),
    ("ne peuvent pas sortir", Stuck(3)),
    ("peut pas sortir", Stuck(3)),
    ("peux pas sortir", Stuck(3)),
    ("peuvent pas sortir", Stuck(3)),
    ("pouvons pas sortir", Stuck(3)),
    ("peut plus sortir", Stuck(3)),
    ("pas sorti*", Stuck(3)),
    ("can t get out", Stuck(3)),
    ("cannot get out", Stuck(3)),
    ("can t move", Stuck(3)),
    ("arrive pas a sortir", Stuck(3)),
    ("est reste* dans", Stuck(2)),
    ("sont reste* dans", Stuck(2)),
    // --- rescue: calls for help (see `Help`)
    ("au secours", Help(5)),
    ("a l aide", Help(5)),
    ("aidez nous", Help(4)),
    ("aidez moi", Help(4)),
    ("besoin de secours", Help(5)),
    ("besoin d aide", Help(2)),
    ("envoyez les secours", Help(5)),
    ("envoyer des secours", Help(5)),
    ("envoyez", Help(2)),
    ("sos", Help(5)),
    ("need help", Help(3)),
    ("please help", Help(3)),
    ("help us", Help(4)),
    ("help me", Help(4)),
    ("send help", Help(5)),
    ("send someone", Help(4)),
    ("calling for help", Help(4)),
    // A witness asking others to call: help, not advice ("appelez le 18 si...").
    ("appelez les secours", Help(3)),
    ("appelez les pompiers", Help(3)),
    ("appelez une ambulance", Help(3)),
    ("call an ambulance", Help(3)),
    ("call the firefighters", Help(3)),
    ("ede nou", Help(4)),
    ("sove nou", Help(5)),
    ("sove mwen", Help(5)),
    ("sove yo", Help(4)),
    ("ed nou", Help(4)),
    ("ede mwen", Help(4)),
    ("sekou", Help(4)),
    ("vin cheche", Help(4)),
    ("anmwe", Help(5)),
    ("amwe", Help(5)),
    ("mayday", Help(5)),
    ("please send", Help(4)),
    ("pls send", Help(4)),
    ("venir nous chercher", Help(4)),
    ("venir les chercher", Help(4)),
    ("venir le chercher", Help(4)),
    ("venir la chercher", Help(4)),
    ("kriye pompye", Help(3)),
    // --- rescue: missing, no news (see `NoNews`)
    ("disparu*", NoNews(5)),
    ("disparet", NoNews(5)),
    ("introuvable*", NoNews(3)),
    ("perdus", NoNews(4)),
    ("s est perdu*", NoNews(4)),
    ("se sont perdu*", NoNews(4)),
    ("missing", NoNews(5)),
    ("pas de nouvelles", NoNews(3)),
    ("sans nouvelles", NoNews(3)),
    ("aucune nouvelle", NoNews(3)),
    ("des nouvelles de", NoNews(3)),
    ("n a de nouvelles", NoNews(3)),
    ("n a eu de nouvelles", NoNews(3)),
    ("pa tann ayen", NoNews(3)),
    ("ne repond plus", NoNews(3)),
    ("ne repond pas", NoNews(3)),
    ("repond plus", NoNews(3)),
    ("plus de reponse", NoNews(3)),
    ("pas de reponse", NoNews(3)),
    ("injoignable*", NoNews(3)),
    ("pas rentre*", NoNews(4)),
    ("pas revenu*", NoNews(4)),
    ("no news", NoNews(3)),
    ("any news", NoNews(3)),
    ("not answering", NoNews(3)),
    ("can t reach", NoNews(3)),
    ("cannot reach", NoNews(3)),
    ("haven t heard", NoNews(3)),
    ("heard from", NoNews(3)),
    ("nobody has heard", NoNews(3)),
    ("no one has heard", NoNews(3)),
    ("nobody s heard", NoNews(3)),
    ("pa vire", NoNews(3)),
    ("pa rantre", NoNews(3)),
    ("pa tounen", NoNews(3)),
    ("no answer", NoNews(3)),
    ("quelqu un a vu", NoNews(3)),
    ("trouve pas", NoNews(3)),
    ("anyone seen", NoNews(3)),
    ("never came back", NoNews(4)),
    ("devait rentrer", NoNews(3)),
    ("nobody knows where", NoNews(3)),
    ("no one knows where", NoNews(3)),
    ("personne ne sait ou", NoNews(3)),
    ("devait arriver", NoNews(3)),
    ("ne l a vu*", NoNews(3)),
    ("ne l ont vu*", NoNews(3)),
    ("can t get through to", NoNews(3)),
    ("didn t come back", NoNews(4)),
    ("voicemail", NoNews(2)),
    ("messagerie", NoNews(2)),
    ("hasn t answered", NoNews(3)),
    ("hasn t replied", NoNews(3)),
    ("not picking up", NoNews(3)),
    ("phone is off", NoNews(2)),
    ("decroche pas", NoNews(3)),
    ("decroche plus", NoNews(3)),
    ("tel est eteint", NoNews(2)),
    ("a joindre", NoNews(3)),
    ("not come back", NoNews(4)),
    ("hasn t come back", NoNews(4)),
    ("hasn t returned", NoNews(4)),
    ("plus de nouvelles", NoNews(4)),
    ("pa ni nouvel", NoNews(3)),
    ("pyes nouvel", NoNews(3)),
    ("pa ka reponn", NoNews(3)),
    ("pedi", NoNews(2)),
    ("pa ka jwenn", NoNews(2)),
    // --- casualties
    ("blesse*", Topic(C::Casualties, 4, true)),
    ("victime*", Topic(C::Casualties, 3, true)),
    ("mort", Topic(C::Casualties, 4, true)),
    ("morts", Topic(C::Casualties, 4, true)),
    ("retrouve* mort*", Topic(C::Casualties, 3, true)),
    ("deces", Topic(C::Casualties, 4, true)),
    ("decede*", Topic(C::Casualties, 4, true)),
    ("tue", Topic(C::Casualties, 3, true)),
    ("tues", Topic(C::Casualties, 3, true)),
    ("tuee*", Topic(C::Casualties, 3, true)),
    ("corps sans vie", Topic(C::Casualties, 5, true)),
    ("un corps", Topic(C::Casualties, 4, true)),
    ("le corps", Topic(C::Casualties, 4, true)),
    ("the body", Topic(C::Casualties, 4, true)),
    ("aux urgences", Topic(C::Casualties, 3, true)),
    ("to the er", Topic(C::Casualties, 3, true)),
    ("a body", Topic(C::Casualties, 4, true)),
    ("on ko", Topic(C::Casualties, 4, true)),
    ("not breathing", Topic(C::Casualties, 4, true)),
    ("ne respire", Topic(C::Casualties, 4, true)),
    ("cpr", Topic(C::Casualties, 4, true)),
    ("massage cardiaque", Topic(C::Casualties, 4, true)),
    ("bouche a bouche", Topic(C::Casualties, 4, true)),
    ("saigne*", Topic(C::Casualties, 3, true)),
    ("sang", Topic(C::Casualties, 2, true)),
    ("inconscient*", Topic(C::Casualties, 4, true)),
    ("respire mal", Topic(C::Casualties, 3, true)),
    ("respire plus", Topic(C::Casualties, 4, true)),
    ("bouge plus", Topic(C::Casualties, 2, true)),
    ("fracture*", Topic(C::Casualties, 3, true)),
    ("jambe cassee", Topic(C::Casualties, 3, true)),
    ("bras casse", Topic(C::Casualties, 3, true)),
    ("casse la jambe", Topic(C::Casualties, 4, true)),
    ("casse le bras", Topic(C::Casualties, 4, true)),
    ("bras tordu", Topic(C::Casualties, 3, true)),
    ("points de suture", Topic(C::Casualties, 4, true)),
    ("ecraser", Topic(C::Casualties, 2, true)),
    ("electrocute*", Topic(C::Casualties, 4, true)),
    ("hospitalise*", Topic(C::Casualties, 3, true)),
    ("ambulance", Topic(C::Casualties, 1, true)),
    ("samu", Topic(C::Casualties, 2, true)),
    ("injured", Topic(C::Casualties, 4, true)),
    ("injuries", Topic(C::Casualties, 4, true)),
    ("injury", Topic(C::Casualties, 4, true)),
    ("hurt", Topic(C::Casualties, 3, true)),
    ("wounded", Topic(C::Casualties, 4, true)),
    ("dead", Topic(C::Casualties, 4, true)),
    ("deaths", Topic(C::Casualties, 4, true)),
    ("killed", Topic(C::Casualties, 4, true)),
    ("casualties", Topic(C::Casualties, 4, true)),
    ("fatalit*", Topic(C::Casualties, 4, true)),
    ("bleeding", Topic(C::Casualties, 3, true)),
    ("douleur", Topic(C::Casualties, 3, true)),
    ("in pain", Topic(C::Casualties, 3, true)),
    ("blood", Topic(C::Casualties, 3, true)),
    ("cut his", Topic(C::Casualties, 3, true)),
    ("cut her", Topic(C::Casualties, 3, true)),
    ("mordu*", Topic(C::Casualties, 2, true)),
    ("pa ka bouge", Topic(C::Casualties, 2, true)),
    ("deep cut", Topic(C::Casualties, 3, true)),
    ("cuts", Topic(C::Casualties, 3, true)),
    ("hit by", Topic(C::Casualties, 2, true)),
    ("hit her head", Topic(C::Casualties, 3, true)),
    ("hit his head", Topic(C::Casualties, 3, true)),
    ("head injury", Topic(C::Casualties, 4, true)),
    ("not responding", Topic(C::Casualties, 3, true)),
    ("unresponsive", Topic(C::Casualties, 4, true)),
    ("unconscious", Topic(C::Casualties, 4, true)),
    ("broken leg", Topic(C::Casualties, 3, true)),
    ("blese", Topic(C::Casualties, 4, true)),
    ("moun mo", Topic(C::Casualties, 4, true)),
    ("ki mo", Topic(C::Casualties, 4, true)),
    ("mo", Topic(C::Casualties, 1, true)),
    ("senyen", Topic(C::Casualties, 3, true)),
    ("seniye", Topic(C::Casualties, 3, true)),
    ("kase pye", Topic(C::Casualties, 3, true)),
    ("pye kase", Topic(C::Casualties, 3, true)),
    ("anbilans", Topic(C::Casualties, 1, true)),
    // --- damage
    ("degat*", Topic(C::Damage, 3, true)),
    ("toit", Topic(C::Damage, 2, true)),
    ("toits", Topic(C::Damage, 2, true)),
    ("toit arrache", Topic(C::Damage, 2, true)),
    ("toits arraches", Topic(C::Damage, 2, true)),
    ("toiture*", Topic(C::Damage, 3, true)),
    ("tole*", Topic(C::Damage, 2, true)),
    ("effondre*", Topic(C::Damage, 3, true)),
    ("ecroule*", Topic(C::Damage, 3, true)),
    ("detruit*", Topic(C::Damage, 3, true)),
    ("endommage*", Topic(C::Damage, 3, true)),
    ("arrache*", Topic(C::Damage, 2, true)),
    ("decoiffe*", Topic(C::Damage, 4, true)),
    ("emporte* par le vent", Topic(C::Damage, 4, true)),
    ("envole*", Topic(C::Damage, 3, true)),
    ("blown off", Topic(C::Damage, 3, true)),
    ("eventre*", Topic(C::Damage, 3, true)),
    ("explose*", Topic(C::Damage, 3, true)),
    ("a cede", Topic(C::Damage, 3, true)),
    ("ont cede", Topic(C::Damage, 3, true)),
    ("pris cher", Topic(C::Damage, 3, true)),
    ("champ de bataille", Topic(C::Damage, 3, true)),
    ("retourne*", Topic(C::Damage, 2, true)),
    ("debris", Topic(C::Damage, 2, true)),
    ("abime*", Topic(C::Damage, 3, true)),
    ("a souffert", Topic(C::Damage, 2, true)),
    ("ont souffert", Topic(C::Damage, 2, true)),
    ("coules", Topic(C::Damage, 2, true)),
    ("recolte*", Topic(C::Damage, 2, true)),
    // "a perdu son toit": lost property; people lost are a rescue (see `NoNews`).
    ("a perdu", Topic(C::Damage, 3, true)),
    ("ont perdu", Topic(C::Damage, 3, true)),
    ("ai perdu", Topic(C::Damage, 3, true)),
    ("avons perdu", Topic(C::Damage, 3, true)),
    ("lost its", Topic(C::Damage, 3, true)),
    ("lost their", Topic(C::Damage, 3, true)),
    ("lost our", Topic(C::Damage, 3, true)),
    ("souffle*", Topic(C::Damage, 1, true)),
    ("vitres", Topic(C::Damage, 2, true)),
    ("vitrine*", Topic(C::Damage, 2, true)),
    ("facade", Topic(C::Damage, 2, true)),
    ("mur", Topic(C::Damage, 1, true)),
    // Something fell on a house: damage, before the fallen tree on the road.
    ("sur la maison", Topic(C::Damage, 2, true)),
    ("sur sa maison", Topic(C::Damage, 2, true)),
    ("sur une maison", Topic(C::Damage, 2, true)),
    ("sur la case", Topic(C::Damage, 2, true)),
    ("on the house", Topic(C::Damage, 2, true)),
    ("on a house", Topic(C::Damage, 2, true)),
    ("on our house", Topic(C::Damage, 2, true)),
    ("asi kaz", Topic(C::Damage, 2, true)),
    ("asi kay", Topic(C::Damage, 2, true)),
    ("murs", Topic(C::Damage, 1, true)),
    ("maison*", Topic(C::Damage, 1, true)),
    ("case*", Topic(C::Damage, 1, true)),
    ("ecole", Topic(C::Damage, 1, true)),
    ("eglise", Topic(C::Damage, 1, true)),
    ("roof", Topic(C::Damage, 2, true)),
    ("roofs", Topic(C::Damage, 3, true)),
    ("damage*", Topic(C::Damage, 4, true)),
    ("destroyed", Topic(C::Damage, 4, true)),
    ("collapsed", Topic(C::Damage, 3, true)),
    ("flattened", Topic(C::Damage, 4, true)),
    ("wreck*", Topic(C::Damage, 4, true)),
    ("smashed", Topic(C::Damage, 3, true)),
    ("torn off", Topic(C::Damage, 3, true)),
    ("ripped off", Topic(C::Damage, 3, true)),
    ("blown away", Topic(C::Damage, 2, true)),
    ("houses", Topic(C::Damage, 1, true)),
    ("twati", Topic(C::Damage, 2, true)),
    ("kaz", Topic(C::Damage, 1, true)),
    ("kay", Topic(C::Damage, 1, true)),
    ("kraze", Topic(C::Damage, 3, true)),
    ("kase", Topic(C::Damage, 3, true)),
    ("tol", Topic(C::Damage, 2, true)),
    ("pote tout", Topic(C::Damage, 2, true)),
    ("kase net", Topic(C::Damage, 2, true)),
    ("miray", Topic(C::Damage, 2, true)),
    ("tonbe", Topic(C::Damage, 1, true)),
    ("dega", Topic(C::Damage, 3, true)),
    ("dekale", Topic(C::Damage, 3, true)),
    ("van la pote", Topic(C::Damage, 3, true)),
    ("van pote", Topic(C::Damage, 3, true)),
    // --- utilities
    ("courant", Topic(C::Utilities, 3, false)),
    ("electricite", Topic(C::Utilities, 3, false)),
    ("coupure*", Topic(C::Utilities, 3, false)),
    ("panne*", Topic(C::Utilities, 2, false)),
    ("edf", Topic(C::Utilities, 3, false)),
    ("reseau", Topic(C::Utilities, 3, false)),
    ("telephone", Topic(C::Utilities, 1, false)),
    ("antenne*", Topic(C::Utilities, 3, false)),
    ("hs", Topic(C::Utilities, 1, false)),
    ("wifi", Topic(C::Utilities, 2, false)),
    ("internet", Topic(C::Utilities, 3, false)),
    ("4g", Topic(C::Utilities, 3, false)),
    ("fibre", Topic(C::Utilities, 2, false)),
    ("eau courante", Topic(C::Utilities, 4, false)),
    ("pas d eau", Topic(C::Utilities, 3, false)),
    ("plus d eau", Topic(C::Utilities, 3, false)),
    ("sans eau", Topic(C::Utilities, 3, false)),
    ("eau au robinet", Topic(C::Utilities, 3, false)),
    ("robinet*", Topic(C::Utilities, 3, false)),
    ("eau potable", Topic(C::Utilities, 2, false)),
    ("treatment plant", Topic(C::Utilities, 4, false)),
    ("water treatment", Topic(C::Utilities, 4, false)),
    ("station de traitement", Topic(C::Utilities, 3, false)),
    ("usine* d eau", Topic(C::Utilities, 3, false)),
    ("noir complet", Topic(C::Utilities, 2, false)),
    ("dans le noir", Topic(C::Utilities, 2, false)),
    ("poteau*", Topic(C::Utilities, 2, false)),
    ("cable*", Topic(C::Utilities, 2, false)),
    ("ligne* electrique*", Topic(C::Utilities, 3, false)),
    ("power", Topic(C::Utilities, 3, false)),
    ("electricity", Topic(C::Utilities, 3, false)),
    ("outage*", Topic(C::Utilities, 3, false)),
    ("blackout", Topic(C::Utilities, 3, false)),
    ("no signal", Topic(C::Utilities, 3, false)),
    ("signal", Topic(C::Utilities, 2, false)),
    ("can t call", Topic(C::Utilities, 2, false)),
    ("lost power", Topic(C::Utilities, 3, false)),
    ("no network", Topic(C::Utilities, 3, false)),
    ("phone network", Topic(C::Utilities, 3, false)),
    ("network", Topic(C::Utilities, 2, false)),
    ("been down", Topic(C::Utilities, 2, false)),
    ("phone lines", Topic(C::Utilities, 4, false)),
    ("lines are down", Topic(C::Utilities, 3, false)),
    ("landline*", Topic(C::Utilities, 3, false)),
    ("running water", Topic(C::Utilities, 4, false)),
    ("water supply", Topic(C::Utilities, 4, false)),
    ("no water", Topic(C::Utilities, 3, false)),
    ("water pressure", Topic(C::Utilities, 3, false)),
    ("tap water", Topic(C::Utilities, 2, false)),
    ("tap", Topic(C::Utilities, 2, false)),
    ("kouran", Topic(C::Utilities, 3, false)),
    ("limye", Topic(C::Utilities, 2, false)),
    ("rezo", Topic(C::Utilities, 3, false)),
    ("pa ni dlo", Topic(C::Utilities, 3, false)),
    ("dlo koupe", Topic(C::Utilities, 3, false)),
    ("koupe dlo", Topic(C::Utilities, 3, false)),
    ("robine", Topic(C::Utilities, 2, false)),
    ("tiyo", Topic(C::Utilities, 1, false)),
    // --- access: roads, bridges, ports, flights
    ("route*", Topic(C::Access, 3, false)),
    ("rue", Topic(C::Access, 1, false)),
    ("chemin", Topic(C::Access, 1, false)),
    ("chaussee", Topic(C::Access, 3, false)),
    ("pont", Topic(C::Access, 3, false)),
    ("ponts", Topic(C::Access, 3, false)),
    ("radier", Topic(C::Access, 3, false)),
    ("circulation", Topic(C::Access, 3, false)),
    ("impraticable*", Topic(C::Access, 4, false)),
    ("barree*", Topic(C::Access, 2, false)),
    ("barre", Topic(C::Access, 1, false)),
    ("ferme a la circulation", Topic(C::Access, 4, false)),
    ("rn*", Topic(C::Access, 3, false)),
    ("n1", Topic(C::Access, 3, false)),
    ("n2", Topic(C::Access, 3, false)),
    ("n4", Topic(C::Access, 3, false)),
    ("n5", Topic(C::Access, 3, false)),
    ("n6", Topic(C::Access, 3, false)),
    ("traversee", Topic(C::Access, 3, false)),
    ("liaison*", Topic(C::Access, 3, false)),
    ("isolee*", Topic(C::Access, 2, false)),
    ("navette* annulee*", Topic(C::Access, 2, false)),
    ("traversee* annulee*", Topic(C::Access, 2, false)),
    ("vols annules", Topic(C::Access, 2, false)),
    ("ferry cancelled", Topic(C::Access, 2, false)),
    ("ferries cancelled", Topic(C::Access, 2, false)),
    ("flights cancelled", Topic(C::Access, 2, false)),
    ("arbre* tombe*", Topic(C::Access, 2, false)),
    ("arbres en travers", Topic(C::Access, 3, false)),
    // "pas de passage", but not "le passage du cyclone".
    ("pas de passage", Topic(C::Access, 3, false)),
    ("plus de passage", Topic(C::Access, 3, false)),
    ("passage impossible", Topic(C::Access, 3, false)),
    ("impossible de passer", Topic(C::Access, 4, false)),
    ("moyen de passer", Topic(C::Access, 3, false)),
    ("dans les deux sens", Topic(C::Access, 3, false)),
    ("demi tour", Topic(C::Access, 3, false)),
    ("aeroport", Topic(C::Access, 3, false)),
    ("port", Topic(C::Access, 1, false)),
    ("vol", Topic(C::Access, 1, false)),
    ("vols", Topic(C::Access, 2, false)),
    ("avion*", Topic(C::Access, 2, false)),
    ("bateau*", Topic(C::Access, 2, false)),
    ("navire*", Topic(C::Access, 2, false)),
    ("navette*", Topic(C::Access, 2, false)),
    ("ferry", Topic(C::Access, 3, false)),
    ("ferries", Topic(C::Access, 3, false)),
    ("embouteillage*", Topic(C::Access, 3, false)),
    ("bouchon*", Topic(C::Access, 3, false)),
    ("deviation", Topic(C::Access, 3, false)),
    ("road*", Topic(C::Access, 3, false)),
    ("bridge*", Topic(C::Access, 3, false)),
    ("airport", Topic(C::Access, 3, false)),
    ("flights", Topic(C::Access, 2, false)),
    ("impassable", Topic(C::Access, 4, false)),
    ("highway", Topic(C::Access, 3, false)),
    ("traffic", Topic(C::Access, 2, false)),
    ("blocked", Topic(C::Access, 2, false)),
    ("blocking", Topic(C::Access, 2, false)),
    ("can t get through", Topic(C::Access, 2, false)),
    ("turn back", Topic(C::Access, 3, false)),
    ("suspended", Topic(C::Access, 2, false)),
    ("chimen", Topic(C::Access, 2, false)),
    ("lari", Topic(C::Access, 2, false)),
    // "pa ni pon" is "not any": only the bridge is negatable.
    ("pon", Topic(C::Access, 3, true)),
    ("loto", Topic(C::Access, 1, false)),
    ("pye bwa", Topic(C::Access, 1, false)),
    ("ayewopo", Topic(C::Access, 4, false)),
    ("avyon", Topic(C::Access, 3, false)),
    ("bato", Topic(C::Access, 3, false)),
    // A road that is blocked, flooded or broken: traffic, not people, is stuck (these add to
    // the words they contain).
    ("route* bloquee*", Topic(C::Access, 2, false)),
    ("route* coupee*", Topic(C::Access, 3, false)),
    ("route* fermee*", Topic(C::Access, 2, false)),
    ("road* closed", Topic(C::Access, 2, false)),
    ("road* is closed", Topic(C::Access, 2, false)),
    ("route* inondee*", Topic(C::Access, 3, false)),
    ("pont* effondre*", Topic(C::Access, 3, false)),
    ("road* blocked", Topic(C::Access, 2, false)),
    ("flooded road*", Topic(C::Access, 3, false)),
    ("chimen la bloke", Topic(C::Access, 4, false)),
    ("chimen bloke", Topic(C::Access, 4, false)),
    ("lari la bloke", Topic(C::Access, 4, false)),
    ("pa ka pase", Topic(C::Access, 3, false)),
    ("pa pase", Topic(C::Access, 2, false)),
    ("pon la kase", Topic(C::Access, 5, false)),
    ("pon kase", Topic(C::Access, 5, false)),
    // --- hazard (observed)
    // Rising water is a hazard, and urgent: a rescue when people are stuck in it.
    ("l eau monte", Topic(C::Hazard, 2, true)),
    ("eau est rentree", Topic(C::Hazard, 2, true)),
    ("eau est entree", Topic(C::Hazard, 2, true)),
    ("dlo rantre", Topic(C::Hazard, 2, true)),
    ("dlo antre", Topic(C::Hazard, 2, true)),
    ("continue de monter", Topic(C::Hazard, 2, true)),
    ("continue a monter", Topic(C::Hazard, 2, true)),
    ("keeps rising", Topic(C::Hazard, 2, true)),
    ("getting higher", Topic(C::Hazard, 2, true)),
    ("rising fast", Topic(C::Hazard, 2, true)),
    ("anba dlo", Topic(C::Hazard, 3, true)),
    ("water rising", Topic(C::Hazard, 2, true)),
    ("water is rising", Topic(C::Hazard, 2, true)),
    ("water still rising", Topic(C::Hazard, 2, true)),
    ("dlo ka monte", Topic(C::Hazard, 2, true)),
    ("inonde*", Topic(C::Hazard, 3, true)),
    ("inondation*", Topic(C::Hazard, 3, true)),
    // Water inside the houses.
    ("de l eau dans", Topic(C::Hazard, 2, true)),
    ("water in", Topic(C::Hazard, 2, true)),
    ("water came in*", Topic(C::Hazard, 3, true)),
    ("dlo adan", Topic(C::Hazard, 2, true)),
    ("sous l eau", Topic(C::Hazard, 3, true)),
    ("envahi*", Topic(C::Hazard, 2, true)),
    ("pieds dans l eau", Topic(C::Hazard, 3, true)),
    ("deborde*", Topic(C::Hazard, 4, true)),
    ("de son lit", Topic(C::Hazard, 4, true)),
    ("crue*", Topic(C::Hazard, 3, true)),
    ("glissement* de terrain", Topic(C::Hazard, 4, true)),
    ("eboulement*", Topic(C::Hazard, 4, true)),
    ("falaise", Topic(C::Hazard, 2, true)),
    ("cliff", Topic(C::Hazard, 2, true)),
    ("coulee* de boue", Topic(C::Hazard, 4, true)),
    ("boue", Topic(C::Hazard, 2, true)),
    ("houle", Topic(C::Hazard, 2, true)),
    ("submersion", Topic(C::Hazard, 3, true)),
    ("vagues", Topic(C::Hazard, 2, true)),
    ("front de mer", Topic(C::Hazard, 1, true)),
    ("maree de tempete", Topic(C::Hazard, 3, true)),
    ("incendie*", Topic(C::Hazard, 4, true)),
    // A fire, not the "couvre-feu".
    ("en feu", Topic(C::Hazard, 3, true)),
    ("au feu", Topic(C::Hazard, 3, true)),
    ("le feu", Topic(C::Hazard, 2, true)),
    ("du feu", Topic(C::Hazard, 2, true)),
    ("un feu", Topic(C::Hazard, 2, true)),
    ("pris feu", Topic(C::Hazard, 3, true)),
    ("depart de feu", Topic(C::Hazard, 3, true)),
    ("feu de broussaille*", Topic(C::Hazard, 3, true)),
    ("feu de foret", Topic(C::Hazard, 3, true)),
    ("fumee", Topic(C::Hazard, 2, true)),
    ("fuite de gaz", Topic(C::Hazard, 4, true)),
    ("odeur de gaz", Topic(C::Hazard, 4, true)),
    ("smell of gas", Topic(C::Hazard, 4, true)),
    ("riviere", Topic(C::Hazard, 2, true)),
    ("ravine", Topic(C::Hazard, 1, true)),
    ("ravine en crue", Topic(C::Hazard, 4, true)),
    ("flood*", Topic(C::Hazard, 3, true)),
    ("landslide*", Topic(C::Hazard, 4, true)),
    ("rockslide*", Topic(C::Hazard, 4, true)),
    ("rockfall*", Topic(C::Hazard, 4, true)),
    ("chute* de pierres", Topic(C::Hazard, 4, true)),
    ("mudslide*", Topic(C::Hazard, 4, true)),
    ("torrent*", Topic(C::Hazard, 3, true)),
    ("mud", Topic(C::Hazard, 2, true)),
    ("slide", Topic(C::Hazard, 2, true)),
    ("sliding", Topic(C::Hazard, 2, true)),
    ("storm surge", Topic(C::Hazard, 4, true)),
    ("overflow*", Topic(C::Hazard, 3, true)),
    ("burst", Topic(C::Hazard, 3, true)),
    ("burst its banks", Topic(C::Hazard, 2, true)),
    ("fire", Topic(C::Hazard, 3, true)),
    ("waves", Topic(C::Hazard, 2, true)),
    ("river", Topic(C::Hazard, 2, true)),
    ("gas leak", Topic(C::Hazard, 4, true)),
    ("lavalas", Topic(C::Hazard, 4, true)),
    ("dlo desann", Topic(C::Hazard, 3, true)),
    ("rivye desann", Topic(C::Hazard, 4, true)),
    ("larivye desann", Topic(C::Hazard, 4, true)),
    ("lariviye desann", Topic(C::Hazard, 4, true)),
    ("larivye", Topic(C::Hazard, 3, true)),
    ("lariviye", Topic(C::Hazard, 3, true)),
    ("barrage", Topic(C::Hazard, 2, true)),
    ("digue", Topic(C::Hazard, 2, true)),
    ("lanme", Topic(C::Hazard, 2, true)),
    ("lanme la antre", Topic(C::Hazard, 4, true)),
    ("lanme antre", Topic(C::Hazard, 4, true)),
    ("lanme la ka monte", Topic(C::Hazard, 4, true)),
    ("lanme ka monte", Topic(C::Hazard, 4, true)),
    ("vag", Topic(C::Hazard, 2, true)),
    ("rivye", Topic(C::Hazard, 3, true)),
    ("larivie", Topic(C::Hazard, 3, true)),
    ("ravin", Topic(C::Hazard, 1, true)),
    ("debode", Topic(C::Hazard, 4, true)),
    ("glisman", Topic(C::Hazard, 4, true)),
    ("glise", Topic(C::Hazard, 3, true)),
    ("glisser", Topic(C::Hazard, 2, true)),
    ("labou", Topic(C::Hazard, 3, true)),
    ("dife", Topic(C::Hazard, 3, true)),
    ("dlo", Topic(C::Hazard, 1, true)),
    // --- needs
    ("besoin d eau", Topic(C::Needs, 4, false)),
    ("besoin de nourriture", Topic(C::Needs, 4, false)),
    ("besoin de", Topic(C::Needs, 2, false)),
    ("besoin d", Topic(C::Needs, 2, false)),
    ("a besoin", Topic(C::Needs, 2, false)),
    ("ont besoin", Topic(C::Needs, 3, false)),
    ("manque de", Topic(C::Needs, 2, false)),
    ("manque d", Topic(C::Needs, 2, false)),
    ("manquent de", Topic(C::Needs, 3, false)),
    ("manquent d", Topic(C::Needs, 3, false)),
    ("bouteille* de gaz", Topic(C::Needs, 3, false)),
    ("gas bottle*", Topic(C::Needs, 3, false)),
    ("can t cook", Topic(C::Needs, 2, false)),
    ("on manque", Topic(C::Needs, 3, false)),
    ("nous manquons", Topic(C::Needs, 3, false)),
    ("plus rien a manger", Topic(C::Needs, 4, false)),
    ("rien a manger", Topic(C::Needs, 4, false)),
    ("faim", Topic(C::Needs, 3, false)),
    ("nourriture", Topic(C::Needs, 3, false)),
    ("pain", Topic(C::Needs, 2, false)),
    ("lait", Topic(C::Needs, 2, false)),
    ("on a plus", Topic(C::Needs, 2, false)),
    ("on n a plus", Topic(C::Needs, 2, false)),
    ("bouteilles d eau", Topic(C::Needs, 2, false)),
    ("lait bebe", Topic(C::Needs, 3, false)),
    ("lait pour bebe", Topic(C::Needs, 3, false)),
    ("lait infantile", Topic(C::Needs, 3, false)),
    ("des couches", Topic(C::Needs, 2, false)),
    ("de couches", Topic(C::Needs, 2, false)),
    ("insuline", Topic(C::Needs, 5, false)),
    ("oxygene", Topic(C::Needs, 4, false)),
    ("dialys*", Topic(C::Needs, 4, false)),
    ("medicament*", Topic(C::Needs, 4, false)),
    ("pansement*", Topic(C::Needs, 3, false)),
    ("paracetamol", Topic(C::Needs, 3, false)),
    ("doliprane", Topic(C::Needs, 3, false)),
    ("traitement", Topic(C::Needs, 2, false)),
    ("groupe electrogene", Topic(C::Needs, 2, false)),
    ("ou trouver", Topic(C::Needs, 2, false)),
    ("quelqu un aurait", Topic(C::Needs, 2, false)),
    ("quelqu un a du", Topic(C::Needs, 3, false)),
    ("quelqu un a des", Topic(C::Needs, 3, false)),
    ("cherche*", Topic(C::Needs, 1, false)),
    ("bache*", Topic(C::Needs, 3, false)),
    ("bach", Topic(C::Needs, 3, false)),
    ("medikaman", Topic(C::Needs, 4, false)),
    ("kimoun ni", Topic(C::Needs, 2, false)),
    ("manke", Topic(C::Needs, 2, false)),
    ("dlo pou bwe", Topic(C::Needs, 3, false)),
    ("kouchet", Topic(C::Needs, 3, false)),
    ("let pou", Topic(C::Needs, 2, false)),
    ("il nous faut", Topic(C::Needs, 3, false)),
    ("clous", Topic(C::Needs, 1, false)),
    ("nails", Topic(C::Needs, 1, false)),
    ("n a plus de", Topic(C::Needs, 2, false)),
    ("pharmacie*", Topic(C::Needs, 2, false)),
    ("ventoline", Topic(C::Needs, 3, false)),
    ("asthm*", Topic(C::Needs, 2, false)),
    ("pharmacy", Topic(C::Needs, 2, false)),
    ("inhaler", Topic(C::Needs, 3, false)),
    ("food", Topic(C::Needs, 3, false)),
    ("need", Topic(C::Needs, 2, false)),
    ("need water", Topic(C::Needs, 4, false)),
    ("need food", Topic(C::Needs, 4, false)),
    ("drinking water", Topic(C::Needs, 4, false)),
    ("we need", Topic(C::Needs, 3, false)),
    ("running out", Topic(C::Needs, 3, false)),
    ("looking for", Topic(C::Needs, 2, false)),
    ("generator", Topic(C::Needs, 3, false)),
    ("insulin", Topic(C::Needs, 5, false)),
    ("oxygen", Topic(C::Needs, 4, false)),
    ("apnea", Topic(C::Needs, 3, false)),
    ("apnee", Topic(C::Needs, 3, false)),
    ("medication", Topic(C::Needs, 4, false)),
    ("medicine", Topic(C::Needs, 4, false)),
    ("baby formula", Topic(C::Needs, 4, false)),
    ("diapers", Topic(C::Needs, 3, false)),
    ("tarp*", Topic(C::Needs, 2, false)),
    ("bizwen", Topic(C::Needs, 3, false)),
    ("manje", Topic(C::Needs, 3, false)),
    ("pa ni manje", Topic(C::Needs, 4, false)),
    ("mwen bizwen", Topic(C::Needs, 2, false)),
    ("an bizwen", Topic(C::Needs, 2, false)),
    ("nou bizwen", Topic(C::Needs, 2, false)),
    ("ki moun ni", Topic(C::Needs, 2, false)),
    ("delko", Topic(C::Needs, 3, false)),
    ("grangou", Topic(C::Needs, 3, false)),
    ("swaf", Topic(C::Needs, 3, false)),
    ("remed", Topic(C::Needs, 4, false)),
    ("ensilin", Topic(C::Needs, 5, false)),
    ("oksijen", Topic(C::Needs, 4, false)),
    // --- shelter and evacuation
    ("abri", Topic(C::Shelter, 3, false)),
    ("abris", Topic(C::Shelter, 3, false)),
    ("centre d hebergement", Topic(C::Shelter, 4, false)),
    ("hebergement*", Topic(C::Shelter, 3, false)),
    ("heberge*", Topic(C::Shelter, 2, false)),
    ("gymnase", Topic(C::Shelter, 3, false)),
    ("refuge", Topic(C::Shelter, 3, false)),
    ("evacuation*", Topic(C::Shelter, 3, false)),
    ("evacue*", Topic(C::Shelter, 2, false)),
    ("complet", Topic(C::Shelter, 1, false)),
    ("lits", Topic(C::Shelter, 2, false)),
    ("couvertures", Topic(C::Shelter, 1, false)),
    ("dra", Topic(C::Shelter, 1, false)),
    ("sinistres", Topic(C::Shelter, 1, false)),
    ("ped kaz", Topic(C::Shelter, 2, false)),
    ("ouve pou", Topic(C::Shelter, 2, false)),
    ("shelter*", Topic(C::Shelter, 4, false)),
    ("evacuat*", Topic(C::Shelter, 3, false)),
    ("evakye", Topic(C::Shelter, 4, false)),
    ("lopital", Topic(C::Shelter, 1, false)),
    ("sal a", Topic(C::Shelter, 1, false)),
    ("lekol", Topic(C::Shelter, 1, false)),
    ("ni plas", Topic(C::Shelter, 3, false)),
    // --- solidarity: offers, collections, volunteers
    ("dons", Topic(C::Solidarity, 4, false)),
    ("don", Topic(C::Solidarity, 2, false)),
    ("collecte*", Topic(C::Solidarity, 4, false)),
    ("benevole*", Topic(C::Solidarity, 4, false)),
    ("solidarite", Topic(C::Solidarity, 4, false)),
    ("je propose", Topic(C::Solidarity, 4, false)),
    ("nous proposons", Topic(C::Solidarity, 4, false)),
    // An offer names what is offered: "je peux" alone is also "je peux pas sortir".
    ("peux aider", Topic(C::Solidarity, 3, false)),
    ("peux preter", Topic(C::Solidarity, 3, false)),
    ("peux amener", Topic(C::Solidarity, 3, false)),
    ("peux apporter", Topic(C::Solidarity, 3, false)),
    ("peux donner", Topic(C::Solidarity, 3, false)),
    ("peux transporter", Topic(C::Solidarity, 3, false)),
    ("peux heberger", Topic(C::Solidarity, 3, false)),
    ("peux accueillir", Topic(C::Solidarity, 3, false)),
    ("peut aider", Topic(C::Solidarity, 3, false)),
    ("pouvons aider", Topic(C::Solidarity, 3, false)),
    ("je donne", Topic(C::Solidarity, 4, false)),
    ("vetements", Topic(C::Solidarity, 2, false)),
    ("pou tout moun", Topic(C::Solidarity, 2, false)),
    ("for everyone", Topic(C::Solidarity, 2, false)),
    ("mp", Topic(C::Solidarity, 2, false)),
    ("disponible*", Topic(C::Solidarity, 2, false)),
    ("dispo", Topic(C::Solidarity, 3, false)),
    ("gratuit*", Topic(C::Solidarity, 3, false)),
    ("offre", Topic(C::Solidarity, 3, false)),
    ("preter", Topic(C::Solidarity, 3, false)),
    ("pret a aider", Topic(C::Solidarity, 4, false)),
    ("venez aider", Topic(C::Solidarity, 4, false)),
    ("venez nombreux", Topic(C::Solidarity, 3, false)),
    ("repas chauds", Topic(C::Solidarity, 3, false)),
    ("peut venir", Topic(C::Solidarity, 2, false)),
    ("coup de main", Topic(C::Solidarity, 3, false)),
    ("cagnotte", Topic(C::Solidarity, 4, false)),
    ("entraide", Topic(C::Solidarity, 4, false)),
    ("se sont organise*", Topic(C::Solidarity, 3, false)),
    ("s organise*", Topic(C::Solidarity, 2, false)),
    ("ranmase", Topic(C::Solidarity, 4, false)),
    ("rad", Topic(C::Solidarity, 2, false)),
    ("venez chercher", Topic(C::Solidarity, 3, false)),
    ("depot*", Topic(C::Solidarity, 2, false)),
    ("mp moi", Topic(C::Solidarity, 3, false)),
    ("volunteer*", Topic(C::Solidarity, 4, false)),
    ("donation*", Topic(C::Solidarity, 4, false)),
    ("donate", Topic(C::Solidarity, 4, false)),
    ("offering", Topic(C::Solidarity, 4, false)),
    ("collecting", Topic(C::Solidarity, 4, false)),
    ("organising", Topic(C::Solidarity, 3, false)),
    ("organizing", Topic(C::Solidarity, 3, false)),
    ("clean up", Topic(C::Solidarity, 3, false)),
    ("an ni on", Topic(C::Solidarity, 2, false)),
    ("kriye mwen", Topic(C::Solidarity, 2, false)),
    ("j en ai", Topic(C::Solidarity, 2, false)),
    ("can help", Topic(C::Solidarity, 4, false)),
    ("can bring", Topic(C::Solidarity, 3, false)),
    ("can drive", Topic(C::Solidarity, 3, false)),
    ("can give", Topic(C::Solidarity, 3, false)),
    ("can lend", Topic(C::Solidarity, 3, false)),
    ("can host", Topic(C::Solidarity, 3, false)),
    ("i have a", Topic(C::Solidarity, 2, false)),
    ("come by", Topic(C::Solidarity, 4, false)),
    ("dm me", Topic(C::Solidarity, 3, false)),
    ("free", Topic(C::Solidarity, 2, false)),
    ("happy to help", Topic(C::Solidarity, 4, false)),
    ("drop off", Topic(C::Solidarity, 3, false)),
    ("fundraiser", Topic(C::Solidarity, 4, false)),
    ("an ka pwopoze", Topic(C::Solidarity, 4, false)),
    ("pwopoze", Topic(C::Solidarity, 4, false)),
    ("an pe", Topic(C::Solidarity, 2, false)),
    ("nou pe", Topic(C::Solidarity, 2, false)),
    ("ba zot", Topic(C::Solidarity, 2, false)),
    ("bay", Topic(C::Solidarity, 1, false)),
    ("ka bay", Topic(C::Solidarity, 3, false)),
    ("ka fe manje", Topic(C::Solidarity, 4, false)),
    ("ofe", Topic(C::Solidarity, 4, false)),
    ("moun ki bizwen", Topic(C::Solidarity, 2, false)),
    ("kout men", Topic(C::Solidarity, 4, false)),
    ("koudmen", Topic(C::Solidarity, 4, false)),
    ("lantrede", Topic(C::Solidarity, 4, false)),
    ("byenvini", Topic(C::Solidarity, 2, false)),
    ("kriye nou", Topic(C::Solidarity, 2, false)),
    // --- official: authorities and their instructions
    ("prefecture", Topic(C::Official, 3, false)),
    ("prefet", Topic(C::Official, 3, false)),
    ("arrete prefectoral", Topic(C::Official, 4, false)),
    ("arrete municipal", Topic(C::Official, 4, false)),
    ("couvre feu", Topic(C::Official, 4, false)),
    ("ecoles", Topic(C::Official, 2, false)),
    ("resteront ferme*", Topic(C::Official, 3, false)),
    ("schools", Topic(C::Official, 2, false)),
    ("consigne*", Topic(C::Official, 4, false)),
    ("communique", Topic(C::Official, 3, false)),
    ("mairie", Topic(C::Official, 3, false)),
    ("hotel de ville", Topic(C::Official, 2, false)),
    ("cellule de crise", Topic(C::Official, 4, false)),
    ("signalement*", Topic(C::Official, 2, false)),
    ("informe", Topic(C::Official, 2, false)),
    ("sdis", Topic(C::Official, 2, false)),
    ("ars", Topic(C::Official, 2, false)),
    ("interdit*", Topic(C::Official, 2, false)),
    ("interdiction*", Topic(C::Official, 3, false)),
    ("restez chez vous", Topic(C::Official, 4, false)),
    ("restez confine*", Topic(C::Official, 4, false)),
    ("ne sortez pas", Topic(C::Official, 4, false)),
    ("ne sortez sous aucun", Topic(C::Official, 4, false)),
    ("faites bouillir", Topic(C::Official, 4, false)),
    ("faire bouillir", Topic(C::Official, 4, false)),
    ("bouillir", Topic(C::Official, 2, false)),
    ("ne consommez pas", Topic(C::Official, 4, false)),
    ("maire", Topic(C::Official, 3, false)),
    ("mayor", Topic(C::Official, 3, false)),
    ("ne touchez pas", Topic(C::Official, 4, false)),
    ("ne pas toucher", Topic(C::Official, 4, false)),
    ("jusqu a nouvel ordre", Topic(C::Official, 3, false)),
    ("numero vert", Topic(C::Official, 3, false)),
    ("rappel*", Topic(C::Official, 3, false)),
    ("authorities", Topic(C::Official, 3, false)),
    ("prefect*", Topic(C::Official, 3, false)),
    ("curfew", Topic(C::Official, 4, false)),
    ("stay home", Topic(C::Official, 4, false)),
    ("stay indoors", Topic(C::Official, 4, false)),
    ("do not go out", Topic(C::Official, 4, false)),
    ("boil", Topic(C::Official, 4, false)),
    ("boiled", Topic(C::Official, 4, false)),
    ("town hall", Topic(C::Official, 3, false)),
    ("not safe to drink", Topic(C::Official, 3, false)),
    ("until further notice", Topic(C::Official, 2, false)),
    ("official*", Topic(C::Official, 2, false)),
    ("instructions", Topic(C::Official, 3, false)),
    ("pa soti", Topic(C::Official, 3, false)),
    ("rete lakay", Topic(C::Official, 4, false)),
    ("rete an kaz", Topic(C::Official, 4, false)),
    ("prefekti", Topic(C::Official, 3, false)),
    ("konsiy", Topic(C::Official, 4, false)),
    ("lameri", Topic(C::Official, 3, false)),
    ("bouyi", Topic(C::Official, 4, false)),
    ("pa bwe", Topic(C::Official, 2, false)),
    ("kouvrefe", Topic(C::Official, 4, false)),
    // --- weather
    ("vent", Topic(C::Weather, 2, false)),
    ("vents", Topic(C::Weather, 2, false)),
    ("le vent", Topic(C::Weather, 1, false)),
    ("rafale*", Topic(C::Weather, 4, false)),
    ("km h", Topic(C::Weather, 3, false)),
    ("pluie*", Topic(C::Weather, 2, false)),
    ("il pleut", Topic(C::Weather, 3, false)),
    ("pluvio*", Topic(C::Weather, 4, false)),
    ("mm", Topic(C::Weather, 2, false)),
    ("oeil", Topic(C::Weather, 3, false)),
    ("meteo*", Topic(C::Weather, 4, false)),
    ("vigilance", Topic(C::Weather, 3, false)),
    ("prevision*", Topic(C::Weather, 3, false)),
    ("trajectoire", Topic(C::Weather, 4, false)),
    ("categorie", Topic(C::Weather, 2, false)),
    ("orage*", Topic(C::Weather, 2, false)),
    ("accalmie", Topic(C::Weather, 3, false)),
    ("soleil", Topic(C::Weather, 2, false)),
    ("ciel", Topic(C::Weather, 2, false)),
    ("sun", Topic(C::Weather, 2, false)),
    ("cyclone", Topic(C::Weather, 1, false)),
    ("ouragan", Topic(C::Weather, 1, false)),
    ("tempete tropicale", Topic(C::Weather, 2, false)),
    ("wind", Topic(C::Weather, 2, false)),
    ("winds", Topic(C::Weather, 2, false)),
    ("gust*", Topic(C::Weather, 4, false)),
    ("mph", Topic(C::Weather, 3, false)),
    ("rain", Topic(C::Weather, 2, false)),
    ("rains", Topic(C::Weather, 2, false)),
    ("raining", Topic(C::Weather, 2, false)),
    ("rainfall", Topic(C::Weather, 3, false)),
    ("forecast*", Topic(C::Weather, 3, false)),
    ("eye of", Topic(C::Weather, 3, false)),
    ("hurricane", Topic(C::Weather, 1, false)),
    ("category", Topic(C::Weather, 2, false)),
    ("storm", Topic(C::Weather, 1, false)),
    ("van", Topic(C::Weather, 2, false)),
    ("lapli", Topic(C::Weather, 3, false)),
    ("siklon", Topic(C::Weather, 1, false)),
    ("loraj", Topic(C::Weather, 2, false)),
    // --- other: prayers, sympathy, rumours denied, jokes
    ("priez", Topic(C::Other, 2, false)),
    ("prions", Topic(C::Other, 2, false)),
    ("seigneur", Topic(C::Other, 3, false)),
    ("protege", Topic(C::Other, 1, false)),
    ("mes pensees", Topic(C::Other, 4, false)),
    ("nos freres", Topic(C::Other, 2, false)),
    ("courage a tous", Topic(C::Other, 3, false)),
    ("praying", Topic(C::Other, 2, false)),
    ("stay safe", Topic(C::Other, 2, false)),
    ("bondye", Topic(C::Other, 3, false)),
    ("fausse info*", Topic(C::Other, 4, false)),
    ("c est faux", Topic(C::Other, 4, false)),
    ("dement*", Topic(C::Other, 2, false)),
    ("not true", Topic(C::Other, 3, false)),
    ("pa vre", Topic(C::Other, 3, false)),
    ("fake", Topic(C::Other, 4, false)),
    ("arretez de", Topic(C::Other, 2, false)),
    ("rumeur*", Topic(C::Other, 3, false)),
    ("intox", Topic(C::Other, 3, false)),
    ("arretez de partager", Topic(C::Other, 3, false)),
    ("pa kwe sa", Topic(C::Other, 4, false)),
    ("manti", Topic(C::Other, 3, false)),
    ("rien a faire", Topic(C::Other, 3, false)),
    ("nothing to do", Topic(C::Other, 3, false)),
    ("pa ni ayen pou fe", Topic(C::Other, 3, false)),
    ("lol", Topic(C::Other, 2, false)),
    ("mdr", Topic(C::Other, 2, false)),
    ("domino*", Topic(C::Other, 3, false)),
    // --- people in danger: someone (see `Person`) in a perilous situation (see `Peril`)
    ("quelqu un", Person),
    ("qq1", Person),
    ("qqn", Person),
    ("un homme", Person),
    ("une femme", Person),
    ("un monsieur", Person),
    ("une dame", Person),
    ("un jeune", Person),
    ("jeunes", Person),
    ("une personne", Person),
    ("une jeune", Person),
    ("un ado", Person),
    ("une ado", Person),
    ("un garcon", Person),
    ("une fille", Person),
    ("des gens", Person),
    ("les gens", Person),
    ("personnes", Person),
    ("famille*", Person),
    ("voisin*", Person),
    ("mon pere", Person),
    ("ma mere", Person),
    ("mon fils", Person),
    ("ma fille", Person),
    ("mon frere", Person),
    ("ma soeur", Person),
    ("mon oncle", Person),
    ("ma tante", Person),
    ("mon mari", Person),
    ("ma femme", Person),
    ("mon cousin", Person),
    ("ma cousine", Person),
    ("mon ami", Person),
    ("mon amie", Person),
    ("mon pote", Person),
    ("tonton", Person),
    ("tata", Person),
    ("papa", Person),
    ("maman", Person),
    ("petits", Person),
    ("chauffeur*", Person),
    ("conducteur*", Person),
    ("conductrice*", Person),
    ("automobiliste*", Person),
    ("motard*", Person),
    ("pecheur*", Person),
    ("randonneur*", Person),
    ("baigneur*", Person),
    ("touriste*", Person),
    ("habitant*", Person),
    ("occupant*", Person),
    ("passager*", Person),
    ("employe*", Person),
    ("ouvrier*", Person),
    ("il est", Person),
    ("elle est", Person),
    ("ils sont", Person),
    ("elles sont", Person),
    ("on est", Person),
    ("nous sommes", Person),
    ("je suis", Person),
    ("il reste", Person),
    ("someone", Person),
    ("somebody", Person),
    ("a man", Person),
    ("a woman", Person),
    ("a guy", Person),
    ("guy", Person),
    ("a lady", Person),
    ("lady", Person),
    ("old man", Person),
    ("old woman", Person),
    ("old lady", Person),
    ("a boy", Person),
    ("a girl", Person),
    ("teen*", Person),
    ("people", Person),
    ("person", Person),
    ("family", Person),
    ("families", Person),
    ("neighbo*", Person),
    ("my dad", Person),
    ("my father", Person),
    ("my mom", Person),
    ("my mum", Person),
    ("my mother", Person),
    ("my son", Person),
    ("my daughter", Person),
    ("my brother", Person),
    ("my sister", Person),
    ("my uncle", Person),
    ("my aunt", Person),
    ("my cousin", Person),
    ("my wife", Person),
    ("my husband", Person),
    ("my friend", Person),
    ("grandma", Person),
    ("grandpa", Person),
    ("grandmother", Person),
    ("grandfather", Person),
    ("driver*", Person),
    ("fisherm*", Person),
    ("hiker*", Person),
    ("swimmer*", Person),
    ("tourist*", Person),
    ("residents", Person),
    ("workers", Person),
    ("he s", Person),
    ("she s", Person),
    ("they re", Person),
    ("we re", Person),
    ("i m", Person),
    ("he is", Person),
    ("she is", Person),
    ("they are", Person),
    ("we are", Person),
    ("moun", Person),
    ("on nonm", Person),
    ("on nom", Person),
    ("on fanm", Person),
    ("on madanm", Person),
    ("on misye", Person),
    ("vwazen*", Person),
    ("vwazin*", Person),
    ("manman", Person),
    ("fanmi", Person),
    ("lafanmi", Person),
    ("chofe", Person),
    ("matant", Person),
    ("ti gason", Person),
    ("ti fi", Person),
    ("ti moun", Person),
    ("ti mal", Person),
    ("timal", Person),
    ("manmay", Person),
    ("bonmoun", Person),
    ("madanm", Person),
    ("misye", Person),
    ("boug", Person),
    ("nonm", Person),
    ("men", Person),
    ("nou", Person),
    ("yo", Person),
    ("mwen", Person),
    ("nous", Person),
    ("on a", Person),
    ("j ai", Person),
    ("we have", Person),
    ("we ve", Person),
    // In the water, in a tree, in the middle of the flood.
    ("dans un arbre", Peril(3)),
    ("dans l arbre", Peril(3)),
    ("dans les arbres", Peril(3)),
    ("dans un manguier", Peril(3)),
    ("au milieu de la riviere", Peril(3)),
    ("au milieu du courant", Peril(3)),
    ("au milieu de l eau", Peril(3)),
    ("au milieu de la ravine", Peril(3)),
    ("au milieu des flots", Peril(3)),
    ("par le courant", Peril(3)),
    ("par les eaux", Peril(3)),
    ("par la riviere", Peril(2)),
    ("par la ravine", Peril(2)),
    ("par la crue", Peril(2)),
    ("par les vagues", Peril(3)),
    ("par une vague", Peril(3)),
    ("by the current", Peril(3)),
    ("by the water", Peril(2)),
    ("by a wave", Peril(3)),
    ("by the waves", Peril(3)),
    ("by the river", Peril(2)),
    ("by the flood", Peril(2)),
    ("dans le courant", Peril(2)),
    ("tombe* a l eau", Peril(3)),
    ("tombe* a la mer", Peril(3)),
    ("dans la riviere", Peril(2)),
    ("dans la ravine", Peril(2)),
    ("dans le canal", Peril(2)),
    ("dans la mer", Peril(2)),
    ("dans l eau", Peril(2)),
    ("par les flots", Peril(3)),
    ("par la coulee", Peril(3)),
    ("par le glissement", Peril(3)),
    ("par la boue", Peril(3)),
    ("refugie* sur", Peril(3)),
    ("refugie* sous", Peril(3)),
    ("refugie* dans", Peril(2)),
    ("refugie* a l", Peril(2)),
    ("took refuge", Peril(2)),
    ("glisse* dans la", Peril(2)),
    ("glisse* dans l eau", Peril(2)),
    ("a coule", Peril(2)),
    ("ont coule", Peril(2)),
    ("a sombre", Peril(2)),
    ("sank", Peril(2)),
    ("a l interieur", Peril(2)),
    ("inside", Peril(1)),
    ("ecrase* sous", Peril(3)),
    ("tonbe adan", Peril(3)),
    ("tonbe an dlo", Peril(3)),
    ("anba dlo", Peril(2)),
    ("anle kaz", Peril(3)),
    ("anle kay", Peril(3)),
    ("asi do kay", Peril(3)),
    ("ni moun adan", Peril(2)),
    ("la adan", Peril(1)),
    ("anba y", Peril(3)),
    ("trapped under", Peril(3)),
    ("stuck under", Peril(3)),
    ("pinned under", Peril(3)),
    ("jusqu au torse", Peril(3)),
    ("au torse", Peril(2)),
    ("s est retourne*", Peril(2)),
    ("il nage", Peril(2)),
    ("elle nage", Peril(2)),
    ("ils nagent", Peril(2)),
    ("swimming to", Peril(2)),
    ("swimming for", Peril(2)),
    ("anba li", Peril(3)),
    ("adan loto", Peril(2)),
    ("adan machin", Peril(2)),
    ("o vit", Peril(2)),
    ("dlo ka rive", Peril(1)),
    ("dlo la ka pote", Peril(3)),
    ("dlo ka pote", Peril(3)),
    ("sous la boue", Peril(3)),
    ("sous les pierres", Peril(3)),
    ("sous la terre", Peril(3)),
    ("entend* des appels", Peril(3)),
    ("entend* quelqu un", Peril(3)),
    ("appels a l aide", Peril(3)),
    ("hear someone", Peril(3)),
    ("hear a woman", Peril(3)),
    ("hear a man", Peril(3)),
    ("hear a child", Peril(3)),
    ("hear people", Peril(3)),
    ("hearing a", Peril(2)),
    ("hearing someone", Peril(3)),
    ("calling out", Peril(2)),
    ("crying out", Peril(2)),
    ("from inside", Peril(2)),
    ("crying", Peril(1)),
    ("overturned", Peril(2)),
    ("full of water", Peril(2)),
    ("plein d eau", Peril(2)),
    ("pleine d eau", Peril(2)),
    ("plen dlo", Peril(2)),
    ("pri anba", Peril(3)),
    ("tonbe asi yo", Peril(2)),
    ("tonbe asi y", Peril(2)),
    ("tombe* sur lui", Peril(2)),
    ("tombe* sur elle", Peril(2)),
    ("tombe* sur eux", Peril(2)),
    ("fell on him", Peril(2)),
    ("fell on her", Peril(2)),
    ("fell on them", Peril(2)),
    ("fell on top of", Peril(2)),
    // A vehicle in the water: someone is likely in it.
    ("voiture* dans la", Peril(2)),
    ("voiture* dans l eau", Peril(2)),
    ("car in the", Peril(2)),
    ("car into the", Peril(2)),
    ("car in a", Peril(2)),
    ("car into a", Peril(2)),
    ("cars in the", Peril(2)),
    ("machin adan", Peril(2)),
    ("loto adan", Peril(2)),
    ("in a tree", Peril(3)),
    ("in the tree", Peril(3)),
    ("up a tree", Peril(3)),
    ("in the middle of the river", Peril(3)),
    ("in the middle of the stream", Peril(3)),
    ("in the middle of the water", Peril(3)),
    ("in the middle of the flood*", Peril(3)),
    ("in the middle of the current", Peril(3)),
    ("in the river", Peril(2)),
    ("in a river", Peril(2)),
    ("into a river", Peril(2)),
    ("in a ravine", Peril(2)),
    ("into a ravine", Peril(2)),
    ("into the river", Peril(2)),
    ("in the stream", Peril(2)),
    ("in the sea", Peril(2)),
    ("into the sea", Peril(2)),
    ("in the water", Peril(2)),
    ("into the water", Peril(2)),
    ("in the ravine", Peril(2)),
    ("into the ravine", Peril(2)),
    ("swept away", Peril(3)),
    ("swept off", Peril(3)),
    ("washed away", Peril(2)),
    ("carried away", Peril(2)),
    ("hanging on*", Peril(3)),
    ("holding on", Peril(2)),
    ("adan on pyebwa", Peril(3)),
    ("adan pyebwa", Peril(3)),
    ("asi on pyebwa", Peril(3)),
    ("anle pyebwa", Peril(3)),
    ("mitan larivye", Peril(3)),
    ("mitan lariviye", Peril(3)),
    ("mitan larivie", Peril(3)),
    ("mitan dlo", Peril(3)),
    ("adan larivye", Peril(2)),
    ("adan lariviye", Peril(2)),
    ("adan larivie", Peril(2)),
    ("adan ravin", Peril(2)),
    ("adan dlo", Peril(2)),
    ("adan lanme", Peril(2)),
    ("dlo pote", Peril(3)),
    ("dlo la pote", Peril(3)),
    // Buried, pinned, under what fell.
    ("sous les decombres", Peril(3)),
    ("sous les gravats", Peril(3)),
    ("sous les parpaings", Peril(3)),
    ("sous les briques", Peril(3)),
    ("sous les poutres", Peril(3)),
    ("sous une poutre", Peril(3)),
    ("repond encore", Peril(2)),
    ("des signes", Peril(2)),
    ("depuis le toit", Peril(2)),
    ("water coming through", Peril(1)),
    ("water pouring in", Peril(1)),
    ("water getting in", Peril(1)),
    ("and rising", Peril(1)),
    ("sous les ruines", Peril(3)),
    ("sous les debris", Peril(3)),
    ("sous les toles", Peril(3)),
    ("sous la tole", Peril(3)),
    ("sous une tole", Peril(3)),
    ("sous le beton", Peril(3)),
    ("sous la dalle", Peril(3)),
    ("sous le mur", Peril(3)),
    ("sous un mur", Peril(3)),
    ("sous la maison", Peril(3)),
    ("sous sa maison", Peril(3)),
    ("sous le toit", Peril(2)),
    ("sous un arbre", Peril(2)),
    ("sous l arbre", Peril(2)),
    ("ensevel*", Peril(3)),
    ("buried", Peril(3)),
    ("pinned", Peril(3)),
    ("in the rubble", Peril(3)),
    ("under the debris", Peril(3)),
    ("under the roof", Peril(2)),
    ("under the house", Peril(3)),
    ("under a house", Peril(3)),
    ("under the collapsed", Peril(3)),
    ("under a collapsed", Peril(3)),
    ("under the wall", Peril(3)),
    ("under rubble", Peril(3)),
    ("under the concrete", Peril(3)),
    ("sous une maison", Peril(3)),
    ("sous la case", Peril(3)),
    ("sous le batiment", Peril(3)),
    ("under a tree", Peril(2)),
    ("under the tree", Peril(2)),
    ("crushed under", Peril(3)),
    ("anba beton", Peril(3)),
    ("anba tol", Peril(3)),
    ("anba kaz", Peril(3)),
    ("anba kay", Peril(3)),
    ("anba pyebwa", Peril(2)),
    ("anba on pyebwa", Peril(2)),
    ("anba dekonb", Peril(3)),
    // Heard, calling, banging: someone is there and cannot get out.
    ("crier", Peril(2)),
    ("crie", Peril(2)),
    ("crient", Peril(2)),
    ("criait", Peril(2)),
    ("appelle* a l aide", Peril(3)),
    ("appelle* au secours", Peril(3)),
    ("on l entend", Peril(2)),
    ("on les entend", Peril(2)),
    ("j entends", Peril(1)),
    ("yelling", Peril(2)),
    ("shouting", Peril(2)),
    ("screaming", Peril(2)),
    ("can hear", Peril(2)),
    ("banging", Peril(2)),
    ("knocking", Peril(1)),
    ("ka rele", Peril(1)),
    ("ka kriye", Peril(1)),
    // Fleeing the water inside: on the table, in the attic, upstairs, water to the chest.
    ("sur la table", Peril(2)),
    ("sur les tables", Peril(2)),
    ("sur le capot", Peril(3)),
    ("sur le toit de la voiture", Peril(3)),
    ("grenier", Peril(2)),
    ("a l etage", Peril(2)),
    ("1er etage", Peril(2)),
    ("premier etage", Peril(2)),
    ("se remplit", Peril(3)),
    ("remplit d eau", Peril(3)),
    ("rempli d eau", Peril(2)),
    ("jusqu a la poitrine", Peril(3)),
    ("a la poitrine", Peril(2)),
    ("jusqu au cou", Peril(3)),
    ("jusqu a la taille", Peril(3)),
    ("second floor", Peril(2)),
    ("2nd floor", Peril(2)),
    ("upper floor", Peril(2)),
    ("niveau des vitres", Peril(3)),
    ("niveau des fenetres", Peril(3)),
    ("sous sol", Peril(2)),
    ("dedans", Peril(2)),
    ("emporte*", Peril(1)),
    ("on the table", Peril(2)),
    ("on top of the", Peril(3)),
    ("on top of their", Peril(3)),
    ("on top of his", Peril(3)),
    ("on top of her", Peril(3)),
    ("on top of a", Peril(3)),
    ("on the hood", Peril(3)),
    ("on the roof of", Peril(2)),
    ("attic", Peril(2)),
    ("upstairs", Peril(1)),
    ("filling with water", Peril(3)),
    ("fills with water", Peril(3)),
    ("up to the windows", Peril(3)),
    ("up to the chest", Peril(3)),
    ("up to our", Peril(1)),
    ("up to his", Peril(1)),
    ("up to her", Peril(1)),
    ("up to their", Peril(1)),
    ("chest deep", Peril(3)),
    ("neck deep", Peril(3)),
    ("waist deep", Peril(2)),
    ("basement", Peril(2)),
    ("cellar", Peril(2)),
    ("asi tab", Peril(2)),
    ("anle tab", Peril(2)),
    ("dlo ka plen", Peril(3)),
    ("ka plen dlo", Peril(3)),
    ("o lestomak", Peril(3)),
    ("o kou", Peril(2)),
    ("o jounou", Peril(1)),
    // Cannot swim, exhausted, the door will not open.
    ("plus a nager", Peril(3)),
    ("sait pas nager", Peril(3)),
    ("savent pas nager", Peril(3)),
    ("epuise*", Peril(1)),
    ("can t swim", Peril(3)),
    ("cannot swim", Peril(3)),
    ("exhausted", Peril(1)),
    ("pa sa naje", Peril(3)),
    ("pa ka naje", Peril(3)),
    ("porte* bloquee*", Peril(2)),
    ("porte* coincee*", Peril(2)),
    ("arrive pas a ouvrir", Peril(2)),
    ("arrivons pas a ouvrir", Peril(2)),
    ("peut pas ouvrir", Peril(2)),
    ("peux pas ouvrir", Peril(2)),
    ("impossible d ouvrir", Peril(2)),
    ("door jammed", Peril(2)),
    ("door is jammed", Peril(2)),
    ("jammed", Peril(1)),
    ("can t open the door*", Peril(2)),
    ("cannot open the door*", Peril(2)),
    // The water rises or comes in: a peril for whoever is there.
    ("l eau monte", Peril(1)),
    ("l eau continue de monter", Peril(2)),
    ("l eau lui", Peril(1)),
    ("l eau nous", Peril(1)),
    ("l eau leur", Peril(1)),
    ("l eau m", Peril(1)),
    ("eau est rentree", Peril(1)),
    ("eau est entree", Peril(1)),
    ("water up to", Peril(2)),
    ("water is up to", Peril(2)),
    ("aux genoux", Peril(1)),
    ("dlo rantre", Peril(1)),
    ("dlo antre", Peril(1)),
    ("continue de monter", Peril(1)),
    ("continue a monter", Peril(1)),
    ("monte encore", Peril(1)),
    ("monte toujours", Peril(1)),
    ("keeps rising", Peril(1)),
    ("keeps coming", Peril(1)),
    ("getting higher", Peril(1)),
    ("rising fast", Peril(1)),
    ("l eau rentre", Peril(1)),
    ("l eau entre", Peril(1)),
    ("l eau arrive", Peril(1)),
    ("water rising", Peril(1)),
    ("water is rising", Peril(1)),
    ("water still rising", Peril(1)),
    ("coming up", Peril(1)),
    ("water coming in", Peril(1)),
    ("dlo ka monte", Peril(1)),
    ("dlo ka rantre", Peril(1)),
    ("dlo ka antre", Peril(1)),
    // The water's current, not the power ("le courant a tout emporté").
    ("par le courant", Current),
    ("dans le courant", Current),
    ("au milieu du courant", Current),
    ("contre le courant", Current),
    ("le courant a emporte*", Current),
    ("le courant a tout", Current),
    ("le courant l a", Current),
    ("le courant les a", Current),
    ("courant trop fort", Current),
    ("courant tres fort", Current),
    ("courant est trop fort", Current),
    ("courant est tres fort", Current),
    ("courant de la riviere", Current),
    ("courant de la ravine", Current),
    ("fort courant", Current),
    ("courant fort", Current),
    // --- medical emergencies: a casualty whose life is at risk now
    ("malaise*", Topic(C::Casualties, 3, true)),
    ("malaise*", Urgent),
    ("crise cardiaque", Topic(C::Casualties, 4, true)),
    ("crise cardiaque", Urgent),
    ("arret cardiaque", Topic(C::Casualties, 4, true)),
    ("arret cardiaque", Urgent),
    ("attaque cardiaque", Topic(C::Casualties, 4, true)),
    ("attaque cardiaque", Urgent),
    ("infarctus", Topic(C::Casualties, 4, true)),
    ("infarctus", Urgent),
    ("avc", Topic(C::Casualties, 4, true)),
    ("avc", Urgent),
    ("convuls*", Topic(C::Casualties, 4, true)),
    ("convuls*", Urgent),
    ("crise d epilepsie", Topic(C::Casualties, 4, true)),
    ("crise d epilepsie", Urgent),
    ("coma", Topic(C::Casualties, 4, true)),
    ("coma", Urgent),
    ("se reveille pas", Topic(C::Casualties, 4, true)),
    ("se reveille pas", Urgent),
    ("se reveille plus", Topic(C::Casualties, 4, true)),
    ("se reveille plus", Urgent),
    ("reagit plus", Topic(C::Casualties, 4, true)),
    ("reagit plus", Urgent),
    ("reagit pas", Topic(C::Casualties, 4, true)),
    ("reagit pas", Urgent),
    ("perd* connaissance", Topic(C::Casualties, 4, true)),
    ("perd* connaissance", Urgent),
    ("perdu connaissance", Topic(C::Casualties, 4, true)),
    ("perdu connaissance", Urgent),
    ("sans connaissance", Topic(C::Casualties, 4, true)),
    ("sans connaissance", Urgent),
    ("evanoui*", Topic(C::Casualties, 3, true)),
    ("evanoui*", Urgent),
    ("thoracique*", Topic(C::Casualties, 4, true)),
    ("thoracique*", Urgent),
    ("douleur* a la poitrine", Topic(C::Casualties, 4, true)),
    ("douleur* a la poitrine", Urgent),
    ("mal a la poitrine", Topic(C::Casualties, 4, true)),
    ("mal a la poitrine", Urgent),
    ("mal a respirer", Topic(C::Casualties, 4, true)),
    ("mal a respirer", Urgent),
    ("difficulte* a respirer", Topic(C::Casualties, 4, true)),
    ("difficulte* a respirer", Urgent),
    ("difficultes respiratoires", Topic(C::Casualties, 4, true)),
    ("difficultes respiratoires", Urgent),
    ("detresse respiratoire", Topic(C::Casualties, 4, true)),
    ("detresse respiratoire", Urgent),
    ("respire difficilement", Topic(C::Casualties, 4, true)),
    ("respire difficilement", Urgent),
    ("s etouffe", Topic(C::Casualties, 4, true)),
    ("accouche", Topic(C::Casualties, 3, true)),
    ("accouche", Urgent),
    ("en train d accoucher", Topic(C::Casualties, 3, true)),
    ("en train d accoucher", Urgent),
    ("va accoucher", Topic(C::Casualties, 3, true)),
    ("va accoucher", Urgent),
    ("perd les eaux", Topic(C::Casualties, 3, true)),
    ("perd les eaux", Urgent),
    ("hemorragie", Topic(C::Casualties, 4, true)),
    ("hemorragie", Urgent),
    ("beaucoup de sang", Topic(C::Casualties, 3, true)),
    ("hypoglycemie", Topic(C::Casualties, 3, true)),
    ("hypoglycemie", Urgent),
    ("overdose", Topic(C::Casualties, 4, true)),
    ("overdose", Urgent),
    ("brule* grave*", Topic(C::Casualties, 4, true)),
    ("brule* grave*", Urgent),
    ("il bouge pas", Topic(C::Casualties, 2, true)),
    ("il bouge pas", Urgent),
    ("elle bouge pas", Topic(C::Casualties, 2, true)),
    ("elle bouge pas", Urgent),
    ("il ne bouge", Topic(C::Casualties, 2, true)),
    ("il ne bouge", Urgent),
    ("elle ne bouge", Topic(C::Casualties, 2, true)),
    ("elle ne bouge", Urgent),
    ("il parle plus", Topic(C::Casualties, 3, true)),
    ("il parle plus", Urgent),
    ("elle parle plus", Topic(C::Casualties, 3, true)),
    ("elle parle plus", Urgent),
    ("il ne parle plus", Topic(C::Casualties, 3, true)),
    ("il ne parle plus", Urgent),
    ("elle ne parle plus", Topic(C::Casualties, 3, true)),
    ("elle ne parle plus", Urgent),
    ("electrocute*", Urgent),
    ("heart attack", Topic(C::Casualties, 4, true)),
    ("heart attack", Urgent),
    ("cardiac arrest", Topic(C::Casualties, 4, true)),
    ("cardiac arrest", Urgent),
    ("stroke", Topic(C::Casualties, 4, true)),
    ("stroke", Urgent),
    ("seizure*", Topic(C::Casualties, 4, true)),
    ("seizure*", Urgent),
    ("convulsing", Topic(C::Casualties, 4, true)),
    ("he collapsed", Topic(C::Casualties, 4, true)),
    ("he collapsed", Urgent),
    ("she collapsed", Topic(C::Casualties, 4, true)),
    ("she collapsed", Urgent),
    ("man collapsed", Topic(C::Casualties, 4, true)),
    ("man collapsed", Urgent),
    ("woman collapsed", Topic(C::Casualties, 4, true)),
    ("woman collapsed", Urgent),
    ("lady collapsed", Topic(C::Casualties, 4, true)),
    ("grandpa collapsed", Topic(C::Casualties, 4, true)),
    ("grandpa collapsed", Urgent),
    ("grandma collapsed", Topic(C::Casualties, 4, true)),
    ("grandma collapsed", Urgent),
    ("dad collapsed", Topic(C::Casualties, 4, true)),
    ("dad collapsed", Urgent),
    ("mom collapsed", Topic(C::Casualties, 4, true)),
    ("mom collapsed", Urgent),
    ("father collapsed", Topic(C::Casualties, 4, true)),
    ("father collapsed", Urgent),
    ("mother collapsed", Topic(C::Casualties, 4, true)),
    ("mother collapsed", Urgent),
    ("open his eyes", Topic(C::Casualties, 4, true)),
    ("open his eyes", Urgent),
    ("open her eyes", Topic(C::Casualties, 4, true)),
    ("open her eyes", Urgent),
    ("il s est effondre", Topic(C::Casualties, 4, true)),
    ("il s est effondre", Urgent),
    ("elle s est effondree", Topic(C::Casualties, 4, true)),
    ("elle s est effondree", Urgent),
    ("tombe* dans les pommes", Topic(C::Casualties, 3, true)),
    ("tombe* dans les pommes", Urgent),
    ("lady collapsed", Urgent),
    ("passed out", Topic(C::Casualties, 4, true)),
    ("passed out", Urgent),
    ("fainted", Topic(C::Casualties, 3, true)),
    ("fainted", Urgent),
    ("not waking up", Topic(C::Casualties, 4, true)),
    ("not waking up", Urgent),
    ("won t wake up", Topic(C::Casualties, 4, true)),
    ("won t wake up", Urgent),
    ("chest pain*", Topic(C::Casualties, 4, true)),
    ("chest pain*", Urgent),
    ("can t breathe", Topic(C::Casualties, 4, true)),
    ("trouble breathing", Topic(C::Casualties, 4, true)),
    ("trouble breathing", Urgent),
    ("struggling to breathe", Topic(C::Casualties, 4, true)),
    ("struggling to breathe", Urgent),
    ("hard to breathe", Topic(C::Casualties, 4, true)),
    ("hard to breathe", Urgent),
    ("short of breath", Topic(C::Casualties, 4, true)),
    ("short of breath", Urgent),
    ("can t speak", Topic(C::Casualties, 2, true)),
    ("can t speak", Urgent),
    ("in labour", Topic(C::Casualties, 3, true)),
    ("in labour", Urgent),
    ("in labor", Topic(C::Casualties, 3, true)),
    ("in labor", Urgent),
    ("giving birth", Topic(C::Casualties, 3, true)),
    ("giving birth", Urgent),
    ("gash*", Topic(C::Casualties, 3, true)),
    ("gushing", Urgent),
    ("losing a lot of blood", Topic(C::Casualties, 3, true)),
    ("losing a lot of blood", Urgent),
    ("lot of blood", Urgent),
    ("hypotherm*", Topic(C::Casualties, 3, true)),
    ("badly burn*", Topic(C::Casualties, 4, true)),
    ("badly burn*", Urgent),
    ("kriz ke", Topic(C::Casualties, 4, true)),
    ("kriz ke", Urgent),
    ("kriz kadyak", Topic(C::Casualties, 4, true)),
    ("kriz kadyak", Urgent),
    ("pa ka respire", Topic(C::Casualties, 4, true)),
    ("pa ka respire", Urgent),
    ("pa sa respire", Topic(C::Casualties, 4, true)),
    ("pa sa respire", Urgent),
    ("ka respire mal", Topic(C::Casualties, 4, true)),
    ("ka respire mal", Urgent),
    ("ka toufe", Topic(C::Casualties, 4, true)),
    ("ka touf", Topic(C::Casualties, 4, true)),
    ("ka touf", Urgent),
    ("ka toufe", Urgent),
    ("pedi konesans", Topic(C::Casualties, 4, true)),
    ("pedi konesans", Urgent),
    ("san konesans", Topic(C::Casualties, 4, true)),
    ("san konesans", Urgent),
    ("ka akouche", Topic(C::Casualties, 3, true)),
    ("ka akouche", Urgent),
    ("san ka koule", Topic(C::Casualties, 3, true)),
    ("san ka koule", Urgent),
    // No doctor, no ambulance, nobody answers the emergency number.
    ("pas de medecin", Urgent),
    ("aucun medecin", Urgent),
    ("pas de docteur", Urgent),
    ("no doctor*", Urgent),
    ("ambulance can t", Urgent),
    ("ambulances can t", Urgent),
    ("15 ne repond", Urgent),
    ("18 ne repond", Urgent),
    ("samu ne repond", Urgent),
    ("pa ni dokte", Urgent),
    ("pa ni medsen", Urgent),
    // --- urgency: life at risk now
    ("urgent*", Urgent),
    ("urgence", Urgent),
    ("vite", Urgent),
    ("maintenant", Urgent),
    ("immediatement", Urgent),
    ("help", Urgent),
    ("now", Urgent),
    ("asap", Urgent),
    ("quickly", Urgent),
    ("urgently", Urgent),
    ("koumye", Urgent),
    ("pli vit", Urgent),
    ("l eau monte", Urgent),
    ("l eau rentre", Urgent),
    ("l eau entre", Urgent),
    ("l eau arrive", Urgent),
    ("dlo ka monte", Urgent),
    ("dlo ka antre", Urgent),
    ("dlo ka rantre", Urgent),
    ("water rising", Urgent),
    ("water is rising", Urgent),
    ("water still rising", Urgent),
    ("l eau lui", Urgent),
    ("l eau nous", Urgent),
    ("l eau leur", Urgent),
    ("eau est rentree", Urgent),
    ("eau est entree", Urgent),
    ("dlo rantre", Urgent),
    ("dlo antre", Urgent),
    ("vit vit", Urgent),
    // Dying, or the emergency number called for someone.
    ("en train de mourir", Topic(C::Casualties, 4, true)),
    ("en train de mourir", Urgent),
    ("va mourir", Urgent),
    ("dying", Topic(C::Casualties, 4, true)),
    ("dying", Urgent),
    ("ka mouri", Topic(C::Casualties, 4, true)),
    ("ka mouri", Urgent),
    ("appele le 18", Urgent),
    ("appele le 15", Urgent),
    ("appele le 112", Urgent),
    ("appele les pompiers", Urgent),
    ("appele les secours", Urgent),
    ("called 911", Urgent),
    ("called 18", Urgent),
    ("called 112", Urgent),
    ("called the firefighters", Urgent),
    ("18 est sature", Urgent),
    ("15 est sature", Urgent),
    ("fe vit", Urgent),
    // Something fell on someone.
    ("tombe* sur lui", Topic(C::Casualties, 3, true)),
    ("tombe* sur elle", Topic(C::Casualties, 3, true)),
    ("tombe* sur eux", Topic(C::Casualties, 3, true)),
    ("fell on him", Topic(C::Casualties, 3, true)),
    ("fell on her", Topic(C::Casualties, 3, true)),
    ("fell on them", Topic(C::Casualties, 3, true)),
    ("tonbe asi yo", Topic(C::Casualties, 3, true)),
    ("tonbe asi y", Topic(C::Casualties, 3, true)),
    // A fit, an asthma attack, a diabetic low.
    ("fait une crise", Topic(C::Casualties, 3, true)),
    ("fait une crise", Urgent),
    ("crise d asthme", Topic(C::Casualties, 3, true)),
    ("crise d asthme", Urgent),
    ("asthma attack", Topic(C::Casualties, 3, true)),
    ("asthma attack", Urgent),
    ("en hypo", Topic(C::Casualties, 3, true)),
    ("en hypo", Urgent),
    ("fe on kriz", Topic(C::Casualties, 3, true)),
    ("fe on kriz", Urgent),
    ("fe kriz", Topic(C::Casualties, 3, true)),
    ("fe kriz", Urgent),
    ("malez", Topic(C::Casualties, 3, true)),
    ("malez", Urgent),
    ("continue de monter", Urgent),
    ("continue a monter", Urgent),
    ("keeps rising", Urgent),
    ("getting higher", Urgent),
    ("rising fast", Urgent),
    // Life in danger, said so.
    ("en danger", Urgent),
    ("danger de mort", Urgent),
    ("pronostic vital", Urgent),
    ("pronostic vital", Topic(C::Casualties, 4, true)),
    ("risque sa vie", Urgent),
    ("life threatening", Urgent),
    ("an danje", Urgent),
    ("il etouffe", Topic(C::Casualties, 4, true)),
    ("elle etouffe", Topic(C::Casualties, 4, true)),
    ("not moving", Topic(C::Casualties, 3, true)),
    ("not moving", Urgent),
    ("can t get up", Topic(C::Casualties, 3, true)),
    ("can t get up", Urgent),
    ("peut pas se relever", Topic(C::Casualties, 3, true)),
    ("peut pas se relever", Urgent),
    ("arrive pas a se relever", Topic(C::Casualties, 3, true)),
    ("arrive pas a se relever", Urgent),
    ("pa sa leve", Topic(C::Casualties, 3, true)),
    ("pa sa leve", Urgent),
    ("pa ka leve", Topic(C::Casualties, 3, true)),
    ("pa ka leve", Urgent),
    ("crushed by", Topic(C::Casualties, 3, true)),
    ("ecrase* par", Topic(C::Casualties, 2, true)),
    ("anbilans pa vini", Urgent),
    ("pompye pa vini", Urgent),
    ("pesonn pa vini", Urgent),
    ("water coming in", Urgent),
    ("water is coming in", Urgent),
    ("ne respire", Urgent),
    ("respire mal", Urgent),
    ("respire plus", Urgent),
    ("etouffe", Urgent),
    ("not breathing", Urgent),
    ("cpr", Urgent),
    ("massage cardiaque", Urgent),
    ("not responding", Urgent),
    ("unresponsive", Urgent),
    ("can t breathe", Urgent),
    ("bouge plus", Urgent),
    ("inconscient*", Urgent),
    ("unconscious", Urgent),
    ("saigne*", Urgent),
    ("de sang", Urgent),
    ("bleeding", Urgent),
    ("blood", Urgent),
    ("blesse* grave*", Urgent),
    ("blese grav", Urgent),
    ("grievement", Urgent),
    ("seriously injured", Urgent),
    ("badly hurt", Urgent),
    ("badly injured", Urgent),
    ("pa ka bouge", Urgent),
    ("pa ni anbilans", Urgent),
    ("senyen", Urgent),
    ("seniye", Urgent),
    ("coince* sous", Urgent),
    ("sous les decombres", Urgent),
    ("under the rubble", Urgent),
    ("anba", Urgent),
    ("personne ne vient", Urgent),
    ("nobody is coming", Urgent),
    ("nobody coming", Urgent),
    ("besoin d un medecin", Urgent),
    ("need a doctor", Urgent),
    ("needs a doctor", Urgent),
    ("ambulance vient pas", Urgent),
    ("ambulance ne vient pas", Urgent),
    ("aucune ambulance", Urgent),
    ("pas d ambulance", Urgent),
    ("no ambulance", Urgent),
    ("anbilans pa ka rive", Urgent),
    // Cannot get the injured to care, or severe pain.
    ("pas le transporter", Urgent),
    ("pas la transporter", Urgent),
    ("pas l emmener", Urgent),
    ("pa sa mennen", Urgent),
    ("can t take him", Urgent),
    ("can t take her", Urgent),
    ("hurle* de douleur", Urgent),
    ("crie* de douleur", Urgent),
    ("screaming in pain", Urgent),
    ("attend le samu", Urgent),
    ("attend les secours", Urgent),
    ("attendons les secours", Urgent),
    ("can t reach the", Urgent),
    // Exposed to the elements: lost, adrift, at sea.
    ("perdus", Urgent),
    ("s est perdu*", Urgent),
    ("a la derive", Urgent),
    ("chavire*", Urgent),
    ("capsize*", Urgent),
    ("adrift", Urgent),
    ("drifting", Urgent),
    ("detresse", Urgent),
    ("au large", Urgent),
    ("off the coast", Urgent),
    ("offshore", Urgent),
    ("water coming through", Urgent),
    ("water pouring in", Urgent),
    ("water getting in", Urgent),
    ("and rising", Urgent),
    // Signs of a heart attack, a stroke, a poisoning, lack of oxygen.
    ("bras gauche", Topic(C::Casualties, 3, true)),
    ("bras gauche", Urgent),
    ("left arm", Topic(C::Casualties, 3, true)),
    ("left arm", Urgent),
    ("turning blue", Topic(C::Casualties, 4, true)),
    ("turning blue", Urgent),
    ("devient bleu*", Topic(C::Casualties, 4, true)),
    ("devient bleu*", Urgent),
    ("intoxique*", Topic(C::Casualties, 3, true)),
    ("intoxique*", Urgent),
    ("empoisonne*", Topic(C::Casualties, 3, true)),
    ("empoisonne*", Urgent),
    ("poisoned", Topic(C::Casualties, 3, true)),
    ("poisoned", Urgent),
    ("avale* du", Topic(C::Casualties, 2, true)),
    ("vomit*", Topic(C::Casualties, 2, true)),
    ("se sent pas bien", Topic(C::Casualties, 2, true)),
    ("en mer", Urgent),
    ("at sea", Urgent),
    ("agrippe*", Urgent),
    ("se debat*", Urgent),
    ("screaming", Urgent),
    ("cris", Urgent),
    ("tombe* dans l eau", Urgent),
    ("fell into", Urgent),
    ("clinging", Urgent),
    ("courant est trop fort", Urgent),
    ("current is too strong", Urgent),
    // --- nobody in danger: cancels urgency
    ("pas en danger", Safe),
    ("hors de danger", Safe),
    ("pa an danje", Safe),
    ("not in danger", Safe),
    ("no danger", Safe),
    ("rien de grave", Safe),
    ("personne dedans", Safe),
    ("personne a l interieur", Safe),
    ("nobody inside", Safe),
    ("no one inside", Safe),
    ("nobody was inside", Safe),
    ("pa ni pesonn adan", Safe),
    // --- exposed: missing at sea or in the wild is a danger (see `Exposed`)
    ("pecheur*", Exposed),
    ("peche", Exposed),
    ("fisherm*", Exposed),
    ("marin", Exposed),
    ("marins", Exposed),
    ("kayak*", Exposed),
    ("plongeur*", Exposed),
    ("surfeur*", Exposed),
    ("randonneur*", Exposed),
    ("hiker*", Exposed),
    ("diver*", Exposed),
    ("swimmer*", Exposed),
    ("surfer*", Exposed),
    ("sailor*", Exposed),
    // --- vulnerable people
    ("enfant*", Vulnerable),
    ("bebe*", Vulnerable),
    ("personne* agee*", Vulnerable),
    ("agee*", Vulnerable),
    ("age", Vulnerable),
    ("grand mere", Vulnerable),
    ("grand pere", Vulnerable),
    ("mamie", Vulnerable),
    ("papi", Vulnerable),
    ("deambulateur", Vulnerable),
    ("fauteuil roulant", Vulnerable),
    ("handicape*", Vulnerable),
    ("alite*", Vulnerable),
    ("seule chez elle", Vulnerable),
    ("seule dans", Vulnerable),
    ("seul dans", Vulnerable),
    ("vit seul*", Vulnerable),
    ("lives alone", Vulnerable),
    ("belle mere", Vulnerable),
    ("beau pere", Vulnerable),
    ("papy", Vulnerable),
    ("memere", Vulnerable),
    ("meme", Vulnerable),
    ("pepe", Vulnerable),
    ("seul chez lui", Vulnerable),
    ("kid", Vulnerable),
    ("kids", Vulnerable),
    ("child*", Vulnerable),
    ("baby", Vulnerable),
    ("elderly", Vulnerable),
    ("timoun", Vulnerable),
    ("granmoun", Vulnerable),
    ("tousel", Vulnerable),
    // Inside a car: the first cause of death in floods.
    ("dans la voiture", Vulnerable),
    ("dans sa voiture", Vulnerable),
    ("dans leur voiture", Vulnerable),
    ("dans une voiture", Vulnerable),
    ("dans ma voiture", Vulnerable),
    ("dans notre voiture", Vulnerable),
    ("in my car", Vulnerable),
    ("in our car", Vulnerable),
    ("in his cab", Vulnerable),
    ("in the cab", Vulnerable),
    ("in the truck", Vulnerable),
    ("dans son camion", Vulnerable),
    ("dans le camion", Vulnerable),
    ("dans sa cabine", Vulnerable),
    ("wheelchair", Vulnerable),
    ("in the car", Vulnerable),
    ("in a car", Vulnerable),
    ("in their car", Vulnerable),
    ("in his car", Vulnerable),
    ("in her car", Vulnerable),
    ("adan machin", Vulnerable),
    // --- advice to the public: the danger words just after it are explanations
    ("en cas d", Advice),
    ("appelez le", Advice),
    ("composez le", Advice),
    ("contactez le", Advice),
    ("n appelez", Advice),
    ("signalez", Advice),
    ("restez", Advice),
    ("ne sortez pas", Advice),
    ("ne traversez", Advice),
    ("ne vous approchez", Advice),
    ("ne vous deplacez", Advice),
    ("montez en hauteur", Advice),
    ("montez", Advice),
    ("conseil*", Advice),
    ("evitez", Advice),
    ("ne prenez pas", Advice),
    ("nous rappelons", Advice),
    ("il est rappele", Advice),
    ("la population est invitee", Advice),
    ("consigne*", Advice),
    ("dial", Advice),
    ("stay indoors", Advice),
    ("stay inside", Advice),
    ("do not", Advice),
    ("don t drive", Advice),
    ("avoid", Advice),
    ("pa soti", Advice),
    ("rete", Advice),
    // --- conditions: what follows is a case, not a fact ("si vous êtes bloqués")
    ("si vous", Condition(true)),
    ("si tu", Condition(true)),
    ("if you", Condition(true)),
    ("if your", Condition(true)),
    ("in case of", Condition(true)),
    ("en cas de", Condition(true)),
    ("si zot", Condition(true)),
    ("si ou", Condition(true)),
    ("si quelqu un", Condition(false)),
    ("if anyone", Condition(false)),
    ("if someone", Condition(false)),
    ("si on moun", Condition(false)),
    ("si l eau", Condition(false)),
    ("if the water", Condition(false)),
    // --- resolved
    ("ont ete secouru*", Resolved),
    ("a ete secouru*", Resolved),
    ("ont ete sorti*", Resolved),
    ("a ete sorti*", Resolved),
    ("ont sorti", Resolved),
    ("ont ete evacue*", Resolved),
    ("a ete evacue*", Resolved),
    ("ont ete retrouve*", Resolved),
    ("a ete retrouve*", Resolved),
    ("est retrouve*", Resolved),
    ("retrouve* sain*", Resolved),
    ("sains et saufs", Resolved),
    ("saine et sauve", Resolved),
    ("sain et sauf", Resolved),
    ("tout le monde va bien", Resolved),
    ("tout va bien", Resolved),
    ("va bien", Resolved),
    ("vont bien", Resolved),
    ("plus de peur que de mal", Resolved),
    ("en securite", Resolved),
    ("were rescued", Resolved),
    ("was rescued", Resolved),
    ("been rescued", Resolved),
    ("rescued", Resolved),
    ("got everyone out", Resolved),
    ("is safe", Resolved),
    ("are safe", Resolved),
    ("all safe", Resolved),
    ("and safe", Resolved),
    ("picked up by", Resolved),
    ("kids safe", Resolved),
    ("everyone safe", Resolved),
    ("safe now", Resolved),
    ("all good", Resolved),
    ("found safe", Resolved),
    ("everyone is fine", Resolved),
    ("everyone is ok", Resolved),
    ("tout moun bien", Resolved),
    ("tout moun byen", Resolved),
    ("tout moun ok", Resolved),
    ("sove", Resolved),
    ("yo sove", Resolved),
    ("ja soti", Resolved),
    ("tout moun soti", Resolved),
    ("retrouve* le corps", Resolved),
    ("body was found", Resolved),
    ("body found", Resolved),
    ("tout moun deyo", Resolved),
    ("everyone got out", Resolved),
    ("sont sauve*", Resolved),
    // Casualties in care: handled, not waiting for help (see `Handled`).
    ("pris en charge", Handled),
    ("prise* en charge", Handled),
    ("transporte* au", Handled),
    ("transporte* a l", Handled),
    ("transporte* vers", Handled),
    ("evacue* vers", Handled),
    ("in hospital", Handled),
    ("at the hospital", Handled),
    ("taken to hospital", Handled),
    ("taken to the hospital", Handled),
    ("treated for", Handled),
    ("soigne* par", Handled),
    ("soigne* au", Handled),
    ("ka woule", Resolved),
    ("c est bon", Resolved),
    ("merci aux pompiers", Resolved),
    ("merci aux secours", Resolved),
    ("merci a eux", Resolved),
    // --- forecasts
    ("risque*", Forecast),
    ("prevu*", Forecast),
    ("attendus", Forecast),
    ("attendue*", Forecast),
    ("demain", Forecast),
    ("dans les prochaines", Forecast),
    ("prochaines heures", Forecast),
    ("pourrait", Forecast),
    ("pourraient", Forecast),
    ("possible*", Forecast),
    ("prevision*", Forecast),
    ("vigilance", Forecast),
    ("forecast*", Forecast),
    ("expected", Forecast),
    ("tomorrow", Forecast),
    ("risk", Forecast),
    ("could", Forecast),
    ("watch", Forecast),
    ("warning", Forecast),
    ("ke", Forecast),
    ("denmen", Forecast),
    // --- medical need
    ("insuline", Medical),
    ("insulin", Medical),
    ("ensilin", Medical),
    ("oxygene", Medical),
    ("oxygen", Medical),
    ("oksijen", Medical),
    ("dialys*", Medical),
    ("dialysis", Medical),
    ("medicament*", Medical),
    ("medikaman", Medical),
    ("medication", Medical),
    ("remed", Medical),
    ("diabetique", Medical),
    ("asthm*", Medical),
    ("ventoline", Medical),
    ("inhaler", Medical),
    ("cardiaque", Medical),
    ("chimio*", Medical),
    ("diabetic", Medical),
    ("apnea", Medical),
    ("apnee", Medical),
    ("enceinte", Medical),
    ("pregnant", Medical),
    ("bebe", Medical),
    ("baby", Medical),
    // --- serious context: critical facilities, communities cut off, homes threatened
    ("hopital", Serious),
    ("chu", Serious),
    ("clinique", Serious),
    ("ehpad", Serious),
    ("caserne", Serious),
    ("hospital", Serious),
    ("nursing home", Serious),
    ("coupe* du monde", Serious),
    ("coupe* du monde", Topic(C::Access, 3, false)),
    ("coupe* de tout", Serious),
    ("isole*", Serious),
    ("cut off", Serious),
    ("isolated", Serious),
    ("lopital", Serious),
    ("menace", Serious),
    ("menacee", Serious),
    ("threaten*", Serious),
    ("pres des maisons", Serious),
    ("habitations", Serious),
    ("near homes", Serious),
    // --- evacuation ordered
    ("evacuez", Evacuation),
    ("evacuation obligatoire", Evacuation),
    ("ordre d evacuation", Evacuation),
    ("doivent evacuer", Evacuation),
    ("evacuate", Evacuation),
    ("mandatory evacuation", Evacuation),
    ("kite kaz", Evacuation),
    ("evakye", Evacuation),
    // --- negation of the next cue ("ni" is not one: in Creole "ni moun blésé" means there are)
    ("pas de", Negation),
    ("pas d", Negation),
    ("pas eu de", Negation),
    ("pas fait de", Negation),
    ("pas un seul", Negation),
    ("pas encore", Negation),
    ("n est pas", Negation),
    ("est pas", Negation),
    ("ne sont pas", Negation),
    ("sont pas", Negation),
    ("n a pas", Negation),
    ("n ont pas", Negation),
    ("n y a pas", Negation),
    ("aucun", Negation),
    ("aucune", Negation),
    ("sans", Negation),
    ("personne n", Negation),
    ("zero", Negation),
    ("no", Negation),
    ("not", Negation),
    ("nobody", Negation),
    ("no one", Negation),
    ("none", Negation),
    ("pa ni", Negation),
    ("pa te ni", Negation),
    ("pa menm", Negation),
    ("pa an", Negation),
    // --- care out of reach: a patient, a woman in labour, someone on dialysis who must get to
    // hospital while the road is cut or no ambulance can come
    ("emmener a l hopital", Transport),
    ("amener a l hopital", Transport),
    ("aller a l hopital", Transport),
    ("aller aux urgences", Transport),
    ("transporter a l hopital", Transport),
    ("evacuer vers l hopital", Transport),
    ("evacuation sanitaire", Transport),
    ("evasan", Transport),
    ("ambulance* ne peut pas", Transport),
    ("ambulance* ne peuvent pas", Transport),
    ("ambulance* peut pas", Transport),
    ("ambulance* ne passe pas", Transport),
    ("ambulance* passe pas", Transport),
    ("pas d ambulance", Transport),
    ("get to the hospital", Transport),
    ("get to hospital", Transport),
    ("get her to", Transport),
    ("get him to", Transport),
    ("get them to", Transport),
    ("reach the hospital", Transport),
    ("take her to", Transport),
    ("take him to", Transport),
    ("no ambulance", Transport),
    ("ambulance can t", Transport),
    ("ambulance cannot", Transport),
    ("ale lopital", Transport),
    ("alle lopital", Transport),
    ("mennen y lopital", Transport),
    ("mennen li lopital", Transport),
    ("mennen i lopital", Transport),
    ("rive lopital", Transport),
    ("ambilans pa", Transport),
    ("pa ni ambilans", Transport),
    ("enceinte", Medical),
    ("contractions", Medical),
    ("contraction", Medical),
    ("accouche*", Medical),
    ("perdu les eaux", Medical),
    ("perdu ses eaux", Medical),
    ("en travail", Medical),
    ("pregnant", Medical),
    ("in labour", Medical),
    ("in labor", Medical),
    ("giving birth", Medical),
    ("water broke", Medical),
    ("waters broke", Medical),
    ("ansent", Medical),
    ("ka akouche", Medical),
    ("dialys*", Medical),
    ("chimio*", Medical),
    ("chemo*", Medical),
    ("respirateur", Medical),
    ("ventilator", Medical),
    // --- fleeing the water inside one room
    ("refugie* dans", Peril(2)),
    ("refugie* a l etage", Peril(3)),
    ("refugie* sur", Peril(2)),
    ("niveau du lit", Peril(3)),
    ("au lit", Peril(1)),
    ("sur le lit", Peril(2)),
    ("sur les lits", Peril(2)),
    ("dans la chambre", Peril(1)),
    ("in the bedroom", Peril(1)),
    ("in one room", Peril(2)),
    ("at the bed", Peril(2)),
    ("on the bed", Peril(2)),
    ("on the beds", Peril(2)),
    ("an chanm", Peril(1)),
    ("asi kabann", Peril(2)),
    ("anle kabann", Peril(2)),
    ("on s est", Person),
    ("nous nous sommes", Person),
    ("we have taken refuge", Person),
    // --- things swept away: the water's force, nobody carried off
    ("voiture* emporte*", SweptThing),
    ("vehicule* emporte*", SweptThing),
    ("pont* emporte*", SweptThing),
    ("route* emporte*", SweptThing),
    ("arbre* emporte*", SweptThing),
    ("jardin* emporte*", SweptThing),
    ("a emporte le", SweptThing),
    ("a emporte la", SweptThing),
    ("a emporte les", SweptThing),
    ("a emporte un", SweptThing),
    ("a emporte une", SweptThing),
    ("a emporte des", SweptThing),
    ("ont emporte le", SweptThing),
    ("ont emporte la", SweptThing),
    ("ont emporte les", SweptThing),
    ("en partie emporte*", SweptThing),
    ("cars swept", SweptThing),
    ("cars washed", SweptThing),
    ("cars being swept", SweptThing),
    ("vehicles swept", SweptThing),
    ("swept away cars", SweptThing),
    ("swept away the", SweptThing),
    ("washed away the", SweptThing),
    ("bridge washed", SweptThing),
    ("bridge swept", SweptThing),
    ("road washed", SweptThing),
    ("loto* pati", SweptThing),
    ("dlo pote", SweptThing),
    ("pyes", Negation),
    ("pon moun", Negation),
];

struct Lexicon {
    automaton: AhoCorasick,
    /// The cue of each needle of the automaton.
    cues: Vec<Cue>,
}

/// The needles a cue pattern stands for: words between spaces, a trailing `*` for a prefix,
/// a `*` inside for the endings "", "s", "e", "es".
fn needles(pattern: &str) -> Vec<String> {
    let (body, prefix) = match pattern.strip_suffix('*') {
        Some(body) => (body, true),
        None => (pattern.trim_end(), false),
    };
    let mut out = vec![String::from(" ")];
    for (i, word) in body.split(' ').enumerate() {
        let (stem, inflected) = match word.strip_suffix('*') {
            Some(stem) => (stem, true),
            None => (word, false),
        };
        let endings: &[&str] = if inflected {
            &["", "s", "e", "es"]
        } else {
            &[""]
        };
        out = out
            .iter()
            .flat_map(|n| {
                endings.iter().map(move |e| {
                    let sep = if i == 0 { "" } else { " " };
                    format!("{n}{sep}{stem}{e}")
                })
            })
            .collect();
    }
    if !prefix {
        for n in &mut out {
            n.push(' ');
        }
    }
    out
}

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| {
        let mut all = Vec::new();
        let mut cues = Vec::new();
        for (pattern, cue) in CUES {
            for n in needles(pattern) {
                all.push(n);
                cues.push(*cue);
            }
        }
        // An age given is an elderly person from 65 ("ma mère de 84 ans", "88 years old").
        for age in ELDERLY_FROM..=110 {
            for unit in ["ans", "an", "years", "yo"] {
                all.push(format!(" {age} {unit} "));
                cues.push(Vulnerable);
            }
            all.push(format!(" {age}yo "));
            cues.push(Vulnerable);
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&all)
            .unwrap_or_else(|e| panic!("classifier lexicon builds: {e}"));
        Lexicon { automaton, cues }
    })
}

/// What one pass over a post found.
#[derive(Debug, Default)]
struct Evidence {
    scores: [i32; 12],
    stuck: i32,
    help: i32,
    missing: i32,
    no_news: i32,
    urgent: i32,
    vulnerable: i32,
    safe: i32,
    advice: i32,
    resolved: i32,
    forecast: i32,
    medical: i32,
    serious: i32,
    evacuation: i32,
    person: i32,
    peril: i32,
    current: i32,
    handled: i32,
    exposed: i32,
    transport: i32,
    swept_thing: i32,
    /// Every cue found, where, and what cancelled it: the words of the explanation.
    hits: Vec<Hit>,
}

/// A cue found in the folded text, at `from..to`.
#[derive(Debug, Clone, Copy)]
struct Hit {
    cue: Cue,
    from: usize,
    to: usize,
    /// What took its meaning away, if anything.
    cancelled: Option<Cancel>,
}

/// What takes a cue's meaning away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cancel {
    Negation,
    Advice,
    Condition,
}

/// The end of the last negation, advice or condition, and whether a cue at `start` is in it.
#[derive(Clone, Copy, Default)]
struct Scope(Option<usize>);

impl Scope {
    /// The cue starts where the scope opener ends (needles share the space between words)
    /// or at most `words` words later.
    fn covers(self, text: &str, start: usize, words: usize) -> bool {
        self.0
            .is_some_and(|end| start + 1 >= end && words_between(text, end, start) <= words)
    }
}

fn gather(folded: &str) -> Evidence {
    let lex = lexicon();
    let mut ev = Evidence::default();
    let (mut negation, mut advice, mut condition) =
        (Scope::default(), Scope::default(), Scope::default());

    for m in lex.automaton.find_overlapping_iter(folded) {
        let cue = lex.cues[m.pattern().as_usize()];
        let at = m.start();
        // Negated ("pas de blessés") or explained in advice ("ne traversez pas une ravine en
        // crue"): the danger is not reported. A condition ("si vous êtes bloqués", "si ou
        // bizwen") cancels any evidence: it describes a case, not what happens.
        let negated = if negation.covers(folded, at, NEGATION_SCOPE) {
            Some(Cancel::Negation)
        } else if advice.covers(folded, at, ADVICE_SCOPE) {
            Some(Cancel::Advice)
        } else {
            None
        };
        let supposed = condition
            .covers(folded, at, CONDITION_SCOPE)
            .then_some(Cancel::Condition);
        let cancelled = match cue {
            Topic(_, _, negatable) => supposed.or(if negatable { negated } else { None }),
            Stuck(_) | Help(_) | Urgent | Peril(_) => supposed.or(negated),
            // "si quelqu'un a des nouvelles de..." is still a request for news.
            NoNews(_) => negated,
            _ => None,
        };
        ev.hits.push(Hit {
            cue,
            from: m.start(),
            to: m.end(),
            cancelled,
        });
        if cancelled.is_some() {
            continue;
        }
        match cue {
            Negation => negation = Scope(Some(m.end())),
            Topic(cat, weight, _) => ev.scores[cat as usize] += i32::from(weight),
            Stuck(weight) => ev.stuck += i32::from(weight),
            Help(weight) => {
                ev.help += i32::from(weight);
                ev.urgent += 1;
            }
            NoNews(weight) => {
                ev.missing += i32::from(weight);
                ev.no_news += 1;
            }
            Urgent => ev.urgent += 1,
            Vulnerable => ev.vulnerable += 1,
            Advice => {
                ev.advice += 1;
                advice = Scope(Some(m.end()));
            }
            Condition(addressed) => {
                ev.advice += i32::from(addressed);
                condition = Scope(Some(m.end()));
            }
            Resolved => ev.resolved += 1,
            Safe => ev.safe += 1,
            Forecast => ev.forecast += 1,
            Medical => ev.medical += 1,
            Serious => ev.serious += 1,
            Evacuation => ev.evacuation += 1,
            Person => ev.person += 1,
            Peril(weight) => ev.peril += i32::from(weight),
            Current => ev.current += 1,
            Handled => ev.handled += 1,
            Exposed => ev.exposed += 1,
            Transport => ev.transport += 1,
            SweptThing => ev.swept_thing += 1,
        }
    }
    ev
}

/// Suggests a category and priority for a folded text (see [`crate::text::fold`]).
/// `official` is true for official sources and accounts.
pub fn classify(folded: &str, official: bool) -> Suggestion {
    assess(folded, official).0
}

/// [`classify`], with the reasons, quoting the words of `text` as written. `folded` and
/// `origins` come from [`crate::text::fold_with_origins`] of `text`.
pub fn classify_explained(
    text: &str,
    folded: &str,
    origins: &[WordOrigin],
    official: bool,
) -> (Suggestion, Vec<Reason>) {
    let (suggestion, found) = assess(folded, official);
    let reasons = found
        .into_iter()
        .map(|mut f| {
            // Overlapping matches ("ne répond plus", "répond plus") are quoted once.
            f.spans.sort_unstable();
            let mut spans: Vec<(usize, usize)> = Vec::with_capacity(f.spans.len());
            for (from, to) in f.spans {
                match spans.last_mut() {
                    Some(last) if from < last.1 => last.1 = last.1.max(to),
                    _ => spans.push((from, to)),
                }
            }
            let mut words: Vec<String> = Vec::new();
            for (from, to) in spans {
                if let Some(q) = quote(text, origins, from, to) {
                    if words.len() < MAX_WORDS && !words.iter().any(|w| w == q) {
                        words.push(q.to_string());
                    }
                }
            }
            Reason {
                rule: f.rule,
                category: f.category,
                words,
            }
        })
        .collect();
    (suggestion, reasons)
}

/// At most this many quotes per reason.
const MAX_WORDS: usize = 4;

/// A reason before its words are quoted: spans of the folded text.
struct Found {
    rule: Rule,
    category: Option<Category>,
    spans: Vec<(usize, usize)>,
}

/// What the rules decided on the way, for the explanation.
#[derive(Default)]
struct Fired {
    peril_rescue: bool,
    stuck_in_danger: bool,
    forecast: bool,
    resolved: bool,
    /// An official source's text would have been critical.
    official: bool,
    care_out_of_reach: bool,
    swept_thing: bool,
}

fn assess(folded: &str, official: bool) -> (Suggestion, Vec<Found>) {
    let mut fired = Fired::default();
    let mut ev = gather(folded);
    // "pas en danger", "rien de grave": whatever sounded urgent is not.
    if ev.safe > 0 {
        ev.urgent = 0;
        ev.peril = 0;
    }
    // No news of a fisherman or a hiker: out there, they are in danger. No news of a child, an
    // elderly or disabled person, someone living alone: they may not be able to call or get
    // away, and nobody else may check on them.
    if ev.no_news > 0 && (ev.exposed > 0 || ev.vulnerable > 0) && ev.resolved == 0 {
        ev.urgent += 1;
    }
    let s = &mut ev.scores;

    // "emporté par le courant": the water's current, not the power.
    if ev.current > 0 {
        s[C::Utilities as usize] = (s[C::Utilities as usize] - 3 * ev.current).max(0);
    }
    let people = ev.person > 0 || ev.vulnerable > 0;
    // Cars, a bridge, a garden swept away, nobody named: a hazard described, not a rescue.
    if ev.swept_thing > 0 && !people {
        s[C::Rescue as usize] = (s[C::Rescue as usize] - 3 * ev.swept_thing).max(0);
        ev.peril = (ev.peril - ev.swept_thing).max(0);
        s[C::Hazard as usize] += 2 * ev.swept_thing.min(2);
        fired.swept_thing = true;
    }
    // Care out of reach: someone with a medical need (in labour, on dialysis, out of insulin)
    // who must get to hospital, or is cut off or stuck, is at risk now.
    if ev.medical > 0
        && ev.resolved == 0
        && ev.safe == 0
        && (ev.transport > 0 || ((people) && (s[C::Access as usize] > 0 || ev.stuck > 0)))
    {
        fired.care_out_of_reach = true;
    }
    // Someone in a perilous situation (in a tree, under the rubble, on the table while the
    // water comes in) is a person in danger now, whatever the words for the river, the road
    // or the house around them: a rescue, urgent. A heavy peril needs no person named
    // ("on entend crier sous les décombres").
    // A child, an elderly or disabled person where the water comes in is more at risk.
    if ev.vulnerable > 0 && ev.peril > 0 {
        ev.peril += 2;
    }
    let fine = ev.resolved > 0 && ev.urgent == 0;
    if !fine && ((people && ev.peril >= PERIL_WITH_PERSON) || ev.peril >= PERIL_ALONE) {
        s[C::Rescue as usize] += ev.peril + 2;
        ev.urgent += 1;
        fired.peril_rescue = true;
    }

    // A forecast makes the hazards it names expected, not observed: weather. Only when the
    // post is about weather or hazards ("demain" alone says nothing).
    if ev.forecast > 0 && (s[C::Weather as usize] > 0 || s[C::Hazard as usize] > 0) {
        fired.forecast = true;
        s[C::Weather as usize] += 2 * ev.forecast.min(2);
        s[C::Hazard as usize] = (s[C::Hazard as usize] - 2).max(0);
    }
    // Advice to the public and official sources lean official.
    if ev.advice > 0 {
        s[C::Official as usize] += 2 * ev.advice.min(2);
    }
    if official {
        s[C::Official as usize] += 4;
    }

    let hurt = s[C::Casualties as usize] > 0;
    // Someone hurt who needs help now comes before the road or the house that was hit.
    if hurt && ev.urgent > 0 {
        s[C::Casualties as usize] += 2 * ev.urgent.min(2);
    }
    // A danger to people is stated: urgency, an observed hazard, someone hurt.
    let danger = ev.urgent > 0 || s[C::Hazard as usize] > 0 || hurt;
    // A call for help is for the person hurt when there is one, otherwise a rescue request.
    let mut help_to_rescue = 0;
    if hurt {
        s[C::Casualties as usize] += ev.help;
    } else {
        s[C::Rescue as usize] += ev.help;
        help_to_rescue = ev.help;
    }
    // Stuck with a danger (or a vulnerable person) is a rescue. Stuck behind a fallen bridge
    // or a flooded road with no other danger stated is a community cut off: access, high.
    // Stuck with neither ("stuck in Paris") is weak evidence.
    let roads = s[C::Access as usize] > 0;
    let stuck_in_danger =
        ev.urgent > 0 || hurt || ev.vulnerable > 0 || (s[C::Hazard as usize] > 0 && !roads);
    let mut cut_off = false;
    let mut unsure = false;
    if ev.stuck > 0 {
        if stuck_in_danger {
            fired.stuck_in_danger = true;
            // A child or an elderly person stuck weighs more.
            s[C::Rescue as usize] += ev.stuck + 2 * ev.vulnerable.min(1);
            // Stuck in a car or at home where water or fire threatens: life at risk now.
            if ev.peril > 0 || (s[C::Hazard as usize] > 0 && (ev.vulnerable > 0 || !roads)) {
                ev.urgent += 1;
            }
        } else if roads {
            s[C::Access as usize] += ev.stuck;
            cut_off = true;
        } else {
            s[C::Rescue as usize] += ev.stuck / 2;
            unsure = true;
        }
    }
    // Not answering, with someone hurt: the emergency number or the doctor ("le 15 ne répond
    // pas"), or the casualty; otherwise someone is missing.
    if hurt {
        s[C::Casualties as usize] += ev.missing;
    } else {
        s[C::Rescue as usize] += ev.missing;
    }
    // People in danger now come before the road, the house or the river that endangers them:
    // rescue evidence of its own (not just a call for help) with urgency gets a bonus.
    if s[C::Rescue as usize] > help_to_rescue && ev.urgent > 0 {
        s[C::Rescue as usize] += 2 * ev.urgent.min(2);
    }

    // Resolved: the people are safe. A rescue story is then news (other) and its hazard is
    // over; damage and outages told with "we are all safe" stay what they are. Unless the
    // peril outweighs it ("disparus en mer, le bateau a été retrouvé retourné").
    if ev.resolved > ev.urgent && s[C::Rescue as usize] > 0 {
        fired.resolved = true;
        s[C::Other as usize] += 3 * ev.resolved.min(3) + s[C::Rescue as usize] / 2;
        s[C::Rescue as usize] = 0;
        s[C::Hazard as usize] /= 2;
    }

    let category = pick(s);
    let priority = match category {
        // Missing, unreachable or stuck with no danger stated: high; in danger: critical.
        C::Rescue if (ev.no_news > 0 || unsure) && !danger => Priority::High,
        // A rescue story told in passing ("les pompiers sont là"), with no danger stated.
        C::Rescue if s[C::Rescue as usize] < 3 && !danger => Priority::High,
        C::Rescue => Priority::Critical,
        C::Casualties if ev.resolved > 0 || ev.handled > 0 => Priority::High,
        C::Casualties if ev.urgent > 0 => Priority::Critical,
        C::Casualties => Priority::High,
        C::Hazard if ev.resolved > 0 => Priority::Medium,
        C::Hazard => Priority::High,
        C::Needs if ev.medical > 0 || ev.urgent > 0 => Priority::High,
        C::Needs => Priority::Medium,
        C::Damage | C::Utilities | C::Access if ev.serious > 0 || cut_off => Priority::High,
        C::Damage | C::Utilities | C::Access => Priority::Medium,
        C::Shelter | C::Official if ev.evacuation > 0 => Priority::High,
        C::Shelter | C::Official => Priority::Medium,
        C::Weather | C::Solidarity | C::Other => Priority::Low,
    };
    let priority = if fired.care_out_of_reach {
        Priority::Critical
    } else {
        priority
    };
    // An official source informs and instructs ("si vous êtes bloqués, montez à l'étage et
    // appelez le 112"); it never asks to be rescued. Its own fields (a CAP alert's severity and
    // urgency) may still make it critical: the ingest applies them after.
    let priority = if official && priority == Priority::Critical {
        fired.official = true;
        Priority::High
    } else {
        priority
    };
    let suggestion = Suggestion { category, priority };
    let found = explain(&ev, &fired, suggestion, cut_off, unsure, official);
    (suggestion, found)
}

/// The reasons of a suggestion: the rule that decided the priority, what cancelled words that
/// would have said a danger, and the evidence for the category.
fn explain(
    ev: &Evidence,
    fired: &Fired,
    suggestion: Suggestion,
    cut_off: bool,
    unsure: bool,
    official: bool,
) -> Vec<Found> {
    let spans = |keep: &dyn Fn(&Hit) -> bool| -> Vec<(usize, usize)> {
        ev.hits
            .iter()
            .filter(|h| keep(h))
            .map(|h| (h.from, h.to))
            .collect()
    };
    let live = |h: &Hit| h.cancelled.is_none();
    let is = |h: &Hit, f: fn(&Cue) -> bool| live(h) && f(&h.cue);
    let topic = |h: &Hit, c: Category| is(h, |_| true) && matches!(h.cue, Topic(t, ..) if t == c);
    let mut out = Vec::new();
    let mut push = |rule: Rule, category: Option<Category>, spans: Vec<(usize, usize)>| {
        out.push(Found {
            rule,
            category,
            spans,
        })
    };
    let (category, priority) = (suggestion.category, suggestion.priority);
    let urgency = |h: &Hit| is(h, |c| matches!(c, Urgent | Help(_)));
    if fired.official {
        push(Rule::OfficialNotARequest, None, Vec::new());
    } else if priority == Priority::Critical {
        if fired.care_out_of_reach {
            push(
                Rule::CareOutOfReach,
                None,
                spans(&|h| {
                    is(h, |c| matches!(c, Medical | Transport | Stuck(_))) || topic(h, C::Access)
                }),
            );
        } else if fired.peril_rescue {
            push(
                Rule::PersonInPeril,
                None,
                spans(&|h| is(h, |c| matches!(c, Peril(_) | Person | Vulnerable))),
            );
        } else if category == C::Casualties {
            push(
                Rule::HurtNeedsHelpNow,
                None,
                spans(&|h| topic(h, C::Casualties) || urgency(h)),
            );
        } else if fired.stuck_in_danger {
            push(
                Rule::TrappedInDanger,
                None,
                spans(&|h| {
                    is(h, |c| matches!(c, Stuck(_) | Urgent | Vulnerable)) || topic(h, C::Hazard)
                }),
            );
        } else if ev.no_news > 0 {
            push(
                Rule::MissingInDanger,
                None,
                spans(&|h| is(h, |c| matches!(c, NoNews(_) | Urgent | Exposed))),
            );
        } else if ev.help > 0 {
            push(Rule::CallForHelp, None, spans(&|h| urgency(h)));
        } else {
            push(
                Rule::PeopleInDanger,
                None,
                spans(&|h| topic(h, C::Rescue) || urgency(h)),
            );
        }
    } else if category == C::Rescue && ev.no_news > 0 {
        push(
            Rule::MissingNoDanger,
            None,
            spans(&|h| is(h, |c| matches!(c, NoNews(_)))),
        );
    } else if category == C::Rescue && unsure {
        push(
            Rule::StuckNoDanger,
            None,
            spans(&|h| is(h, |c| matches!(c, Stuck(_)))),
        );
    } else if category == C::Casualties && ev.handled > 0 {
        push(
            Rule::InCare,
            None,
            spans(&|h| is(h, |c| matches!(c, Handled))),
        );
    } else if cut_off {
        push(
            Rule::CutOff,
            None,
            spans(&|h| is(h, |c| matches!(c, Stuck(_))) || topic(h, C::Access)),
        );
    }
    // Words that would have said a danger, and what took it away: the opener and the words.
    let danger = |c: &Cue| {
        matches!(
            c,
            Stuck(_)
                | Help(_)
                | Urgent
                | Peril(_)
                | NoNews(_)
                | Topic(C::Rescue | C::Casualties, ..)
        )
    };
    for (cancel, rule, opener) in [
        (
            Cancel::Condition,
            Rule::Condition,
            (|c: &Cue| matches!(c, Condition(_))) as fn(&Cue) -> bool,
        ),
        (Cancel::Advice, Rule::Advice, |c: &Cue| matches!(c, Advice)),
        (Cancel::Negation, Rule::Negated, |c: &Cue| {
            matches!(c, Negation)
        }),
    ] {
        let cancelled = spans(&|h| h.cancelled == Some(cancel) && danger(&h.cue));
        if cancelled.is_empty() {
            continue;
        }
        let mut all = spans(&|h| opener(&h.cue));
        all.extend(cancelled);
        all.sort_unstable();
        push(rule, None, all);
    }
    if ev.safe > 0 && priority != Priority::Critical {
        push(Rule::NotInDanger, None, spans(&|h| matches!(h.cue, Safe)));
    }
    if fired.resolved {
        push(Rule::Resolved, None, spans(&|h| matches!(h.cue, Resolved)));
    }
    if fired.forecast {
        push(Rule::Forecast, None, spans(&|h| matches!(h.cue, Forecast)));
    }
    if fired.swept_thing {
        push(
            Rule::SweptThings,
            None,
            spans(&|h| matches!(h.cue, SweptThing)),
        );
    }
    let evidence = spans(&|h| topic(h, category));
    if !evidence.is_empty() {
        push(Rule::Evidence, Some(category), evidence);
    }
    if ev.vulnerable > 0 {
        push(
            Rule::Vulnerable,
            None,
            spans(&|h| matches!(h.cue, Vulnerable)),
        );
    }
    if priority != Priority::Critical && ev.urgent > 0 {
        let words = spans(&|h| urgency(h));
        if !words.is_empty() {
            push(Rule::Urgency, None, words);
        }
    }
    if official {
        push(Rule::OfficialSource, None, Vec::new());
    }
    out
}

/// The best-scoring category; on a tie, the one listed first (life before property).
fn pick(scores: &[i32; 12]) -> Category {
    let mut best = C::Other;
    let mut best_score = 0;
    for c in Category::ALL {
        let s = scores[*c as usize];
        if s > best_score {
            best = *c;
            best_score = s;
        }
    }
    best
}

fn words_between(text: &str, from: usize, to: usize) -> usize {
    if to <= from {
        return 0;
    }
    text[from..to].split_whitespace().count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::fold;

    fn sug(text: &str) -> (Category, Priority) {
        let s = classify(&fold(text), false);
        (s.category, s.priority)
    }

    #[test]
    fn rescue_requests_are_critical() {
        assert_eq!(
            sug("Au secours nous sommes bloqués sur le toit, l'eau monte !"),
            (C::Rescue, Priority::Critical)
        );
        assert_eq!(
            sug("family trapped on their roof, water rising fast"),
            (C::Rescue, Priority::Critical)
        );
        assert_eq!(
            sug("nou bloké asi twati-la, dlo ka monté, ed nou"),
            (C::Rescue, Priority::Critical)
        );
    }

    #[test]
    fn negation_and_context() {
        assert_eq!(
            sug("Pas de blessés, juste des dégâts sur la toiture").0,
            C::Damage
        );
        assert_eq!(
            sug("no injuries reported but the roofs are destroyed").0,
            C::Damage
        );
        assert_eq!(
            sug("Si vous êtes bloqués chez vous, appelez le 18").0,
            C::Official
        );
        assert_eq!(
            sug("Risque d'inondations demain sur tout l'archipel").0,
            C::Weather
        );
        assert_eq!(
            sug("Les pompiers ont sorti la famille, tout le monde va bien").1,
            Priority::Low
        );
    }

    #[test]
    fn other_categories() {
        assert_eq!(sug("Plus de courant depuis 3h du matin").0, C::Utilities);
        assert_eq!(
            sug("Route de la Traversée impraticable, arbres en travers").0,
            C::Access
        );
        assert_eq!(sug("Besoin d'insuline pour ma grand-mère").0, C::Needs);
        assert_eq!(
            sug("Besoin d'insuline pour ma grand-mère").1,
            Priority::High
        );
        assert_eq!(
            sug("Je propose mon pick-up pour transporter des dons").0,
            C::Solidarity
        );
        assert_eq!(sug("Rafales à 180 km/h relevées au Raizet").0, C::Weather);
        assert_eq!(sug("bonne nuit à tous").0, C::Other);
    }

    #[test]
    fn stuck_is_a_rescue_only_with_a_danger() {
        assert_eq!(
            sug("on est coincés chez nous avec les enfants, l'eau monte"),
            (C::Rescue, Priority::Critical)
        );
        assert_eq!(
            sug("bloqués à Goyave, toutes les routes sont inondées, impossible d'aller travailler")
                .0,
            C::Access
        );
        assert_ne!(sug("coincé au bureau jusqu'à 19h").1, Priority::Critical);
        assert_eq!(sug("stuck at home with nothing to do").0, C::Other);
    }

    #[test]
    fn help_and_urgency_go_to_the_people() {
        // A call for help with someone hurt is a casualty, before the blocked road.
        assert_eq!(
            sug("mon frère est blessé, il saigne, la route est bloquée, aidez-nous"),
            (C::Casualties, Priority::Critical)
        );
        assert_eq!(
            sug("un homme accroché à un poteau au milieu du courant, vite"),
            (C::Rescue, Priority::Critical)
        );
        assert_eq!(
            sug("la rivière déborde mais la maison n'est pas en danger").0,
            C::Hazard
        );
    }

    #[test]
    fn missing_people() {
        assert_eq!(
            sug("pas de nouvelles de mon oncle depuis le cyclone"),
            (C::Rescue, Priority::High)
        );
        assert_eq!(
            sug("si quelqu'un a des nouvelles de ma tante, elle ne répond plus"),
            (C::Rescue, Priority::High)
        );
        assert_eq!(
            sug("deux pêcheurs disparus en mer depuis hier"),
            (C::Rescue, Priority::Critical)
        );
        // Lost property is damage; lost people are a rescue.
        assert_eq!(sug("l'école a perdu son toit").0, C::Damage);
        assert_eq!(
            sug("deux randonneurs perdus dans la forêt").1,
            Priority::Critical
        );
    }

    #[test]
    fn resolved_and_peril() {
        assert_eq!(
            sug("the firefighters rescued the family, everyone is fine"),
            (C::Other, Priority::Low)
        );
        assert_eq!(
            sug("on a perdu la toiture mais tout le monde va bien").0,
            C::Damage
        );
        assert_eq!(
            sug("trois marins disparus au large, le bateau a été retrouvé chaviré"),
            (C::Rescue, Priority::Critical)
        );
    }

    #[test]
    fn words_inside_other_words() {
        // "couvre-feu" is not a fire, "tuesday" is not "tué", "je peux pas" is not an offer.
        assert_eq!(sug("le couvre-feu commence à 20h").0, C::Official);
        assert_eq!(sug("no power since tuesday").0, C::Utilities);
        assert_eq!(sug("je peux pas sortir, l'eau rentre").0, C::Rescue);
    }

    #[test]
    fn people_in_peril_are_a_rescue() {
        assert_eq!(
            sug("un homme est monté dans un arbre au bord de la ravine, le courant a tout pris, il crie"),
            (C::Rescue, Priority::Critical)
        );
        assert_eq!(
            sug("the bakery collapsed, two people buried in the rubble, we can hear them"),
            (C::Rescue, Priority::Critical)
        );
        assert_eq!(
            sug("la case se remplit d'eau, on est sur la table avec le petit"),
            (C::Rescue, Priority::Critical)
        );
        assert_eq!(
            sug("une voiture dans la rivière, le conducteur est sur le capot"),
            (C::Rescue, Priority::Critical)
        );
        assert_eq!(
            sug("my uncle is down in the basement and it is filling with water"),
            (C::Rescue, Priority::Critical)
        );
        assert_eq!(
            sug("on nonm adan on pyébwa mitan larivyè-la, i ka kriyé"),
            (C::Rescue, Priority::Critical)
        );
        assert_eq!(
            sug("granmoun-la anba béton, nou ka tann li"),
            (C::Rescue, Priority::Critical)
        );
        assert_eq!(
            sug("pyébwa-la tonbé, tonton anba'y, i ka rélé"),
            (C::Rescue, Priority::Critical)
        );
        assert_eq!(
            sug("someone is calling out from inside the collapsed shop"),
            (C::Rescue, Priority::Critical)
        );
    }

    #[test]
    fn stuck_in_a_car_in_the_water_is_critical() {
        assert_eq!(
            sug("my cousins are stuck in their car, the river is over the road"),
            (C::Rescue, Priority::Critical)
        );
        assert_eq!(
            sug("coincé dans ma voiture, la ravine passe sur la route"),
            (C::Rescue, Priority::Critical)
        );
        // Stuck far from a danger: not critical.
        assert_ne!(
            sug("stuck at the airport with the kids, all flights cancelled").1,
            Priority::Critical
        );
    }

    #[test]
    fn missing_at_sea_or_in_the_wild_is_critical() {
        assert_eq!(
            sug("toujours pas de nouvelles du pêcheur parti hier à l'aube"),
            (C::Rescue, Priority::Critical)
        );
        assert_eq!(
            sug("no news from my aunt since the storm"),
            (C::Rescue, Priority::High)
        );
    }

    #[test]
    fn a_peril_needs_someone_in_it() {
        // Nobody inside, things moved upstairs, the power current: no one in danger.
        assert_ne!(
            sug("la voiture de location a fini dans la rivière, personne dedans").1,
            Priority::Critical
        );
        assert_ne!(
            sug("on a tout monté au grenier avant le cyclone").1,
            Priority::Critical
        );
        assert_eq!(sug("le toit du voisin emporté par le vent").0, C::Damage);
        assert_eq!(sug("le courant a été coupé à 6h").0, C::Utilities);
        assert_ne!(
            sug("une femme emportée par le courant de la ravine").0,
            C::Utilities
        );
    }

    #[test]
    fn medical_emergencies_are_critical() {
        assert_eq!(
            sug("mon oncle fait un malaise cardiaque, pas de médecin et le 15 ne répond pas"),
            (C::Casualties, Priority::Critical)
        );
        assert_eq!(
            sug("I think my aunt is having a stroke, no ambulance can reach us"),
            (C::Casualties, Priority::Critical)
        );
        assert_eq!(
            sug("manman mwen fè on kriz kè, pa ni doktè"),
            (C::Casualties, Priority::Critical)
        );
        assert_eq!(
            sug("le bébé convulse et on est coupés de tout"),
            (C::Casualties, Priority::Critical)
        );
        // In care, or nobody hurt: not critical.
        assert_eq!(
            sug("two people hurt by a falling wall, they are at the hospital now"),
            (C::Casualties, Priority::High)
        );
        assert_ne!(
            sug("à ma connaissance personne n'est blessé dans le quartier").1,
            Priority::Critical
        );
    }

    #[test]
    fn official_sources_lean_official() {
        let s = classify(&fold("Le couvre-feu est prolongé jusqu'à 6h"), true);
        assert_eq!(s.category, C::Official);
    }

    fn reasons(text: &str) -> Vec<Reason> {
        let (folded, origins) = crate::text::fold_with_origins(text);
        let (s, r) = classify_explained(text, &folded, &origins, false);
        assert_eq!(s, classify(&folded, false), "{text}");
        r
    }

    fn reason(rule: Rule, words: &[&str]) -> Reason {
        Reason {
            rule,
            category: None,
            words: words.iter().map(|w| w.to_string()).collect(),
        }
    }

    #[test]
    fn each_suggestion_says_why_with_the_words_as_written() {
        let r = reasons("Au secours nous sommes bloqués sur le toit, l'eau monte !");
        assert_eq!(
            r[0],
            reason(Rule::TrappedInDanger, &["bloqués", "l'eau monte"])
        );
        assert_eq!(r[1].rule, Rule::Evidence);
        assert_eq!(r[1].category, Some(C::Rescue));
        assert_eq!(r[1].words, ["sur le toit"]);
        assert_eq!(
            reasons("Si vous êtes bloqués chez vous, appelez le 18"),
            [reason(Rule::Condition, &["Si vous", "bloqués"])]
        );
        assert_eq!(
            reasons("Pas de blessés, juste des dégâts sur la toiture")[0],
            reason(Rule::Negated, &["Pas de blessés"])
        );
        assert_eq!(
            reasons("Les pompiers ont sorti la famille, tout le monde va bien")[0],
            reason(Rule::Resolved, &["ont sorti", "tout le monde va bien"])
        );
        assert_eq!(
            reasons("Risque d'inondations demain sur tout l'archipel")[0].rule,
            Rule::Forecast
        );
        let r = reasons("ma grand mere est seule chez elle a Petit-Bourg, l'eau est deja au niveau des fenetres elle peut pas sortir, svp envoyez qq1 !!");
        assert_eq!(r[0].rule, Rule::PersonInPeril);
        assert!(
            r[0].words.iter().any(|w| w == "niveau des fenetres"),
            "{r:?}"
        );
        // An official source says so.
        let (folded, origins) = crate::text::fold_with_origins("Restez chez vous");
        let (_, r) = classify_explained("Restez chez vous", &folded, &origins, true);
        assert_eq!(r.last().map(|r| r.rule), Some(Rule::OfficialSource));
    }

    #[test]
    fn a_vulnerable_person_not_heard_from_is_critical_an_official_instruction_never() {
        assert_eq!(
            sug("Mon père (82 ans) ne répond plus au téléphone depuis hier soir, il vit seul à Capesterre"),
            (C::Rescue, Priority::Critical)
        );
        assert_eq!(
            sug("aucune nouvelle de ma tante à Terre-de-Haut depuis le passage de l'oeil, quelqu un aux Saintes peut passer la voir ?").1,
            Priority::High
        );
        // An official account telling of people in danger is informing, not asking.
        let text = "URGENT : des personnes sont bloquées sur leur toit à Petit-Bourg, les secours sont en route, restez chez vous";
        assert_eq!(classify(&fold(text), false).priority, Priority::Critical);
        assert_ne!(classify(&fold(text), true).priority, Priority::Critical);
        let text =
            "Au secours, une famille avec deux enfants bloquée sur le toit à Goyave, l'eau monte";
        assert_eq!(classify(&fold(text), false).priority, Priority::Critical);
        let (folded, origins) = crate::text::fold_with_origins(text);
        let (s, r) = classify_explained(text, &folded, &origins, true);
        assert_eq!(s.priority, Priority::High);
        assert_eq!(r[0].rule, Rule::OfficialNotARequest);
    }

    #[test]
    fn care_out_of_reach_a_family_in_one_room_and_things_swept_away() {
        let critical = |text: &str| {
            let r = reasons(text);
            assert_eq!(sug(text).1, Priority::Critical, "{text}: {r:?}");
            r[0].rule
        };
        assert_eq!(
            critical("Ma voisine est enceinte, elle a des contractions et la route de Vernou est coupée, on ne peut pas l'emmener à l'hôpital"),
            Rule::CareOutOfReach
        );
        assert_eq!(
            critical(
                "my dad is on dialysis and has to get to the hospital today but the road is cut"
            ),
            Rule::CareOutOfReach
        );
        critical("on s'est tous réfugiés dans la chambre du haut, l'eau est déjà au niveau du lit, on fait quoi ?");
        critical("we're all in the bedroom with the kids, water is coming in under the door, what do we do");
        critical("nou tout an chanm-la, dlo ka rantré toupatou, timoun-yo ka pè");
        // A pharmacy out of stock is a need, not a life at risk now.
        assert_ne!(
            sug("la pharmacie n'a plus d'insuline depuis hier").1,
            Priority::Critical
        );
        for text in [
            "des voitures emportées sur le parking de Destrellan, impressionnant",
            "la rivière a emporté le pont de la Boucan",
        ] {
            assert_eq!(sug(text), (C::Hazard, Priority::High), "{text}");
            assert!(reasons(text).iter().any(|r| r.rule == Rule::SweptThings));
        }
        // Someone carried off with the car is still a rescue.
        assert_eq!(
            sug("une voiture emportée par la ravine avec le conducteur encore dedans").1,
            Priority::Critical
        );
    }
}

//! First classification of a post: a suggested category and priority, for French, English and
//! Antillean Creole. It is a suggestion for a volunteer, tuned so that a life-threatening post
//! is almost never missed (see the development set in `tests/data/devset.jsonl`).
//!
//! How it reads a post: weighted cues per category, found in one pass over the folded text,
//! then a few rules that weigh the context. The cues are data, `data/cues.txt` (phrase and
//! cue, one a line, its syntax in its header), so a linguist can extend a language or add one
//! without reading Rust; so are the spellings of a word (`data/variants.txt`: Creole written
//! "mwen", "moin" or "mwin", SMS French "qq1"), which every cue's words are also found in. The
//! rules are here:
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
//! - a life at risk now decides the category before what the post is mostly about: someone
//!   hurt who needs help now is a casualty, someone missing or trapped with a danger stated, or
//!   in peril, a rescue ("82 ans, seule, sa toiture arrachée et elle répond plus" is a rescue,
//!   not damage); care out of reach is a rescue too;
//! - laughing words after the emergency words ("bloquée sur mon canapé avec ma belle-mère,
//!   envoyez les secours mdr") make them a joke: other, low, unless someone is missing or in
//!   peril; a laugh before them ("lol on rigolait, mais là mon frère est accroché à un arbre")
//!   is not the punchline;
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
    /// Other, low: laughing words make the emergency words a joke.
    Joke,
    /// The source's own fields (CAP severity and urgency, magnitude, alert level) set the
    /// priority.
    SourceFields,
    /// The model learnt from the volunteers' own decisions in this crisis changed the
    /// category or the priority (see [`crate::learn`]); the words are those that weighed most.
    Learned,
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
        Rule::Joke,
        Rule::SourceFields,
        Rule::Learned,
    ];
}

/// What a cue says besides a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// Laughing words ("mdr", "lol"): the emergency words are a joke.
    Joke,
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
/// Until which age (excluded) a child is vulnerable.
const CHILD_UNTIL: u32 = 15;

/// How much peril makes a rescue: with a person named, or on its own.
const PERIL_WITH_PERSON: i32 = 3;
const PERIL_ALONE: i32 = 4;

/// The cues, as data a linguist can extend without reading Rust: see the header of
/// `data/cues.txt` for the syntax. Read into the automaton on first use; a test checks every
/// line.
const CUES: &str = include_str!("../data/cues.txt");

/// Spellings of one word (`data/variants.txt`: `word | variant variant`, folded): a cue
/// written with one of them finds the others ("mwen bloke" finds "moin bloke").
const VARIANTS: &str = include_str!("../data/variants.txt");

/// At most this many needles from one cue phrase with its words' variants.
const MAX_SPELLINGS: usize = 64;

/// A line of a data file (`left | right`), with what names it in an error.
struct DataLine<'a> {
    file: &'static str,
    number: usize,
    line: &'a str,
    left: &'a str,
    right: &'a str,
}

impl DataLine<'_> {
    fn fail(&self, why: String) -> String {
        format!(
            "{} line {}: {why} in `{}`",
            self.file, self.number, self.line
        )
    }
}

/// The lines of a data file as `left | right` (`between` names the two sides), `#` comments
/// and blank lines skipped; a line without its `|` is an error naming it.
fn data_lines<'a>(
    text: &'a str,
    file: &'static str,
    between: &'static str,
) -> impl Iterator<Item = Result<DataLine<'a>, String>> {
    text.lines().enumerate().filter_map(move |(i, line)| {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let mut read = DataLine {
            file,
            number: i + 1,
            line,
            left: "",
            right: "",
        };
        Some(match line.split_once('|') {
            Some((left, right)) => {
                (read.left, read.right) = (left.trim(), right.trim());
                Ok(read)
            }
            None => Err(read.fail(format!("no `|` between {between}"))),
        })
    })
}

/// Reads [`VARIANTS`] into groups of spellings of a word. A form is one folded word, in one
/// group only; an error names the line and what is wrong with it.
fn parse_variants(text: &str) -> Result<Vec<Vec<&str>>, String> {
    let mut groups: Vec<Vec<&str>> = Vec::new();
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for read in data_lines(text, "variants", "the word and its variants") {
        let read = read?;
        let fail = |why: String| read.fail(why);
        let (word, variants) = (read.left, read.right);
        // The word may be several ("quelqu un | qq1"); its variants are one each.
        let forms: Vec<&str> = std::iter::once(word)
            .chain(variants.split_whitespace())
            .collect();
        if forms.len() < 2 {
            return Err(fail("a word needs at least one variant".into()));
        }
        for form in &forms {
            let folded_word = |w: &str| {
                !w.is_empty()
                    && w.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            };
            if !form.split(' ').all(folded_word) {
                return Err(fail(format!(
                    "`{form}` must be folded words (lowercase letters and digits)"
                )));
            }
            if let Some(other) = seen.insert(form, groups.len()) {
                return Err(fail(format!(
                    "`{form}` is already a spelling of `{}`",
                    groups[other][0]
                )));
            }
        }
        groups.push(forms);
    }
    Ok(groups)
}

/// Reads [`CUES`]: each line `phrase | cue`, `#` comments and blank lines ignored. An error
/// names the line and what is wrong with it.
fn parse_cues(text: &str) -> Result<Vec<(&str, Cue)>, String> {
    let mut out = Vec::new();
    for read in data_lines(text, "cues", "the phrase and its cue") {
        let read = read?;
        let fail = |why: String| read.fail(why);
        let (phrase, cue) = (read.left, read.right);
        // Written folded, as posts are matched: folding it again changes nothing.
        let plain = phrase.replace('*', " ");
        let plain = plain.split_whitespace().collect::<Vec<_>>().join(" ");
        if plain.is_empty() || crate::text::fold_name(&plain) != plain {
            return Err(fail(
                "the phrase must be folded (lowercase, no accents or punctuation)".into(),
            ));
        }
        let words: Vec<&str> = cue.split_whitespace().collect();
        let weight = |w: Option<&&str>| -> Result<u8, String> {
            w.and_then(|w| w.parse::<u8>().ok())
                .filter(|w| (1..=9).contains(w))
                .ok_or_else(|| fail("a weight from 1 to 9 is needed".into()))
        };
        let cue = match words.as_slice() {
            ["stuck", ..] => Stuck(weight(words.get(1))?),
            ["help", ..] => Help(weight(words.get(1))?),
            ["no-news", ..] => NoNews(weight(words.get(1))?),
            ["peril", ..] => Peril(weight(words.get(1))?),
            ["person"] => Person,
            ["vulnerable"] => Vulnerable,
            ["urgent"] => Urgent,
            ["medical"] => Medical,
            ["transport"] => Transport,
            ["exposed"] => Exposed,
            ["handled"] => Handled,
            ["safe"] => Safe,
            ["joke"] => Joke,
            ["resolved"] => Resolved,
            ["negation"] => Negation,
            ["advice"] => Advice,
            ["condition"] => Condition(false),
            ["condition", "public"] => Condition(true),
            ["forecast"] => Forecast,
            ["serious"] => Serious,
            ["evacuation"] => Evacuation,
            ["current"] => Current,
            ["swept-thing"] => SweptThing,
            [category, w] | [category, w, "always"] => {
                let c: Category = category.parse().map_err(|e| fail(format!("{e}")))?;
                Topic(c, weight(Some(w))?, words.len() == 2)
            }
            _ => return Err(fail("unknown cue".into())),
        };
        out.push((phrase, cue));
    }
    Ok(out)
}

struct Lexicon {
    automaton: AhoCorasick,
    /// The cue of each needle of the automaton.
    cues: Vec<Cue>,
}

/// The needles a cue pattern stands for: words between spaces, a trailing `*` for a prefix,
/// a `*` inside for the endings "", "s", "e", "es".
fn needles(pattern: &str, spellings: &dyn Fn(&str) -> Vec<String>) -> Vec<String> {
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
        // A whole word (not a prefix, not inflected) is also found in its other spellings,
        // while the phrase's needles stay few.
        let last_prefix = prefix && i + 1 == body.split(' ').count();
        let forms = if inflected || last_prefix {
            vec![stem.to_string()]
        } else {
            let all = spellings(stem);
            if out.len() * all.len() <= MAX_SPELLINGS {
                all
            } else {
                vec![stem.to_string()]
            }
        };
        let sep = if i == 0 { "" } else { " " };
        out = out
            .iter()
            .flat_map(|n| {
                forms
                    .iter()
                    .flat_map(move |f| endings.iter().map(move |e| format!("{n}{sep}{f}{e}")))
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
        let table = parse_cues(CUES).unwrap_or_else(|e| panic!("classifier cues: {e}"));
        let groups =
            parse_variants(VARIANTS).unwrap_or_else(|e| panic!("classifier variants: {e}"));
        let group_of: rustc_hash::FxHashMap<&str, &Vec<&str>> = groups
            .iter()
            .flat_map(|g| g.iter().map(move |w| (*w, g)))
            .collect();
        let spellings = |word: &str| -> Vec<String> {
            match group_of.get(word) {
                Some(group) => std::iter::once(word)
                    .chain(group.iter().copied().filter(|w| *w != word))
                    .map(String::from)
                    .collect(),
                None => vec![word.to_string()],
            }
        };
        // The phrases as written come first; another spelling the file writes itself keeps
        // its own cue, and a needle is found once for a cue.
        let as_written: Vec<Vec<String>> = table
            .iter()
            .map(|(pattern, _)| needles(pattern, &|w: &str| vec![w.to_string()]))
            .collect();
        let written: rustc_hash::FxHashSet<&str> =
            as_written.iter().flatten().map(String::as_str).collect();
        let mut found: rustc_hash::FxHashSet<(String, Cue)> = Default::default();
        // Words written in one piece for several ("qq1" for "quelqu un"): the phrases that
        // have the several have the one too.
        let phrases: Vec<(String, &Vec<&str>)> = groups
            .iter()
            .filter(|g| g[0].contains(' '))
            .map(|g| (format!(" {} ", g[0]), g))
            .collect();
        let in_pieces = |mut needles: Vec<String>| {
            for (whole, group) in &phrases {
                let mut more = Vec::new();
                let head = group[0];
                for n in needles
                    .iter()
                    .filter(|n| n.contains(head) && format!("{n} ").contains(whole.as_str()))
                {
                    for v in &group[1..] {
                        let spaced = format!("{n} ").replace(whole.as_str(), &format!(" {v} "));
                        more.push(spaced[..spaced.len() - 1].to_string());
                    }
                }
                if needles.len() + more.len() <= MAX_SPELLINGS {
                    needles.extend(more);
                }
            }
            needles
        };
        for ((pattern, cue), own) in table.iter().zip(&as_written) {
            for n in in_pieces(needles(pattern, &spellings)) {
                if (written.contains(n.as_str()) && !own.contains(&n))
                    || !found.insert((n.clone(), *cue))
                {
                    continue;
                }
                all.push(n);
                cues.push(*cue);
            }
        }
        // An age given is an elderly person from 65 ("ma mère de 84 ans", "88 years old").
        for age in ELDERLY_FROM..=110 {
            for unit in ["ans", "an", "years", "yo", "lanne"] {
                all.push(format!(" {age} {unit} "));
                cues.push(Vulnerable);
            }
            all.push(format!(" {age}yo "));
            cues.push(Vulnerable);
        }
        // A child's age ("ma fille de 6 ans", "a 7 year old", "i ni 10 an"), said so that a
        // duration ("depuis 6 ans") is not taken for one.
        for age in 0..CHILD_UNTIL {
            for form in [
                format!(" de {age} ans "),
                format!(" {age} year old "),
                format!(" {age} years old "),
                format!(" {age} yo "),
                format!(" {age}yo "),
                format!(" ni {age} an "),
                format!(" ni {age} ans "),
            ] {
                all.push(form);
                cues.push(Vulnerable);
            }
        }
        for months in 1..=24 {
            all.push(format!(" de {months} mois "));
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
    joke: i32,
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
    let mut ev = Evidence {
        hits: Vec::with_capacity(32),
        ..Evidence::default()
    };
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
            Joke => ev.joke += 1,
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
    /// Stuck behind a cut road, no other danger: access, high.
    cut_off: bool,
    /// Stuck with no danger stated: a weak rescue, high.
    unsure: bool,
    /// Laughing words: a joke, other and low.
    joke: bool,
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
        && (ev.transport > 0 || (people && (s[C::Access as usize] > 0 || ev.stuck > 0)))
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

    // A life at risk now comes before what the post is mostly about (the road, the roof, the
    // river around them): someone hurt who needs help now is a casualty; someone missing or
    // trapped with a danger stated, or in peril, is a rescue. Whatever is cancelled, over or
    // said to be safe does not count, and an official source keeps its category (it informs).
    let mut category = pick(s);
    if !matches!(category, C::Rescue | C::Casualties)
        && !fired.resolved
        && ev.safe == 0
        && !official
    {
        if hurt && ev.urgent > 0 && ev.handled == 0 && ev.resolved == 0 {
            category = C::Casualties;
        } else if (ev.no_news > 0 && danger)
            || (fired.stuck_in_danger && ev.urgent > 0)
            || fired.peril_rescue
        {
            category = C::Rescue;
        }
    }
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
    // Laughing words after the emergency words make them a joke (the laugh is the punchline),
    // unless someone is missing or in peril, or an official source speaks.
    let last = |keep: fn(&Cue) -> bool| {
        ev.hits
            .iter()
            .filter(|h| h.cancelled.is_none() && keep(&h.cue))
            .map(|h| h.from)
            .max()
    };
    let laugh = last(|c| matches!(c, Joke));
    let alarm = last(|c| {
        matches!(
            c,
            Stuck(_)
                | Help(_)
                | Urgent
                | Peril(_)
                | NoNews(_)
                | Topic(C::Rescue | C::Casualties, ..)
        )
    });
    let (category, priority) = if laugh.is_some_and(|l| alarm.is_none_or(|a| l > a))
        && ev.no_news == 0
        && !fired.peril_rescue
        && !fired.care_out_of_reach
        && !official
    {
        fired.joke = true;
        (C::Other, Priority::Low)
    } else {
        (category, priority)
    };
    // Care out of reach is a life at risk whatever the post is mostly about (the cut road,
    // the need for insulin): a rescue, since a life at risk is a rescue or a casualty.
    let (category, priority) = if fired.care_out_of_reach {
        let category = match category {
            C::Rescue | C::Casualties => category,
            _ => C::Rescue,
        };
        (category, Priority::Critical)
    } else {
        (category, priority)
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
    fired.cut_off = cut_off;
    fired.unsure = unsure;
    let found = explain(&ev, &fired, suggestion, official);
    (suggestion, found)
}

/// The reasons of a suggestion: the rule that decided the priority, what cancelled words that
/// would have said a danger, and the evidence for the category.
fn explain(ev: &Evidence, fired: &Fired, suggestion: Suggestion, official: bool) -> Vec<Found> {
    let spans = |keep: &dyn Fn(&Hit) -> bool| -> Vec<(usize, usize)> {
        ev.hits
            .iter()
            .filter(|h| keep(h))
            .map(|h| (h.from, h.to))
            .collect()
    };
    let live = |h: &Hit| h.cancelled.is_none();
    let is = |h: &Hit, f: fn(&Cue) -> bool| live(h) && f(&h.cue);
    let topic = |h: &Hit, c: Category| live(h) && matches!(h.cue, Topic(t, ..) if t == c);
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
    } else if fired.joke {
        push(Rule::Joke, None, spans(&|h| matches!(h.cue, Joke)));
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
    } else if category == C::Rescue && fired.unsure {
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
    } else if fired.cut_off {
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
    if priority != Priority::Critical && ev.urgent > 0 && !fired.joke {
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

    #[test]
    fn a_child_s_age_creole_unanswered_calls_a_room_with_water_a_life_first_and_a_rescue_over() {
        // A child by age is vulnerable: missing, a life at risk; a duration is not an age.
        assert_eq!(
            sug("Ma fille de 6 ans a disparu depuis ce matin, on la cherche partout"),
            (C::Rescue, Priority::Critical)
        );
        assert_eq!(
            sug("my 7 year old wandered off an hour ago and we can't find him").1,
            Priority::Critical
        );
        assert_eq!(
            sug("Mon voisin a disparu depuis ce matin, il habite là depuis 6 ans"),
            (C::Rescue, Priority::High)
        );
        // Creole: an elderly person who does not answer, the river over its banks.
        assert_eq!(
            sug("Granmoun-la pa ka réponn téléfòn dépi maten, rivyè-la débòdé"),
            (C::Rescue, Priority::Critical)
        );
        // Sheltering upstairs while the water is in the house, without the word "help".
        assert_eq!(
            sug("On est 4 dans la chambre du haut, l'eau est déjà dans le salon, on sait pas quoi faire"),
            (C::Rescue, Priority::Critical)
        );
        // Care out of reach is a rescue, whatever else the post says.
        assert_eq!(
            sug("Mon voisin dialysé doit aller au CHU aujourd'hui, la route est coupée à Deshaies"),
            (C::Rescue, Priority::Critical)
        );
        // A life at risk decides the category before the roof or the road around it.
        assert_eq!(
            sug("Qqn peut aller voir ma marraine ? 82 ans, seule, sa toiture en tôle a été arrachée et elle répond plus depuis cette nuit"),
            (C::Rescue, Priority::Critical)
        );
        assert_eq!(
            sug("my grandfather fell down the stairs in the dark, he's 85, his hip looks broken and he's going grey. no ambulance can get through").1,
            Priority::Critical
        );
        // Told after it ended: news, not a rescue.
        for text in [
            "Last night we were trapped by the water, we got out this morning, all fine now",
            "Hier soir on était bloqués sur le toit, les pompiers nous ont sortis, merci à eux",
        ] {
            assert_ne!(sug(text).1, Priority::Critical, "{text}");
        }
    }

    #[test]
    fn the_cues_file_reads_and_a_bad_line_is_named() {
        let all = parse_cues(CUES).unwrap();
        assert!(all.len() > 2000, "{}", all.len());
        assert!(all.contains(&("sur le toit", Topic(C::Rescue, 4, true))));
        let bad = |text: &str| parse_cues(text).unwrap_err();
        assert!(bad("# a comment\n\nsur le toit rescue 4").starts_with("cues line 3: no `|`"));
        assert!(bad("Sur le toit | rescue 4").contains("must be folded"));
        assert!(bad("sur le toît | rescue 4").contains("must be folded"));
        assert!(bad("sur le toit | rescue").contains("unknown cue"));
        assert!(bad("sur le toit | rescue 0").contains("a weight from 1 to 9"));
        assert!(bad("sur le toit | flood 4").contains("unknown category `flood`"));
        assert!(bad("sur le toit | peril").contains("a weight from 1 to 9"));
        assert_eq!(
            parse_cues("pa ni dlo* | needs 3 always\nsi zot | condition public").unwrap(),
            [
                ("pa ni dlo*", Topic(C::Needs, 3, false)),
                ("si zot", Condition(true))
            ]
        );
    }

    #[test]
    fn laughing_words_make_a_joke_unless_someone_is_missing_or_in_peril() {
        for text in [
            "Coincé sur mon canapé avec ma belle-mère depuis 2 jours, envoyez les secours mdr",
            "I've been trapped in my living room for 3 days, send help lmao",
            "Sékou!! an bloké asi kanapé-la dépi 3 jou épi bèlmè an mwen lol",
        ] {
            assert_eq!(sug(text), (C::Other, Priority::Low), "{text}");
            let r = reasons(text);
            assert_eq!(r[0].rule, Rule::Joke, "{text}: {r:?}");
            assert!(r.iter().all(|r| r.rule != Rule::Urgency), "{text}: {r:?}");
        }
        for text in [
            "haha non sérieux, ma grand-mère de 85 ans ne répond plus depuis hier et l'eau monte chez elle",
            "lol on rigolait mais là mon frère est accroché à un arbre dans la rivière, le courant est fort",
            "Lmao I thought it was a joke but my mum is trapped in her car, water up to the doors",
        ] {
            assert_eq!(sug(text).1, Priority::Critical, "{text}");
        }
    }

    #[test]
    fn a_cue_finds_the_other_spellings_of_its_words_and_a_bad_variants_line_is_named() {
        let groups = parse_variants(VARIANTS).unwrap();
        assert!(groups.iter().any(|g| g[0] == "mwen" && g.contains(&"moin")));
        // The spellings of a phrase's words multiply, within bounds; a prefix or an inflected
        // word keeps its own.
        let spell = |w: &str| match w {
            "mwen" => vec!["mwen".to_string(), "moin".to_string()],
            "bloke" => vec!["bloke".to_string(), "blokay".to_string()],
            _ => vec![w.to_string()],
        };
        let mut n = needles("mwen bloke", &spell);
        n.sort();
        assert_eq!(
            n,
            [
                " moin blokay ",
                " moin bloke ",
                " mwen blokay ",
                " mwen bloke "
            ]
        );
        assert_eq!(
            needles("mwen bloke*", &spell),
            [" mwen bloke", " moin bloke"]
        );
        assert_eq!(needles("mwen* la", &spell).len(), 4);
        // The file writes "sove mwen" (help): "sove moin" is the same call for help.
        let (text, other) = ("sove mwen, dlo ka monté", "sove moin, dlo ka monté");
        assert_eq!(sug(other), sug(text));
        assert_eq!(sug(other).1, Priority::Critical);
        assert!(
            reasons(other).iter().any(|r| r.rule == Rule::CallForHelp
                && r.words.iter().any(|w| w.starts_with("sove moin"))),
            "{:?}",
            reasons(other)
        );
        let bad = |text: &str| parse_variants(text).unwrap_err();
        assert!(bad("# spellings\n\nmwen moin").starts_with("variants line 3: no `|`"));
        assert!(bad("mwen |").contains("at least one variant"));
        assert!(bad("mwen | Moin").contains("must be folded words"));
        assert!(bad("mwen | mòin").contains("must be folded words"));
        assert!(bad("mwen | moin\nmoin | mwin").contains("`moin` is already a spelling of `mwen`"));
    }
}

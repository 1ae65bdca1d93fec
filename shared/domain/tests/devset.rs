//! Scores the triage assist on the labelled development set (`data/devset.jsonl`, synthetic
//! posts in French, English and Creole with hard cases) and on the held-out set, printing the
//! figures overall and per language (category accuracy, recall and precision of `critical`,
//! commune accuracy, false places), and fails below the bars the volunteers need on the
//! development set (category 0.75, critical recall 0.90 at precision 0.70, commune 0.90, no
//! place for posts naming none in 0.95 of them, false places at most 0.05) and below the
//! floors measured on the held-out set. Run with `--nocapture` to read the table.

use serde::Deserialize;
use vigie_domain::classify::{classify, classify_explained};
use vigie_domain::gazetteer::{Gazetteer, PlaceKind};
use vigie_domain::learn::Model;
use vigie_domain::taxonomy::{Category, Priority};
use vigie_domain::text::{fold, fold_with_origins};

#[derive(Deserialize)]
struct Labelled {
    text: String,
    lang: String,
    category: Category,
    priority: Priority,
    place: Option<String>,
    note: String,
    /// Published by an official account (prefecture, town hall, weather service).
    #[serde(default)]
    official: bool,
}

fn load(text: &str) -> Vec<Labelled> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("devset line {}: {e}", i + 1))
        })
        .collect()
}

fn ratio(hit: usize, total: usize) -> f64 {
    if total == 0 {
        1.0
    } else {
        hit as f64 / total as f64
    }
}

/// Counts over a set of posts, or over one language of it.
#[derive(Default, Clone, Copy)]
struct Tally {
    posts: usize,
    category_ok: usize,
    priority_ok: usize,
    /// Labelled critical, suggested critical, both.
    critical: usize,
    said_critical: usize,
    critical_found: usize,
    communes: usize,
    commune_ok: usize,
    /// A commune suggested where the post names none, or another commune than the one named.
    false_place: usize,
    none: usize,
    none_ok: usize,
}

#[derive(Clone, Copy)]
struct Scores {
    category: f64,
    priority: f64,
    critical: f64,
    precision: f64,
    commune: f64,
    false_place: f64,
    no_place: f64,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.posts += o.posts;
        self.category_ok += o.category_ok;
        self.priority_ok += o.priority_ok;
        self.critical += o.critical;
        self.said_critical += o.said_critical;
        self.critical_found += o.critical_found;
        self.communes += o.communes;
        self.commune_ok += o.commune_ok;
        self.false_place += o.false_place;
        self.none += o.none;
        self.none_ok += o.none_ok;
    }

    fn scores(&self) -> Scores {
        Scores {
            category: ratio(self.category_ok, self.posts),
            priority: ratio(self.priority_ok, self.posts),
            critical: ratio(self.critical_found, self.critical),
            precision: ratio(self.critical_found, self.said_critical),
            commune: ratio(self.commune_ok, self.communes),
            false_place: 1.0 - ratio(self.posts - self.false_place, self.posts),
            no_place: ratio(self.none_ok, self.none),
        }
    }
}

/// Scores the set, prints the figures overall and per language with what was missed, and
/// returns them overall and by language.
fn score(name: &str, set: &[Labelled], show_misses: bool) -> (Scores, Vec<(String, Scores)>) {
    let gazetteer = Gazetteer::guadeloupe();
    let mut all = Tally::default();
    let mut by_lang: Vec<(String, Tally)> = Vec::new();
    let mut misses = Vec::new();
    for item in set {
        let mut t = Tally {
            posts: 1,
            ..Tally::default()
        };
        let s = classify(&fold(&item.text), item.official);
        if s.category == item.category {
            t.category_ok = 1;
        } else {
            misses.push(format!(
                "category {} (expected {}) [{}] {}",
                s.category, item.category, item.lang, item.text
            ));
        }
        let (labelled, said) = (
            item.priority == Priority::Critical,
            s.priority == Priority::Critical,
        );
        t.priority_ok = usize::from(s.priority == item.priority);
        t.critical = usize::from(labelled);
        t.said_critical = usize::from(said);
        t.critical_found = usize::from(labelled && said);
        if labelled != said {
            misses.push(format!(
                "priority {} (expected {}) [{}] {}",
                s.priority, item.priority, item.lang, item.text
            ));
        }
        let found = gazetteer.locate(&item.text).map(|p| match p.kind {
            PlaceKind::Commune => p.insee.clone().unwrap_or_default(),
            PlaceKind::Area => format!("area:{}", p.name),
        });
        let found_commune = found.as_deref().filter(|f| !f.starts_with("area:"));
        match item.place.as_deref() {
            Some(expected) if !expected.starts_with("area:") => {
                t.communes = 1;
                if found.as_deref() == Some(expected) {
                    t.commune_ok = 1;
                } else {
                    t.false_place = usize::from(found_commune.is_some());
                    misses.push(format!(
                        "place {found:?} (expected {expected}) {}",
                        item.text
                    ));
                }
            }
            Some(_) => {}
            None => {
                t.none = 1;
                t.false_place = usize::from(found_commune.is_some());
                if found.is_none() {
                    t.none_ok = 1;
                } else {
                    misses.push(format!(
                        "place {found:?} (expected none; {}) {}",
                        item.note, item.text
                    ));
                }
            }
        }
        all.add(&t);
        match by_lang.iter_mut().find(|(l, _)| *l == item.lang) {
            Some((_, tally)) => tally.add(&t),
            None => by_lang.push((item.lang.clone(), t)),
        }
    }
    by_lang.sort_by(|a, b| a.0.cmp(&b.0));

    println!("{name}: {} posts", set.len());
    println!(
        "  {:<6} {:>6} {:>9} {:>9} {:>16} {:>10} {:>16} {:>12} {:>9}",
        "",
        "posts",
        "category",
        "priority",
        "critical recall",
        "precision",
        "commune",
        "false place",
        "no place"
    );
    let row = |label: &str, t: &Tally| {
        let s = t.scores();
        println!(
            "  {label:<6} {:>6} {:>9.3} {:>9.3} {:>9.3} of {:<4} {:>10.3} {:>9.3} of {:<4} {:>12.3} {:>9.3}",
            t.posts, s.category, s.priority, s.critical, t.critical, s.precision, s.commune, t.communes, s.false_place, s.no_place
        );
    };
    row("all", &all);
    for (lang, t) in &by_lang {
        row(lang, t);
    }
    println!(
        "  targets: category >= 0.85, critical recall >= 0.90 at precision >= 0.70, commune >= 0.90, false place <= 0.05"
    );
    // The held-out set's misses stay unread: the rules are never tuned on them.
    if show_misses {
        for m in &misses {
            println!("  miss: {m}");
        }
    }
    (
        all.scores(),
        by_lang
            .iter()
            .map(|(l, t)| (l.clone(), t.scores()))
            .collect(),
    )
}

#[test]
fn triage_assist_meets_the_thresholds_on_the_development_set() {
    let set = load(include_str!("data/devset.jsonl"));
    assert!(
        set.len() >= 2400,
        "the development set has {} posts",
        set.len()
    );
    let (s, _) = score("development set", &set, true);
    assert!(
        s.category >= 0.75,
        "category accuracy {:.3} < 0.75",
        s.category
    );
    assert!(
        s.critical >= 0.90,
        "critical recall {:.3} < 0.90",
        s.critical
    );
    assert!(
        s.commune >= 0.90,
        "commune accuracy {:.3} < 0.90",
        s.commune
    );
    assert!(
        s.precision >= 0.70,
        "critical precision {:.3} < 0.70",
        s.precision
    );
    assert!(s.no_place >= 0.95, "no-place rate {:.3} < 0.95", s.no_place);
    assert!(
        s.false_place <= 0.05,
        "false place {:.3} > 0.05",
        s.false_place
    );
}

/// The held-out set was written and labelled independently, by someone who saw neither the
/// classifier nor the development set, and the classifier is never tuned on it: it shows how
/// the assist does on posts it has not seen. Its bars sit below the development set's.
#[test]
fn triage_assist_generalises_to_the_held_out_set() {
    let set = load(include_str!("data/heldout.jsonl"));
    assert!(set.len() >= 350, "the held-out set has {} posts", set.len());
    let (s, _) = score("held-out set", &set, false);
    assert!(
        s.category >= HELD_OUT_CATEGORY,
        "category accuracy {:.3}",
        s.category
    );
    assert!(
        s.critical >= HELD_OUT_CRITICAL,
        "critical recall {:.3}",
        s.critical
    );
    assert!(
        s.commune >= HELD_OUT_COMMUNE,
        "commune accuracy {:.3}",
        s.commune
    );
    assert!(
        s.precision >= HELD_OUT_PRECISION,
        "critical precision {:.3}",
        s.precision
    );
    assert!(
        s.no_place >= HELD_OUT_NO_PLACE,
        "no-place rate {:.3}",
        s.no_place
    );
}

// Floors a little under the scores measured on the held-out set. When it was added:
// category 0.821, critical recall 0.688, commune 0.883, no place 0.944. After a second round of
// general rules (people in peril, medical emergencies, Creole spellings of every commune), tuned
// on the development set and on fresh sets written for that round: category 0.848, critical
// 0.875, commune 1.000, no place 1.000. That round was briefed with the kinds of misses seen on
// this set (and a few Creole spellings from it), so its place scores are no longer a clean
// measure; its critical recall, still under 0.90, remains the weak point.
// Third round: 133 posts written apart from the classifier joined this set (356 in all, a
// third in each language) and 322 the development set (586); the cues of that round were
// written from the development set's misses only. Measured then: category 0.812, critical
// recall 0.797 at precision 0.775 (Creole 0.611 of 18), commune 1.000, no place 1.000 — the
// same figures as before the round's cues, which therefore did not generalise to these posts.
// Fourth round: 300 posts written apart from the classifier (45% critical, every category, Creole
// spellings varied) and 15 probes joined the development set (901); before their cues they
// scored 0.66 critical recall. With the cues written from their misses, and a life at risk
// deciding the category: held-out category 0.820, critical recall 0.841 at precision 0.784
// (Creole 0.722 of 18), commune 1.000, no place 1.000.
// Fifth round: 300 more such posts (earthquake, tsunami signs, fire, generators, divers and
// hikers, care homes on oxygen) joined the development set (1,201); 0.70 critical recall before
// their cues. After them, and with no news and a danger stated deciding the category: held-out
// category 0.823, critical recall 0.870 at precision 0.779 (Creole 0.722 of 18).
// Sixth round: 300 more (120 English, 120 Creole, 60 French; fragmented, implicit urgency,
// reported speech), 0.66 critical recall before their cues; the development set is 1,501. The
// held-out figures did not move with their cues.
const HELD_OUT_CATEGORY: f64 = 0.80;
const HELD_OUT_CRITICAL: f64 = 0.85;
// Measured 0.800 when precision was first scored, 0.775 in the third round.
const HELD_OUT_PRECISION: f64 = 0.75;
const HELD_OUT_COMMUNE: f64 = 0.95;
const HELD_OUT_NO_PLACE: f64 = 0.95;

/// Category accuracy and critical recall and precision of suggestions over a set.
#[derive(Default, Clone, Copy)]
struct Triage {
    posts: usize,
    category_ok: usize,
    critical: usize,
    said_critical: usize,
    critical_found: usize,
    priority_ok: usize,
}

impl Triage {
    fn add(&mut self, item: &Labelled, category: Category, priority: Priority) {
        self.posts += 1;
        self.category_ok += usize::from(category == item.category);
        let (labelled, said) = (
            item.priority == Priority::Critical,
            priority == Priority::Critical,
        );
        self.critical += usize::from(labelled);
        self.said_critical += usize::from(said);
        self.critical_found += usize::from(labelled && said);
        self.priority_ok += usize::from(priority == item.priority);
    }

    fn row(&self, label: &str) -> (f64, f64, f64, f64) {
        let s = (
            ratio(self.category_ok, self.posts),
            ratio(self.critical_found, self.critical),
            ratio(self.critical_found, self.said_critical),
            ratio(self.priority_ok, self.posts),
        );
        println!(
            "  {label:<16} {:>9.3} {:>9.3} of {:<4} {:>10.3} {:>9.3}",
            s.0, s.1, self.critical, s.2, s.3
        );
        s
    }
}

/// The time split: the volunteers' decisions on the first part of a set (in its order, as a
/// crisis goes) train the model, and the rest is suggested by the rules alone and by the rules
/// with the model. Returns both scores: category, critical recall, precision, priority.
type Figures = (f64, f64, f64, f64);

fn time_split(name: &str, set: &[Labelled]) -> (Figures, Figures) {
    let cut = set.len() / 2;
    let mut model = Model::default();
    for item in &set[..cut] {
        model.learn(&item.text, Some(item.category), Some(item.priority), 1);
    }
    let (mut rules, mut both, mut changed) = (Triage::default(), Triage::default(), 0);
    for item in &set[cut..] {
        let (folded, origins) = fold_with_origins(&item.text);
        let (mut s, mut reasons) = classify_explained(&item.text, &folded, &origins, item.official);
        rules.add(item, s.category, s.priority);
        changed += usize::from(model.refine(&item.text, item.official, &mut s, &mut reasons));
        both.add(item, s.category, s.priority);
    }
    println!(
        "{name}, time split: trained on the first {cut} decisions, scored on the other {} ({changed} suggestions changed by the model)",
        set.len() - cut
    );
    println!(
        "  {:<16} {:>9} {:>16} {:>10} {:>9}",
        "", "category", "critical recall", "precision", "priority"
    );
    (rules.row("rules"), both.row("rules + model"))
}

/// What learning from the crisis's own triage gains: scored on both sets with a time split.
/// The model may not cost a life at risk (critical recall never falls), more than one post in a
/// hundred of category accuracy, or more than three in a hundred of critical precision.
// After the sixth round (development set 1,501), where a priority confidence of 0.95 cost the
// development split 0.05 of critical precision and was raised to 0.99: development, 15 of 751
// changed, category -0.001, critical recall +0.006 (0.965 of 315), precision -0.009, priority
// -0.003; held-out, 4 of 178 changed, category, critical recall and precision +0.000, priority
// -0.011.
// After the fifth round (development set 1,201): development, 22 of 601 changed, category
// +0.000, critical recall +0.007 (0.982 of 271), precision -0.006; held-out, 9 of 178 changed,
// category +0.000, critical recall +0.026 (0.895 of 38), precision +0.006, priority -0.022.
// After the fourth round (development set 901): development, 13 of 451 changed, category
// +0.000, critical recall +0.000 (0.977 of 177), precision -0.005, priority +0.009; held-out,
// 9 of 178 changed, category +0.000, critical recall +0.026 (0.842 of 38), precision +0.007,
// priority -0.022.
// Measured when the model came (thresholds chosen on the development set's split):
// development set, 22 of 293 suggestions changed, category -0.003, critical recall +0.015 (0.955
// of 66), precision -0.020 (0.829), priority +0.007 (0.720); held-out set, 11 of 178 changed,
// category +0.000, critical recall +0.053 (0.789 of 38), precision +0.015 (0.698), priority
// -0.017 (0.680). The sets are many short scenarios
// with little vocabulary in common, where a model trained on 180 to 290 posts is right on 43%
// to 45% of categories alone (the rules, 72% to 76%): the gain is what the rules miss on its
// surest cases.
#[test]
fn learning_from_the_volunteers_decisions_on_a_time_split() {
    for (name, text) in [
        ("development set", include_str!("data/devset.jsonl")),
        ("held-out set", include_str!("data/heldout.jsonl")),
    ] {
        let set = load(text);
        let (rules, both) = time_split(name, &set);
        assert!(
            both.1 >= rules.1,
            "{name}: critical recall {:.3} with the model, {:.3} without",
            both.1,
            rules.1
        );
        assert!(
            both.0 >= rules.0 - 0.01,
            "{name}: category accuracy {:.3} with the model, {:.3} without",
            both.0,
            rules.0
        );
        assert!(
            both.2 >= rules.2 - 0.03,
            "{name}: critical precision {:.3} with the model, {:.3} without",
            both.2,
            rules.2
        );
        println!(
            "  gain: category {:+.3}, critical recall {:+.3}, precision {:+.3}, priority {:+.3}",
            both.0 - rules.0,
            both.1 - rules.1,
            both.2 - rules.2,
            both.3 - rules.3
        );
    }
}

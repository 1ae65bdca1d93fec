//! Scores the triage assist on the labelled development set (`data/devset.jsonl`, synthetic
//! posts in French, English and Creole with hard cases) and fails below the thresholds the
//! volunteers need: category accuracy 0.75, recall of `critical` 0.90, commune accuracy 0.90,
//! and no place for posts naming no place in the territory in at least 0.95 of them.

use serde::Deserialize;
use vigie_domain::classify::classify;
use vigie_domain::gazetteer::{Gazetteer, PlaceKind};
use vigie_domain::taxonomy::{Category, Priority};
use vigie_domain::text::fold;

#[derive(Deserialize)]
struct Labelled {
    text: String,
    lang: String,
    category: Category,
    priority: Priority,
    place: Option<String>,
    note: String,
}

fn devset() -> Vec<Labelled> {
    include_str!("data/devset.jsonl")
        .lines()
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

#[test]
fn triage_assist_meets_the_thresholds() {
    let set = devset();
    assert!(
        set.len() >= 200,
        "the development set has {} posts",
        set.len()
    );
    let gazetteer = Gazetteer::guadeloupe();

    let (mut cat_ok, mut crit_total, mut crit_found) = (0, 0, 0);
    let (mut commune_total, mut commune_ok, mut none_total, mut none_ok) = (0, 0, 0, 0);
    let mut misses = Vec::new();
    for item in &set {
        let s = classify(&fold(&item.text), false);
        if s.category == item.category {
            cat_ok += 1;
        } else {
            misses.push(format!(
                "category {} (expected {}) [{}] {}",
                s.category, item.category, item.lang, item.text
            ));
        }
        if item.priority == Priority::Critical {
            crit_total += 1;
            if s.priority == Priority::Critical {
                crit_found += 1;
            } else {
                misses.push(format!(
                    "priority {} (expected critical) {}",
                    s.priority, item.text
                ));
            }
        }
        let found = gazetteer.locate(&item.text).map(|p| match p.kind {
            PlaceKind::Commune => p.insee.clone().unwrap_or_default(),
            PlaceKind::Area => format!("area:{}", p.name),
        });
        match item.place.as_deref() {
            Some(expected) if !expected.starts_with("area:") => {
                commune_total += 1;
                if found.as_deref() == Some(expected) {
                    commune_ok += 1;
                } else {
                    misses.push(format!(
                        "place {found:?} (expected {expected}) {}",
                        item.text
                    ));
                }
            }
            Some(_) => {}
            None => {
                none_total += 1;
                if found.is_none() {
                    none_ok += 1;
                } else {
                    misses.push(format!(
                        "place {found:?} (expected none; {}) {}",
                        item.note, item.text
                    ));
                }
            }
        }
    }

    let category = ratio(cat_ok, set.len());
    let critical = ratio(crit_found, crit_total);
    let commune = ratio(commune_ok, commune_total);
    let no_place = ratio(none_ok, none_total);
    println!("posts: {}", set.len());
    println!("category accuracy: {category:.3} (threshold 0.75)");
    println!("critical recall: {critical:.3} over {crit_total} (threshold 0.90)");
    println!("commune accuracy: {commune:.3} over {commune_total} (threshold 0.90)");
    println!("no place when none: {no_place:.3} over {none_total} (threshold 0.95)");
    for m in &misses {
        println!("  miss: {m}");
    }
    assert!(category >= 0.75, "category accuracy {category:.3} < 0.75");
    assert!(critical >= 0.90, "critical recall {critical:.3} < 0.90");
    assert!(commune >= 0.90, "commune accuracy {commune:.3} < 0.90");
    assert!(no_place >= 0.95, "no-place rate {no_place:.3} < 0.95");
}

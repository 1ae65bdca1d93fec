//! The bundled demo crisis: a synthetic cyclone over Guadeloupe, replayed by a demo source so
//! that `vigie local --demo` shows a live queue and a public map at once, with no network.
//!
//! Posts dated before the start come in the first run; the volunteers of the exercise have
//! already triaged part of them ([`apply_seed_triage`]). Later posts arrive a few per run.

use crate::Vigie;
use async_trait::async_trait;
use chrono::{Duration, Utc};
use serde::Deserialize;
use vigie_domain::identity::report_id;
use vigie_domain::ports::StoreError;
use vigie_domain::ports::{Batch, Source, SourceError};
use vigie_domain::report::{diff, Body, HistoryEntry, Location};
use vigie_domain::taxonomy::{Category, LocationMethod, Priority, Status, Verification};
use vigie_domain::Observation;

pub const CRISIS_TOML: &str = include_str!("../demo/crisis.toml");
const POSTS: &str = include_str!("../demo/posts.jsonl");

/// One synthetic post, as written in `demo/posts.jsonl`.
#[derive(Debug, Clone, Deserialize)]
pub struct DemoPost {
    pub n: u32,
    pub network: String,
    pub author: String,
    pub author_name: Option<String>,
    #[serde(default)]
    pub official: bool,
    pub lang: String,
    /// Minutes from the demo's start; negative: already there at start.
    pub minute: i64,
    pub text: String,
    pub repost_of: Option<u32>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub triage: Option<DemoTriage>,
}

/// What the exercise's volunteers had already decided about a post.
#[derive(Debug, Clone, Deserialize)]
pub struct DemoTriage {
    pub status: Status,
    pub category: Category,
    pub priority: Priority,
    pub verification: Verification,
    pub summary: String,
    pub place: Option<String>,
    #[serde(default)]
    pub escalated: bool,
}

/// The demo posts, in order.
pub fn posts() -> Vec<DemoPost> {
    POSTS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("demo/posts.jsonl line {}: {e}", i + 1))
        })
        .collect()
}

fn native_id(post: &DemoPost) -> String {
    format!("demo-{}", post.n)
}

fn observation(source_id: &str, post: &DemoPost, posted_at: chrono::DateTime<Utc>) -> Observation {
    let url = match post.network.as_str() {
        "feed" => format!("https://alertes.demo.example/avis/{}", post.n),
        "bluesky" => format!(
            "https://bsky.demo.example/profile/{}/post/demo{}",
            post.author, post.n
        ),
        _ => {
            let (user, host) = post
                .author
                .split_once('@')
                .unwrap_or((post.author.as_str(), "social.demo.example"));
            format!("https://{host}/@{user}/{}", post.n)
        }
    };
    Observation {
        source_id: source_id.to_string(),
        network: post.network.clone(),
        native_id: native_id(post),
        url: Some(url),
        author: post.author.clone(),
        author_name: post.author_name.clone(),
        official_source: post.network == "feed" && post.official,
        body: Body::Plain(post.text.clone()),
        language: Some(post.lang.clone()),
        posted_at,
        point: post.lat.zip(post.lon),
        media: 0,
        hint: None,
        counts: None,
        insee: Vec::new(),
        extent: None,
        amends: None,
    }
}

/// Replays the demo posts. The checkpoint is the number of the last post delivered.
pub struct DemoSource {
    id: String,
    batch: usize,
    posts: Vec<DemoPost>,
}

impl DemoSource {
    pub fn new(id: &str, batch: usize) -> DemoSource {
        DemoSource {
            id: id.to_string(),
            batch,
            posts: posts(),
        }
    }
}

#[async_trait]
impl Source for DemoSource {
    fn id(&self) -> &str {
        &self.id
    }

    fn kind(&self) -> &'static str {
        "demo"
    }

    async fn fetch(&self, checkpoint: Option<&str>) -> Result<Batch, SourceError> {
        let now = Utc::now();
        let after: u32 = match checkpoint {
            None => 0,
            Some(c) => c.parse().map_err(|_| {
                SourceError::Fatal(format!("demo checkpoint `{c}` is not a post number"))
            })?,
        };
        let pending = self.posts.iter().filter(|p| p.n > after);
        // First run: everything dated before the start; then a few per run, dated now.
        let chosen: Vec<&DemoPost> = if after == 0 {
            pending.take_while(|p| p.minute < 0).collect()
        } else {
            pending.take(self.batch).collect()
        };
        let observations = chosen
            .iter()
            .map(|p| {
                let at = if p.minute < 0 {
                    now + Duration::minutes(p.minute)
                } else {
                    now
                };
                observation(&self.id, p, at)
            })
            .collect();
        let checkpoint = chosen
            .last()
            .map(|p| p.n.to_string())
            .or(checkpoint.map(String::from));
        Ok(Batch {
            observations,
            checkpoint,
            ..Batch::default()
        })
    }
}

/// Applies the exercise's earlier triage to the seeded posts that are still untouched.
/// Returns how many reports it changed. Safe to run again.
pub async fn apply_seed_triage(app: &Vigie) -> Result<usize, StoreError> {
    let mut changed = 0;
    let now = Utc::now();
    for post in posts() {
        let Some(t) = &post.triage else { continue };
        let id = report_id(&post.network, &native_id(&post));
        let Some(before) = app.store.get_report(&id).await? else {
            continue;
        };
        if before.version != 1 || before.status != Status::New {
            continue;
        }
        let mut after = before.clone();
        after.status = t.status;
        after.category = Some(t.category);
        after.priority = Some(t.priority);
        after.verification = t.verification;
        after.summary = Some(t.summary.clone());
        if let Some(place) = t.place.as_deref().and_then(|p| app.gazetteer.resolve(p)) {
            if after
                .location
                .as_ref()
                .is_none_or(|l| l.insee != place.insee)
            {
                after.location = Some(Location::at_place(place, LocationMethod::Volunteer));
            }
        }
        if t.escalated {
            after.escalated = true;
            after.escalated_at = Some(now);
        }
        if t.status == Status::Published {
            if after.unpublishable_reason().is_some() {
                after.status = Status::Triaged;
            } else {
                after.published_at = Some(now);
            }
        }
        after.updated_at = now;
        let entry = HistoryEntry {
            report_id: id.clone(),
            version: 0,
            at: now,
            actor: "demo".into(),
            action: "triage".into(),
            changes: diff(&before, &after),
        };
        match app
            .store
            .update_report(&after, before.version, &entry)
            .await
        {
            Ok(_) => changed += 1,
            Err(StoreError::Conflict { .. }) => {} // a volunteer got there first
            Err(e) => return Err(e),
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn the_demo_is_a_crisis_in_three_languages_part_already_triaged() {
        let posts = posts();
        assert!(posts.len() >= 300, "{} demo posts", posts.len());
        let mut by_lang: BTreeMap<&str, usize> = BTreeMap::new();
        for p in &posts {
            *by_lang.entry(p.lang.as_str()).or_default() += 1;
        }
        for lang in ["fr", "en", "gcf"] {
            assert!(
                by_lang.get(lang).copied().unwrap_or(0) >= 30,
                "{lang}: {by_lang:?}"
            );
        }
        let published = posts
            .iter()
            .filter(|p| {
                p.triage
                    .as_ref()
                    .is_some_and(|t| t.status == Status::Published)
            })
            .count();
        assert!(published >= 10, "{published} published at start");
        let mut numbers: Vec<u32> = posts.iter().map(|p| p.n).collect();
        numbers.dedup();
        assert_eq!(
            numbers.len(),
            posts.len(),
            "post numbers are unique and in order"
        );
    }
}

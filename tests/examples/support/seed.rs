//! Stores of many reports for the benchmarks at scale (`export_bench`, `queue_bench`): posts
//! made of a demo post's text and ten words of the demo's vocabulary drawn by the post's serial
//! (distinct messages with realistic words for `q`), spread over the gazetteer's communes and
//! the networks, ingested by the domain's pipeline as the collectors do.

#![allow(dead_code)] // each benchmark uses the part it needs

use chrono::{DateTime, Duration, Utc};
use vigie_domain::gazetteer::Place;
use vigie_domain::report::{ingest, Body, IngestContext, Observation, Report};

pub const NETWORKS: [&str; 5] = ["mastodon", "bluesky", "x", "youtube", "feed"];

/// What the posts are made of.
pub struct Posts {
    demo: Vec<vigie_app::demo::DemoPost>,
    vocabulary: Vec<String>,
    pub places: Vec<Place>,
    pub start: DateTime<Utc>,
}

impl Posts {
    pub fn new(gazetteer: &vigie_domain::Gazetteer, start: DateTime<Utc>) -> Posts {
        let demo = vigie_app::demo::posts();
        let mut vocabulary: Vec<String> = demo
            .iter()
            .flat_map(|p| p.text.split_whitespace())
            .filter(|w| w.len() > 3 && w.chars().all(char::is_alphabetic))
            .map(str::to_lowercase)
            .collect();
        vocabulary.sort_unstable();
        vocabulary.dedup();
        let places = gazetteer
            .places()
            .iter()
            .filter(|p| p.insee.is_some())
            .cloned()
            .collect();
        Posts {
            demo,
            vocabulary,
            places,
            start,
        }
    }

    /// Two words of the vocabulary found together in about one post in a hundred and fifty:
    /// the two-word search of the benchmarks.
    pub fn two_words(&self) -> String {
        format!("{} {}", self.vocabulary[0], self.vocabulary[1])
    }

    /// The `i`th post, newest first from `start`.
    pub fn observation(&self, i: usize) -> Observation {
        let a = &self.demo[i % self.demo.len()];
        let mut x = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let words: Vec<&str> = (0..10)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                self.vocabulary[(x % self.vocabulary.len() as u64) as usize].as_str()
            })
            .collect();
        let network = NETWORKS[i % NETWORKS.len()];
        Observation {
            source_id: format!("bench-{network}"),
            network: network.into(),
            native_id: format!("post-{i}"),
            url: Some(format!("https://social.example/@someone/{i}")),
            author: format!("user{}@social.example", i % 977),
            author_name: None,
            official_source: false,
            body: Body::Plain(format!("{} {}", a.text, words.join(" "))),
            language: Some(a.lang.clone()),
            posted_at: self.start - Duration::seconds(i as i64),
            point: None,
            media: 0,
            hint: None,
            counts: None,
            insee: Vec::new(),
            extent: None,
            amends: None,
        }
    }

    /// The `i`th post as the pipeline ingests it.
    pub fn report(&self, i: usize, ctx: &IngestContext<'_>) -> Report {
        ingest(&self.observation(i), ctx, self.start)
    }
}

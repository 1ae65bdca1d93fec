//! Mastodon: hashtag timelines (`GET /api/v1/timelines/tag/:hashtag`, several tags with
//! `any[]`), paged forward with `min_id` until caught up. A boost is a spread of the original
//! post, never a report of its own; posts are identified by their ActivityPub URI, the same
//! on every instance, so one post seen through two instances is one report.

use crate::http::Http;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use vigie_domain::ports::{Batch, SkipReason, Source, SourceError};
use vigie_domain::report::{Body, Engagement, Observation};

pub const PAGE: usize = 40;

pub struct MastodonSource {
    id: String,
    instance: String,
    host: String,
    hashtags: Vec<String>,
    token: Option<String>,
    http: Http,
}

impl MastodonSource {
    /// `token` is the value of the variable the crisis file names, if any.
    pub fn new(
        id: &str,
        instance: &str,
        hashtags: &[String],
        token: Option<String>,
        http: Http,
    ) -> MastodonSource {
        let host = instance
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        MastodonSource {
            id: id.to_string(),
            instance: instance.trim_end_matches('/').to_string(),
            host,
            hashtags: hashtags.to_vec(),
            token,
            http,
        }
    }

    fn url(&self, min_id: Option<&str>) -> String {
        let mut url = format!(
            "{}/api/v1/timelines/tag/{}?limit={PAGE}",
            self.instance,
            encode(&self.hashtags[0])
        );
        for tag in &self.hashtags[1..] {
            url.push_str("&any[]=");
            url.push_str(&encode(tag));
        }
        if let Some(min) = min_id {
            url.push_str("&min_id=");
            url.push_str(&encode(min));
        }
        url
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Deserialize)]
struct Status {
    uri: String,
    url: Option<String>,
    created_at: DateTime<Utc>,
    account: Account,
    #[serde(default)]
    content: String,
    #[serde(default)]
    spoiler_text: String,
    language: Option<String>,
    #[serde(default)]
    media_attachments: Vec<serde_json::Value>,
    reblog: Option<Box<Status>>,
    #[serde(default)]
    replies_count: u64,
    #[serde(default)]
    reblogs_count: u64,
    #[serde(default)]
    favourites_count: u64,
}

#[derive(Deserialize)]
struct Account {
    acct: String,
    #[serde(default)]
    display_name: String,
}

/// Mastodon ids are numbers written as strings; compare them as numbers when they are.
fn newer(a: &str, b: &str) -> bool {
    match (a.parse::<u128>(), b.parse::<u128>()) {
        (Ok(x), Ok(y)) => x > y,
        _ => (a.len(), a) > (b.len(), b),
    }
}

impl MastodonSource {
    fn observation(&self, s: &Status) -> Observation {
        let acct = if s.account.acct.contains('@') {
            s.account.acct.clone()
        } else {
            format!("{}@{}", s.account.acct, self.host)
        };
        let html = if s.spoiler_text.trim().is_empty() {
            s.content.clone()
        } else {
            format!("<p>{}</p>{}", s.spoiler_text, s.content)
        };
        Observation {
            source_id: self.id.clone(),
            network: "mastodon".into(),
            native_id: s.uri.clone(),
            url: s.url.clone().or_else(|| Some(s.uri.clone())),
            author: acct,
            author_name: Some(s.account.display_name.clone()).filter(|n| !n.is_empty()),
            official_source: false,
            body: Body::Html(html),
            language: s.language.clone(),
            posted_at: s.created_at,
            point: None,
            media: s.media_attachments.len() as u32,
            hint: None,
            counts: Some(Engagement {
                replies: s.replies_count,
                reposts: s.reblogs_count,
                likes: s.favourites_count,
            }),
            insee: Vec::new(),
            extent: None,
        }
    }
}

#[async_trait]
impl Source for MastodonSource {
    fn id(&self) -> &str {
        &self.id
    }

    fn kind(&self) -> &'static str {
        "mastodon"
    }

    async fn fetch(&self, checkpoint: Option<&str>) -> Result<Batch, SourceError> {
        let url = self.url(checkpoint);
        let token = self.token.clone();
        let answer = self
            .http
            .send(&format!("{} hashtag timeline", self.instance), |c| {
                let req = c.get(&url).header("Accept", "application/json");
                match &token {
                    Some(t) => req.bearer_auth(t),
                    None => req,
                }
            })
            .await?;
        match answer.status.as_u16() {
            200..=299 => {}
            401 | 403 if self.token.is_none() => {
                return Err(SourceError::Fatal(format!(
                    "{} requires an access token for hashtag timelines (HTTP {}): create one on the instance and name its variable in token_env",
                    self.instance,
                    answer.status.as_u16()
                )))
            }
            401 | 403 => {
                return Err(SourceError::Fatal(format!(
                    "{} refused the access token (HTTP {}): check the variable named in token_env",
                    self.instance,
                    answer.status.as_u16()
                )))
            }
            404 => return Err(SourceError::Fatal(format!("{}: hashtag timeline not found (HTTP 404)", self.instance))),
            other => return Err(SourceError::Transient(format!("{}: HTTP {other}", self.instance))),
        }
        let items: Vec<serde_json::Value> =
            answer.json(&format!("{} hashtag timeline", self.instance))?;
        let mut batch = Batch::default();
        let mut newest: Option<String> = checkpoint.map(String::from);
        for item in &items {
            // The id moves the checkpoint even when the rest of the item is unreadable.
            if let Some(id) = item.get("id").and_then(|v| v.as_str()) {
                if newest.as_deref().is_none_or(|n| newer(id, n)) {
                    newest = Some(id.to_string());
                }
            }
            let status: Status = match serde_json::from_value(item.clone()) {
                Ok(s) => s,
                Err(_) => {
                    batch.skip(SkipReason::Unreadable);
                    continue;
                }
            };
            match &status.reblog {
                Some(original) => {
                    batch.observations.push(self.observation(original));
                    batch.spreads.push((
                        "mastodon".into(),
                        original.uri.clone(),
                        status.uri.clone(),
                    ));
                }
                None => batch.observations.push(self.observation(&status)),
            }
        }
        batch.checkpoint = newest;
        // A full page after a checkpoint means more is waiting; the first run takes only the
        // latest page rather than paging back through history.
        batch.more = checkpoint.is_some() && items.len() >= PAGE;
        Ok(batch)
    }
}

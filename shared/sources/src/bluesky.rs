//! Bluesky: log in with an app password (`com.atproto.server.createSession`), keep and refresh
//! the session (`com.atproto.server.refreshSession`), and search recent posts
//! (`app.bsky.feed.searchPosts`, `sort=latest`). Search answers newest first, so a run pages
//! back with the cursor until it reaches the last run's newest post; if the run's budget ends
//! first, the checkpoint keeps the cursor and the next run goes on from there, so nothing in
//! between is lost.

use crate::http::{Answer, Http};
use async_trait::async_trait;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use vigie_domain::ports::{Batch, SkipReason, Source, SourceError};
use vigie_domain::report::{Body, Engagement, Observation};

pub const PAGE: usize = 100;
/// How far back the first run of a source looks.
const FIRST_LOOK_BACK_HOURS: i64 = 6;

pub struct BlueskySource {
    id: String,
    service: String,
    query: String,
    handle: String,
    password: String,
    http: Http,
    session: Mutex<Option<Session>>,
}

#[derive(Clone, Deserialize)]
struct Session {
    #[serde(rename = "accessJwt")]
    access: String,
    #[serde(rename = "refreshJwt")]
    refresh: String,
}

/// The checkpoint: search from `since`; while catching up, the cursor to go on from and the
/// newest time seen so far in this catch-up.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
struct State {
    since: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cursor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    newest: Option<String>,
}

#[derive(Deserialize)]
struct SearchAnswer {
    #[serde(default)]
    posts: Vec<serde_json::Value>,
    cursor: Option<String>,
}

#[derive(Deserialize)]
struct Post {
    uri: String,
    author: Author,
    record: Record,
    #[serde(rename = "indexedAt")]
    indexed_at: Option<DateTime<Utc>>,
    embed: Option<serde_json::Value>,
    #[serde(rename = "replyCount")]
    reply_count: Option<u64>,
    #[serde(rename = "repostCount")]
    repost_count: Option<u64>,
    #[serde(rename = "likeCount")]
    like_count: Option<u64>,
}

#[derive(Deserialize)]
struct Author {
    handle: String,
    #[serde(rename = "displayName")]
    display_name: Option<String>,
}

#[derive(Deserialize)]
struct Record {
    #[serde(default)]
    text: String,
    #[serde(rename = "createdAt")]
    created_at: DateTime<Utc>,
    #[serde(default)]
    langs: Vec<String>,
}

#[derive(Deserialize)]
struct XrpcError {
    error: Option<String>,
}

impl BlueskySource {
    pub fn new(
        id: &str,
        service: &str,
        query: &str,
        handle: String,
        password: String,
        http: Http,
    ) -> BlueskySource {
        BlueskySource {
            id: id.to_string(),
            service: service.trim_end_matches('/').to_string(),
            query: query.to_string(),
            handle,
            password,
            http,
            session: Mutex::new(None),
        }
    }

    fn xrpc(&self, method: &str) -> String {
        format!("{}/xrpc/{method}", self.service)
    }

    async fn login(&self) -> Result<Session, SourceError> {
        let url = self.xrpc("com.atproto.server.createSession");
        let body = serde_json::json!({"identifier": self.handle, "password": self.password});
        let answer = self
            .http
            .send("Bluesky login", |c| c.post(&url).json(&body))
            .await?;
        if !answer.status.is_success() {
            return Err(SourceError::Fatal(format!(
                "Bluesky login failed for {} (HTTP {}{}): check the handle and app password variables",
                self.handle,
                answer.status.as_u16(),
                xrpc_error(&answer).map(|e| format!(", {e}")).unwrap_or_default()
            )));
        }
        answer.json("Bluesky login")
    }

    async fn refresh(&self, refresh_jwt: &str) -> Result<Session, SourceError> {
        let url = self.xrpc("com.atproto.server.refreshSession");
        let answer = self
            .http
            .send("Bluesky session refresh", |c| {
                c.post(&url).bearer_auth(refresh_jwt)
            })
            .await?;
        if !answer.status.is_success() {
            return Err(SourceError::Transient(
                "Bluesky session refresh refused".into(),
            ));
        }
        answer.json("Bluesky session refresh")
    }

    async fn search(&self, access: &str, state: &State) -> Result<Answer, SourceError> {
        let mut params: Vec<(&str, String)> = vec![
            ("q", self.query.clone()),
            ("sort", "latest".into()),
            ("limit", PAGE.to_string()),
        ];
        if let Some(since) = &state.since {
            params.push(("since", since.clone()));
        }
        if let Some(cursor) = &state.cursor {
            params.push(("cursor", cursor.clone()));
        }
        let url = self.xrpc("app.bsky.feed.searchPosts");
        self.http
            .send("Bluesky search", |c| {
                c.get(&url).query(&params).bearer_auth(access)
            })
            .await
    }

    /// Searches with the current session, refreshing it (or logging in again) once when the
    /// service says it expired.
    async fn search_with_session(&self, state: &State) -> Result<Answer, SourceError> {
        let mut guard = self.session.lock().await;
        let session = match guard.clone() {
            Some(s) => s,
            None => {
                let s = self.login().await?;
                *guard = Some(s.clone());
                s
            }
        };
        let answer = self.search(&session.access, state).await?;
        if !is_expired(&answer) {
            return Ok(answer);
        }
        let renewed = match self.refresh(&session.refresh).await {
            Ok(s) => s,
            Err(_) => self.login().await?,
        };
        *guard = Some(renewed.clone());
        self.search(&renewed.access, state).await
    }

    fn observation(&self, p: &Post) -> Observation {
        let rkey = p.uri.rsplit('/').next().unwrap_or_default();
        let images = p
            .embed
            .as_ref()
            .and_then(|e| e.get("images"))
            .and_then(|i| i.as_array())
            .map_or(0, |a| a.len() as u32);
        Observation {
            source_id: self.id.clone(),
            network: "bluesky".into(),
            native_id: p.uri.clone(),
            url: Some(format!(
                "https://bsky.app/profile/{}/post/{rkey}",
                p.author.handle
            )),
            author: p.author.handle.clone(),
            author_name: p.author.display_name.clone().filter(|n| !n.is_empty()),
            official_source: false,
            body: Body::Plain(p.record.text.clone()),
            language: p.record.langs.first().cloned(),
            posted_at: p.record.created_at,
            point: None,
            media: images,
            hint: None,
            // The counts are optional in the post view; none at all means none shown.
            counts: (p.reply_count.is_some() || p.repost_count.is_some() || p.like_count.is_some())
                .then(|| Engagement {
                    replies: p.reply_count.unwrap_or(0),
                    reposts: p.repost_count.unwrap_or(0),
                    likes: p.like_count.unwrap_or(0),
                }),
            insee: Vec::new(),
            extent: None,
        }
    }
}

fn xrpc_error(answer: &Answer) -> Option<String> {
    serde_json::from_slice::<XrpcError>(&answer.body)
        .ok()
        .and_then(|e| e.error)
}

fn is_expired(answer: &Answer) -> bool {
    matches!(answer.status.as_u16(), 400 | 401)
        && matches!(
            xrpc_error(answer).as_deref(),
            Some("ExpiredToken") | Some("InvalidToken")
        )
}

/// How far back from the newest post seen the next search starts.
const OVERLAP_MINUTES: i64 = 15;

fn overlap(newest: &str) -> String {
    DateTime::parse_from_rfc3339(newest)
        .map(|t| stamp(t.with_timezone(&Utc) - Duration::minutes(OVERLAP_MINUTES)))
        .unwrap_or_else(|_| newest.to_string())
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[async_trait]
impl Source for BlueskySource {
    fn id(&self) -> &str {
        &self.id
    }

    fn kind(&self) -> &'static str {
        "bluesky"
    }

    async fn fetch(&self, checkpoint: Option<&str>) -> Result<Batch, SourceError> {
        let state = match checkpoint {
            Some(c) => serde_json::from_str::<State>(c).map_err(|_| {
                SourceError::Fatal(format!("checkpoint of {} is not readable", self.id))
            })?,
            None => State {
                since: Some(stamp(Utc::now() - Duration::hours(FIRST_LOOK_BACK_HOURS))),
                ..State::default()
            },
        };
        let answer = self.search_with_session(&state).await?;
        if !answer.status.is_success() {
            let code = answer.status.as_u16();
            let detail = xrpc_error(&answer).unwrap_or_default();
            return Err(if matches!(code, 400 | 401 | 403) {
                SourceError::Fatal(format!("Bluesky search refused (HTTP {code} {detail})"))
            } else {
                SourceError::Transient(format!("Bluesky search: HTTP {code} {detail}"))
            });
        }
        let page: SearchAnswer = answer.json("Bluesky search")?;
        let mut batch = Batch::default();
        let mut newest = state.newest.clone();
        for item in &page.posts {
            let post: Post = match serde_json::from_value(item.clone()) {
                Ok(p) => p,
                Err(_) => {
                    batch.skip(SkipReason::Unreadable);
                    continue;
                }
            };
            let seen = stamp(post.indexed_at.unwrap_or(post.record.created_at));
            if newest.as_deref().is_none_or(|n| seen.as_str() > n) {
                newest = Some(seen);
            }
            batch.observations.push(self.observation(&post));
        }
        let next = match page.cursor {
            Some(cursor) if !page.posts.is_empty() => {
                batch.more = true;
                State {
                    since: state.since.clone(),
                    cursor: Some(cursor),
                    newest,
                }
            }
            // Caught up: the next run searches from a little before the newest post seen, since
            // search filters on a time that indexing lag can put before it (ids de-duplicate
            // the overlap).
            _ => State {
                since: newest.as_deref().map(overlap).or(state.since.clone()),
                cursor: None,
                newest: None,
            },
        };
        batch.checkpoint = Some(serde_json::to_string(&next).unwrap_or_default());
        Ok(batch)
    }
}

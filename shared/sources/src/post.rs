//! Posting relays to the association's accounts, each exactly once.
//!
//! - **Mastodon**: `POST /api/v1/statuses` with the relay's key as `Idempotency-Key`: Mastodon
//!   keeps the key an hour and answers a request sent again with it with the status it made.
//! - **Bluesky**: `com.atproto.repo.createRecord` of an `app.bsky.feed.post` under the relay's
//!   record key, with link and hashtag facets. A second create with that key is refused (or,
//!   on some servers, fails with a 500); whatever went wrong, the poster then reads the record
//!   under the key (`com.atproto.repo.getRecord`): there, the post was made.
//!
//! Tokens and passwords are never logged nor put in an error.

use crate::http::{Answer, Http};
use async_trait::async_trait;
use chrono::{SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use vigie_domain::ports::{PostError, Posted, Poster, SourceError};
use vigie_domain::relay::{facets, Facet};

fn unavailable(e: SourceError) -> PostError {
    PostError::Unavailable(e.to_string())
}

/// The problem a Mastodon or atproto server gives in an error answer (`error`, `message`).
fn problem(answer: &Answer) -> String {
    let v: Value = serde_json::from_slice(&answer.body).unwrap_or_default();
    let text = [v.get("message"), v.get("error")]
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(": ");
    if text.is_empty() {
        "no detail".into()
    } else {
        text.chars().take(300).collect()
    }
}

pub struct MastodonPoster {
    account: String,
    instance: String,
    token: String,
    http: Http,
}

impl MastodonPoster {
    pub fn new(account: &str, instance: &str, token: String, http: Http) -> MastodonPoster {
        MastodonPoster {
            account: account.to_string(),
            instance: instance.trim_end_matches('/').to_string(),
            token,
            http,
        }
    }
}

#[derive(Deserialize)]
struct Status {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    uri: Option<String>,
}

#[async_trait]
impl Poster for MastodonPoster {
    fn account(&self) -> &str {
        &self.account
    }

    fn network(&self) -> &'static str {
        "mastodon"
    }

    async fn post(&self, text: &str, key: &str) -> Result<Posted, PostError> {
        let url = format!("{}/api/v1/statuses", self.instance);
        let body = json!({"status": text, "visibility": "public"});
        let answer = self
            .http
            .send("Mastodon post", |c| {
                c.post(&url)
                    .bearer_auth(&self.token)
                    .header("Idempotency-Key", key)
                    .json(&body)
            })
            .await
            .map_err(unavailable)?;
        match answer.status.as_u16() {
            200..=299 => {
                let status: Status = answer.json("Mastodon post").map_err(unavailable)?;
                let url = status.url.or(status.uri).ok_or_else(|| {
                    PostError::Unavailable("Mastodon answered a status without its address".into())
                })?;
                Ok(Posted { url })
            }
            401 => Err(PostError::Refused(format!(
                "{} refused the token (HTTP 401): check the variable named in token_env",
                self.instance
            ))),
            403 => Err(PostError::Refused(format!(
                "{} refused to post (HTTP 403: {}): the token needs the write:statuses scope",
                self.instance,
                problem(&answer)
            ))),
            422 => Err(PostError::Refused(format!(
                "{} refused the text (HTTP 422: {})",
                self.instance,
                problem(&answer)
            ))),
            other => Err(PostError::Unavailable(format!(
                "{}: HTTP {other} ({})",
                self.instance,
                problem(&answer)
            ))),
        }
    }
}

pub struct BlueskyPoster {
    account: String,
    service: String,
    handle: String,
    password: String,
    http: Http,
}

#[derive(Deserialize)]
struct Session {
    #[serde(rename = "accessJwt")]
    access: String,
    did: String,
    #[serde(default)]
    handle: Option<String>,
}

const POST: &str = "app.bsky.feed.post";

impl BlueskyPoster {
    pub fn new(
        account: &str,
        service: &str,
        handle: String,
        password: String,
        http: Http,
    ) -> BlueskyPoster {
        BlueskyPoster {
            account: account.to_string(),
            service: service.trim_end_matches('/').to_string(),
            handle,
            password,
            http,
        }
    }

    fn xrpc(&self, method: &str) -> String {
        format!("{}/xrpc/{method}", self.service)
    }

    async fn login(&self) -> Result<Session, PostError> {
        let url = self.xrpc("com.atproto.server.createSession");
        let body = json!({"identifier": self.handle, "password": self.password});
        let answer = self
            .http
            .send("Bluesky login", |c| c.post(&url).json(&body))
            .await
            .map_err(unavailable)?;
        if answer.status.is_client_error() {
            return Err(PostError::Refused(format!(
                "Bluesky refused the login of {} (HTTP {}: {}): check the handle and app password variables",
                self.handle,
                answer.status.as_u16(),
                problem(&answer)
            )));
        }
        if !answer.status.is_success() {
            return Err(PostError::Unavailable(format!(
                "Bluesky login: HTTP {}",
                answer.status.as_u16()
            )));
        }
        answer.json("Bluesky login").map_err(unavailable)
    }

    fn link(&self, session: &Session, rkey: &str) -> String {
        let who = session.handle.as_deref().unwrap_or(&session.did);
        format!("https://bsky.app/profile/{who}/post/{rkey}")
    }

    /// Whether the post under `rkey` is there.
    async fn exists(&self, session: &Session, rkey: &str) -> Result<bool, PostError> {
        let url = self.xrpc("com.atproto.repo.getRecord");
        let params = [
            ("repo", session.did.as_str()),
            ("collection", POST),
            ("rkey", rkey),
        ];
        let answer = self
            .http
            .send("Bluesky record", |c| c.get(&url).query(&params))
            .await
            .map_err(unavailable)?;
        match answer.status.as_u16() {
            200..=299 => Ok(true),
            400 | 404 => Ok(false),
            other => Err(PostError::Unavailable(format!(
                "Bluesky record: HTTP {other}"
            ))),
        }
    }
}

/// The record of a post with its facets, as `app.bsky.feed.post` describes it.
fn record(text: &str) -> Value {
    let facets: Vec<Value> = facets(text)
        .into_iter()
        .map(|f| match f {
            Facet::Link { start, end, uri } => json!({
                "index": {"byteStart": start, "byteEnd": end},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}]
            }),
            Facet::Tag { start, end, tag } => json!({
                "index": {"byteStart": start, "byteEnd": end},
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}]
            }),
        })
        .collect();
    let mut record = json!({
        "$type": POST,
        "text": text,
        "createdAt": Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
    });
    if !facets.is_empty() {
        record["facets"] = Value::Array(facets);
    }
    record
}

#[async_trait]
impl Poster for BlueskyPoster {
    fn account(&self) -> &str {
        &self.account
    }

    fn network(&self) -> &'static str {
        "bluesky"
    }

    async fn post(&self, text: &str, key: &str) -> Result<Posted, PostError> {
        let session = self.login().await?;
        let url = self.xrpc("com.atproto.repo.createRecord");
        let body = json!({
            "repo": session.did,
            "collection": POST,
            "rkey": key,
            "record": record(text),
        });
        let sent = self
            .http
            .send("Bluesky post", |c| {
                c.post(&url).bearer_auth(&session.access).json(&body)
            })
            .await;
        let failure = match sent {
            Ok(answer) if answer.status.is_success() => {
                return Ok(Posted {
                    url: self.link(&session, key),
                })
            }
            Ok(answer) => (Some(answer.status.as_u16()), problem(&answer)),
            Err(e) => (None, e.to_string()),
        };
        // Refused or lost: the record under the key says whether the post was made (by this
        // request, or by an earlier one with the same key).
        if self.exists(&session, key).await? {
            return Ok(Posted {
                url: self.link(&session, key),
            });
        }
        Err(match failure {
            (Some(status @ 400..=499), detail) => PostError::Refused(format!(
                "Bluesky refused the post (HTTP {status}: {detail})"
            )),
            (Some(status), detail) => {
                PostError::Unavailable(format!("Bluesky post: HTTP {status} ({detail})"))
            }
            (None, detail) => PostError::Unavailable(detail),
        })
    }
}

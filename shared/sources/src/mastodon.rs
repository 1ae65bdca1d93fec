//! Mastodon: hashtag timelines (`GET /api/v1/timelines/tag/:hashtag`, several tags with
//! `any[]`). The first run takes the latest page, then pages back with `max_id` to the crisis
//! start (`since`): the backlog, continued run after run with the checkpoint until a page is
//! empty, has no `Link: rel="next"`, or reaches posts older than `since`. New posts are paged
//! forward with `min_id` until a page is empty (a short page is not the end: instances cap
//! `limit` at different values). While a backlog lasts, forward and backward pages take turns,
//! so new posts are never held behind history. A boost is a spread of the original post, never
//! a report of its own; posts are identified by their ActivityPub URI, the same on every
//! instance, so one post seen through two instances is one report.

use crate::http::Http;
use crate::rich::{encode, lenient, lenient_list, newer, one_line, text_has_url};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use vigie_domain::ports::{Batch, SkipReason, Source, SourceError};
use vigie_domain::report::{Body, Engagement, Observation};
use vigie_domain::text::html_to_text;

pub const PAGE: usize = 40;

pub struct MastodonSource {
    id: String,
    instance: String,
    host: String,
    hashtags: Vec<String>,
    token: Option<String>,
    http: Http,
    since: DateTime<Utc>,
}

/// How long after an empty forward page the backlog has the turn to itself.
const QUIET_SECONDS: i64 = 20;

/// The checkpoint. Older checkpoints were the newest id alone: read as "no backlog".
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
struct Progress {
    /// The newest id stored: forward pages start after it (`min_id`).
    newest: Option<String>,
    /// While the backlog lasts: the id to page back from (`max_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    older_than: Option<String>,
    /// The crisis start the backlog goes back to, fixed by the first run.
    #[serde(skip_serializing_if = "Option::is_none")]
    since: Option<DateTime<Utc>>,
    /// The last forward page brought posts: more may wait after them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    forward_more: bool,
    /// When the last forward page was fetched.
    #[serde(skip_serializing_if = "Option::is_none")]
    forward_at: Option<DateTime<Utc>>,
}

impl Progress {
    fn read(checkpoint: &str) -> Progress {
        if checkpoint.trim_start().starts_with('{') {
            serde_json::from_str(checkpoint).unwrap_or_default()
        } else {
            Progress {
                newest: Some(checkpoint.to_string()),
                ..Progress::default()
            }
        }
    }
}

/// Which way a page goes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Way {
    /// The latest page (a first run).
    Latest,
    Forward,
    Back,
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
            // No bound until the host sets the crisis start.
            since: DateTime::<Utc>::MIN_UTC,
        }
    }

    /// The crisis start: the first run's backlog goes back to it, and older posts are skipped.
    pub fn since(mut self, since: DateTime<Utc>) -> MastodonSource {
        self.since = since;
        self
    }

    fn url(&self, way: Way, progress: &Progress) -> String {
        let mut url = format!(
            "{}/api/v1/timelines/tag/{}?limit={PAGE}",
            self.instance,
            encode(&self.hashtags[0])
        );
        for tag in &self.hashtags[1..] {
            url.push_str("&any[]=");
            url.push_str(&encode(tag));
        }
        let (key, id) = match way {
            Way::Latest => return url,
            Way::Forward => ("min_id", progress.newest.as_deref()),
            Way::Back => ("max_id", progress.older_than.as_deref()),
        };
        if let Some(id) = id {
            url.push_str(&format!("&{key}="));
            url.push_str(&encode(id));
        }
        url
    }
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
    #[serde(default, deserialize_with = "lenient")]
    poll: Option<Poll>,
    #[serde(default, deserialize_with = "lenient")]
    card: Option<Card>,
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
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default, deserialize_with = "lenient_list")]
    emojis: Vec<CustomEmoji>,
}

#[derive(Deserialize)]
struct CustomEmoji {
    shortcode: String,
}

#[derive(Deserialize)]
struct Attachment {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Deserialize)]
struct Poll {
    #[serde(default, deserialize_with = "lenient_list")]
    options: Vec<PollOption>,
}

#[derive(Deserialize)]
struct PollOption {
    #[serde(default)]
    title: Option<String>,
}

/// The preview card of the first link of the status.
#[derive(Deserialize)]
struct Card {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    title: Option<String>,
}

/// The display name without its custom emoji: each `:shortcode:` of the account's emoji
/// list, then any `:word:` left (letters, digits, `_`, two or more, not all digits so that
/// `10:30:` stays), spaces tidied; the username when nothing is left.
fn display_name(a: &Account) -> Option<String> {
    let mut name = a.display_name.clone();
    for emoji in &a.emojis {
        if !emoji.shortcode.is_empty() {
            name = name.replace(&format!(":{}:", emoji.shortcode), " ");
        }
    }
    let name = one_line(&strip_shortcodes(&name));
    if !name.is_empty() {
        Some(name)
    } else {
        Some(a.username.trim().to_string()).filter(|u| !u.is_empty())
    }
}

fn strip_shortcodes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find(':') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let word_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let word = &after[..word_len];
        let closed = after[word_len..].starts_with(':');
        if closed && word.len() >= 2 && !word.bytes().all(|b| b.is_ascii_digit()) {
            out.push(' ');
            rest = &after[word_len + 1..];
        } else {
            out.push(':');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The content (HTML) already links to this URL or shows it.
fn content_has_url(html: &str, url: &str) -> bool {
    html.contains(&format!("href=\"{url}\""))
        || html.contains(&format!("href=\"{}\"", escape(url)))
        || text_has_url(&html_to_text(html), url)
}

/// The answer's `Link` header has a `rel="next"` (an older page).
fn link_has_next(headers: &reqwest::header::HeaderMap) -> bool {
    headers
        .get_all(reqwest::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|part| {
            part.split(';').skip(1).any(|p| {
                matches!(
                    p.trim().replace(' ', "").as_str(),
                    "rel=\"next\"" | "rel=next"
                )
            })
        })
}

impl MastodonSource {
    /// The status as an observation, or `None` when it has nothing to read (see
    /// [`status_html`]).
    fn observation(&self, s: &Status) -> Option<Observation> {
        let acct = if s.account.acct.contains('@') {
            s.account.acct.clone()
        } else {
            format!("{}@{}", s.account.acct, self.host)
        };
        let html = status_html(s)?;
        Some(Observation {
            source_id: self.id.clone(),
            network: "mastodon".into(),
            native_id: s.uri.clone(),
            url: s.url.clone().or_else(|| Some(s.uri.clone())),
            author: acct,
            author_name: display_name(&s.account),
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
            amends: None,
        })
    }
}

/// The HTML a volunteer reads for a status: the content warning (`spoiler_text`) as a first
/// paragraph, the content, then one paragraph per piece of context:
///
/// - when the status has no words of its own (no content, no content warning), each media
///   description (alt text) as `Image: <description>` (`Video:`, `Audio:`, `Media:` by type);
/// - a poll as `Poll: <option> / <option> / …`;
/// - the preview card as `Link: <title> — <url>`, the URL left out when the content already
///   links to it, the title when the content already says it, no paragraph when nothing is
///   left.
///
/// A status with still no text (media without descriptions only, say) is `None`, skipped as
/// `SkipReason::NoText`.
fn status_html(s: &Status) -> Option<String> {
    let mut html = if s.spoiler_text.trim().is_empty() {
        s.content.clone()
    } else {
        // The content warning is plain text, the content HTML.
        format!("<p>{}</p>{}", escape(&s.spoiler_text), s.content)
    };
    let own = html_to_text(&html);
    let mut lines = Vec::new();
    if own.is_empty() {
        for item in &s.media_attachments {
            let Ok(media) = serde_json::from_value::<Attachment>(item.clone()) else {
                continue;
            };
            let description = one_line(media.description.as_deref().unwrap_or_default());
            if description.is_empty() {
                continue;
            }
            let label = match media.kind.as_deref() {
                Some("image") => "Image",
                Some("video" | "gifv") => "Video",
                Some("audio") => "Audio",
                _ => "Media",
            };
            lines.push(format!("{label}: {description}"));
        }
    }
    if let Some(poll) = &s.poll {
        let options: Vec<String> = poll
            .options
            .iter()
            .map(|o| one_line(o.title.as_deref().unwrap_or_default()))
            .filter(|t| !t.is_empty())
            .collect();
        if !options.is_empty() {
            lines.push(format!("Poll: {}", options.join(" / ")));
        }
    }
    if let Some(card) = &s.card {
        let url = card.url.as_deref().unwrap_or_default().trim();
        let url = (!url.is_empty() && !content_has_url(&s.content, url)).then_some(url);
        let title = one_line(card.title.as_deref().unwrap_or_default());
        let title = (!title.is_empty() && !own.contains(&title)).then_some(title);
        match (title, url) {
            (Some(t), Some(u)) => lines.push(format!("Link: {t} — {u}")),
            (Some(t), None) => lines.push(format!("Link: {t}")),
            (None, Some(u)) => lines.push(format!("Link: {u}")),
            (None, None) => {}
        }
    }
    for line in &lines {
        html.push_str("<p>");
        html.push_str(&escape(line));
        html.push_str("</p>");
    }
    (!html_to_text(&html).is_empty()).then_some(html)
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
        let now = Utc::now();
        let mut progress = checkpoint.map(Progress::read).unwrap_or_default();
        let way = if checkpoint.is_none() || progress.newest.is_none() {
            Way::Latest
        } else if progress.older_than.is_none()
            || progress.forward_more
            || progress
                .forward_at
                .is_none_or(|at| now - at >= Duration::seconds(QUIET_SECONDS))
        {
            Way::Forward
        } else {
            Way::Back
        };
        let since = progress.since.unwrap_or(self.since);
        let url = self.url(way, &progress);
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
        let has_next = link_has_next(&answer.headers);
        let items: Vec<serde_json::Value> =
            answer.json(&format!("{} hashtag timeline", self.instance))?;
        let mut batch = Batch::default();
        let mut newest = progress.newest.clone();
        let mut oldest: Option<String> = None;
        let mut reached_since = false;
        for item in &items {
            // The id moves the checkpoint even when the rest of the item is unreadable.
            if let Some(id) = item.get("id").and_then(|v| v.as_str()) {
                if newest.as_deref().is_none_or(|n| newer(id, n)) {
                    newest = Some(id.to_string());
                }
                if oldest.as_deref().is_none_or(|o| newer(o, id)) {
                    oldest = Some(id.to_string());
                }
            }
            let status: Status = match serde_json::from_value(item.clone()) {
                Ok(s) => s,
                Err(_) => {
                    batch.skip(SkipReason::Unreadable);
                    continue;
                }
            };
            if status.created_at < since {
                reached_since = true;
                batch.skip(SkipReason::BeforeSince);
                continue;
            }
            let original = status.reblog.as_deref().unwrap_or(&status);
            let Some(observation) = self.observation(original) else {
                // A boost of it spreads nothing that is kept.
                batch.skip(SkipReason::NoText);
                continue;
            };
            batch.observations.push(observation);
            if status.reblog.is_some() {
                batch
                    .spreads
                    .push(("mastodon".into(), original.uri.clone(), status.uri.clone()));
            }
        }
        match way {
            Way::Latest | Way::Back => {
                // The backlog ends at an empty page, a page without a next link, or the crisis
                // start; otherwise it goes on from the oldest post of this page.
                progress.older_than = if items.is_empty() || !has_next || reached_since {
                    None
                } else {
                    oldest.or(progress.older_than)
                };
                progress.since = progress.older_than.is_some().then_some(since);
                if way == Way::Latest {
                    progress.forward_at = Some(now);
                    progress.forward_more = false;
                }
            }
            Way::Forward => {
                progress.forward_at = Some(now);
                // More may wait after a page that moved the newest id on; a server answering
                // the same page again moves nothing and ends the run's paging.
                progress.forward_more = !items.is_empty() && newest != progress.newest;
            }
        }
        progress.newest = newest;
        batch.more = progress.forward_more || progress.older_than.is_some();
        batch.checkpoint = Some(if progress.older_than.is_none() {
            // No backlog: the newest id is all there is to keep, in the plain form older
            // versions wrote.
            progress.newest.clone().unwrap_or_default()
        } else {
            serde_json::to_string(&progress).unwrap_or_default()
        });
        if progress.newest.is_none() {
            batch.checkpoint = checkpoint.map(String::from);
        }
        Ok(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::strip_shortcodes;

    #[test]
    fn shortcodes_go_and_times_stay() {
        assert_eq!(strip_shortcodes("Lyne :blobcat:"), "Lyne  ");
        assert_eq!(strip_shortcodes("a:b_c::d2:e"), "a  e");
        assert_eq!(strip_shortcodes("Ouvert 10:30: ok"), "Ouvert 10:30: ok");
        assert_eq!(strip_shortcodes(":x: é:"), ":x: é:");
        assert_eq!(strip_shortcodes("::"), "::");
    }
}

//! X: API v2 recent search (`GET /2/tweets/search/recent`) with an app-only bearer token.
//!
//! Search answers newest first, a page at a time (`next_token`). A run goes through the pages
//! of one *sweep*: the posts after the last sweep's newest (`since_id`), or, on the first run,
//! those since the crisis start (`start_time`, at most the seven days recent search keeps).
//! When the run's budget ends inside a sweep, the checkpoint keeps the sweep's paging token
//! and the next run goes on from it; only when the last page is read does `since_id` move on
//! to the sweep's newest post, so nothing between two runs is lost, and a rerun of a page
//! stores nothing twice.
//!
//! A repost is a spread of the original post (taken from the answer's `includes`), never a
//! report of its own; a quote carries the quoted post as a line of context; a post's exact
//! point, or the centre of a small tagged place, is kept when it lies inside the crisis area.
//!
//! **The monthly cap.** X counts the posts each project reads a month and refuses more. The
//! source spends from an [`Allowance`] kept in the store: before a request it takes what the
//! page may bring (the page's posts and the originals of its reposts and quotes), and gives back
//! what the answer did not bring. When less than a page is left, the source waits for the next
//! month ("rate limited until …", not a failure). The count is by calendar month in UTC.

use crate::http::{Answer, Http};
use crate::rich::{encode, lenient_list, newer};
use async_trait::async_trait;
use chrono::{DateTime, Datelike, Duration, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use vigie_domain::crisis::BBox;
use vigie_domain::ports::{Allowance, Batch, QuotaUse, SkipReason, Source, SourceError};
use vigie_domain::report::{Body, Engagement, Observation};

/// The most posts recent search gives in one page.
pub const PAGE: u64 = 100;
/// The fewest it accepts to be asked for.
pub const MIN_PAGE: u64 = 10;
/// How far back recent search goes (seven days), less a margin for clocks.
const WINDOW_MINUTES: i64 = 7 * 24 * 60 - 5;

/// What a page may cost against the cap for each post asked: the post and the original of a
/// repost or quote it brings along in `includes`.
const READS_PER_POST: u64 = 2;

const TWEET_FIELDS: &str = "created_at,lang,public_metrics,referenced_tweets,geo,author_id,entities,attachments,note_tweet";
const EXPANSIONS: &str =
    "author_id,geo.place_id,referenced_tweets.id,referenced_tweets.id.author_id";

pub struct XSource {
    id: String,
    api: String,
    query: String,
    bearer: String,
    http: Http,
    since: DateTime<Utc>,
    area: Option<BBox>,
    cap: u64,
    allowance: Option<Arc<dyn Allowance>>,
}

/// The checkpoint.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
struct Progress {
    /// The newest post of the last finished sweep: the next sweep reads what came after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    since_id: Option<String>,
    /// A sweep under way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sweep: Option<Sweep>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Sweep {
    /// The newest post the sweep has seen: `since_id` once it ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    newest: Option<String>,
    /// The page to read next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
    /// The start of a first sweep (no `since_id` yet), fixed so its paging token stays valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    start_time: Option<DateTime<Utc>>,
}

impl XSource {
    /// `bearer` is the value of the variable the crisis file names.
    pub fn new(id: &str, api: &str, query: &str, bearer: String, http: Http) -> XSource {
        XSource {
            id: id.to_string(),
            api: api.trim_end_matches('/').to_string(),
            query: query.to_string(),
            bearer,
            http,
            since: DateTime::<Utc>::MIN_UTC,
            area: None,
            cap: u64::MAX,
            allowance: None,
        }
    }

    /// The crisis start: the first sweep goes back to it (seven days at most).
    pub fn since(mut self, since: DateTime<Utc>) -> XSource {
        self.since = since;
        self
    }

    /// The crisis area: a post's point outside it is not kept (the post is).
    pub fn area(mut self, area: BBox) -> XSource {
        self.area = Some(area);
        self
    }

    /// The posts read a month, never exceeded, counted in `allowance`.
    pub fn monthly_cap(mut self, cap: u64, allowance: Arc<dyn Allowance>) -> XSource {
        self.cap = cap;
        self.allowance = Some(allowance);
        self
    }

    fn url(&self, progress: &Progress, sweep: &Sweep, max_results: u64) -> String {
        let mut url = format!(
            "{}/2/tweets/search/recent?query={}&max_results={max_results}&tweet.fields={}&expansions={}&user.fields=username,name&place.fields=full_name,geo,place_type",
            self.api,
            encode(&self.query),
            encode(TWEET_FIELDS),
            encode(EXPANSIONS),
        );
        match (&progress.since_id, &sweep.start_time) {
            (Some(id), _) => url.push_str(&format!("&since_id={}", encode(id))),
            (None, Some(start)) => url.push_str(&format!(
                "&start_time={}",
                encode(&start.to_rfc3339_opts(SecondsFormat::Secs, true))
            )),
            (None, None) => {}
        }
        if let Some(token) = &sweep.next_token {
            url.push_str(&format!("&next_token={}", encode(token)));
        }
        url
    }

    fn start_time(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        self.since.max(now - Duration::minutes(WINDOW_MINUTES))
    }
}

/// The calendar month (UTC) the cap is counted in, and when the next one starts.
pub fn month(now: DateTime<Utc>) -> (String, DateTime<Utc>) {
    let (year, next) = if now.month() == 12 {
        (now.year() + 1, 1)
    } else {
        (now.year(), now.month() + 1)
    };
    let resets = Utc
        .with_ymd_and_hms(year, next, 1, 0, 0, 0)
        .single()
        .unwrap_or(now + Duration::days(31));
    (format!("{:04}-{:02}", now.year(), now.month()), resets)
}

// ---- the answer, as documented ---------------------------------------------------------

#[derive(Deserialize, Default)]
struct SearchAnswer {
    #[serde(default)]
    data: Vec<serde_json::Value>,
    #[serde(default)]
    includes: Includes,
    #[serde(default)]
    meta: Meta,
}

#[derive(Deserialize, Default)]
struct Includes {
    #[serde(default, deserialize_with = "lenient_list")]
    users: Vec<User>,
    #[serde(default)]
    tweets: Vec<serde_json::Value>,
    #[serde(default, deserialize_with = "lenient_list")]
    places: Vec<Place>,
}

#[derive(Deserialize, Default)]
struct Meta {
    #[serde(default)]
    newest_id: Option<String>,
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Deserialize)]
struct Tweet {
    id: String,
    #[serde(default)]
    text: String,
    author_id: Option<String>,
    created_at: DateTime<Utc>,
    lang: Option<String>,
    #[serde(default)]
    public_metrics: Option<Metrics>,
    #[serde(default, deserialize_with = "lenient_list")]
    referenced_tweets: Vec<Reference>,
    #[serde(default)]
    geo: Option<Geo>,
    #[serde(default)]
    entities: Option<Entities>,
    #[serde(default)]
    attachments: Option<Attachments>,
    /// The whole text of a long post (`text` is its first 280 characters).
    #[serde(default)]
    note_tweet: Option<NoteTweet>,
}

#[derive(Deserialize)]
struct NoteTweet {
    #[serde(default)]
    text: String,
    #[serde(default)]
    entities: Option<Entities>,
}

#[derive(Deserialize, Default)]
struct Metrics {
    #[serde(default)]
    retweet_count: u64,
    #[serde(default)]
    reply_count: u64,
    #[serde(default)]
    like_count: u64,
    #[serde(default)]
    quote_count: u64,
}

#[derive(Deserialize)]
struct Reference {
    #[serde(rename = "type")]
    kind: String,
    id: String,
}

#[derive(Deserialize)]
struct Geo {
    #[serde(default)]
    place_id: Option<String>,
    #[serde(default)]
    coordinates: Option<Point>,
}

#[derive(Deserialize)]
struct Point {
    /// `[longitude, latitude]`, as GeoJSON.
    coordinates: Vec<f64>,
}

#[derive(Deserialize, Default)]
struct Entities {
    #[serde(default, deserialize_with = "lenient_list")]
    urls: Vec<UrlEntity>,
}

#[derive(Deserialize)]
struct UrlEntity {
    url: String,
    #[serde(default)]
    expanded_url: Option<String>,
    /// Set when the link is the post's own photo or video.
    #[serde(default)]
    media_key: Option<String>,
}

#[derive(Deserialize, Default)]
struct Attachments {
    #[serde(default)]
    media_keys: Vec<String>,
}

#[derive(Deserialize)]
struct User {
    id: String,
    username: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct Place {
    id: String,
    #[serde(default)]
    place_type: Option<String>,
    #[serde(default)]
    geo: Option<PlaceGeo>,
}

#[derive(Deserialize)]
struct PlaceGeo {
    /// `[west, south, east, north]`.
    #[serde(default)]
    bbox: Vec<f64>,
}

/// The problem X describes in an error answer (`detail`, `title`, or the first error's
/// `message`): a sentence of X's, never a post's text.
fn problem(answer: &Answer) -> String {
    let v: serde_json::Value = serde_json::from_slice(&answer.body).unwrap_or_default();
    let text = v
        .get("errors")
        .and_then(|e| e.get(0))
        .and_then(|e| e.get("message"))
        .or_else(|| v.get("detail"))
        .or_else(|| v.get("title"))
        .and_then(|m| m.as_str())
        .unwrap_or("no detail");
    text.chars().take(300).collect()
}

/// The text as a person reads it: X writes `&amp;`, `&lt;` and `&gt;` in `text`; its `t.co`
/// links are put back as the links they stand for, and those of the post's own photos and
/// videos are left out (counted as media).
fn readable(text: &str, entities: Option<&Entities>) -> String {
    let mut text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    if let Some(entities) = entities {
        for link in &entities.urls {
            if link.url.is_empty() {
                continue;
            }
            let with = match (&link.media_key, &link.expanded_url) {
                (Some(_), _) => "",
                (None, Some(expanded)) if !expanded.is_empty() => expanded.as_str(),
                _ => continue,
            };
            text = text.replace(&link.url, with);
        }
    }
    text.trim().to_string()
}

/// X's language code, or none when X could not tell (`und`) or the post has no language
/// (`zxx`, media only; `qht`, hashtags only; `qme`, mentions only; `qam`, `qct`, `qst`).
fn language(lang: Option<&str>) -> Option<String> {
    let unknown = |l: &str| matches!(l, "und" | "zxx") || (l.len() == 3 && l.starts_with('q'));
    lang.filter(|l| !unknown(l)).map(str::to_string)
}

/// What one answer's `includes` holds, by id.
struct Included<'a> {
    users: HashMap<&'a str, &'a User>,
    tweets: HashMap<String, Tweet>,
    places: HashMap<&'a str, &'a Place>,
}

impl<'a> Included<'a> {
    fn new(includes: &'a Includes) -> Included<'a> {
        Included {
            users: includes.users.iter().map(|u| (u.id.as_str(), u)).collect(),
            tweets: includes
                .tweets
                .iter()
                .filter_map(|t| serde_json::from_value::<Tweet>(t.clone()).ok())
                .map(|t| (t.id.clone(), t))
                .collect(),
            places: includes.places.iter().map(|p| (p.id.as_str(), p)).collect(),
        }
    }

    fn user(&self, tweet: &Tweet) -> Option<&User> {
        tweet
            .author_id
            .as_deref()
            .and_then(|id| self.users.get(id).copied())
    }

    /// The post's address: under its author's handle, or X's handle-less form when the author
    /// is not in the answer.
    fn post_url(&self, tweet: &Tweet) -> String {
        let handle = self.user(tweet).map_or("i", |u| u.username.as_str());
        format!("https://x.com/{handle}/status/{}", tweet.id)
    }
}

/// Places small enough for their centre to say where a post is.
const POINT_PLACES: [&str; 3] = ["poi", "neighborhood", "city"];

impl XSource {
    /// The point the post carries: its exact coordinates, else the centre of the place it is
    /// tagged with when that is a town or smaller; none outside the crisis area.
    fn point(&self, tweet: &Tweet, included: &Included) -> Option<(f64, f64)> {
        let geo = tweet.geo.as_ref()?;
        let exact = geo
            .coordinates
            .as_ref()
            .and_then(|p| match p.coordinates[..] {
                [lon, lat] => Some((lat, lon)),
                _ => None,
            });
        let centre = || {
            let place = included.places.get(geo.place_id.as_deref()?)?;
            if !POINT_PLACES.contains(&place.place_type.as_deref()?) {
                return None;
            }
            match place.geo.as_ref()?.bbox[..] {
                [w, s, e, n] => Some(((s + n) / 2.0, (w + e) / 2.0)),
                _ => None,
            }
        };
        let (lat, lon) = exact.or_else(centre)?;
        let valid = lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0;
        let inside = self.area.is_none_or(|a| a.contains(lat, lon));
        (valid && inside).then_some((lat, lon))
    }

    fn observation(&self, tweet: &Tweet, included: &Included) -> Option<Observation> {
        let user = included.user(tweet);
        let author = match user {
            Some(u) => u.username.clone(),
            None => tweet.author_id.clone().unwrap_or_default(),
        };
        let url = included.post_url(tweet);
        let mut text = match &tweet.note_tweet {
            Some(note) if !note.text.trim().is_empty() => {
                readable(&note.text, note.entities.as_ref())
            }
            _ => readable(&tweet.text, tweet.entities.as_ref()),
        };
        if let Some(quoted) = tweet
            .referenced_tweets
            .iter()
            .find(|r| r.kind == "quoted")
            .and_then(|r| included.tweets.get(&r.id))
        {
            let by = included
                .user(quoted)
                .map(|u| format!("Quoting @{}", u.username))
                .unwrap_or_else(|| "Quoting a post".into());
            let quoted_text = readable(&quoted.text, quoted.entities.as_ref());
            let link = included.post_url(quoted);
            text.push_str(&format!(
                "\n\n{by}: {} — {link}",
                crate::rich::one_line(&quoted_text)
            ));
        }
        if text.trim().is_empty() {
            return None;
        }
        let metrics = tweet.public_metrics.as_ref();
        Some(Observation {
            source_id: self.id.clone(),
            network: "x".into(),
            native_id: tweet.id.clone(),
            url: Some(url),
            author,
            author_name: user
                .and_then(|u| u.name.as_deref())
                .map(crate::rich::one_line)
                .filter(|n| !n.is_empty()),
            official_source: false,
            body: Body::Plain(text),
            language: language(tweet.lang.as_deref()),
            posted_at: tweet.created_at,
            point: self.point(tweet, included),
            media: tweet
                .attachments
                .as_ref()
                .map_or(0, |a| a.media_keys.len() as u32),
            hint: None,
            counts: metrics.map(|m| Engagement {
                replies: m.reply_count,
                reposts: m.retweet_count + m.quote_count,
                likes: m.like_count,
            }),
            insee: Vec::new(),
            extent: None,
            amends: None,
        })
    }

    /// Takes what a page may cost from the month's allowance: how many posts to ask for, and
    /// what was taken. Less than the smallest page left: wait for the next month.
    async fn take(&self, now: DateTime<Utc>) -> Result<(u64, u64), SourceError> {
        let Some(allowance) = &self.allowance else {
            return Ok((PAGE, 0));
        };
        let (period, resets) = month(now);
        let taken = allowance
            .take(&period, PAGE * READS_PER_POST, self.cap)
            .await
            .map_err(|e| SourceError::Transient(format!("monthly cap: {e}")))?;
        let posts = (taken / READS_PER_POST).min(PAGE);
        if posts < MIN_PAGE {
            self.give_back(&period, taken).await;
            return Err(SourceError::RateLimited { until: resets });
        }
        // Only what the page's size may bring is kept taken.
        let kept = posts * READS_PER_POST;
        self.give_back(&period, taken - kept).await;
        Ok((posts, kept))
    }

    async fn give_back(&self, period: &str, amount: u64) {
        if let (Some(allowance), true) = (&self.allowance, amount > 0) {
            // Not given back, the count only stays higher than the truth: the cap still holds.
            let _ = allowance.give_back(period, amount).await;
        }
    }
}

#[async_trait]
impl Source for XSource {
    fn id(&self) -> &str {
        &self.id
    }

    fn kind(&self) -> &'static str {
        "x"
    }

    async fn fetch(&self, checkpoint: Option<&str>) -> Result<Batch, SourceError> {
        let now = Utc::now();
        let mut progress: Progress = checkpoint
            .and_then(|c| serde_json::from_str(c).ok())
            .unwrap_or_default();
        let mut sweep = progress.sweep.clone().unwrap_or(Sweep {
            newest: None,
            next_token: None,
            start_time: None,
        });
        if progress.since_id.is_none() && sweep.start_time.is_none() {
            sweep.start_time = Some(self.start_time(now));
        }
        let (period, _) = month(now);
        let (max_results, taken) = self.take(now).await?;
        let url = self.url(&progress, &sweep, max_results);
        let bearer = self.bearer.clone();
        let answer = match self
            .http
            .send("X recent search", |c| c.get(&url).bearer_auth(&bearer))
            .await
        {
            Ok(answer) => answer,
            // A refusal read nothing; a lost answer may have, so it stays counted.
            Err(e @ SourceError::RateLimited { .. }) => {
                self.give_back(&period, taken).await;
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        let status = answer.status.as_u16();
        if !(200..=299).contains(&status) {
            self.give_back(&period, taken).await;
        }
        match status {
            200..=299 => {}
            401 => {
                return Err(SourceError::Fatal(
                    "X refused the bearer token (HTTP 401): check the variable named in bearer_env"
                        .into(),
                ))
            }
            403 => {
                return Err(SourceError::Fatal(format!(
                    "X refused recent search to this app (HTTP 403: {}): its plan or project must allow it",
                    problem(&answer)
                )))
            }
            400 if sweep.next_token.is_some() || progress.since_id.is_some() => {
                // A paging token X no longer takes, or a `since_id` older than the seven days
                // of recent search (a crisis paused a week): start the sweep again without it.
                // What was read is stored; what comes again is recognised.
                let mut batch = Batch::default();
                if sweep.next_token.is_some() {
                    sweep.next_token = None;
                } else {
                    progress.since_id = None;
                    sweep.start_time = Some(self.start_time(now));
                }
                progress.sweep = Some(sweep);
                batch.checkpoint = serde_json::to_string(&progress).ok();
                batch.more = true;
                return Ok(batch);
            }
            400 => {
                return Err(SourceError::Fatal(format!(
                    "X refused the search (HTTP 400: {}): check the source's query",
                    problem(&answer)
                )))
            }
            other => return Err(SourceError::Transient(format!("X recent search: HTTP {other}"))),
        }
        let page: SearchAnswer = match answer.json("X recent search") {
            Ok(page) => page,
            Err(e) => {
                self.give_back(&period, taken).await;
                return Err(e);
            }
        };
        let read = (page.data.len() + page.includes.tweets.len()) as u64;
        if read < taken {
            self.give_back(&period, taken - read).await;
        } else if read > taken {
            // More originals than planned came along: counted too, so the next page waits if
            // the month is spent.
            if let Some(allowance) = &self.allowance {
                let _ = allowance.take(&period, read - taken, u64::MAX).await;
            }
        }

        let included = Included::new(&page.includes);
        let mut batch = Batch::default();
        let mut newest = sweep.newest.clone();
        let mut consider = |id: &str| {
            if newest.as_deref().is_none_or(|n| newer(id, n)) {
                newest = Some(id.to_string());
            }
        };
        if let Some(id) = &page.meta.newest_id {
            consider(id);
        }
        for item in &page.data {
            // The id moves the sweep on even when the rest of the item is unreadable.
            if let Some(id) = item.get("id").and_then(|v| v.as_str()) {
                consider(id);
            }
            let tweet: Tweet = match serde_json::from_value(item.clone()) {
                Ok(t) => t,
                Err(_) => {
                    batch.skip(SkipReason::Unreadable);
                    continue;
                }
            };
            let repost_of = tweet
                .referenced_tweets
                .iter()
                .find(|r| r.kind == "retweeted")
                .map(|r| r.id.clone());
            let original = match &repost_of {
                Some(id) => match included.tweets.get(id) {
                    Some(original) => original,
                    // The original is gone or hidden: the repost's text is a cut-off copy.
                    None => {
                        batch.skip(SkipReason::Unreadable);
                        continue;
                    }
                },
                None => &tweet,
            };
            if original.created_at < self.since {
                batch.skip(SkipReason::BeforeSince);
                continue;
            }
            let Some(observation) = self.observation(original, &included) else {
                batch.skip(SkipReason::NoText);
                continue;
            };
            batch.observations.push(observation);
            if repost_of.is_some() {
                batch
                    .spreads
                    .push(("x".into(), original.id.clone(), tweet.id.clone()));
            }
        }
        sweep.newest = newest;
        match page.meta.next_token.filter(|t| !t.is_empty()) {
            Some(token) if sweep.next_token.as_deref() != Some(token.as_str()) => {
                sweep.next_token = Some(token);
                progress.sweep = Some(sweep);
                batch.more = true;
            }
            // The last page of the sweep (or a server answering the same token again).
            _ => {
                if let Some(newest) = sweep.newest.take() {
                    progress.since_id = Some(newest);
                }
                progress.sweep = if progress.since_id.is_some() {
                    None
                } else {
                    // Nothing at all since the start: the next sweep starts there again.
                    sweep.next_token = None;
                    Some(sweep)
                };
            }
        }
        batch.checkpoint = serde_json::to_string(&progress).ok();
        Ok(batch)
    }

    async fn quota(&self) -> Option<QuotaUse> {
        let allowance = self.allowance.as_deref()?;
        QuotaUse::of(allowance, "posts", month(Utc::now()), self.cap).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_their_resets() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(
            month(at("2026-12-04T23:59:00Z")),
            ("2026-12".into(), at("2027-01-01T00:00:00Z"))
        );
        assert_eq!(
            month(at("2026-02-28T10:00:00Z")),
            ("2026-02".into(), at("2026-03-01T00:00:00Z"))
        );
    }

    #[test]
    fn text_as_read_links_put_back_media_links_left_out() {
        let entities: Entities = serde_json::from_value(serde_json::json!({"urls": [
            {"url": "https://t.co/abc", "expanded_url": "https://www.meteo.example/vigilance"},
            {"url": "https://t.co/pic", "expanded_url": "https://x.com/a/status/1/photo/1", "media_key": "3_1"}
        ]}))
        .unwrap();
        assert_eq!(
            readable(
                "Vigilance rouge &amp; pluie &gt; 100 mm https://t.co/abc https://t.co/pic",
                Some(&entities)
            ),
            "Vigilance rouge & pluie > 100 mm https://www.meteo.example/vigilance"
        );
        assert_eq!(language(Some("fr")).as_deref(), Some("fr"));
        for none in ["und", "zxx", "qht", "qme"] {
            assert_eq!(language(Some(none)), None, "{none}");
        }
    }
}

//! YouTube: Data API v3 `search.list` (videos, newest first) then `videos.list` for what a
//! volunteer needs of each (whole description, channel, language, recording place, counts),
//! with an API key.
//!
//! A run reads the pages of one *sweep*: the videos published at or after the last sweep's
//! newest (`publishedAfter`), or, on the first run, since the crisis start. When a run ends
//! inside a sweep the checkpoint keeps its `pageToken` and the next run goes on from it; only
//! at the sweep's last page does `publishedAfter` move on. YouTube's search index lags behind
//! uploads, so the next sweep starts a little before the last one's newest video: what comes
//! again is recognised by its id.
//!
//! **The daily quota.** Google counts units a day per project and resets them at midnight,
//! Pacific time: `search.list` costs 100, `videos.list` 1. The crisis file derives the
//! schedule and the pages a run so that a day of runs fits the quota; the source also spends
//! from an [`Allowance`] kept in the store (101 units a page, the unused unit given back), so
//! reruns, manual collections and the cloud and local hosts together never exceed it. A spent
//! day, or YouTube's own `quotaExceeded`, is "waiting until the quota resets", not a failure.

use crate::http::{Answer, Http};
use crate::rich::{encode, lenient_list, one_line};
use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveTime, SecondsFormat, TimeZone, Utc};
use chrono_tz::America::Los_Angeles;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use vigie_domain::crisis::{BBox, YOUTUBE_PAGE_UNITS};
use vigie_domain::ports::{Allowance, Batch, QuotaUse, SkipReason, Source, SourceError};
use vigie_domain::report::{Body, Engagement, Observation};

/// The most results `search.list` gives in one page.
pub const PAGE: u32 = 50;
/// What `search.list` costs.
const SEARCH_UNITS: u64 = 100;
/// How far before the last sweep's newest video the next sweep starts.
const OVERLAP_MINUTES: i64 = 30;
/// How far back a first sweep goes when the crisis file gives no start.
const FIRST_SWEEP_HOURS: i64 = 24;

pub struct YouTubeSource {
    id: String,
    api: String,
    query: String,
    key: String,
    http: Http,
    since: Option<DateTime<Utc>>,
    area: Option<BBox>,
    near_area: bool,
    pages: usize,
    quota: u64,
    allowance: Option<Arc<dyn Allowance>>,
}

/// The checkpoint.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
struct Progress {
    /// Where the next sweep starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    after: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sweep: Option<Sweep>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Sweep {
    /// `publishedAfter` of every page of the sweep, fixed so its page tokens stay valid.
    after: DateTime<Utc>,
    /// The newest video the sweep has seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    newest: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page_token: Option<String>,
}

impl YouTubeSource {
    /// `key` is the value of the variable the crisis file names.
    pub fn new(id: &str, api: &str, query: &str, key: String, http: Http) -> YouTubeSource {
        YouTubeSource {
            id: id.to_string(),
            api: api.trim_end_matches('/').to_string(),
            query: query.to_string(),
            key,
            http,
            since: None,
            area: None,
            near_area: false,
            pages: usize::MAX,
            quota: u64::MAX,
            allowance: None,
        }
    }

    /// The crisis start: the first sweep goes back to it; older videos are not kept.
    pub fn since(mut self, since: DateTime<Utc>) -> YouTubeSource {
        self.since = Some(since);
        self
    }

    /// The crisis area: a recording place outside it is not kept (the video is). With
    /// `near`, the search itself asks for videos recorded within the area's circle.
    pub fn area(mut self, area: BBox, near: bool) -> YouTubeSource {
        self.area = Some(area);
        self.near_area = near;
        self
    }

    /// The units spent a day (Pacific time), never exceeded, counted in `allowance`; and the
    /// pages a run reads.
    pub fn daily_quota(
        mut self,
        quota: u64,
        pages: usize,
        allowance: Arc<dyn Allowance>,
    ) -> YouTubeSource {
        self.quota = quota;
        self.pages = pages.max(1);
        self.allowance = Some(allowance);
        self
    }

    fn search_url(&self, sweep: &Sweep) -> String {
        let mut url = format!(
            "{}/youtube/v3/search?part=snippet&type=video&order=date&maxResults={PAGE}&q={}&publishedAfter={}&key={}",
            self.api,
            encode(&self.query),
            encode(&sweep.after.to_rfc3339_opts(SecondsFormat::Secs, true)),
            encode(&self.key),
        );
        if let (Some(area), true) = (&self.area, self.near_area) {
            let (lat, lon, km) = circle(area);
            url.push_str(&format!(
                "&location={}&locationRadius={}km",
                encode(&format!("{lat:.4},{lon:.4}")),
                km.ceil()
            ));
        }
        if let Some(token) = &sweep.page_token {
            url.push_str(&format!("&pageToken={}", encode(token)));
        }
        url
    }

    fn videos_url(&self, ids: &[&str]) -> String {
        format!(
            "{}/youtube/v3/videos?part=snippet,statistics,recordingDetails&id={}&key={}",
            self.api,
            encode(&ids.join(",")),
            encode(&self.key),
        )
    }

    fn first_after(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        self.since
            .unwrap_or(now - Duration::hours(FIRST_SWEEP_HOURS))
    }
}

/// The circle around the box that `location` and `locationRadius` describe: its centre and
/// the distance to a corner, between 1 and 1,000 km (YouTube's largest radius).
fn circle(area: &BBox) -> (f64, f64, f64) {
    let lat = (area.south + area.north) / 2.0;
    let lon = (area.west + area.east) / 2.0;
    let dy = (area.north - area.south) / 2.0 * 111.0;
    let dx = (area.east - area.west) / 2.0 * 111.0 * lat.to_radians().cos();
    (lat, lon, dx.hypot(dy).clamp(1.0, 1000.0))
}

/// The day Google counts the quota in (its date in Pacific time) and when the next starts.
pub fn quota_day(now: DateTime<Utc>) -> (String, DateTime<Utc>) {
    let today = now.with_timezone(&Los_Angeles).date_naive();
    let tomorrow = today.succ_opt().unwrap_or(today);
    let resets = Los_Angeles
        .from_local_datetime(&tomorrow.and_time(NaiveTime::MIN))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now + Duration::days(1));
    (today.format("%Y-%m-%d").to_string(), resets)
}

// ---- the answers, as documented ----------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct SearchList {
    #[serde(default)]
    next_page_token: Option<String>,
    #[serde(default)]
    items: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchResult {
    id: ResultId,
    snippet: SearchSnippet,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResultId {
    #[serde(default)]
    video_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchSnippet {
    published_at: DateTime<Utc>,
}

#[derive(Deserialize, Default)]
struct VideoList {
    #[serde(default, deserialize_with = "lenient_list")]
    items: Vec<Video>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Video {
    id: String,
    snippet: VideoSnippet,
    #[serde(default)]
    statistics: Option<Statistics>,
    #[serde(default)]
    recording_details: Option<RecordingDetails>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VideoSnippet {
    published_at: DateTime<Utc>,
    #[serde(default)]
    channel_id: String,
    #[serde(default)]
    channel_title: Option<String>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    default_language: Option<String>,
    #[serde(default)]
    default_audio_language: Option<String>,
}

/// YouTube writes its counts as strings of digits.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Statistics {
    #[serde(default)]
    like_count: Option<String>,
    #[serde(default)]
    comment_count: Option<String>,
}

#[derive(Deserialize)]
struct RecordingDetails {
    #[serde(default)]
    location: Option<Location>,
}

#[derive(Deserialize)]
struct Location {
    latitude: f64,
    longitude: f64,
}

/// Google's error answer: its code, the reasons it gives (`quotaExceeded`, `keyInvalid`,
/// `API_KEY_INVALID`, `invalidPageToken`...) and its message.
struct Problem {
    reasons: Vec<String>,
    message: String,
}

impl Problem {
    fn read(answer: &Answer) -> Problem {
        let v: serde_json::Value = serde_json::from_slice(&answer.body).unwrap_or_default();
        let error = &v["error"];
        let mut reasons: Vec<String> = Vec::new();
        for list in [&error["errors"], &error["details"]] {
            for item in list.as_array().into_iter().flatten() {
                if let Some(r) = item["reason"].as_str() {
                    reasons.push(r.to_string());
                }
            }
        }
        if let Some(status) = error["status"].as_str() {
            reasons.push(status.to_string());
        }
        let message = error["message"]
            .as_str()
            .or_else(|| error["errors"][0]["message"].as_str())
            .unwrap_or("no detail");
        Problem {
            reasons,
            message: strip_tags(message).chars().take(300).collect(),
        }
    }

    fn is(&self, any: &[&str]) -> bool {
        self.reasons.iter().any(|r| any.contains(&r.as_str()))
    }
}

/// Google's messages carry HTML links (`<a href="…">quota</a>`): the words only.
fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    for c in text.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

/// YouTube's language tag (`fr`, `fr-FR`, `en-US`) as its primary language; none for `zxx`
/// (no speech) and `und`.
fn language(snippet: &VideoSnippet) -> Option<String> {
    let tag = snippet
        .default_audio_language
        .as_deref()
        .or(snippet.default_language.as_deref())?;
    let primary = tag.split(['-', '_']).next()?.trim().to_ascii_lowercase();
    let known = !primary.is_empty() && !matches!(primary.as_str(), "zxx" | "und" | "mul");
    known.then_some(primary)
}

fn count(value: &Option<String>) -> u64 {
    value
        .as_deref()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

impl YouTubeSource {
    fn observation(&self, video: &Video) -> Option<Observation> {
        let snippet = &video.snippet;
        let title = one_line(&snippet.title);
        let description = snippet.description.trim();
        let text = match (title.is_empty(), description.is_empty()) {
            (true, true) => return None,
            (false, true) => title,
            (true, false) => description.to_string(),
            (false, false) => format!("{title}\n\n{description}"),
        };
        let point = video
            .recording_details
            .as_ref()
            .and_then(|r| r.location.as_ref())
            .map(|l| (l.latitude, l.longitude))
            .filter(|&(lat, lon)| {
                let valid = lat.is_finite()
                    && lon.is_finite()
                    && lat.abs() <= 90.0
                    && lon.abs() <= 180.0
                    // An unset place comes as 0, 0.
                    && (lat, lon) != (0.0, 0.0);
                valid && self.area.is_none_or(|a| a.contains(lat, lon))
            });
        let stats = video.statistics.as_ref();
        Some(Observation {
            source_id: self.id.clone(),
            network: "youtube".into(),
            native_id: video.id.clone(),
            url: Some(format!("https://www.youtube.com/watch?v={}", video.id)),
            author: snippet.channel_id.clone(),
            author_name: snippet
                .channel_title
                .as_deref()
                .map(one_line)
                .filter(|n| !n.is_empty()),
            official_source: false,
            body: Body::Plain(text),
            language: language(snippet),
            posted_at: snippet.published_at,
            point,
            // The video itself.
            media: 1,
            hint: None,
            counts: stats.map(|s| Engagement {
                replies: count(&s.comment_count),
                reposts: 0,
                likes: count(&s.like_count),
            }),
            insee: Vec::new(),
            extent: None,
            amends: None,
        })
    }

    /// Takes a page's units from the day's allowance; what is left not paying for a page,
    /// waits for the next day.
    async fn take(&self, now: DateTime<Utc>) -> Result<(), SourceError> {
        let Some(allowance) = &self.allowance else {
            return Ok(());
        };
        let (day, resets) = quota_day(now);
        let taken = allowance
            .take(&day, YOUTUBE_PAGE_UNITS, self.quota)
            .await
            .map_err(|e| SourceError::Transient(format!("daily quota: {e}")))?;
        if taken < YOUTUBE_PAGE_UNITS {
            self.give_back(&day, taken).await;
            return Err(SourceError::RateLimited { until: resets });
        }
        Ok(())
    }

    async fn give_back(&self, day: &str, units: u64) {
        if let (Some(allowance), true) = (&self.allowance, units > 0) {
            // Not given back, the count only stays above the truth: the quota still holds.
            let _ = allowance.give_back(day, units).await;
        }
    }

    /// YouTube says the project's quota is spent (another user of the key, a quota lowered in
    /// the console): the rest of the day is counted spent too, and the source waits.
    async fn spent(&self, now: DateTime<Utc>) -> SourceError {
        let (day, resets) = quota_day(now);
        if let Some(allowance) = &self.allowance {
            let _ = allowance.take(&day, self.quota, self.quota).await;
        }
        SourceError::RateLimited { until: resets }
    }

    /// What an error answer means for the source.
    async fn refused(&self, what: &str, answer: &Answer, now: DateTime<Utc>) -> SourceError {
        let status = answer.status.as_u16();
        let problem = Problem::read(answer);
        if problem.is(&["quotaExceeded", "dailyLimitExceeded"]) {
            return self.spent(now).await;
        }
        if problem.is(&[
            "rateLimitExceeded",
            "userRateLimitExceeded",
            "RESOURCE_EXHAUSTED",
        ]) {
            return SourceError::RateLimited {
                until: now + Duration::minutes(1),
            };
        }
        let key = problem.is(&[
            "keyInvalid",
            "keyExpired",
            "API_KEY_INVALID",
            "API_KEY_EXPIRED",
        ]);
        match status {
            _ if key || status == 401 => SourceError::Fatal(format!(
                "YouTube refused the API key (HTTP {status}: {}): check the variable named in key_env",
                problem.message
            )),
            400 | 403 | 404 => SourceError::Fatal(format!(
                "YouTube refused {what} (HTTP {status}: {}): check the source's query and the key's project",
                problem.message
            )),
            other => SourceError::Transient(format!("YouTube {what}: HTTP {other}")),
        }
    }
}

#[async_trait]
impl Source for YouTubeSource {
    fn id(&self) -> &str {
        &self.id
    }

    fn kind(&self) -> &'static str {
        "youtube"
    }

    fn max_pages(&self) -> Option<usize> {
        Some(self.pages)
    }

    async fn fetch(&self, checkpoint: Option<&str>) -> Result<Batch, SourceError> {
        let now = Utc::now();
        let mut progress: Progress = checkpoint
            .and_then(|c| serde_json::from_str(c).ok())
            .unwrap_or_default();
        let mut sweep = progress.sweep.clone().unwrap_or(Sweep {
            after: progress.after.unwrap_or_else(|| self.first_after(now)),
            newest: None,
            page_token: None,
        });
        self.take(now).await?;
        let (day, _) = quota_day(now);

        let url = self.search_url(&sweep);
        let answer = self.http.send("YouTube search", |c| c.get(&url)).await?;
        if !answer.status.is_success() {
            // A refused request costs its units all the same: nothing is given back but the
            // details' unit.
            self.give_back(&day, YOUTUBE_PAGE_UNITS - SEARCH_UNITS)
                .await;
            let problem = Problem::read(&answer);
            if sweep.page_token.is_some()
                && answer.status.as_u16() == 400
                && problem.is(&["invalidPageToken"])
            {
                // The sweep starts again from its first page; what comes again is recognised.
                sweep.page_token = None;
                progress.sweep = Some(sweep);
                return Ok(Batch {
                    checkpoint: serde_json::to_string(&progress).ok(),
                    more: true,
                    ..Batch::default()
                });
            }
            return Err(self.refused("the search", &answer, now).await);
        }
        let page: SearchList = answer.json("YouTube search")?;

        let mut batch = Batch::default();
        let mut found: Vec<(String, DateTime<Utc>)> = Vec::new();
        for item in &page.items {
            match serde_json::from_value::<SearchResult>(item.clone()) {
                Ok(SearchResult {
                    id: ResultId { video_id: Some(id) },
                    snippet,
                }) if !id.is_empty() => found.push((id, snippet.published_at)),
                _ => batch.skip(SkipReason::Unreadable),
            }
        }
        if let Some(newest) = found.iter().map(|(_, at)| *at).max() {
            sweep.newest = Some(sweep.newest.map_or(newest, |n| n.max(newest)));
        }

        if found.is_empty() {
            self.give_back(&day, YOUTUBE_PAGE_UNITS - SEARCH_UNITS)
                .await;
        } else {
            let ids: Vec<&str> = found.iter().map(|(id, _)| id.as_str()).collect();
            let url = self.videos_url(&ids);
            let answer = self.http.send("YouTube videos", |c| c.get(&url)).await?;
            if !answer.status.is_success() {
                return Err(self.refused("the videos' details", &answer, now).await);
            }
            let videos: VideoList = answer.json("YouTube videos")?;
            let by_id: HashMap<&str, &Video> =
                videos.items.iter().map(|v| (v.id.as_str(), v)).collect();
            for (id, _) in &found {
                // A video gone private or removed between the two calls.
                let Some(video) = by_id.get(id.as_str()) else {
                    batch.skip(SkipReason::Unreadable);
                    continue;
                };
                if self.since.is_some_and(|s| video.snippet.published_at < s) {
                    batch.skip(SkipReason::BeforeSince);
                    continue;
                }
                match self.observation(video) {
                    Some(o) => batch.observations.push(o),
                    None => batch.skip(SkipReason::NoText),
                }
            }
        }

        match page.next_page_token.filter(|t| !t.is_empty()) {
            Some(token) if sweep.page_token.as_deref() != Some(token.as_str()) => {
                sweep.page_token = Some(token);
                progress.sweep = Some(sweep);
                batch.more = true;
            }
            // The sweep's last page (or a server giving the same token again).
            _ => {
                if let Some(newest) = sweep.newest {
                    let next = newest - Duration::minutes(OVERLAP_MINUTES);
                    progress.after = Some(next.max(sweep.after));
                } else {
                    progress.after = Some(sweep.after);
                }
                progress.sweep = None;
            }
        }
        batch.checkpoint = serde_json::to_string(&progress).ok();
        Ok(batch)
    }

    async fn quota(&self) -> Option<QuotaUse> {
        let allowance = self.allowance.as_deref()?;
        QuotaUse::of(allowance, "units", quota_day(Utc::now()), self.quota).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_quota_day_ends_at_midnight_in_california_summer_and_winter() {
        // Winter: UTC−8.
        assert_eq!(
            quota_day(at("2026-12-07T07:59:00Z")),
            ("2026-12-06".into(), at("2026-12-07T08:00:00Z"))
        );
        assert_eq!(
            quota_day(at("2026-12-07T08:00:00Z")),
            ("2026-12-07".into(), at("2026-12-08T08:00:00Z"))
        );
        // Summer: UTC−7; and the night the clocks go back (1 November 2026).
        assert_eq!(
            quota_day(at("2026-09-14T12:00:00Z")),
            ("2026-09-14".into(), at("2026-09-15T07:00:00Z"))
        );
        assert_eq!(
            quota_day(at("2026-10-31T12:00:00Z")),
            ("2026-10-31".into(), at("2026-11-01T07:00:00Z"))
        );
        assert_eq!(
            quota_day(at("2026-11-01T12:00:00Z")),
            ("2026-11-01".into(), at("2026-11-02T08:00:00Z"))
        );
    }

    #[test]
    fn the_area_as_a_circle_and_languages_as_tags() {
        let gp = BBox {
            west: -61.85,
            south: 15.83,
            east: -61.0,
            north: 16.52,
        };
        let (lat, lon, km) = circle(&gp);
        assert!((lat - 16.175).abs() < 1e-9 && (lon + 61.425).abs() < 1e-9);
        assert!((55.0..60.0).contains(&km), "{km}");
        let snippet = |audio: Option<&str>, text: Option<&str>| VideoSnippet {
            published_at: Utc::now(),
            channel_id: String::new(),
            channel_title: None,
            title: String::new(),
            description: String::new(),
            default_language: text.map(str::to_string),
            default_audio_language: audio.map(str::to_string),
        };
        assert_eq!(
            language(&snippet(Some("fr-FR"), Some("en"))).as_deref(),
            Some("fr")
        );
        assert_eq!(
            language(&snippet(None, Some("en_US"))).as_deref(),
            Some("en")
        );
        assert_eq!(language(&snippet(Some("zxx"), None)), None);
        assert_eq!(
            strip_tags(
                "You have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>."
            ),
            "You have exceeded your quota."
        );
    }
}

//! Bluesky: log in with an app password (`com.atproto.server.createSession`), keep and refresh
//! the session (`com.atproto.server.refreshSession`), and search recent posts
//! (`app.bsky.feed.searchPosts`, `sort=latest`). Search answers newest first, so a run pages
//! back with the cursor until it reaches the last run's newest post; if the run's budget ends
//! first, the checkpoint keeps the cursor and the next run goes on from there, so nothing in
//! between is lost.
//!
//! Bluesky limits how often one may log in (a few hundred sessions a day, a few dozen in five
//! minutes), and every `vigie collect --once` or cold Lambda is a new process: with a
//! [`SessionKeeper`] ([`BlueskySource::keep_session`]) the session is kept in the store between
//! runs, and a run goes on with the one the run before left, refreshing it when its access
//! token expires, so the source logs in once per crisis unless the refresh token expires or
//! is refused. The tokens are never logged nor put in an error message.

use crate::http::{Answer, Http};
use crate::rich::{lenient, lenient_list, one_line, shortened_form_of, text_has_url};
use async_trait::async_trait;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::Mutex;
use vigie_domain::ports::{Batch, SessionKeeper, SkipReason, Source, SourceError};
use vigie_domain::report::{Body, Engagement, Observation};

pub const PAGE: usize = 100;

pub struct BlueskySource {
    id: String,
    service: String,
    query: String,
    handle: String,
    password: String,
    http: Http,
    session: Mutex<Option<Held>>,
    /// Where the session is kept between runs, if anywhere.
    keeper: Option<Arc<dyn SessionKeeper>>,
    /// Where the first run's search starts: the crisis start.
    since: DateTime<Utc>,
}

/// A session as `createSession` and `refreshSession` answer it, and as it is kept (with the
/// service and identifier it was made for, so a session of another account or service is
/// never used). No `Debug`: the tokens must not end up in a log.
#[derive(Clone, Serialize, Deserialize)]
struct Session {
    #[serde(rename = "accessJwt")]
    access: String,
    #[serde(rename = "refreshJwt")]
    refresh: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    did: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    handle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    identifier: Option<String>,
}

/// The session in use, and what the keeper holds as far as this source knows (what a save
/// replaces).
struct Held {
    session: Session,
    kept: Option<String>,
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
    #[serde(default, deserialize_with = "lenient")]
    embed: Option<EmbedView>,
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
    #[serde(default, deserialize_with = "lenient_list")]
    facets: Vec<Facet>,
}

/// `app.bsky.richtext.facet`: features of a slice of the text, given in UTF-8 bytes.
#[derive(Deserialize)]
struct Facet {
    index: ByteSlice,
    #[serde(default, deserialize_with = "lenient_list")]
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct ByteSlice {
    #[serde(rename = "byteStart")]
    start: u64,
    #[serde(rename = "byteEnd")]
    end: u64,
}

/// Mentions and tags are already written in the text as `@handle` and `#tag`; only links
/// show something else than what they point to.
#[derive(Deserialize)]
#[serde(tag = "$type")]
enum Feature {
    #[serde(rename = "app.bsky.richtext.facet#link")]
    Link { uri: String },
    #[serde(other)]
    Other,
}

/// The embed views of a post view (`app.bsky.embed.*#view`).
#[derive(Deserialize)]
#[serde(tag = "$type")]
enum EmbedView {
    #[serde(rename = "app.bsky.embed.images#view")]
    Images(ImagesView),
    #[serde(rename = "app.bsky.embed.video#view")]
    Video(VideoView),
    #[serde(rename = "app.bsky.embed.external#view")]
    External(ExternalView),
    #[serde(rename = "app.bsky.embed.record#view")]
    Record(RecordView),
    #[serde(rename = "app.bsky.embed.recordWithMedia#view")]
    RecordWithMedia(RecordWithMediaView),
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct ImagesView {
    #[serde(default, deserialize_with = "lenient_list")]
    images: Vec<ImageView>,
}

#[derive(Deserialize)]
struct ImageView {
    #[serde(default)]
    alt: Option<String>,
}

#[derive(Deserialize)]
struct VideoView {
    #[serde(default)]
    alt: Option<String>,
}

#[derive(Deserialize)]
struct ExternalView {
    external: External,
}

#[derive(Deserialize)]
struct External {
    #[serde(default)]
    uri: Option<String>,
    #[serde(default)]
    title: Option<String>,
}

#[derive(Deserialize)]
struct RecordView {
    #[serde(default, deserialize_with = "lenient")]
    record: Option<QuotedView>,
}

#[derive(Deserialize)]
struct RecordWithMediaView {
    #[serde(default, deserialize_with = "lenient")]
    media: Option<Box<EmbedView>>,
    #[serde(default, deserialize_with = "lenient")]
    record: Option<RecordView>,
}

/// What `app.bsky.embed.record#view` holds: the quoted post, or why it cannot be shown.
/// Quotes of feeds, lists and other records than posts are left out.
#[derive(Deserialize)]
#[serde(tag = "$type")]
enum QuotedView {
    #[serde(rename = "app.bsky.embed.record#viewRecord")]
    Post {
        uri: String,
        #[serde(default, deserialize_with = "lenient")]
        author: Option<QuotedAuthor>,
        #[serde(default, deserialize_with = "lenient")]
        value: Option<QuotedRecord>,
    },
    #[serde(rename = "app.bsky.embed.record#viewNotFound")]
    NotFound { uri: String },
    #[serde(rename = "app.bsky.embed.record#viewBlocked")]
    Blocked { uri: String },
    #[serde(rename = "app.bsky.embed.record#viewDetached")]
    Detached { uri: String },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct QuotedAuthor {
    #[serde(default)]
    handle: Option<String>,
}

#[derive(Deserialize)]
struct QuotedRecord {
    #[serde(default)]
    text: Option<String>,
    #[serde(default, deserialize_with = "lenient_list")]
    facets: Vec<Facet>,
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
            keeper: None,
            since: Utc::now() - Duration::hours(vigie_domain::crisis::DEFAULT_BACKLOG_HOURS),
        }
    }

    /// The crisis start: the first run searches back to it.
    pub fn since(mut self, since: DateTime<Utc>) -> BlueskySource {
        self.since = since;
        self
    }

    /// Keeps the session with `keeper` between runs: a new source goes on with the session
    /// kept instead of logging in, and saves every session it makes or refreshes.
    pub fn keep_session(mut self, keeper: Arc<dyn SessionKeeper>) -> BlueskySource {
        self.keeper = Some(keeper);
        self
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
        let session: Session = answer.json("Bluesky login")?;
        tracing::info!(source = %self.id, "logged in to Bluesky (new session)");
        Ok(self.stamped(session))
    }

    /// A new session from the refresh token, or `None` when the service refuses it (expired,
    /// revoked): then only logging in again helps. Other failures are errors of the run.
    async fn refresh(&self, refresh_jwt: &str) -> Result<Option<Session>, SourceError> {
        let url = self.xrpc("com.atproto.server.refreshSession");
        let answer = self
            .http
            .send("Bluesky session refresh", |c| {
                c.post(&url).bearer_auth(refresh_jwt)
            })
            .await?;
        if answer.status.is_client_error() {
            tracing::info!(
                source = %self.id,
                status = answer.status.as_u16(),
                error = xrpc_error(&answer).unwrap_or_default(),
                "Bluesky refused to refresh the session; logging in again"
            );
            return Ok(None);
        }
        if !answer.status.is_success() {
            return Err(SourceError::Transient(format!(
                "Bluesky session refresh: HTTP {}",
                answer.status.as_u16()
            )));
        }
        let session: Session = answer.json("Bluesky session refresh")?;
        Ok(Some(self.stamped(session)))
    }

    /// The session marked with the service and identifier it is for.
    fn stamped(&self, mut session: Session) -> Session {
        session.service = Some(self.service.clone());
        session.identifier = Some(self.handle.clone());
        session
    }

    /// The session kept, when there is one of this service and identifier. A store that
    /// cannot be read, or a session kept that cannot, is no reason to fail: the source logs in.
    async fn load_kept(&self) -> (Option<Session>, Option<String>) {
        let Some(keeper) = &self.keeper else {
            return (None, None);
        };
        let raw = match keeper.load().await {
            Ok(raw) => raw,
            Err(e) => {
                tracing::warn!(source = %self.id, error = %e, "the Bluesky session kept could not be read; logging in");
                return (None, None);
            }
        };
        let session = raw
            .as_deref()
            .and_then(|r| serde_json::from_str::<Session>(r).ok())
            .filter(|s| {
                s.service.as_deref() == Some(self.service.as_str())
                    && s.identifier.as_deref() == Some(self.handle.as_str())
            });
        (session, raw)
    }

    /// Keeps `session` in place of what `held` says is kept, and makes it the one in use. When
    /// another run saved a session meanwhile, that one stays kept (this run goes on with its
    /// own); a store that fails is logged, never a failure of the run.
    async fn keep(&self, held: &mut Held, session: Session) {
        held.session = session;
        let Some(keeper) = &self.keeper else { return };
        let Ok(raw) = serde_json::to_string(&held.session) else {
            return;
        };
        match keeper.save(held.kept.as_deref(), &raw).await {
            Ok(true) => held.kept = Some(raw),
            Ok(false) => {
                tracing::info!(source = %self.id, "another run kept a Bluesky session meanwhile; keeping theirs");
                held.kept = keeper.load().await.ok().flatten();
            }
            Err(e) => {
                tracing::warn!(source = %self.id, error = %e, "the Bluesky session could not be kept for the next run");
            }
        }
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

    /// Searches with the current session (the one kept by an earlier run, else a new one),
    /// renewing it once when the service says it expired: with the session another run kept
    /// meanwhile if there is one, else by refreshing it, else by logging in again.
    async fn search_with_session(&self, state: &State) -> Result<Answer, SourceError> {
        let mut guard = self.session.lock().await;
        let held = match guard.take() {
            Some(held) => held,
            None => match self.load_kept().await {
                (Some(session), kept) => Held { session, kept },
                (None, kept) => {
                    let mut held = Held {
                        session: self.login().await?,
                        kept,
                    };
                    let fresh = held.session.clone();
                    self.keep(&mut held, fresh).await;
                    held
                }
            },
        };
        let held = guard.insert(held);
        let answer = self.search(&held.session.access, state).await?;
        if !is_expired(&answer) {
            return Ok(answer);
        }
        // Another run (a Lambda instance beside this one) may have renewed it already.
        if self.keeper.is_some() {
            if let (Some(session), kept) = self.load_kept().await {
                if kept != held.kept {
                    *held = Held { session, kept };
                    let answer = self.search(&held.session.access, state).await?;
                    if !is_expired(&answer) {
                        return Ok(answer);
                    }
                }
            }
        }
        let renewed = match self.refresh(&held.session.refresh).await? {
            Some(s) => s,
            None => self.login().await?,
        };
        self.keep(held, renewed).await;
        self.search(&held.session.access, state).await
    }

    /// The post as an observation, or `None` when it has nothing to read (see [`post_text`]).
    fn observation(&self, p: &Post) -> Option<Observation> {
        let rkey = p.uri.rsplit('/').next().unwrap_or_default();
        let (text, media) = post_text(p)?;
        Some(Observation {
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
            body: Body::Plain(text),
            language: p.record.langs.first().cloned(),
            posted_at: p.record.created_at,
            point: None,
            media,
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
            amends: None,
        })
    }
}

/// The text a volunteer reads for a post, and how many images (or videos) it carries:
///
/// - the post's text, each link facet's slice replaced by the full link when it shows a
///   shortened form of it (`example.org/alerte…`), or followed by the link in parentheses when
///   it shows other words (`the alert (https://…)`); a facet whose byte offsets are out of
///   the text, not on a character boundary, empty, or overlapping an earlier link is ignored;
/// - then, after a blank line, one line per piece of context, in this order: `Image: <alt>`
///   for each image with an alt text, `Video: <alt>`, the link card as
///   `Link: <title> — <url>` (the URL left out when the text already has it, the title when
///   the text already has it, no line when nothing is left), and a quoted post as
///   `Quoting @<handle>: <text> — https://bsky.app/profile/<handle>/post/<rkey>` (or
///   `Quoting a post that is no longer available — <link>`, `… hidden by a block — <link>`,
///   `… detached by its author — <link>` when it cannot be shown), the quoted text's links
///   resolved the same way. Media inside a `recordWithMedia` embed count and read the same.
///
/// A post with still no text but images or a video reads `[image]`, `[N images]` or
/// `[video]`: the picture may be the report, and the post's link takes the volunteer to it.
/// A post with no text and nothing else to show is `None` (skipped as `SkipReason::NoText`).
fn post_text(p: &Post) -> Option<(String, u32)> {
    let main = expand_links(&p.record.text, &p.record.facets)
        .trim()
        .to_string();
    let mut context = Context::default();
    match &p.embed {
        Some(EmbedView::Record(v)) => context.quote(v),
        Some(EmbedView::RecordWithMedia(v)) => {
            // The media first, then the quote, as the post shows them.
            if let Some(media) = &v.media {
                context.media(media, &main);
            }
            if let Some(record) = &v.record {
                context.quote(record);
            }
        }
        Some(media) => context.media(media, &main),
        None => {}
    }
    let Context {
        lines,
        images,
        videos,
    } = context;
    let media = images + videos;
    let text = match (main.is_empty(), lines.is_empty()) {
        (false, true) => main,
        (false, false) => format!("{main}\n\n{}", lines.join("\n")),
        (true, false) => lines.join("\n"),
        (true, true) if images == 1 => "[image]".to_string(),
        (true, true) if images > 1 => format!("[{images} images]"),
        (true, true) if videos > 0 => "[video]".to_string(),
        (true, true) => return None,
    };
    Some((text, media))
}

/// The context lines of a post's embeds, and its media counted.
#[derive(Default)]
struct Context {
    lines: Vec<String>,
    images: u32,
    videos: u32,
}

impl Context {
    /// Images, a video or a link card; `text` is the post's own text, where a card's link
    /// may already be.
    fn media(&mut self, embed: &EmbedView, text: &str) {
        match embed {
            EmbedView::Images(v) => {
                self.images += v.images.len() as u32;
                for image in &v.images {
                    let alt = one_line(image.alt.as_deref().unwrap_or_default());
                    if !alt.is_empty() {
                        self.lines.push(format!("Image: {alt}"));
                    }
                }
            }
            EmbedView::Video(v) => {
                self.videos += 1;
                let alt = one_line(v.alt.as_deref().unwrap_or_default());
                if !alt.is_empty() {
                    self.lines.push(format!("Video: {alt}"));
                }
            }
            EmbedView::External(v) => {
                let url = v.external.uri.as_deref().unwrap_or_default().trim();
                let url = (!url.is_empty() && !text_has_url(text, url)).then_some(url);
                let title = one_line(v.external.title.as_deref().unwrap_or_default());
                let title = (!title.is_empty() && !text.contains(&title)).then_some(title);
                match (title, url) {
                    (Some(t), Some(u)) => self.lines.push(format!("Link: {t} — {u}")),
                    (Some(t), None) => self.lines.push(format!("Link: {t}")),
                    (None, Some(u)) => self.lines.push(format!("Link: {u}")),
                    (None, None) => {}
                }
            }
            // A record in the media slot of a recordWithMedia is no media.
            EmbedView::Record(_) | EmbedView::RecordWithMedia(_) | EmbedView::Other => {}
        }
    }

    fn quote(&mut self, view: &RecordView) {
        let line = match &view.record {
            Some(QuotedView::Post { uri, author, value }) => {
                let handle = author
                    .as_ref()
                    .and_then(|a| a.handle.as_deref())
                    .filter(|h| !h.is_empty() && *h != "handle.invalid");
                let text = value
                    .as_ref()
                    .map(|v| {
                        one_line(&expand_links(
                            v.text.as_deref().unwrap_or_default(),
                            &v.facets,
                        ))
                    })
                    .unwrap_or_default();
                let who = match handle {
                    Some(h) => format!("Quoting @{h}"),
                    None => "Quoting a post".to_string(),
                };
                let said = if text.is_empty() {
                    who
                } else {
                    format!("{who}: {text}")
                };
                with_link(said, post_link(uri, handle))
            }
            Some(QuotedView::NotFound { uri }) => with_link(
                "Quoting a post that is no longer available".into(),
                post_link(uri, None),
            ),
            Some(QuotedView::Blocked { uri }) => with_link(
                "Quoting a post hidden by a block".into(),
                post_link(uri, None),
            ),
            Some(QuotedView::Detached { uri }) => with_link(
                "Quoting a post detached by its author".into(),
                post_link(uri, None),
            ),
            Some(QuotedView::Other) | None => return,
        };
        self.lines.push(line);
    }
}

fn with_link(line: String, link: Option<String>) -> String {
    match link {
        Some(l) => format!("{line} — {l}"),
        None => line,
    }
}

/// The web link of a post from its `at://<did>/app.bsky.feed.post/<rkey>` URI, under the
/// author's handle when known, else under the DID (which the web app accepts too).
fn post_link(uri: &str, handle: Option<&str>) -> Option<String> {
    let rest = uri.strip_prefix("at://")?;
    let mut parts = rest.split('/');
    let (authority, collection, rkey) = (parts.next()?, parts.next()?, parts.next()?);
    if collection != "app.bsky.feed.post" || authority.is_empty() || rkey.is_empty() {
        return None;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(format!(
        "https://bsky.app/profile/{}/post/{rkey}",
        handle.unwrap_or(authority)
    ))
}

/// The text with each link facet's slice resolved (see [`post_text`]).
fn expand_links(text: &str, facets: &[Facet]) -> String {
    let mut links: Vec<(usize, usize, &str)> = facets
        .iter()
        .filter_map(|f| {
            let uri = f.features.iter().find_map(|x| match x {
                Feature::Link { uri } => Some(uri.trim()),
                Feature::Other => None,
            })?;
            let start = usize::try_from(f.index.start).ok()?;
            let end = usize::try_from(f.index.end).ok()?;
            let fits = start < end
                && end <= text.len()
                && text.is_char_boundary(start)
                && text.is_char_boundary(end);
            (fits && !uri.is_empty() && !uri.contains(char::is_whitespace))
                .then_some((start, end, uri))
        })
        .collect();
    links.sort_by_key(|&(start, end, _)| (start, end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, uri) in links {
        if start < at {
            // Overlaps a link already resolved.
            continue;
        }
        out.push_str(&text[at..start]);
        let shown = &text[start..end];
        if shortened_form_of(shown, uri) {
            out.push_str(uri);
        } else {
            out.push_str(shown);
            out.push_str(" (");
            out.push_str(uri);
            out.push(')');
        }
        at = end;
    }
    out.push_str(&text[at..]);
    out
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
                since: Some(stamp(self.since)),
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
            match self.observation(&post) {
                Some(o) => batch.observations.push(o),
                None => batch.skip(SkipReason::NoText),
            }
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

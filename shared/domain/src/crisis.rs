//! The crisis file (docs/api.md §2): parsed from TOML, then validated once into typed settings.
//! Every error names the file, the key and the reason, so an operator can fix it at 3 a.m.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::HashSet;
use std::fmt;
use std::time::Duration;

/// A crisis file that cannot be used, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CrisisError {
    /// The file as the operator named it.
    pub file: String,
    /// `line:column` when the TOML itself is wrong.
    pub position: Option<(usize, usize)>,
    /// The dotted key, such as `sources[2].every`.
    pub key: Option<String>,
    pub reason: String,
}

impl fmt::Display for CrisisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some((line, col)) = self.position {
            write!(f, ":{line}:{col}")?;
        }
        write!(f, ": ")?;
        if let Some(key) = &self.key {
            write!(f, "key `{key}`: ")?;
        }
        write!(f, "{}", self.reason)
    }
}

/// A validated crisis.
#[derive(Debug, Clone, PartialEq)]
pub struct Crisis {
    pub id: String,
    pub name: String,
    pub bbox: BBox,
    pub languages: Vec<String>,
    pub gazetteer: GazetteerRef,
    pub official_accounts: Vec<String>,
    pub keywords: Vec<String>,
    /// When the crisis began: each source's first run collects back to it. `None` in the
    /// file: the first run goes back [`DEFAULT_BACKLOG_HOURS`] from the moment it runs.
    pub since: Option<DateTime<Utc>>,
    pub sources: Vec<SourceConfig>,
    pub tiles: String,
    pub webhook: Option<String>,
    /// How long a volunteer's claim on a report lasts.
    pub claim_minutes: u32,
    /// Web origins allowed to call the triage API from a browser (CORS); empty: none.
    pub cors_origins: Vec<String>,
    /// The association's accounts that approved relays are posted to.
    pub relay: Vec<RelayAccount>,
}

/// One of the association's accounts, for relaying (`[[relay]]`).
#[derive(Debug, Clone, PartialEq)]
pub struct RelayAccount {
    pub id: String,
    pub kind: RelayAccountKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RelayAccountKind {
    /// `POST /api/v1/statuses` with an access token that has the `write:statuses` scope.
    Mastodon { instance: String, token_env: String },
    /// `com.atproto.repo.createRecord` after a session from an app password.
    Bluesky {
        service: String,
        handle_env: String,
        password_env: String,
    },
}

impl RelayAccountKind {
    pub fn network(&self) -> &'static str {
        match self {
            RelayAccountKind::Mastodon { .. } => "mastodon",
            RelayAccountKind::Bluesky { .. } => "bluesky",
        }
    }

    /// The names of the variables (or the secret's keys) holding its credentials.
    pub fn secret_names(&self) -> Vec<&str> {
        match self {
            RelayAccountKind::Mastodon { token_env, .. } => vec![token_env],
            RelayAccountKind::Bluesky {
                handle_env,
                password_env,
                ..
            } => vec![handle_env, password_env],
        }
    }
}

/// West, south, east, north in WGS84 degrees.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BBox {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl BBox {
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        lat >= self.south && lat <= self.north && lon >= self.west && lon <= self.east
    }

    /// The box grown by `km` on every side (a degree of latitude is 111 km; a degree of
    /// longitude shrinks with the cosine of the box's widest latitude).
    pub fn expanded(&self, km: f64) -> BBox {
        let dlat = km / 111.0;
        let widest = self.south.abs().max(self.north.abs()).min(89.0);
        let dlon = dlat / widest.to_radians().cos();
        BBox {
            west: self.west - dlon,
            south: (self.south - dlat).max(-90.0),
            east: self.east + dlon,
            north: (self.north + dlat).min(90.0),
        }
    }

    /// The two boxes share at least a point.
    pub fn intersects(&self, other: &BBox) -> bool {
        self.west <= other.east
            && other.west <= self.east
            && self.south <= other.north
            && other.south <= self.north
    }
}

/// How far back a source's first run collects when the crisis file gives no `since`.
pub const DEFAULT_BACKLOG_HOURS: i64 = 24;

/// A feed's default margin around the crisis box: a felt earthquake offshore is kept, one on
/// another continent is not.
pub const DEFAULT_FEED_MARGIN_KM: f64 = 300.0;

/// Where the place names come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GazetteerRef {
    /// One of the gazetteers bundled with Vigie, by name (`builtin:guadeloupe`, `builtin:fr-972`,
    /// `builtin:fr-56`: see `gazetteer::builtin_names`).
    Builtin(String),
    /// A CSV in the gazetteer format, as written in the file (relative to the crisis file).
    Path(String),
}

pub const DEFAULT_TILES: &str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";

/// One collector: where it reads and how often.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceConfig {
    pub id: String,
    pub every: Duration,
    pub kind: SourceKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SourceKind {
    Mastodon {
        instance: String,
        hashtags: Vec<String>,
        token_env: Option<String>,
    },
    Bluesky {
        service: String,
        query: String,
        handle_env: String,
        password_env: String,
    },
    Feed {
        url: String,
        official: bool,
        /// How far outside the crisis box an item's geometry may lie and still be kept.
        margin_km: f64,
        /// The feed is about the crisis territory only: items without geometry are kept
        /// even when they name no place of the gazetteer. Defaults to `official`.
        covers_area: bool,
    },
    /// X API v2 recent search.
    X {
        api: String,
        /// The search query, as given or built from the hashtags and the crisis's keywords.
        query: String,
        bearer_env: String,
        /// Posts read per calendar month (UTC), never exceeded.
        monthly_cap: u64,
    },
    /// YouTube Data API v3: `search.list`, then `videos.list` for the details.
    YouTube {
        api: String,
        /// The search (`q`), as given or built from the hashtags and the crisis's keywords.
        query: String,
        key_env: String,
        /// Quota units a day (Pacific time, as Google counts them), never exceeded.
        daily_quota: u64,
        /// Ask YouTube for videos recorded near the crisis area only (`location`,
        /// `locationRadius`): few videos carry a place, so this is off by default.
        near_area: bool,
        /// Pages read a run, derived with `every` from the daily quota.
        pages: usize,
    },
    /// The bundled demo stream: replays synthetic posts, `batch` per run.
    Demo { batch: usize },
}

impl SourceKind {
    pub fn name(&self) -> &'static str {
        match self {
            SourceKind::Mastodon { .. } => "mastodon",
            SourceKind::Bluesky { .. } => "bluesky",
            SourceKind::Feed { .. } => "feed",
            SourceKind::X { .. } => "x",
            SourceKind::YouTube { .. } => "youtube",
            SourceKind::Demo { .. } => "demo",
        }
    }
}

/// The kind of sources one collector function runs: each `functions/collect-*` binary names its
/// kind with this type, so a misspelt kind does not build (a string would give a function that
/// collects nothing and succeeds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CollectorKind {
    Mastodon,
    Bluesky,
    Feed,
    X,
    YouTube,
}

impl CollectorKind {
    pub const ALL: [CollectorKind; 5] = [
        CollectorKind::Mastodon,
        CollectorKind::Bluesky,
        CollectorKind::Feed,
        CollectorKind::X,
        CollectorKind::YouTube,
    ];

    /// The crisis file's `kind` of the sources it runs ([`SourceKind::name`]).
    pub fn name(self) -> &'static str {
        match self {
            CollectorKind::Mastodon => "mastodon",
            CollectorKind::Bluesky => "bluesky",
            CollectorKind::Feed => "feed",
            CollectorKind::X => "x",
            CollectorKind::YouTube => "youtube",
        }
    }

    /// Whether a source of this kind is one this collector runs (the demo is run by no
    /// function: it is `vigie local`'s).
    pub fn runs(self, kind: &SourceKind) -> bool {
        self.name() == kind.name()
    }
}

impl std::fmt::Display for CollectorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is none of [`CollectorKind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a collector kind (known: {known})", known = CollectorKind::ALL.map(|k| k.name()).join(", "))]
pub struct UnknownCollectorKind(pub String);

impl std::str::FromStr for CollectorKind {
    type Err = UnknownCollectorKind;

    fn from_str(s: &str) -> Result<CollectorKind, UnknownCollectorKind> {
        CollectorKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| UnknownCollectorKind(s.to_string()))
    }
}

// ---- the file as written -------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    crisis: RawCrisis,
    /// Each source read on its own afterwards, so that an error inside one names it and points
    /// at its own table rather than at the first `[[sources]]`.
    #[serde(default)]
    sources: Vec<toml::Spanned<toml::Table>>,
    #[serde(default)]
    publish: RawPublish,
    #[serde(default)]
    notify: RawNotify,
    #[serde(default)]
    triage: RawTriage,
    /// Read one by one, as the sources are.
    #[serde(default)]
    relay: Vec<toml::Spanned<toml::Table>>,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
enum RawRelay {
    Mastodon {
        id: String,
        instance: String,
        token_env: String,
    },
    Bluesky {
        id: String,
        #[serde(default = "default_bsky_service")]
        service: String,
        handle_env: String,
        password_env: String,
    },
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTriage {
    claim_minutes: Option<u32>,
    #[serde(default)]
    cors_origins: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCrisis {
    id: String,
    name: String,
    bbox: Vec<f64>,
    #[serde(default = "default_languages")]
    languages: Vec<String>,
    #[serde(default = "default_gazetteer")]
    gazetteer: String,
    #[serde(default)]
    official_accounts: Vec<String>,
    #[serde(default)]
    keywords: Vec<String>,
    /// A quoted RFC 3339 string or a TOML offset date-time.
    since: Option<toml::Value>,
}

fn default_languages() -> Vec<String> {
    vec!["fr".into(), "en".into(), "gcf".into()]
}

fn default_gazetteer() -> String {
    "builtin:guadeloupe".into()
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum RawSource {
    Mastodon(RawMastodon),
    Bluesky(RawBluesky),
    Feed(RawFeed),
    X(RawX),
    #[serde(rename = "youtube")]
    YouTube(RawYouTube),
    Demo(RawDemo),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMastodon {
    id: String,
    instance: String,
    hashtags: Vec<String>,
    token_env: Option<String>,
    every: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBluesky {
    id: String,
    #[serde(default = "default_bsky_service")]
    service: String,
    query: String,
    handle_env: String,
    password_env: String,
    every: Option<String>,
}

fn default_bsky_service() -> String {
    "https://bsky.social".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    id: String,
    url: String,
    #[serde(default)]
    official: bool,
    margin_km: Option<f64>,
    /// By default an official feed (the authority's own) covers the territory.
    covers_area: Option<bool>,
    every: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawX {
    id: String,
    #[serde(default = "default_x_api")]
    api: String,
    query: Option<String>,
    hashtags: Option<Vec<String>>,
    bearer_env: String,
    monthly_cap: Option<u64>,
    every: Option<String>,
}

fn default_x_api() -> String {
    "https://api.x.com".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYouTube {
    id: String,
    #[serde(default = "default_youtube_api")]
    api: String,
    query: Option<String>,
    hashtags: Option<Vec<String>>,
    key_env: String,
    daily_quota: Option<u64>,
    #[serde(default)]
    near_area: bool,
    every: Option<String>,
}

fn default_youtube_api() -> String {
    "https://www.googleapis.com".into()
}

/// A YouTube project's quota units a day when the crisis file sets none (Google's default).
pub const DEFAULT_YOUTUBE_DAILY_QUOTA: u64 = 10_000;

/// What one page costs in quota units: `search.list` (100) and `videos.list` (1).
pub const YOUTUBE_PAGE_UNITS: u64 = 101;

/// The most pages a run of a YouTube source reads, however large its quota.
pub const YOUTUBE_MAX_PAGES: usize = 10;

/// Why a YouTube source's quota and interval do not fit together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuotaError {
    #[error("{daily_quota} units do not pay for one page ({YOUTUBE_PAGE_UNITS} units: search 100, videos 1)")]
    BelowOnePage { daily_quota: u64 },
    #[error("{runs} runs a day of at least {YOUTUBE_PAGE_UNITS} units spend {} units, over the daily quota of {daily_quota}: give `every` of at least {shortest_minutes}m, or leave it out", runs * YOUTUBE_PAGE_UNITS)]
    TooOften {
        runs: u64,
        daily_quota: u64,
        shortest_minutes: u64,
    },
}

/// How often a YouTube source runs and how many pages a run reads, so that a day of runs
/// spends at most `daily_quota` units. Without `every`, the shortest interval in whole
/// minutes (two at least) that a page a run allows; with it, an error when even one page a
/// run would spend more than the quota.
pub fn youtube_plan(
    daily_quota: u64,
    every: Option<Duration>,
) -> Result<(Duration, usize), QuotaError> {
    const DAY: u64 = 86_400;
    let most_runs = daily_quota / YOUTUBE_PAGE_UNITS;
    if most_runs == 0 {
        return Err(QuotaError::BelowOnePage { daily_quota });
    }
    let shortest = DAY.div_ceil(most_runs).div_ceil(60).max(2) * 60;
    let every = match every {
        None => Duration::from_secs(shortest),
        Some(every) => {
            let runs = DAY.div_ceil(every.as_secs().max(1));
            if runs * YOUTUBE_PAGE_UNITS > daily_quota {
                return Err(QuotaError::TooOften {
                    runs,
                    daily_quota,
                    shortest_minutes: shortest / 60,
                });
            }
            every
        }
    };
    let runs = DAY.div_ceil(every.as_secs().max(1));
    let pages = (daily_quota / (runs * YOUTUBE_PAGE_UNITS)).clamp(1, YOUTUBE_MAX_PAGES as u64);
    Ok((every, pages as usize))
}

/// X's posts read per month when the crisis file sets none (the entry plan's order of size).
pub const DEFAULT_X_MONTHLY_CAP: u64 = 10_000;

/// The longest query X's recent search takes on its basic plans.
pub const X_QUERY_MAX: usize = 512;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDemo {
    id: String,
    every: Option<String>,
    batch: Option<usize>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPublish {
    tiles: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawNotify {
    webhook: Option<String>,
}

// ---- parsing and validation ----------------------------------------------------------

/// What is wrong at `at` in a file TOML refuses: the parser's message, or, when it has none
/// (a control character, for one), the character found there.
fn toml_reason(message: &str, text: &str, at: Option<usize>) -> String {
    // On one line, as every error of the crisis file is shown.
    let message = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(": ");
    if !message.is_empty() {
        return message;
    }
    match at
        .and_then(|i| text.get(i..))
        .and_then(|rest| rest.chars().next())
    {
        Some(c) if c.is_control() || !c.is_alphanumeric() => {
            format!("invalid TOML: unexpected character U+{:04X}", c as u32)
        }
        Some(c) => format!("invalid TOML: unexpected `{c}`"),
        None => "invalid TOML: the file ends too early".into(),
    }
}

impl Crisis {
    /// The crisis's hashtags, as a relay's text carries them: those its Mastodon sources
    /// follow and those its searches name, `#` first, each once (whatever its case), in the
    /// order of the file.
    pub fn hashtags(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut add = |tag: &str| {
            let tag = tag.trim_start_matches('#');
            let tag: String = tag
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !tag.is_empty() && !out.iter().any(|t| t[1..].eq_ignore_ascii_case(&tag)) {
                out.push(format!("#{tag}"));
            }
        };
        for source in &self.sources {
            match &source.kind {
                SourceKind::Mastodon { hashtags, .. } => hashtags.iter().for_each(|t| add(t)),
                SourceKind::Bluesky { query, .. }
                | SourceKind::X { query, .. }
                | SourceKind::YouTube { query, .. } => query
                    .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
                    .filter(|w| w.starts_with('#'))
                    .for_each(&mut add),
                SourceKind::Feed { .. } | SourceKind::Demo { .. } => {}
            }
        }
        out
    }

    /// Parses and validates a crisis file. `file` is the name shown in errors.
    pub fn parse(file: &str, text: &str) -> Result<Crisis, CrisisError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let position = e.span().map(|span| line_col(text, span.start));
            CrisisError {
                file: file.to_string(),
                position,
                key: None,
                reason: toml_reason(e.message(), text, e.span().map(|s| s.start)),
            }
        })?;
        let fail = |key: String, reason: String| CrisisError {
            file: file.to_string(),
            position: None,
            key: Some(key),
            reason,
        };

        let c = raw.crisis;
        if let Err(reason) = check_crisis_id(&c.id) {
            return Err(fail("crisis.id".into(), reason.to_string()));
        }
        if c.name.trim().is_empty() {
            return Err(fail("crisis.name".into(), "must not be empty".into()));
        }
        let bbox = validate_bbox(&c.bbox).map_err(|r| fail("crisis.bbox".into(), r))?;
        for (i, lang) in c.languages.iter().enumerate() {
            let ok =
                (2..=3).contains(&lang.len()) && lang.chars().all(|ch| ch.is_ascii_lowercase());
            if !ok {
                return Err(fail(
                    format!("crisis.languages[{i}]"),
                    format!("`{lang}` is not a language code such as fr, en or gcf"),
                ));
            }
        }
        let gazetteer = match c.gazetteer.strip_prefix("builtin:") {
            Some(name) if crate::gazetteer::is_builtin(name) => GazetteerRef::Builtin(name.into()),
            Some(name) => {
                return Err(fail(
                    "crisis.gazetteer".into(),
                    format!(
                        "unknown builtin gazetteer `{name}` (builtin: {}); give a path to a CSV for another territory",
                        crate::gazetteer::builtin_summary()
                    ),
                ))
            }
            None if c.gazetteer.trim().is_empty() => {
                return Err(fail("crisis.gazetteer".into(), "must not be empty".into()))
            }
            None => GazetteerRef::Path(c.gazetteer.clone()),
        };
        for (i, account) in c.official_accounts.iter().enumerate() {
            if account.trim().is_empty() || account.contains(char::is_whitespace) {
                return Err(fail(
                    format!("crisis.official_accounts[{i}]"),
                    format!("`{account}` is not an account (a handle or profile URL, no spaces)"),
                ));
            }
        }

        let mut seen = HashSet::new();
        let mut sources = Vec::with_capacity(raw.sources.len());
        for (i, spanned) in raw.sources.into_iter().enumerate() {
            let at = |field: &str| format!("sources[{i}].{field}");
            let start = spanned.span().start;
            let source =
                RawSource::deserialize(toml::Value::Table(spanned.into_inner())).map_err(|e| {
                    let reason = toml_reason(e.message(), text, Some(start));
                    let key = match unknown_field(&reason) {
                        Some(field) => at(field),
                        None => format!("sources[{i}]"),
                    };
                    CrisisError {
                        file: file.to_string(),
                        position: Some(line_col(text, start)),
                        key: Some(key),
                        reason,
                    }
                })?;
            let (id, every, kind) = match source {
                RawSource::Mastodon(m) => {
                    check_url(&m.instance).map_err(|r| fail(at("instance"), r))?;
                    let hashtags = hashtags(&m.hashtags).map_err(|r| fail(at("hashtags"), r))?;
                    if let Some(var) = &m.token_env {
                        check_env_name(var).map_err(|r| fail(at("token_env"), r))?;
                        check_secret_transport(&m.instance).map_err(|r| fail(at("instance"), r))?;
                    }
                    let kind = SourceKind::Mastodon {
                        instance: m.instance.trim_end_matches('/').to_string(),
                        hashtags,
                        token_env: m.token_env,
                    };
                    (m.id, m.every, kind)
                }
                RawSource::Bluesky(b) => {
                    check_url(&b.service).map_err(|r| fail(at("service"), r))?;
                    if b.query.trim().is_empty() {
                        return Err(fail(at("query"), "must not be empty".into()));
                    }
                    check_env_name(&b.handle_env).map_err(|r| fail(at("handle_env"), r))?;
                    check_env_name(&b.password_env).map_err(|r| fail(at("password_env"), r))?;
                    check_secret_transport(&b.service).map_err(|r| fail(at("service"), r))?;
                    let kind = SourceKind::Bluesky {
                        service: b.service.trim_end_matches('/').to_string(),
                        query: b.query,
                        handle_env: b.handle_env,
                        password_env: b.password_env,
                    };
                    (b.id, b.every, kind)
                }
                RawSource::Feed(f) => {
                    check_url(&f.url).map_err(|r| fail(at("url"), r))?;
                    let margin_km = f.margin_km.unwrap_or(DEFAULT_FEED_MARGIN_KM);
                    if !(0.0..=5000.0).contains(&margin_km) {
                        return Err(fail(
                            at("margin_km"),
                            format!("{margin_km} must be between 0 and 5000 (km)"),
                        ));
                    }
                    let kind = SourceKind::Feed {
                        url: f.url,
                        official: f.official,
                        margin_km,
                        covers_area: f.covers_area.unwrap_or(f.official),
                    };
                    (f.id, f.every, kind)
                }
                RawSource::X(x) => {
                    check_url(&x.api).map_err(|r| fail(at("api"), r))?;
                    check_env_name(&x.bearer_env).map_err(|r| fail(at("bearer_env"), r))?;
                    check_secret_transport(&x.api).map_err(|r| fail(at("api"), r))?;
                    let monthly_cap = x.monthly_cap.unwrap_or(DEFAULT_X_MONTHLY_CAP);
                    if !(10..=100_000_000).contains(&monthly_cap) {
                        return Err(fail(
                            at("monthly_cap"),
                            format!("{monthly_cap} must be between 10 and 100000000 (posts read a month)"),
                        ));
                    }
                    let query = search_terms(&x.query, &x.hashtags, &c.keywords, x_query)
                        .map_err(|(key, r)| fail(at(key), r))?;
                    let kind = SourceKind::X {
                        api: x.api.trim_end_matches('/').to_string(),
                        query: query.unwrap_or_default(),
                        bearer_env: x.bearer_env,
                        monthly_cap,
                    };
                    (x.id, x.every, kind)
                }
                RawSource::YouTube(y) => {
                    check_url(&y.api).map_err(|r| fail(at("api"), r))?;
                    check_env_name(&y.key_env).map_err(|r| fail(at("key_env"), r))?;
                    check_secret_transport(&y.api).map_err(|r| fail(at("api"), r))?;
                    let daily_quota = y.daily_quota.unwrap_or(DEFAULT_YOUTUBE_DAILY_QUOTA);
                    if !(YOUTUBE_PAGE_UNITS..=1_000_000_000).contains(&daily_quota) {
                        return Err(fail(
                            at("daily_quota"),
                            format!("{daily_quota} must be between {YOUTUBE_PAGE_UNITS} and 1000000000 (quota units a day)"),
                        ));
                    }
                    let every = match &y.every {
                        None => None,
                        Some(text) => {
                            Some(parse_every(text).map_err(|r| fail(at("every"), r.to_string()))?)
                        }
                    };
                    let (every, pages) = youtube_plan(daily_quota, every).map_err(|r| {
                        fail(
                            at(if y.every.is_some() {
                                "every"
                            } else {
                                "daily_quota"
                            }),
                            r.to_string(),
                        )
                    })?;
                    let query = search_terms(&y.query, &y.hashtags, &c.keywords, youtube_query)
                        .map_err(|(key, r)| fail(at(key), r))?;
                    let kind = SourceKind::YouTube {
                        api: y.api.trim_end_matches('/').to_string(),
                        query: query.unwrap_or_default(),
                        key_env: y.key_env,
                        daily_quota,
                        near_area: y.near_area,
                        pages,
                    };
                    (y.id, Some(format!("{}s", every.as_secs())), kind)
                }
                RawSource::Demo(d) => {
                    let batch = d.batch.unwrap_or(3);
                    if batch == 0 || batch > 500 {
                        return Err(fail(at("batch"), "must be between 1 and 500".into()));
                    }
                    (d.id, d.every, SourceKind::Demo { batch })
                }
            };
            if !valid_id(&id, 1, 40) {
                return Err(fail(
                    at("id"),
                    format!("`{id}` must be 1 to 40 characters of a-z, 0-9 and -"),
                ));
            }
            if !seen.insert(id.clone()) {
                return Err(fail(at("id"), format!("`{id}` is used by another source")));
            }
            let every = match every {
                None => Duration::from_secs(120),
                Some(text) => parse_every(&text).map_err(|r| fail(at("every"), r.to_string()))?,
            };
            sources.push(SourceConfig { id, every, kind });
        }
        // An X source without its own query searches the hashtags of the file's Mastodon
        // sources with the crisis's keywords.
        let tags: Vec<String> = sources
            .iter()
            .filter_map(|s| match &s.kind {
                SourceKind::Mastodon { hashtags, .. } => Some(hashtags.clone()),
                _ => None,
            })
            .flatten()
            .fold(Vec::new(), |mut all, tag| {
                if !all.iter().any(|t: &String| t.eq_ignore_ascii_case(&tag)) {
                    all.push(tag);
                }
                all
            });
        for (i, source) in sources.iter_mut().enumerate() {
            let (query, build, max): (_, QueryBuilder, _) = match &mut source.kind {
                SourceKind::X { query, .. } => (query, x_query, X_QUERY_MAX),
                SourceKind::YouTube { query, .. } => (query, youtube_query, usize::MAX),
                _ => continue,
            };
            if query.is_empty() {
                if tags.is_empty() && c.keywords.is_empty() {
                    return Err(fail(
                        format!("sources[{i}].query"),
                        "nothing to search: give `query` or `hashtags`, or keywords in [crisis]"
                            .into(),
                    ));
                }
                *query = build(&tags, &c.keywords);
            }
            let length = query.chars().count();
            if length > max {
                return Err(fail(
                    format!("sources[{i}].query"),
                    format!("the search is {length} characters long, over X's {X_QUERY_MAX}: give a shorter `query`"),
                ));
            }
        }

        let since = match &c.since {
            None => None,
            Some(value) => {
                let text = match value {
                    toml::Value::String(s) => s.trim().to_string(),
                    toml::Value::Datetime(d) => d.to_string(),
                    other => other.to_string(),
                };
                let at = DateTime::parse_from_rfc3339(&text).map_err(|_| {
                    fail(
                        "crisis.since".into(),
                        format!("`{text}` is not a date-time with its offset, such as 2026-09-14T00:00:00Z"),
                    )
                })?;
                Some(at.with_timezone(&Utc))
            }
        };

        let tiles = raw
            .publish
            .tiles
            .unwrap_or_else(|| DEFAULT_TILES.to_string());
        if !(tiles.starts_with("https://") || tiles.starts_with("http://"))
            || !["{z}", "{x}", "{y}"].iter().all(|p| tiles.contains(p))
        {
            return Err(fail(
                "publish.tiles".into(),
                format!("`{tiles}` must be an http(s) URL template with {{z}}, {{x}} and {{y}}"),
            ));
        }
        if let Some(hook) = &raw.notify.webhook {
            check_url(hook).map_err(|r| fail("notify.webhook".into(), r))?;
        }

        let claim_minutes = raw.triage.claim_minutes.unwrap_or(15);
        if !(1..=240).contains(&claim_minutes) {
            return Err(fail(
                "triage.claim_minutes".into(),
                format!("{claim_minutes} must be between 1 and 240"),
            ));
        }
        for (i, origin) in raw.triage.cors_origins.iter().enumerate() {
            if origin != "*" {
                check_url(origin).map_err(|r| fail(format!("triage.cors_origins[{i}]"), r))?;
            }
        }

        let mut relay = Vec::with_capacity(raw.relay.len());
        for (i, spanned) in raw.relay.into_iter().enumerate() {
            let at = |field: &str| format!("relay[{i}].{field}");
            let start = spanned.span().start;
            let account =
                RawRelay::deserialize(toml::Value::Table(spanned.into_inner())).map_err(|e| {
                    let reason = toml_reason(e.message(), text, Some(start));
                    let key = match unknown_field(&reason) {
                        Some(field) => at(field),
                        None => format!("relay[{i}]"),
                    };
                    CrisisError {
                        file: file.to_string(),
                        position: Some(line_col(text, start)),
                        key: Some(key),
                        reason,
                    }
                })?;
            let (id, kind) = match account {
                RawRelay::Mastodon {
                    id,
                    instance,
                    token_env,
                } => {
                    check_url(&instance).map_err(|r| fail(at("instance"), r))?;
                    check_secret_transport(&instance).map_err(|r| fail(at("instance"), r))?;
                    check_env_name(&token_env).map_err(|r| fail(at("token_env"), r))?;
                    let instance = instance.trim_end_matches('/').to_string();
                    (
                        id,
                        RelayAccountKind::Mastodon {
                            instance,
                            token_env,
                        },
                    )
                }
                RawRelay::Bluesky {
                    id,
                    service,
                    handle_env,
                    password_env,
                } => {
                    check_url(&service).map_err(|r| fail(at("service"), r))?;
                    check_secret_transport(&service).map_err(|r| fail(at("service"), r))?;
                    check_env_name(&handle_env).map_err(|r| fail(at("handle_env"), r))?;
                    check_env_name(&password_env).map_err(|r| fail(at("password_env"), r))?;
                    let service = service.trim_end_matches('/').to_string();
                    (
                        id,
                        RelayAccountKind::Bluesky {
                            service,
                            handle_env,
                            password_env,
                        },
                    )
                }
            };
            if !valid_id(&id, 1, 40) {
                return Err(fail(
                    at("id"),
                    format!("`{id}` must be 1 to 40 characters of a-z, 0-9 and -"),
                ));
            }
            if relay.iter().any(|a: &RelayAccount| a.id == id) {
                return Err(fail(at("id"), format!("`{id}` is used by another account")));
            }
            relay.push(RelayAccount { id, kind });
        }

        Ok(Crisis {
            id: c.id,
            name: c.name,
            bbox,
            languages: c.languages,
            gazetteer,
            official_accounts: c.official_accounts,
            keywords: c.keywords,
            since,
            sources,
            tiles,
            webhook: raw.notify.webhook,
            claim_minutes,
            cors_origins: raw.triage.cors_origins,
            relay,
        })
    }

    pub fn source(&self, id: &str) -> Option<&SourceConfig> {
        self.sources.iter().find(|s| s.id == id)
    }
}

/// The field serde names in "unknown field `x`, expected ...".
fn unknown_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split('`').next()
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// The rule of a crisis id, wherever one is given (the crisis file, `vigie deactivate`,
/// `vigie status`): 3 to 40 characters of a-z, 0-9 and `-`, so that it fits in the names of the
/// stack, its table and its buckets.
pub fn check_crisis_id(id: &str) -> Result<(), BadCrisisId> {
    if valid_id(id, 3, 40) {
        Ok(())
    } else {
        Err(BadCrisisId(id.to_string()))
    }
}

/// A crisis id that breaks the rule of [`check_crisis_id`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` must be 3 to 40 characters of a-z, 0-9 and -")]
pub struct BadCrisisId(pub String);

fn valid_id(id: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn validate_bbox(b: &[f64]) -> Result<BBox, String> {
    let [west, south, east, north] = b else {
        return Err(format!(
            "needs 4 numbers [west, south, east, north], found {}",
            b.len()
        ));
    };
    let (west, south, east, north) = (*west, *south, *east, *north);
    for (name, v, limit) in [
        ("west", west, 180.0),
        ("east", east, 180.0),
        ("south", south, 90.0),
        ("north", north, 90.0),
    ] {
        if !v.is_finite() || v.abs() > limit {
            return Err(format!("{name} = {v} is out of range (±{limit})"));
        }
    }
    if west >= east {
        return Err(format!(
            "west ({west}) must be less than east ({east}); the order is [west, south, east, north]"
        ));
    }
    if south >= north {
        return Err(format!(
            "south ({south}) must be less than north ({north}); the order is [west, south, east, north]"
        ));
    }
    Ok(BBox {
        west,
        south,
        east,
        north,
    })
}

/// Hashtags as written in the file, `#` or not: letters, digits and `_`.
fn hashtags(list: &[String]) -> Result<Vec<String>, String> {
    let tags: Vec<String> = list
        .iter()
        .map(|h| h.trim().trim_start_matches('#').to_string())
        .collect();
    if tags.is_empty() {
        return Err("needs at least one hashtag".into());
    }
    if let Some(bad) = tags
        .iter()
        .find(|h| h.is_empty() || !h.chars().all(|c| c.is_alphanumeric() || c == '_'))
    {
        return Err(format!(
            "`{bad}` is not a hashtag (letters, digits and _ only)"
        ));
    }
    Ok(tags)
}

/// How a network's search is written from hashtags and keywords.
type QueryBuilder = fn(&[String], &[String]) -> String;

/// A source's search: its `query` as given, else one built from its `hashtags` and the
/// crisis's keywords, else none yet (built once every source is read). An error names the key.
fn search_terms(
    query: &Option<String>,
    tags: &Option<Vec<String>>,
    keywords: &[String],
    build: QueryBuilder,
) -> Result<Option<String>, (&'static str, String)> {
    match (query, tags) {
        (Some(_), Some(_)) => Err((
            "hashtags",
            "give either `query` (the whole search) or `hashtags`, not both".into(),
        )),
        (Some(q), None) if q.trim().is_empty() => Err(("query", "must not be empty".into())),
        (Some(q), None) => Ok(Some(q.trim().to_string())),
        (None, Some(tags)) => Ok(Some(build(
            &hashtags(tags).map_err(|r| ("hashtags", r))?,
            keywords,
        ))),
        (None, None) => Ok(None),
    }
}

/// A YouTube search from hashtags and keywords: YouTube's `q` takes `|` for "or" and a space
/// for "and" (`#Guadeloupe|#Gwada cyclone|inondation`); phrases are quoted.
pub fn youtube_query(hashtags: &[String], keywords: &[String]) -> String {
    let quoted = |k: &String| {
        let k = k.trim().replace('"', "");
        if k.contains(char::is_whitespace) {
            format!("\"{k}\"")
        } else {
            k
        }
    };
    let tags: Vec<String> = hashtags.iter().map(|t| format!("#{t}")).collect();
    let words: Vec<String> = keywords
        .iter()
        .filter(|k| !k.trim().is_empty())
        .map(quoted)
        .collect();
    [tags.join("|"), words.join("|")]
        .into_iter()
        .filter(|g| !g.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// An X search from hashtags and keywords: posts with one of the hashtags that say one of the
/// keywords (`(#A OR #B) (cyclone OR inondation)`), the hashtags alone when there is no
/// keyword, the keywords alone when there is no hashtag. Reposts stay in: they count how far a
/// post spread.
pub fn x_query(hashtags: &[String], keywords: &[String]) -> String {
    fn group(terms: Vec<String>) -> Option<String> {
        match terms.len() {
            0 => None,
            1 => terms.into_iter().next(),
            _ => Some(format!("({})", terms.join(" OR "))),
        }
    }
    let quoted = |k: &String| {
        let k = k.trim().replace('"', "");
        if k.contains(char::is_whitespace) {
            format!("\"{k}\"")
        } else {
            k
        }
    };
    let tags = group(hashtags.iter().map(|t| format!("#{t}")).collect());
    let words = group(
        keywords
            .iter()
            .filter(|k| !k.trim().is_empty())
            .map(quoted)
            .collect(),
    );
    [tags, words]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("`{url}` must be an http:// or https:// URL"))?;
    if rest.is_empty() || rest.starts_with('/') || url.contains(char::is_whitespace) {
        return Err(format!("`{url}` has no host"));
    }
    Ok(())
}

/// A source that sends a token or a password must use https, but on this machine (tests,
/// exercises against local servers).
fn check_secret_transport(url: &str) -> Result<(), String> {
    let host = url
        .strip_prefix("http://")
        .map(|rest| rest.split(['/', ':']).next().unwrap_or_default());
    match host {
        None | Some("127.0.0.1" | "localhost" | "[::1]") => Ok(()),
        Some(_) => Err(format!(
            "`{url}` must be https:// since the source sends a token or password"
        )),
    }
}

fn check_env_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a variable name (the file names the variable that holds the secret, never the secret)"
        ))
    }
}

/// Parses a schedule such as `30s`, `2m`, `1h`. At least 10 seconds, at most a day.
pub fn parse_every(text: &str) -> Result<Duration, EveryError> {
    let text = text.trim();
    let owned = || text.to_string();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| EveryError::NoUnit(owned()))?;
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().map_err(|_| EveryError::NoNumber(owned()))?;
    let secs = match unit {
        "s" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        _ => {
            return Err(EveryError::UnknownUnit {
                text: owned(),
                unit: unit.to_string(),
            })
        }
    };
    match secs {
        Some(secs) if (10..=86_400).contains(&secs) => Ok(Duration::from_secs(secs)),
        _ => Err(EveryError::OutOfRange(owned())),
    }
}

/// What is wrong with a schedule such as `2m`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EveryError {
    #[error("`{0}` needs a unit: s, m or h (such as 2m)")]
    NoUnit(String),
    #[error("`{0}` must start with a number (such as 2m)")]
    NoNumber(String),
    #[error("`{text}`: unit `{unit}` is not one of s, m, h")]
    UnknownUnit { text: String, unit: String },
    #[error("`{0}` must be between 10s and 24h")]
    OutOfRange(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
[crisis]
id = "gp-cyclone-2026"
name = "Cyclone — Guadeloupe"
bbox = [-61.85, 15.83, -61.00, 16.52]
languages = ["fr", "en", "gcf"]
gazetteer = "builtin:guadeloupe"
official_accounts = ["prefet971@mastodon.example", "https://bsky.app/profile/meteo.example"]
keywords = ["cyclone", "inondation", "coupure"]

[[sources]]
id = "masto-main"
kind = "mastodon"
instance = "https://mastodon.example"
hashtags = ["Guadeloupe", "Gwada"]
token_env = "MASTO_MAIN_TOKEN"
every = "2m"

[[sources]]
id = "bsky"
kind = "bluesky"
service = "https://bsky.social"
query = "Guadeloupe cyclone"
handle_env = "BSKY_HANDLE"
password_env = "BSKY_APP_PASSWORD"
every = "2m"

[[sources]]
id = "prefecture"
kind = "feed"
url = "https://www.example.gouv.fr/alertes.rss"
official = true
every = "5m"

[publish]
tiles = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

[notify]
webhook = "https://hooks.example/vigie"
"#;

    fn err(text: &str) -> String {
        Crisis::parse("crisis.toml", text).unwrap_err().to_string()
    }

    #[test]
    fn each_source_is_run_by_one_collector_and_a_misspelt_kind_is_refused() {
        let c = Crisis::parse("crisis.toml", EXAMPLE).unwrap();
        assert!(!c.sources.is_empty());
        for source in &c.sources {
            let runners: Vec<CollectorKind> = CollectorKind::ALL
                .into_iter()
                .filter(|k| k.runs(&source.kind))
                .collect();
            assert_eq!(runners.len(), 1, "{}: {runners:?}", source.id);
            assert_eq!(runners[0].name(), source.kind.name());
        }
        let demo = SourceKind::Demo { batch: 1 };
        assert!(CollectorKind::ALL.iter().all(|k| !k.runs(&demo)));
        for kind in CollectorKind::ALL {
            assert_eq!(kind.name().parse::<CollectorKind>(), Ok(kind));
        }
        let err = "mastdon".parse::<CollectorKind>().unwrap_err().to_string();
        assert!(
            err.contains("mastdon") && err.contains("mastodon, bluesky, feed, x, youtube"),
            "{err}"
        );
        assert!("demo".parse::<CollectorKind>().is_err());
    }

    #[test]
    fn hashtags_come_from_the_followed_tags_and_the_searches_once_each() {
        let mut text = EXAMPLE.replace(
            r#"query = "Guadeloupe cyclone""#,
            r#"query = "(#gwada OR #Cyclone971) -is:retweet""#,
        );
        text.push_str("[[sources]]\nid = \"x\"\nkind = \"x\"\nquery = \"#Guadeloupe #Maria, secours\"\nbearer_env = \"XB\"\n");
        let c = Crisis::parse("crisis.toml", &text).unwrap();
        assert_eq!(
            c.hashtags(),
            ["#Guadeloupe", "#Gwada", "#Cyclone971", "#Maria"]
        );
    }

    #[test]
    fn contract_example_parses() {
        let c = Crisis::parse("crisis.toml", EXAMPLE).unwrap();
        assert_eq!(c.id, "gp-cyclone-2026");
        assert_eq!(c.sources.len(), 3);
        assert_eq!(c.sources[0].every, Duration::from_secs(120));
        assert_eq!(c.sources[2].every, Duration::from_secs(300));
        assert!(matches!(
            c.sources[2].kind,
            SourceKind::Feed { official: true, .. }
        ));
        assert_eq!(c.gazetteer, GazetteerRef::Builtin("guadeloupe".into()));
        assert_eq!(c.webhook.as_deref(), Some("https://hooks.example/vigie"));
    }

    #[test]
    fn since_and_feed_area_keys() {
        let c = Crisis::parse("crisis.toml", EXAMPLE).unwrap();
        assert_eq!(c.since, None, "no since: the first run's own bound");
        let SourceKind::Feed {
            margin_km,
            covers_area,
            ..
        } = c.sources[2].kind
        else {
            panic!("a feed")
        };
        assert_eq!(
            (margin_km, covers_area),
            (DEFAULT_FEED_MARGIN_KM, true),
            "an official feed covers the territory unless it says otherwise"
        );

        for since in [
            "\"2026-09-14T00:00:00Z\"",
            "2026-09-14T00:00:00Z",
            "\"2026-09-13T20:00:00-04:00\"",
        ] {
            let text = EXAMPLE.replace("keywords =", &format!("since = {since}\nkeywords ="));
            let c = Crisis::parse("crisis.toml", &text).unwrap();
            assert_eq!(
                c.since.unwrap().to_rfc3339(),
                "2026-09-14T00:00:00+00:00",
                "{since}"
            );
        }
        for bad in ["\"14/09/2026\"", "2026-09-14", "2026-09-14T00:00:00", "3"] {
            let e = err(&EXAMPLE.replace("keywords =", &format!("since = {bad}\nkeywords =")));
            assert!(e.contains("crisis.since"), "{bad}: {e}");
        }

        let text = EXAMPLE.replace(
            "official = true",
            "official = false\nmargin_km = 50\ncovers_area = true",
        );
        let c = Crisis::parse("crisis.toml", &text).unwrap();
        assert!(matches!(
            c.sources[2].kind,
            SourceKind::Feed { margin_km, covers_area: true, .. } if margin_km == 50.0
        ));
        let e = err(&EXAMPLE.replace("official = true", "official = true\nmargin_km = -1"));
        assert!(
            e.contains("sources[2].margin_km") && e.contains("between 0 and 5000"),
            "{e}"
        );
    }

    #[test]
    fn an_x_source_searches_its_query_or_the_crisis_hashtags_and_keywords() {
        let x = "[[sources]]\nid = \"x\"\nkind = \"x\"\nbearer_env = \"X_BEARER_TOKEN\"\n";
        let with = |extra: &str| EXAMPLE.replace("[publish]", &format!("{x}{extra}\n[publish]"));
        let c = Crisis::parse("crisis.toml", &with("")).unwrap();
        let SourceKind::X {
            api,
            query,
            bearer_env,
            monthly_cap,
        } = &c.sources[3].kind
        else {
            panic!("an x source: {:?}", c.sources[3])
        };
        assert_eq!(c.sources[3].kind.name(), "x");
        assert_eq!(api, "https://api.x.com");
        assert_eq!(bearer_env, "X_BEARER_TOKEN");
        assert_eq!(*monthly_cap, DEFAULT_X_MONTHLY_CAP);
        // The Mastodon source's hashtags with the crisis's keywords.
        assert_eq!(
            query,
            "(#Guadeloupe OR #Gwada) (cyclone OR inondation OR coupure)"
        );

        let c = Crisis::parse(
            "crisis.toml",
            &with("hashtags = [\"#Karukera\"]\nmonthly_cap = 2000\napi = \"http://127.0.0.1:9/\""),
        )
        .unwrap();
        assert!(matches!(
            &c.sources[3].kind,
            SourceKind::X { query, monthly_cap: 2000, api, .. }
                if query == "#Karukera (cyclone OR inondation OR coupure)" && api == "http://127.0.0.1:9"
        ));
        let c = Crisis::parse(
            "crisis.toml",
            &with("query = \" (#Gwada OR #Guadeloupe) -is:retweet \""),
        )
        .unwrap();
        assert!(matches!(
            &c.sources[3].kind,
            SourceKind::X { query, .. } if query == "(#Gwada OR #Guadeloupe) -is:retweet"
        ));
        assert_eq!(
            x_query(&[], &["coupure d'eau".into(), "cyclone".into()]),
            "(\"coupure d'eau\" OR cyclone)"
        );

        for (extra, key, words) in [
            ("query = \"\"", "sources[3].query", "must not be empty"),
            (
                "query = \"a\"\nhashtags = [\"b\"]",
                "sources[3].hashtags",
                "not both",
            ),
            (
                "hashtags = [\"two words\"]",
                "sources[3].hashtags",
                "not a hashtag",
            ),
            ("monthly_cap = 0", "sources[3].monthly_cap", "between 10"),
            (
                "api = \"http://api.example\"",
                "sources[3].api",
                "must be https",
            ),
            ("bearer = \"AAAA\"", "sources[3].bearer", "unknown field"),
        ] {
            let e = err(&with(extra));
            assert!(
                e.contains(&format!("key `{key}`")) && e.contains(words),
                "{extra}: {e}"
            );
        }
        let e = err(&with("").replace(
            "bearer_env = \"X_BEARER_TOKEN\"",
            "bearer_env = \"AAAA-secret value\"",
        ));
        assert!(
            e.contains("sources[3].bearer_env") && e.contains("not a variable name"),
            "{e}"
        );
        let long = format!("query = \"{}\"", "#Gwada OR ".repeat(60));
        let e = err(&with(&long));
        assert!(
            e.contains("sources[3].query") && e.contains("over X's 512"),
            "{e}"
        );
        // Nothing to search: no hashtag anywhere, no keyword.
        let bare = with("")
            .replace("keywords = [\"cyclone\", \"inondation\", \"coupure\"]", "")
            .replace(
                "hashtags = [\"Guadeloupe\", \"Gwada\"]",
                "hashtags = [\"Gwada\"]",
            );
        assert!(Crisis::parse("crisis.toml", &bare).is_ok());
        let none = bare.replace("kind = \"mastodon\"", "kind = \"feed\"\nurl = \"https://a.example/f\"")
            .replace("instance = \"https://mastodon.example\"\nhashtags = [\"Gwada\"]\ntoken_env = \"MASTO_MAIN_TOKEN\"\n", "");
        let e = err(&none);
        assert!(
            e.contains("sources[3].query") && e.contains("nothing to search"),
            "{e}"
        );
    }

    #[test]
    fn a_youtube_source_derives_its_schedule_from_the_daily_quota() {
        let y = "[[sources]]\nid = \"yt\"\nkind = \"youtube\"\nkey_env = \"YOUTUBE_API_KEY\"\n";
        let with = |extra: &str| EXAMPLE.replace("[publish]", &format!("{y}{extra}\n[publish]"));
        let c = Crisis::parse("crisis.toml", &with("")).unwrap();
        let SourceKind::YouTube {
            api,
            query,
            key_env,
            daily_quota,
            near_area,
            pages,
        } = &c.sources[3].kind
        else {
            panic!("a youtube source: {:?}", c.sources[3])
        };
        assert_eq!(c.sources[3].kind.name(), "youtube");
        assert_eq!(api, "https://www.googleapis.com");
        assert_eq!(key_env, "YOUTUBE_API_KEY");
        assert_eq!(*daily_quota, DEFAULT_YOUTUBE_DAILY_QUOTA);
        assert!(!near_area);
        assert_eq!(query, "#Guadeloupe|#Gwada cyclone|inondation|coupure");
        // 10,000 units pay for 99 pages a day: a run every 15 minutes (96 runs, 9,696 units).
        assert_eq!(c.sources[3].every, Duration::from_secs(15 * 60));
        assert_eq!(*pages, 1);

        let c = Crisis::parse(
            "crisis.toml",
            &with("daily_quota = 50000\nevery = \"1h\"\nnear_area = true\nquery = \"cyclone Guadeloupe\""),
        )
        .unwrap();
        assert_eq!(c.sources[3].every, Duration::from_secs(3600));
        assert!(matches!(
            &c.sources[3].kind,
            SourceKind::YouTube { query, near_area: true, pages: 10, .. } if query == "cyclone Guadeloupe"
        ));
        // Whatever the quota and interval, a day of runs stays inside the quota.
        for quota in [101, 150, 1_000, 9_999, 10_000, 12_345, 100_000, 10_000_000] {
            let (every, pages) = youtube_plan(quota, None).unwrap();
            let runs = 86_400u64.div_ceil(every.as_secs());
            assert!(runs * pages as u64 * YOUTUBE_PAGE_UNITS <= quota, "{quota}");
            assert!(every >= Duration::from_secs(120), "{quota}");
            for minutes in [2, 5, 15, 60, 240] {
                if let Ok((every, pages)) =
                    youtube_plan(quota, Some(Duration::from_secs(minutes * 60)))
                {
                    let runs = 86_400u64.div_ceil(every.as_secs());
                    assert!(
                        runs * pages as u64 * YOUTUBE_PAGE_UNITS <= quota,
                        "{quota} {minutes}"
                    );
                }
            }
        }

        for (extra, key, words) in [
            ("every = \"5m\"", "sources[3].every", "at least 15m"),
            ("daily_quota = 100", "sources[3].daily_quota", "between 101"),
            (
                "query = \"a\"\nhashtags = [\"b\"]",
                "sources[3].hashtags",
                "not both",
            ),
            ("key = \"AIza\"", "sources[3].key", "unknown field"),
            (
                "api = \"http://yt.example\"",
                "sources[3].api",
                "must be https",
            ),
        ] {
            let e = err(&with(extra));
            assert!(
                e.contains(&format!("key `{key}`")) && e.contains(words),
                "{extra}: {e}"
            );
        }
    }

    #[test]
    fn relay_accounts_name_their_variables() {
        let relay = "[[relay]]\nid = \"asso-masto\"\nkind = \"mastodon\"\ninstance = \"https://mastodon.example/\"\ntoken_env = \"RELAY_MASTO_TOKEN\"\n\n[[relay]]\nid = \"asso-bsky\"\nkind = \"bluesky\"\nhandle_env = \"RELAY_BSKY_HANDLE\"\npassword_env = \"RELAY_BSKY_PASSWORD\"\n";
        let c = Crisis::parse("crisis.toml", &format!("{EXAMPLE}\n{relay}")).unwrap();
        assert_eq!(c.relay.len(), 2);
        assert_eq!(
            c.relay[0],
            RelayAccount {
                id: "asso-masto".into(),
                kind: RelayAccountKind::Mastodon {
                    instance: "https://mastodon.example".into(),
                    token_env: "RELAY_MASTO_TOKEN".into()
                }
            }
        );
        assert_eq!(c.relay[1].kind.network(), "bluesky");
        assert_eq!(
            c.relay[1].kind.secret_names(),
            ["RELAY_BSKY_HANDLE", "RELAY_BSKY_PASSWORD"]
        );
        assert!(
            matches!(&c.relay[1].kind, RelayAccountKind::Bluesky { service, .. } if service == "https://bsky.social")
        );
        assert!(Crisis::parse("crisis.toml", EXAMPLE)
            .unwrap()
            .relay
            .is_empty());
        for (bad, key, words) in [
            (
                relay.replace("token_env = \"RELAY_MASTO_TOKEN\"", "token = \"abc\""),
                "relay[0].token",
                "unknown field",
            ),
            (
                relay.replace("asso-bsky", "asso-masto"),
                "relay[1].id",
                "used by another",
            ),
            (
                relay.replace("https://mastodon.example/", "http://mastodon.example"),
                "relay[0].instance",
                "https",
            ),
            (
                relay.replace("kind = \"bluesky\"", "kind = \"facebook\""),
                "relay[1]",
                "facebook",
            ),
        ] {
            let e = err(&format!("{EXAMPLE}\n{bad}"));
            assert!(e.contains(key) && e.contains(words), "{bad}: {e}");
        }
    }

    #[test]
    fn boxes_grow_and_meet() {
        let gp = BBox {
            west: -61.85,
            south: 15.83,
            east: -61.0,
            north: 16.52,
        };
        let grown = gp.expanded(300.0);
        // Montserrat (about 90 km north-west of Basse-Terre) is inside, Martinique's north
        // (about 120 km south) too; Paris and Tokyo are not.
        assert!(grown.contains(16.74, -62.19) && grown.contains(14.8, -61.1));
        assert!(!grown.contains(48.85, 2.35) && !grown.contains(35.68, 139.69));
        let paris = BBox {
            west: 2.2,
            south: 48.8,
            east: 2.5,
            north: 48.9,
        };
        assert!(!grown.intersects(&paris) && grown.intersects(&gp) && gp.intersects(&grown));
        let straddling = BBox {
            west: -70.0,
            south: 10.0,
            east: -61.5,
            north: 16.0,
        };
        assert!(gp.intersects(&straddling));
    }

    #[test]
    fn unknown_keys_are_errors_with_position() {
        let e = err(&EXAMPLE.replace("keywords =", "colour = \"red\"\nkeywords ="));
        assert!(e.starts_with("crisis.toml:"), "{e}");
        assert!(e.contains("unknown field `colour`"), "{e}");

        let e = err(&EXAMPLE.replace("token_env =", "secret = \"abc\"\ntoken_env ="));
        assert!(e.contains("unknown field `secret`"), "{e}");
        assert!(e.contains("key `sources[0].secret`"), "{e}");

        // Inside the second source: its key, and a line inside or at the head of its table,
        // not the first source's.
        let text = EXAMPLE.replace("query =", "urll = \"x\"\nquery =");
        let e = Crisis::parse("crisis.toml", &text).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("sources[1].urll"), "{e}");
        let line = e.position.expect("a position").0;
        let lines: Vec<&str> = text.lines().collect();
        let bsky_head = lines
            .iter()
            .position(|l| l.contains("id = \"bsky\""))
            .unwrap();
        let typo = lines.iter().position(|l| l.starts_with("urll")).unwrap() + 1;
        assert!(line >= bsky_head - 1 && line <= typo, "line {line}: {e}");

        let e = err(&EXAMPLE.replace("[notify]", "[notify]\nemail = \"x@y\""));
        assert!(e.contains("unknown field `email`"), "{e}");
    }

    #[test]
    fn bad_values_name_the_key() {
        let e = err(&EXAMPLE.replace("gp-cyclone-2026", "GP Cyclone"));
        assert!(e.contains("key `crisis.id`"), "{e}");

        let e = err(&EXAMPLE.replace(
            "[-61.85, 15.83, -61.00, 16.52]",
            "[-61.0, 15.83, -61.85, 16.52]",
        ));
        assert!(e.contains("key `crisis.bbox`") && e.contains("west"), "{e}");

        let e = err(&EXAMPLE.replace(
            "[-61.85, 15.83, -61.00, 16.52]",
            "[-61.85, 95.0, -61.00, 96.0]",
        ));
        assert!(e.contains("out of range"), "{e}");

        let e = err(&EXAMPLE.replace(
            "[-61.85, 15.83, -61.00, 16.52]",
            "[-61.85, 16.52, -61.00, 15.83]",
        ));
        assert!(
            e.contains("key `crisis.bbox`") && e.contains("south"),
            "{e}"
        );

        let e = err(&EXAMPLE.replace("id = \"prefecture\"", "id = \"Préfecture 971\""));
        assert!(e.contains("key `sources[2].id`"), "{e}");

        let e = err(&EXAMPLE.replace("[-61.85, 15.83, -61.00, 16.52]", "[-61.85, 15.83]"));
        assert!(e.contains("needs 4 numbers"), "{e}");

        let e = err(&EXAMPLE.replace("builtin:guadeloupe", "builtin:atlantis"));
        assert!(
            e.contains("key `crisis.gazetteer`") && e.contains("atlantis"),
            "{e}"
        );
        let e = err(&EXAMPLE.replace("builtin:guadeloupe", "builtin:fr-9999"));
        assert!(
            e.contains("`fr-9999`") && e.contains("fr-01…fr-95") && e.contains("fr-972"),
            "{e}"
        );
        // The Martinique example crisis is valid, and its box holds every commune.
        let mq = Crisis::parse(
            "mq-flood-2026.toml",
            include_str!("../../../infra/examples/mq-flood-2026.toml"),
        )
        .unwrap();
        assert_eq!(mq.gazetteer, GazetteerRef::Builtin("fr-972".into()));
        let g = crate::Gazetteer::builtin("fr-972").unwrap();
        let [w, so, e, n] = [-61.26, 14.38, -60.80, 14.89];
        assert!(g
            .places()
            .iter()
            .all(|p| (w..=e).contains(&p.lon) && (so..=n).contains(&p.lat)));
        for name in ["fr-972", "fr-56", "fr-2A", "fr-971", "guadeloupe"] {
            let c = Crisis::parse(
                "c.toml",
                &EXAMPLE.replace("guadeloupe\"", &format!("{name}\"")),
            )
            .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(c.gazetteer, GazetteerRef::Builtin(name.into()));
        }

        let e = err(&EXAMPLE.replace("id = \"bsky\"", "id = \"masto-main\""));
        assert!(
            e.contains("key `sources[1].id`") && e.contains("used by another source"),
            "{e}"
        );

        let e = err(&EXAMPLE.replace("every = \"5m\"", "every = \"5 minutes\""));
        assert!(e.contains("key `sources[2].every`"), "{e}");

        let e = err(&EXAMPLE.replace("MASTO_MAIN_TOKEN", "abc def secret"));
        assert!(e.contains("key `sources[0].token_env`"), "{e}");

        let e = err(&EXAMPLE.replace("kind = \"feed\"", "kind = \"telegram\""));
        assert!(e.contains("telegram"), "{e}");

        let e = err(&EXAMPLE.replace("https://bsky.social", "http://bsky.social"));
        assert!(
            e.contains("key `sources[1].service`") && e.contains("https"),
            "{e}"
        );
        assert!(Crisis::parse(
            "c",
            &EXAMPLE.replace("https://bsky.social", "http://127.0.0.1:8080")
        )
        .is_ok());

        let e = err(&EXAMPLE.replace("{z}/", ""));
        assert!(e.contains("key `publish.tiles`"), "{e}");
    }

    #[test]
    fn broken_toml_points_at_the_line() {
        let e = Crisis::parse("x.toml", "[crisis]\nid = \"abc\nname = 1").unwrap_err();
        assert_eq!(e.position.map(|p| p.0), Some(2), "{e}");
    }

    #[test]
    fn every_parses_units() {
        assert_eq!(parse_every("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_every("1h").unwrap(), Duration::from_secs(3600));
        assert!(parse_every("2").is_err());
        assert!(parse_every("1s").is_err());
        assert!(parse_every("3d").is_err());
        // A number so large that it overflows once in seconds is out of range, not a panic.
        assert_eq!(
            parse_every("999999999999999999h").unwrap_err(),
            EveryError::OutOfRange("999999999999999999h".into())
        );
        assert_eq!(
            parse_every("5 minutes").unwrap_err().to_string(),
            "`5 minutes`: unit ` minutes` is not one of s, m, h"
        );
    }
}

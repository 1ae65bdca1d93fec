//! The public export: published reports, through the privacy projection, written as the
//! public files of docs/api.md (§4) by the publisher port.

use crate::Vigie;
use chrono::{SecondsFormat, Utc};
use std::collections::{BTreeMap, HashMap};
use tracing::debug;
use vigie_domain::ports::{
    Checkpoints, PublicFile, PublishError, PublishOutcome, PublishedReader, Publisher, RelayLog,
    StoreError,
};
use vigie_domain::public::{
    atom_feed, geojson_of_features, project_candidate, public_id, write_feature, PublicReport,
    RelayedMessage,
};
use vigie_domain::relay::{RelayKind, RelayStatus};
use vigie_domain::taxonomy::{Category, Verification};
use vigie_domain::text::strip_unfit;
use vigie_domain::{Crisis, Gazetteer};

/// Data files change every minute or so: caches keep them briefly.
pub const DATA_CACHE: &str = "public, max-age=30";
/// The page itself changes with Vigie's version.
pub const PAGE_CACHE: &str = "public, max-age=300";
/// Libraries live under a versioned path and never change there.
pub const ASSET_CACHE: &str = "public, max-age=31536000, immutable";

/// The content type and cache lifetime of a public file, by its name: what the export hands
/// the publisher with each file, and what `vigie local` serves the folder's files with, so a
/// browser caches the same way locally and from the bucket.
pub fn file_headers(name: &str) -> (&'static str, &'static str) {
    let extension = name.rsplit_once('.').map_or("", |(_, e)| e);
    let content_type = match extension {
        "geojson" => "application/geo+json",
        "atom" => "application/atom+xml; charset=utf-8",
        "json" => "application/json",
        "webmanifest" => "application/manifest+json",
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
    let cache_control = if name.starts_with("assets/") {
        ASSET_CACHE
    } else if matches!(extension, "geojson" | "atom" | "json") {
        DATA_CACHE
    } else {
        PAGE_CACHE
    };
    (content_type, cache_control)
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Publish(#[from] PublishError),
}

/// What an export run wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportSummary {
    pub features: usize,
    pub written: Vec<String>,
    pub unchanged: Vec<String>,
}

/// What the export reads and writes, and nothing more: the crisis and its gazetteer, the
/// published reports, the relay log (relayed official messages go into the feed), the
/// checkpoint that keeps the public ids' secret, the publisher, and what the export keeps
/// between runs. Every host makes it from its [`Vigie`]: `export_once(&app)`.
pub struct Exporter<'a> {
    pub crisis: &'a Crisis,
    pub gazetteer: &'a Gazetteer,
    pub published: &'a dyn PublishedReader,
    pub checkpoints: &'a dyn Checkpoints,
    pub relays: &'a dyn RelayLog,
    pub publisher: &'a dyn Publisher,
    pub state: &'a tokio::sync::Mutex<ExportState>,
}

impl<'a> From<&'a Vigie> for Exporter<'a> {
    fn from(app: &'a Vigie) -> Exporter<'a> {
        Exporter {
            crisis: &app.crisis,
            gazetteer: &app.gazetteer,
            published: app.store.as_ref(),
            checkpoints: app.store.as_ref(),
            relays: app.relays.as_ref(),
            publisher: app.publisher.as_ref(),
            state: &app.export_state,
        }
    }
}

/// Where the secret behind public ids is kept in the store.
const PUBLIC_ID_SECRET: &str = "vigie:public-id-secret";

/// The crisis's secret for public ids: made once, at random, and kept in the store.
pub async fn public_id_secret(checkpoints: &dyn Checkpoints) -> Result<String, StoreError> {
    if let Some(secret) = checkpoints.checkpoint(PUBLIC_ID_SECRET).await? {
        return Ok(secret);
    }
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    let fresh = hex::encode(bytes);
    if checkpoints
        .advance_checkpoint(PUBLIC_ID_SECRET, None, &fresh)
        .await?
    {
        return Ok(fresh);
    }
    // Another process made it first: use theirs.
    checkpoints
        .checkpoint(PUBLIC_ID_SECRET)
        .await?
        .ok_or_else(|| StoreError::Unavailable("public id secret vanished".into()))
}

/// What a long-running export (`vigie local`, a warm map-export function) keeps between runs:
/// each published report's public rendering, valid as long as the report stays at the version
/// it was rendered from. A run reads every published report's version, renders again only
/// the reports that changed, and joins the renderings. A fresh process renders them all.
#[derive(Default)]
pub struct ExportState {
    /// The public-id secret the renderings were made with.
    secret: String,
    /// Counts the runs: a report not seen published in this run is dropped.
    run: u64,
    /// By the store's report id.
    seen: HashMap<String, Seen>,
    /// The renderings of the public reports, by public id: the order of the public files.
    public: BTreeMap<String, Rendering>,
    /// What meta.json last said of the crisis, and its generation time.
    meta: Option<(String, String)>,
}

struct Seen {
    version: u64,
    /// The last run that found it published.
    run: u64,
    /// Its key in [`ExportState::public`]; `None` while it is withheld (see
    /// [`vigie_domain::public::Withheld`]).
    public_id: Option<String>,
}

struct Rendering {
    /// The category it counts under in meta.json; `None` for a debunked rumour.
    counted: Option<Category>,
    feature: Box<[u8]>,
    /// The whole public report, kept only for the feed's entries (official messages and
    /// debunked rumours, a few among the reports).
    feed_entry: Option<Box<PublicReport>>,
}

impl Rendering {
    /// `scratch` is a buffer reused from one report to the next.
    fn of(report: PublicReport, scratch: &mut Vec<u8>) -> Rendering {
        let debunked = report.verification == Verification::Debunked;
        scratch.clear();
        write_feature(scratch, &report);
        Rendering {
            counted: (!debunked).then_some(report.category),
            feature: scratch.as_slice().into(),
            feed_entry: (report.official || debunked).then(|| Box::new(report)),
        }
    }
}

/// Brings `state` up to the store's published reports; their renderings are then
/// `state.public`'s, in public id order so output is stable.
async fn render(app: &Exporter<'_>, state: &mut ExportState) -> Result<(), StoreError> {
    let secret = public_id_secret(app.checkpoints).await?;
    if state.secret != secret {
        *state = ExportState {
            secret,
            meta: state.meta.take(),
            ..ExportState::default()
        };
    }
    state.run += 1;
    let run = state.run;
    let versions = app.published.published_versions().await?;
    let stale: Vec<String> = versions
        .iter()
        .filter(|(id, version)| state.seen.get(id).map(|s| s.version) != Some(*version))
        .map(|(id, _)| id.clone())
        .collect();
    // A first run (or one after most reports changed) reads every published report in one
    // pass rather than by id; then what that read finds is what stays, even a report listed
    // as unchanged a moment before (it may have been unpublished since).
    let candidates = if stale.len() * 2 > versions.len() {
        app.published.published_candidates(None).await?
    } else {
        for (id, version) in &versions {
            if let Some(seen) = state.seen.get_mut(id).filter(|s| s.version == *version) {
                seen.run = run;
            }
        }
        match stale.is_empty() {
            true => Vec::new(),
            false => app.published.published_candidates(Some(&stale)).await?,
        }
    };
    let mut scratch = Vec::with_capacity(1024);
    let mut fresh = Vec::new();
    for mut c in candidates {
        if let Some(seen) = state.seen.get_mut(&c.id) {
            if seen.version == c.version {
                seen.run = run;
                continue;
            }
        }
        // The projection carries the public id; the store's stays here as the key.
        let public = public_id(&state.secret, &c.id);
        let id = std::mem::replace(&mut c.id, public.clone());
        let version = c.version;
        let public_id = match project_candidate(c, app.gazetteer) {
            Ok(report) => {
                fresh.push((public.clone(), Rendering::of(report, &mut scratch)));
                Some(public)
            }
            Err(why) => {
                debug!(report = %id, reason = why.as_str(), "withheld from the public files");
                state.public.remove(&public);
                None
            }
        };
        state.seen.insert(
            id,
            Seen {
                version,
                run,
                public_id,
            },
        );
    }
    if state.public.is_empty() {
        // A first run: collecting sorts once and builds the map in bulk.
        state.public = fresh.into_iter().collect();
    } else {
        state.public.extend(fresh);
    }
    // Forget what is no longer published, including a report unpublished between the two
    // reads (listed, then not found by the second): its old rendering must not go out.
    let public = &mut state.public;
    state.seen.retain(|_, seen| {
        let published = seen.run == run;
        if let (false, Some(id)) = (published, &seen.public_id) {
            public.remove(id);
        }
        published
    });
    Ok(())
}

/// The official messages relayed to the association's accounts (posted everywhere), for the
/// feed: their approved text, when they went out, and the published posts' addresses.
async fn relayed_official(relays: &dyn RelayLog) -> Result<Vec<RelayedMessage>, StoreError> {
    Ok(relays
        .relays()
        .await?
        .into_iter()
        .filter(|r| r.kind == RelayKind::Official && r.status == RelayStatus::Posted)
        .filter_map(|r| {
            let relayed_at = r
                .targets
                .iter()
                .filter_map(|t| t.posted_at)
                .max()
                .or(r.approved_at)?;
            Some(RelayedMessage {
                id: r.id,
                text: r.text,
                relayed_at,
                links: r.targets.into_iter().filter_map(|t| t.url).collect(),
            })
        })
        .collect())
}

/// Writes the public files once: the data (`reports.geojson`, `official.atom`, `meta.json`)
/// and the page. Files whose content did not change are not written again; `meta.json`'s
/// generation time only moves when the data did, so an idle crisis writes nothing. Exports
/// in one process take turns. `app`: a [`Vigie`], or an [`Exporter`] of only what it needs.
pub async fn export_once<'a>(app: impl Into<Exporter<'a>>) -> Result<ExportSummary, ExportError> {
    let app: Exporter<'a> = app.into();
    let mut state = app.state.lock().await;
    let state = &mut *state;
    render(&app, state).await?;
    let reports = &state.public;
    let geojson = geojson_of_features(reports.values().map(|r| &*r.feature));
    let feed: Vec<PublicReport> = reports
        .values()
        .filter_map(|r| r.feed_entry.as_deref().cloned())
        .collect();
    let relayed = relayed_official(app.relays).await?;
    let atom = atom_feed(&app.crisis.id, &app.crisis.name, &feed, &relayed).into_bytes();

    // Debunked rumours are markers of nothing that happened: counted apart, so that
    // `count` = the sum of `counts_by_category` + `debunked`.
    let mut by_category: BTreeMap<&str, usize> = BTreeMap::new();
    let mut debunked = 0;
    for r in reports.values() {
        match r.counted {
            Some(category) => *by_category.entry(category.as_str()).or_default() += 1,
            None => debunked += 1,
        }
    }
    let count = reports.len();
    let data = |name: &str, bytes: Vec<u8>| {
        let (content_type, cache_control) = file_headers(name);
        PublicFile {
            name: name.into(),
            bytes: bytes.into(),
            content_type,
            cache_control,
        }
    };
    let mut summary = ExportSummary {
        features: count,
        written: Vec::new(),
        unchanged: Vec::new(),
    };
    let mut data_changed = false;
    for file in [
        data("reports.geojson", geojson),
        data("official.atom", atom),
    ] {
        match app.publisher.publish(&file).await? {
            PublishOutcome::Written => {
                data_changed = true;
                summary.written.push(file.name.clone());
            }
            PublishOutcome::Unchanged => summary.unchanged.push(file.name.clone()),
        }
    }
    // meta.json's generation time moves only when the data did (or the crisis's name or
    // tiles changed), so an idle crisis rewrites nothing.
    let identity = format!("{}\n{}", app.crisis.name, app.crisis.tiles);
    let generated_at = match &state.meta {
        Some((seen, at)) if !data_changed && *seen == identity => at.clone(),
        _ => {
            let at = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
            state.meta = Some((identity, at.clone()));
            at
        }
    };
    let b = app.crisis.bbox;
    // The crisis file's words as the page shows them: without characters XML forbids, as in
    // the feed (a TOML string may carry any of them, escaped).
    let meta = serde_json::json!({
        "generated_at": generated_at,
        "crisis": { "id": strip_unfit(&app.crisis.id), "name": strip_unfit(&app.crisis.name) },
        "count": count,
        "counts_by_category": by_category,
        "debunked": debunked,
        "tiles": strip_unfit(&app.crisis.tiles),
        "bbox": [b.west, b.south, b.east, b.north],
    });
    let meta = serde_json::to_vec_pretty(&meta).map_err(|e| PublishError {
        name: "meta.json".into(),
        reason: e.to_string(),
    })?;
    let mut files = vec![data("meta.json", meta)];
    files.extend(crate::site::files());
    for file in &files {
        match app.publisher.publish(file).await? {
            PublishOutcome::Written => summary.written.push(file.name.clone()),
            PublishOutcome::Unchanged => summary.unchanged.push(file.name.clone()),
        }
    }
    Ok(summary)
}

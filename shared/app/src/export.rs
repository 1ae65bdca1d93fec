//! The public export: published reports, through the privacy projection, written as the
//! public files of CONTRACT.md by the publisher port.

use crate::Vigie;
use chrono::{SecondsFormat, Utc};
use std::collections::BTreeMap;
use tracing::debug;
use vigie_domain::ports::{PublicFile, PublishError, PublishOutcome, StoreError};
use vigie_domain::public::{atom_feed, geojson_bytes, project_candidate, public_id, PublicReport};

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

/// Where the secret behind public ids is kept in the store.
const PUBLIC_ID_SECRET: &str = "vigie:public-id-secret";

/// The crisis's secret for public ids: made once, at random, and kept in the store.
pub async fn public_id_secret(app: &Vigie) -> Result<String, StoreError> {
    if let Some(secret) = app.store.checkpoint(PUBLIC_ID_SECRET).await? {
        return Ok(secret);
    }
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    let fresh = hex::encode(bytes);
    if app
        .store
        .advance_checkpoint(PUBLIC_ID_SECRET, None, &fresh)
        .await?
    {
        return Ok(fresh);
    }
    // Another process made it first: use theirs.
    app.store
        .checkpoint(PUBLIC_ID_SECRET)
        .await?
        .ok_or_else(|| StoreError::Unavailable("public id secret vanished".into()))
}

/// The public view of every published report, with its public id, sorted by id so output is
/// stable.
pub async fn public_reports(app: &Vigie) -> Result<Vec<PublicReport>, StoreError> {
    let secret = public_id_secret(app).await?;
    let candidates = app.store.published_candidates().await?;
    let mut out: Vec<PublicReport> = candidates
        .into_iter()
        .filter_map(|mut c| {
            // The projection carries the public id; the store's stays here for the log.
            let public = public_id(&secret, &c.id);
            let id = std::mem::replace(&mut c.id, public);
            project_candidate(c, &app.gazetteer)
                .map_err(|why| debug!(report = %id, reason = why.as_str(), "withheld from the public files"))
                .ok()
        })
        .collect();
    // By key then permuted once: the reports are large to move around in a sort.
    out.sort_by_cached_key(|r| r.id.clone());
    Ok(out)
}

/// Writes the public files once: the data (`reports.geojson`, `official.atom`, `meta.json`)
/// and the page. Files whose content did not change are not written again; `meta.json`'s
/// generation time only moves when the data did, so an idle crisis writes nothing.
pub async fn export_once(app: &Vigie) -> Result<ExportSummary, ExportError> {
    let reports = public_reports(app).await?;
    let geojson = geojson_bytes(&reports);
    let atom = atom_feed(&app.crisis.id, &app.crisis.name, &reports).into_bytes();

    // Debunked rumours are markers of nothing that happened: counted apart, so that
    // `count` = the sum of `counts_by_category` + `debunked`.
    let mut by_category: BTreeMap<&str, usize> = BTreeMap::new();
    let mut debunked = 0;
    for r in &reports {
        if r.verification == vigie_domain::taxonomy::Verification::Debunked {
            debunked += 1;
        } else {
            *by_category.entry(r.category.as_str()).or_default() += 1;
        }
    }
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
        features: reports.len(),
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
    let generated_at = {
        let mut last = app.export_state.lock().unwrap_or_else(|e| e.into_inner());
        match last.as_ref() {
            Some((seen, at)) if !data_changed && *seen == identity => at.clone(),
            _ => {
                let at = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
                *last = Some((identity, at.clone()));
                at
            }
        }
    };
    let b = app.crisis.bbox;
    let meta = serde_json::json!({
        "generated_at": generated_at,
        "crisis": { "id": app.crisis.id, "name": app.crisis.name },
        "count": reports.len(),
        "counts_by_category": by_category,
        "debunked": debunked,
        "tiles": app.crisis.tiles,
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

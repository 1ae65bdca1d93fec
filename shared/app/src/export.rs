//! The public export: published reports, through the privacy projection, written as the
//! public files of CONTRACT.md by the publisher port.

use crate::Vigie;
use chrono::{SecondsFormat, Utc};
use std::collections::BTreeMap;
use vigie_domain::ports::{PublicFile, PublishError, PublishOutcome, StoreError};
use vigie_domain::public::{feature_collection, project, PublicReport};

/// Data files change every minute or so: caches keep them briefly.
pub const DATA_CACHE: &str = "public, max-age=30";

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

/// The public view of every published report, sorted by id so output is stable.
pub async fn public_reports(app: &Vigie) -> Result<Vec<PublicReport>, StoreError> {
    let reports = app.store.published_reports().await?;
    let mut out: Vec<PublicReport> = reports
        .iter()
        .filter_map(|r| project(r, &app.gazetteer))
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// Writes the public files once.
pub async fn export_once(app: &Vigie) -> Result<ExportSummary, ExportError> {
    let reports = public_reports(app).await?;
    let collection = feature_collection(&reports);
    let geojson = serde_json::to_vec(&collection).map_err(|e| PublishError {
        name: "reports.geojson".into(),
        reason: e.to_string(),
    })?;

    let mut by_category: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &reports {
        *by_category.entry(r.category.as_str()).or_default() += 1;
    }
    let meta = serde_json::json!({
        "generated_at": Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        "crisis": { "id": app.crisis.id, "name": app.crisis.name },
        "count": reports.len(),
        "counts_by_category": by_category,
        "tiles": app.crisis.tiles,
    });
    let meta = serde_json::to_vec_pretty(&meta).map_err(|e| PublishError {
        name: "meta.json".into(),
        reason: e.to_string(),
    })?;

    let files = [
        PublicFile {
            name: "reports.geojson".into(),
            bytes: geojson,
            content_type: "application/geo+json",
            cache_control: DATA_CACHE,
        },
        PublicFile {
            name: "meta.json".into(),
            bytes: meta,
            content_type: "application/json",
            cache_control: DATA_CACHE,
        },
    ];
    let mut summary = ExportSummary {
        features: reports.len(),
        written: Vec::new(),
        unchanged: Vec::new(),
    };
    for file in &files {
        match app.publisher.publish(file).await? {
            PublishOutcome::Written => summary.written.push(file.name.clone()),
            PublishOutcome::Unchanged => summary.unchanged.push(file.name.clone()),
        }
    }
    Ok(summary)
}

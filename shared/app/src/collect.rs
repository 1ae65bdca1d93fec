//! The collection engine, shared by every source: fetch what is new after the source's
//! checkpoint, turn it into reports, store them (a post already stored is left alone), and
//! only then advance the checkpoint. A run that dies between the two stores nothing twice on
//! the next run: report ids come from the post's own id.

use crate::Vigie;
use chrono::Utc;
use std::time::{Duration, Instant};
use tracing::{info, warn};
use vigie_domain::identity::report_id;
use vigie_domain::identity::Fingerprint;
pub use vigie_domain::ports::{Batch, Source, SourceError};
use vigie_domain::ports::{SourceHealth, Spread, StoreError};
use vigie_domain::report::{ingest, IngestContext};
use vigie_domain::{Observation, Report};

/// Limits of one run: pages, and a deadline well inside a Lambda timeout.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub pages: usize,
    pub deadline: Duration,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            pages: 10,
            deadline: Duration::from_secs(45),
        }
    }
}

/// What a run did, for the operator.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub source_id: String,
    pub new: usize,
    pub seen: usize,
    pub skipped: u64,
    pub error: Option<String>,
}

impl std::fmt::Display for RunSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.error {
            None => write!(
                f,
                "{}: {} new, {} already stored, {} skipped",
                self.source_id, self.new, self.seen, self.skipped
            ),
            Some(e) => write!(
                f,
                "{}: FAILED: {e} ({} new before the failure)",
                self.source_id, self.new
            ),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Source(#[from] SourceError),
}

/// Runs one source once, within the budget, and records its health.
pub async fn run_source(app: &Vigie, source: &dyn Source, budget: Budget) -> RunSummary {
    let now = Utc::now();
    let mut health = app
        .store
        .source_health()
        .await
        .ok()
        .and_then(|all| all.into_iter().find(|h| h.source_id == source.id()))
        .unwrap_or_else(|| SourceHealth {
            source_id: source.id().to_string(),
            kind: source.kind().to_string(),
            ..SourceHealth::default()
        });
    let mut summary = RunSummary {
        source_id: source.id().to_string(),
        new: 0,
        seen: 0,
        skipped: 0,
        error: None,
    };
    if let Some(until) = health.next_allowed_at {
        if until > now {
            summary.error = Some(format!(
                "waiting: the source asked not to be called before {until}"
            ));
            return summary;
        }
    }
    health.last_run_at = Some(now);
    let result = collect_pages(app, source, budget, &mut summary).await;
    match result {
        Ok(()) => {
            health.last_success_at = Some(Utc::now());
            health.next_allowed_at = None;
            info!(
                source = source.id(),
                new = summary.new,
                seen = summary.seen,
                skipped = summary.skipped,
                "collected"
            );
        }
        Err(e) => {
            if let CollectError::Source(SourceError::RateLimited { until }) = &e {
                health.next_allowed_at = Some(*until);
            }
            warn!(source = source.id(), error = %e, "collection failed");
            health.last_error = Some(e.to_string());
            health.last_error_at = Some(Utc::now());
            summary.error = Some(e.to_string());
        }
    }
    health.items_collected += summary.new as u64;
    health.items_skipped += summary.skipped;
    if let Err(e) = app.store.put_source_health(&health).await {
        warn!(source = source.id(), error = %e, "could not record source health");
    }
    summary
}

async fn collect_pages(
    app: &Vigie,
    source: &dyn Source,
    budget: Budget,
    summary: &mut RunSummary,
) -> Result<(), CollectError> {
    let started = Instant::now();
    let mut checkpoint = app.store.checkpoint(source.id()).await?;
    for _ in 0..budget.pages {
        let batch = source.fetch(checkpoint.as_deref()).await?;
        summary.skipped += batch.skipped;
        let (new, seen) = store_batch(app, &batch.observations).await?;
        summary.new += new;
        summary.seen += seen;
        let spreads: Vec<Spread> = batch
            .spreads
            .iter()
            .map(|(network, native_id, key)| Spread {
                report_id: report_id(network, native_id),
                key: key.clone(),
            })
            .collect();
        if !spreads.is_empty() {
            app.store.add_spreads(&spreads).await?;
        }
        // Only now that the reports are stored does the checkpoint move past them; and only
        // if no other run moved it meanwhile (that run then covers what follows).
        if let Some(next) = &batch.checkpoint {
            if checkpoint.as_deref() != Some(next.as_str()) {
                let moved = app
                    .store
                    .advance_checkpoint(source.id(), checkpoint.as_deref(), next)
                    .await?;
                if !moved {
                    info!(
                        source = source.id(),
                        "another run advanced the checkpoint; stopping"
                    );
                    break;
                }
                checkpoint = Some(next.clone());
            }
        }
        if !batch.more || started.elapsed() >= budget.deadline {
            break;
        }
    }
    Ok(())
}

/// Ingests and stores observations; returns (new, already stored).
pub async fn store_batch(
    app: &Vigie,
    observations: &[Observation],
) -> Result<(usize, usize), StoreError> {
    if observations.is_empty() {
        return Ok((0, 0));
    }
    let ctx = IngestContext {
        crisis: &app.crisis,
        gazetteer: &app.gazetteer,
    };
    let now = Utc::now();
    let reports: Vec<Report> = observations.iter().map(|o| ingest(o, &ctx, now)).collect();
    let inserted = insert_clustered(app, reports).await?;
    let new = inserted.iter().filter(|n| **n).count();
    Ok((new, inserted.len() - new))
}

/// Stores new reports, each in the cluster of a stored copy if there is one. Returns, for
/// each, whether it was new.
pub async fn insert_clustered(
    app: &Vigie,
    mut reports: Vec<Report>,
) -> Result<Vec<bool>, StoreError> {
    assign_clusters(app, &mut reports).await?;
    app.store.insert_reports(&reports).await
}

/// Puts copies of an earlier message (stored, or earlier in this batch) in its cluster.
async fn assign_clusters(app: &Vigie, reports: &mut [Report]) -> Result<(), StoreError> {
    let bands: Vec<String> = reports
        .iter()
        .filter_map(|r| r.fingerprint())
        .flat_map(|f| f.bands())
        .collect();
    let stored = app.store.cluster_candidates(&bands).await?;
    let mut known: Vec<(String, String, Fingerprint)> = stored
        .into_iter()
        .filter_map(|c| {
            Fingerprint::from_hex(&c.fingerprint).map(|f| (c.report_id, c.cluster_id, f))
        })
        .collect();
    for r in reports.iter_mut() {
        let Some(fp) = r.fingerprint() else { continue };
        let best = known
            .iter()
            .filter(|(id, _, _)| *id != r.id)
            .map(|(_, cluster, other)| (cluster, fp.similarity(other)))
            .filter(|(_, s)| *s >= vigie_domain::identity::SIMILAR)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((cluster, _)) = best {
            r.cluster_id = cluster.clone();
        }
        known.push((r.id.clone(), r.cluster_id.clone(), fp));
    }
    Ok(())
}

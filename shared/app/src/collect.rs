//! The collection engine, shared by every source: fetch what is new after the source's
//! checkpoint, turn it into reports, store them (a post already stored is left alone), and
//! only then advance the checkpoint. A run that dies between the two stores nothing twice on
//! the next run: report ids come from the post's own id.

use crate::Vigie;
use chrono::{DateTime, SecondsFormat, Utc};
use std::time::Duration;
use tokio::time::Instant;
use tracing::{info, warn};
use vigie_domain::identity::report_id;
use vigie_domain::identity::Fingerprint;
pub use vigie_domain::ports::{Batch, Source, SourceError};
use vigie_domain::ports::{
    Checkpoints, Clusters, HealthUpdate, Reports, SkipReason, Skips, SourceHealth, SourceHealthLog,
    Spread, StoreError,
};
use vigie_domain::report::{
    area_skip, diff, ingest_with, AmendKind, Amends, HistoryEntry, IngestContext,
};
use vigie_domain::taxonomy::{Priority, Status, Verification};
use vigie_domain::{Crisis, Gazetteer};
use vigie_domain::{Observation, Report};

/// How long one run may take outside Lambda (`vigie collect --once`, `vigie local`); in Lambda
/// the run ends a safety margin before the invocation's own deadline.
pub const RUN_TIME: Duration = Duration::from_secs(45);

/// Pages one source may fetch in one run.
pub const RUN_PAGES: usize = 10;

/// Limits of one run: pages per source, and one deadline for the whole run that every fetch,
/// retry and backoff of every source is cut at.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub pages: usize,
    pub deadline: Instant,
}

impl Budget {
    /// A run starting now that may take `time`.
    pub fn within(time: Duration) -> Budget {
        Budget {
            pages: RUN_PAGES,
            deadline: Instant::now() + time,
        }
    }
}

/// What a run did, for the operator.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub source_id: String,
    pub new: usize,
    pub seen: usize,
    /// Reports changed or withdrawn by their issuer's update or cancellation.
    pub amended: usize,
    pub skipped: Skips,
    pub error: Option<String>,
    /// The source asked not to be called before then (a rate limit): not a failure, the
    /// collector just waits.
    pub waiting_until: Option<DateTime<Utc>>,
}

impl RunSummary {
    pub fn new(source_id: &str) -> RunSummary {
        RunSummary {
            source_id: source_id.to_string(),
            new: 0,
            seen: 0,
            amended: 0,
            skipped: Skips::default(),
            error: None,
            waiting_until: None,
        }
    }
}

impl std::fmt::Display for RunSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.error, self.waiting_until) {
            (Some(e), _) => write!(
                f,
                "{}: FAILED: {e} ({} new before the failure)",
                self.source_id, self.new
            ),
            (None, Some(until)) => write!(
                f,
                "{}: waiting until {} (rate limited by the source); {} new, {} already stored, {}",
                self.source_id,
                until.to_rfc3339_opts(SecondsFormat::Secs, true),
                self.new,
                self.seen,
                self.skipped
            ),
            (None, None) => write!(
                f,
                "{}: {} new, {} already stored, {}{}{}",
                self.source_id,
                self.new,
                self.seen,
                if self.amended > 0 {
                    format!("{} updated or cancelled by their issuer, ", self.amended)
                } else {
                    String::new()
                },
                self.skipped,
                if self.new == 0 && self.seen == 0 && self.skipped.total() > 0 {
                    " (every item skipped)"
                } else {
                    ""
                }
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
    #[error("deadline reached before the source answered (what came before is stored)")]
    Deadline,
}

/// What collection reads and writes, and nothing more: the crisis and its gazetteer (ingest),
/// the reports and their clusters, the checkpoints (each source's, and the triage model's),
/// and the sources' health. Every host makes it from its [`Vigie`]: `run_source(&app, ..)`.
#[derive(Clone, Copy)]
pub struct Collector<'a> {
    pub crisis: &'a Crisis,
    pub gazetteer: &'a Gazetteer,
    pub reports: &'a dyn Reports,
    pub clusters: &'a dyn Clusters,
    pub checkpoints: &'a dyn Checkpoints,
    pub health: &'a dyn SourceHealthLog,
}

impl<'a> From<&'a Vigie> for Collector<'a> {
    fn from(app: &'a Vigie) -> Collector<'a> {
        Collector {
            crisis: &app.crisis,
            gazetteer: &app.gazetteer,
            reports: app.store.as_ref(),
            clusters: app.store.as_ref(),
            checkpoints: app.store.as_ref(),
            health: app.store.as_ref(),
        }
    }
}

impl<'a> From<&Collector<'a>> for Collector<'a> {
    fn from(c: &Collector<'a>) -> Collector<'a> {
        *c
    }
}

/// Runs one source once, within the budget, and records its health.
pub async fn run_source<'a>(
    app: impl Into<Collector<'a>>,
    source: &dyn Source,
    budget: Budget,
) -> RunSummary {
    let app: Collector<'a> = app.into();
    let health = app.health.source_health().await.unwrap_or_default();
    run_source_with(app, source, budget, &health).await
}

/// [`run_source`] for a run of several sources, which reads every source's `health` once
/// (a source asked to wait is not run before its time).
pub async fn run_source_with<'a>(
    app: impl Into<Collector<'a>>,
    source: &dyn Source,
    budget: Budget,
    health: &[SourceHealth],
) -> RunSummary {
    let app: &Collector<'a> = &app.into();
    let now = Utc::now();
    let mut summary = RunSummary::new(source.id());
    let waiting = health
        .iter()
        .find(|h| h.source_id == source.id())
        .and_then(|h| h.next_allowed_at)
        .filter(|until| *until > now);
    if let Some(until) = waiting {
        summary.waiting_until = Some(until);
        return summary;
    }
    let mut update = HealthUpdate {
        source_id: source.id().to_string(),
        kind: source.kind().to_string(),
        run_at: Some(now),
        ..HealthUpdate::default()
    };
    let result = collect_pages(app, source, budget, &mut summary).await;
    match result {
        Ok(()) => {
            update.success_at = Some(Utc::now());
            update.next_allowed_at = Some(None);
            info!(
                source = source.id(),
                new = summary.new,
                seen = summary.seen,
                skipped = summary.skipped.total(),
                "collected"
            );
        }
        // Waiting out a rate limit is the source's normal way of saying "later".
        Err(CollectError::Source(SourceError::RateLimited { until })) => {
            update.next_allowed_at = Some(Some(until));
            summary.waiting_until = Some(until);
            info!(source = source.id(), new = summary.new, %until, "rate limited: waiting");
        }
        Err(e) => {
            warn!(source = source.id(), error = %e, "collection failed");
            update.error = Some((e.to_string(), Utc::now()));
            summary.error = Some(e.to_string());
        }
    }
    update.quota = source.quota().await;
    update.collected = summary.new as u64;
    update.seen = summary.seen as u64;
    update.skipped = summary.skipped.clone();
    if let Err(e) = app.health.record_source_run(&update).await {
        warn!(source = source.id(), error = %e, "could not record source health");
    }
    summary
}

/// Records that a source could not run at all (a missing secret), so its health says why.
pub async fn record_unrunnable<'a>(
    app: impl Into<Collector<'a>>,
    source_id: &str,
    kind: &str,
    reason: &str,
) {
    let app: Collector<'a> = app.into();
    let now = Utc::now();
    let update = HealthUpdate {
        source_id: source_id.to_string(),
        kind: kind.to_string(),
        run_at: Some(now),
        error: Some((reason.to_string(), now)),
        ..HealthUpdate::default()
    };
    if let Err(e) = app.health.record_source_run(&update).await {
        warn!(source = source_id, error = %e, "could not record source health");
    }
}

async fn collect_pages(
    app: &Collector<'_>,
    source: &dyn Source,
    budget: Budget,
    summary: &mut RunSummary,
) -> Result<(), CollectError> {
    let mut checkpoint = app.checkpoints.checkpoint(source.id()).await?;
    let pages = budget.pages.min(source.max_pages().unwrap_or(usize::MAX));
    for _ in 0..pages {
        // The fetch, its retries and their backoff all end at the run's deadline; what earlier
        // pages brought is stored and checkpointed already.
        let batch = tokio::time::timeout_at(budget.deadline, source.fetch(checkpoint.as_deref()))
            .await
            .map_err(|_| CollectError::Deadline)??;
        summary.skipped.merge(&batch.skipped);
        let stored = store_batch(app, &batch.observations).await?;
        summary.new += stored.new;
        summary.seen += stored.seen;
        summary.amended += stored.amended;
        summary.skipped.merge(&stored.skipped);
        let spreads: Vec<Spread> = batch
            .spreads
            .iter()
            .map(|(network, native_id, key)| Spread {
                report_id: report_id(network, native_id),
                key: key.clone(),
            })
            .collect();
        if !spreads.is_empty() {
            app.reports.add_spreads(&spreads).await?;
        }
        // Only now that the reports are stored does the checkpoint move past them; and only
        // if no other run moved it meanwhile (that run then covers what follows).
        if let Some(next) = &batch.checkpoint {
            if checkpoint.as_deref() != Some(next.as_str()) {
                let moved = app
                    .checkpoints
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
        if !batch.more || Instant::now() >= budget.deadline {
            break;
        }
    }
    Ok(())
}

/// What storing a batch did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stored {
    pub new: usize,
    /// Already stored by an earlier run (or earlier in the batch).
    pub seen: usize,
    /// Stored reports an update or cancellation changed.
    pub amended: usize,
    /// Items of feeds that do not belong to the crisis area (see [`area_skip`]).
    pub skipped: Skips,
}

impl Stored {
    /// Stores `reports` (clustered), counting which were new and which already stored.
    async fn insert(
        &mut self,
        app: &Collector<'_>,
        reports: Vec<Report>,
    ) -> Result<(), StoreError> {
        if reports.is_empty() {
            return Ok(());
        }
        let inserted = insert_clustered(app.reports, app.clusters, reports, &[]).await?;
        let new = inserted.iter().filter(|n| **n).count();
        self.new += new;
        self.seen += inserted.len() - new;
        Ok(())
    }
}

/// Ingests and stores observations, leaving out feed items outside the crisis area.
pub async fn store_batch<'a>(
    app: impl Into<Collector<'a>>,
    observations: &[Observation],
) -> Result<Stored, StoreError> {
    let app: &Collector<'a> = &app.into();
    let ctx = IngestContext {
        crisis: app.crisis,
        gazetteer: app.gazetteer,
    };
    let now = Utc::now();
    let mut stored = Stored::default();
    let mut reports: Vec<Report> = Vec::with_capacity(observations.len());
    let mut amending: Vec<(&Observation, &Amends, Report)> = Vec::new();
    let model = if observations.is_empty() {
        None
    } else {
        crate::learning::model(app.checkpoints).await
    };
    for obs in observations {
        let report = ingest_with(obs, &ctx, model.as_ref(), now);
        match (area_skip(obs, &report, app.crisis), &obs.amends) {
            (Some(reason), _) => stored.skipped.add(reason, 1),
            (None, Some(amends)) => amending.push((obs, amends, report)),
            (None, None) => reports.push(report),
        }
    }
    // The alerts first, then what updates or cancels them (in the order they were sent), so
    // an alert and its update in one feed end as one report.
    let mut unmatched = Vec::new();
    stored.insert(app, reports).await?;
    amending.sort_by_key(|(obs, _, _)| obs.posted_at);
    for (obs, amends, report) in amending {
        match amend(app, obs, amends, &report, now).await? {
            Amended::Changed(n) => stored.amended += n,
            Amended::AlreadyApplied => stored.seen += 1,
            Amended::NothingToAmend => match amends.kind {
                // An update of an alert never collected says what the alert would have.
                AmendKind::Update => unmatched.push(report),
                AmendKind::Cancel => stored.skipped.add(SkipReason::CancelsUnknown, 1),
            },
        }
    }
    stored.insert(app, unmatched).await?;
    Ok(stored)
}

enum Amended {
    /// This many stored reports changed.
    Changed(usize),
    /// Every report it refers to is as recent as it already (seen on an earlier run).
    AlreadyApplied,
    /// None of the messages it refers to was collected.
    NothingToAmend,
}

/// Applies an issuer's update or cancellation to the reports of the messages it refers to:
/// an update gives them its text, suggestion and place; a cancellation dismisses them. Each
/// change is in the report's history under the collector's name, so volunteers see it. A
/// message older than the report (or the same one seen again) changes nothing; volunteers'
/// own decisions (category, priority, summary, verification) are kept.
async fn amend(
    app: &Collector<'_>,
    obs: &Observation,
    amends: &Amends,
    fresh: &Report,
    now: DateTime<Utc>,
) -> Result<Amended, StoreError> {
    let mut ids: Vec<String> = Vec::new();
    for target in &amends.targets {
        let id = report_id(&obs.network, target);
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let mut found = false;
    let mut changed = 0;
    for id in ids {
        // A volunteer's edit meanwhile: read again and apply on top of it.
        for _attempt in 0..3 {
            let Some(before) = app.reports.get_report(&id).await? else {
                break;
            };
            found = true;
            if obs.posted_at <= before.posted_at {
                break;
            }
            let mut after = before.clone();
            let action = match amends.kind {
                AmendKind::Update => {
                    after.text = fresh.text.clone();
                    after.language = fresh.language.clone();
                    after.suggested_category = fresh.suggested_category;
                    after.suggested_priority = fresh.suggested_priority;
                    after.location = fresh.location.clone().or(after.location);
                    after.fingerprint = fresh.fingerprint.clone();
                    after.source_url = fresh.source_url.clone().or(after.source_url);
                    after.media = fresh.media;
                    "alert updated by its issuer"
                }
                AmendKind::Cancel => {
                    after.status = Status::Dismissed;
                    after.suggested_priority = Priority::Low;
                    "alert cancelled by its issuer"
                }
            };
            after.posted_at = obs.posted_at;
            after.updated_at = now;
            let entry = HistoryEntry {
                report_id: id.clone(),
                version: 0,
                at: now,
                actor: format!("collector:{}", obs.source_id),
                action: action.into(),
                changes: diff(&before, &after),
            };
            match app
                .reports
                .update_report(&after, before.version, &entry)
                .await
            {
                Ok(_) => {
                    changed += 1;
                    break;
                }
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e),
            }
        }
    }
    Ok(match (found, changed) {
        (false, _) => Amended::NothingToAmend,
        (true, 0) => Amended::AlreadyApplied,
        (true, n) => Amended::Changed(n),
    })
}

/// Stores new reports, each in the cluster of a stored copy if there is one, with their
/// entries of `created` (see
/// [`vigie_domain::ports::ReportStore::insert_reports_with_history`]). Returns, for each,
/// whether it was new.
pub async fn insert_clustered(
    store: &dyn Reports,
    clusters: &dyn Clusters,
    mut reports: Vec<Report>,
    created: &[HistoryEntry],
) -> Result<Vec<bool>, StoreError> {
    assign_clusters(store, clusters, &mut reports).await?;
    store.insert_reports_with_history(&reports, created).await
}

/// Puts copies of an earlier message (stored, or earlier in this batch) in its cluster.
async fn assign_clusters(
    store: &dyn Reports,
    clusters: &dyn Clusters,
    reports: &mut [Report],
) -> Result<(), StoreError> {
    let bands: Vec<String> = reports
        .iter()
        .filter_map(|r| r.fingerprint())
        .flat_map(|f| f.bands())
        .collect();
    let stored = clusters.cluster_candidates(&bands).await?;
    let mut known: Vec<(String, String, Fingerprint)> = stored
        .into_iter()
        .filter_map(|c| {
            Fingerprint::from_hex(&c.fingerprint).map(|f| (c.report_id, c.cluster_id, f))
        })
        .collect();
    // Clusters already debunked: a new copy of the rumour is debunked with them.
    let mut debunked: std::collections::HashMap<String, Option<Report>> = Default::default();
    for r in reports.iter_mut() {
        let Some(fp) = r.fingerprint() else { continue };
        let best = known
            .iter()
            .filter(|(id, _, _)| *id != r.id)
            .map(|(id, cluster, other)| (id, cluster, fp.similarity(other)))
            .filter(|(_, _, s)| *s >= vigie_domain::identity::SIMILAR)
            .max_by(|a, b| a.2.total_cmp(&b.2));
        if let Some((member, cluster, _)) = best {
            r.cluster_id = cluster.clone();
            if !debunked.contains_key(cluster) {
                let stored = store.get_report(member).await?;
                let verdict = stored.filter(|m| m.verification == Verification::Debunked);
                debunked.insert(cluster.clone(), verdict);
            }
            if let Some(Some(m)) = debunked.get(cluster) {
                if r.id != m.id {
                    r.verification = Verification::Debunked;
                    r.summary = m.summary.clone();
                }
            }
        }
        known.push((r.id.clone(), r.cluster_id.clone(), fp));
    }
    Ok(())
}

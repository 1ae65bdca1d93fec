//! The volunteers' use cases on the table: hand entry, changes with optimistic versions,
//! claims (renewal, forced release), publication with its rules, escalation, the rumours and
//! escalations views, and bulk actions. Each takes the [`Vigie`] it works on, the [`Actor`]
//! (whose role the API has already checked against its route table) and typed inputs, and
//! answers typed results or a [`TriageFailure`]; the HTTP handlers only parse, call and map.

use crate::Vigie;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::sync::Arc;
use tracing::{info, warn};
use vigie_domain::identity::{canonical_url, hand_entry_id};
use vigie_domain::ports::{
    Checkpoints, Clusters, Delivery, Notifier, ReportQuery, Reports, StoreError,
};
use vigie_domain::report::{diff, ingest_with, Body, HistoryEntry, IngestContext, Observation};
use vigie_domain::taxonomy::{Action, Category, Priority, Status, Verification};
use vigie_domain::text::strip_unfit;
use vigie_domain::triage::{self, Actor, LocationInput, TriageError, Update};
use vigie_domain::Report;
use vigie_domain::{Crisis, Gazetteer};

/// Why a use case did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum TriageFailure {
    /// Refused by the triage rules (a claim, a role, a value, the report's state).
    #[error(transparent)]
    Rule(#[from] TriageError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("report {id} not found")]
    NotFound { id: String },
    /// The caller changed a version that is no longer the report's.
    #[error("report {id} is at version {current}, not {expected}: reload it and apply your change again")]
    Stale {
        id: String,
        current: u64,
        expected: u64,
    },
    /// Other changes kept landing between reading the report and writing it.
    #[error("the report kept changing; try again")]
    Busy { id: String },
}

pub(crate) type Outcome<T> = Result<T, TriageFailure>;

/// What triage reads and writes, and nothing more: the crisis and its gazetteer, the reports
/// and their clusters, the checkpoint of the triage model, the notifier of escalations and
/// how they are retried, and the signal of a publication change. Every host makes it from its
/// [`Vigie`]: `claim(&app, ..)`. Owned (shared pointers), so an escalation delivered in the
/// background takes it along.
#[derive(Clone)]
pub struct Triage {
    pub crisis: Arc<Crisis>,
    pub gazetteer: Arc<Gazetteer>,
    pub reports: Arc<dyn Reports>,
    pub clusters: Arc<dyn Clusters>,
    pub checkpoints: Arc<dyn Checkpoints>,
    pub notifier: Arc<dyn Notifier>,
    pub retries: Retries,
    pub published: Arc<tokio::sync::Notify>,
}

impl From<&Vigie> for Triage {
    fn from(app: &Vigie) -> Triage {
        Triage {
            crisis: app.crisis.clone(),
            gazetteer: app.gazetteer.clone(),
            reports: app.store.clone(),
            clusters: app.store.clone(),
            checkpoints: app.store.clone(),
            notifier: app.notifier.clone(),
            retries: app.retries,
            published: app.published.clone(),
        }
    }
}

impl Triage {
    /// Tells the host that the public map has changed: a report was published or unpublished
    /// (see [`Vigie::published`]).
    fn published_changed(&self) {
        self.published.notify_one();
    }
}

async fn load(app: &Triage, id: &str) -> Outcome<Report> {
    app.reports
        .get_report(id)
        .await?
        .ok_or_else(|| TriageFailure::NotFound { id: id.to_string() })
}

fn entry(
    report: &Report,
    changes: Value,
    actor: &Actor,
    action: &str,
    at: DateTime<Utc>,
) -> HistoryEntry {
    HistoryEntry {
        report_id: report.id.clone(),
        version: 0,
        at,
        actor: actor.label(),
        action: action.into(),
        changes,
    }
}

/// A report with its history, oldest change first.
pub async fn report_with_history(
    app: impl Into<Triage>,
    id: &str,
) -> Outcome<(Report, Vec<HistoryEntry>)> {
    let app: &Triage = &app.into();
    let report = load(app, id).await?;
    let history = app.reports.history(id).await?;
    Ok((report, history))
}

/// A post seen on a network without an API, as a volunteer typed it.
#[derive(Debug, Clone, PartialEq)]
pub struct HandEntry {
    pub network: String,
    pub url: String,
    pub text: String,
    /// When the volunteer saw it; now when not given.
    pub observed_at: Option<DateTime<Utc>>,
    pub author: Option<String>,
    pub language: Option<String>,
    pub location: Option<LocationInput>,
    /// The fields as typed, kept as the first entry of the report's history.
    pub typed: Map<String, Value>,
}

/// What a hand entry became.
#[derive(Debug, Clone, PartialEq)]
pub enum Entered {
    New(Report),
    /// Already in the table (entered by hand before, or collected from any network).
    Duplicate(Report),
}

fn invalid(field: &'static str, reason: &str) -> TriageFailure {
    TriageError::Invalid {
        field,
        reason: reason.into(),
    }
    .into()
}

/// Enters a post by hand: classified and located like a collected one, de-duplicated by its
/// canonical URL, never taken as an official account's, its history starting with who entered
/// it and what they typed.
pub async fn enter_by_hand(
    app: impl Into<Triage>,
    actor: &Actor,
    entry: HandEntry,
) -> Outcome<Entered> {
    let app: &Triage = &app.into();
    // What is pasted from a network may carry characters XML forbids: taken out, not refused,
    // so that no public file (the Atom feed above all) ever gets one.
    let clean = |s: String| strip_unfit(&s).into_owned();
    let entry = HandEntry {
        network: clean(entry.network),
        url: clean(entry.url),
        text: clean(entry.text),
        author: entry.author.map(clean),
        language: entry.language.map(clean),
        ..entry
    };
    let network = entry.network.trim().to_lowercase();
    vigie_domain::triage::check_network(&network).map_err(|r| invalid("network", r))?;
    vigie_domain::triage::check_source_url(&entry.url).map_err(|r| invalid("url", r))?;
    if entry.text.trim().is_empty() {
        return Err(invalid("text", "required"));
    }
    let observed_at = entry.observed_at.unwrap_or_else(Utc::now);
    if observed_at > Utc::now() + Duration::minutes(10) {
        return Err(invalid("observed_at", "in the future"));
    }
    let location = entry
        .location
        .map(|l| triage::locate(&l, &app.gazetteer, Some(&app.crisis.bbox)))
        .transpose()?;
    let canonical = canonical_url(&entry.url);
    let obs = Observation {
        source_id: "hand".into(),
        network: network.clone(),
        native_id: canonical.clone(),
        url: Some(entry.url.trim().to_string()),
        // Whoever typed the author's name, a hand entry is never taken as an official
        // account's: it is read without it (kept below), so neither its flag nor its
        // suggestion is an official source's.
        author: String::new(),
        author_name: None,
        official_source: false,
        body: Body::Plain(entry.text),
        language: entry.language,
        posted_at: observed_at,
        point: None,
        media: 0,
        hint: None,
        counts: None,
        insee: Vec::new(),
        extent: None,
        amends: None,
    };
    let id = hand_entry_id(&canonical);
    // Entered before (or collected from any network); a race between two entries of one post
    // is settled by the insert below, both writing the same id.
    let existing = match app.reports.get_report(&id).await? {
        Some(r) => Some(r),
        None => app.reports.report_by_url(&canonical).await?,
    };
    if let Some(existing) = existing {
        return Ok(Entered::Duplicate(existing));
    }
    let ctx = IngestContext {
        crisis: &app.crisis,
        gazetteer: &app.gazetteer,
    };
    let model = crate::learning::model(app.checkpoints.as_ref()).await;
    let mut report = ingest_with(&obs, &ctx, model.as_ref(), Utc::now());
    report.id = id.clone();
    report.cluster_id = id.clone();
    report.author = entry.author.unwrap_or_default();
    if location.is_some() {
        report.location = location;
    }
    let typed: Map<String, Value> = entry
        .typed
        .into_iter()
        .map(|(k, v)| (k, json!({"before": null, "after": v})))
        .collect();
    let created = HistoryEntry {
        report_id: id.clone(),
        version: report.version,
        at: report.collected_at,
        actor: actor.label(),
        action: "create".into(),
        changes: Value::Object(typed),
    };
    let stored = crate::collect::insert_clustered(
        app.reports.as_ref(),
        app.clusters.as_ref(),
        vec![report],
        &[created],
    )
    .await?;
    let report = load(app, &id).await?;
    if !stored.first().copied().unwrap_or(false) {
        // Entered by someone else in between.
        return Ok(Entered::Duplicate(report));
    }
    info!(report = %id, actor = %actor.token_id, network = %network, "report entered by hand");
    Ok(Entered::New(report))
}

/// What is on the public map changes only with a coordinator's eyes on it.
fn may_change(report: &Report, actor: &Actor) -> Result<(), TriageError> {
    if report.status == Status::Published && !actor.role.may_publish() {
        return Err(TriageError::Forbidden(
            "this report is on the public map: a coordinator changes it (or unpublishes it first)"
                .into(),
        ));
    }
    Ok(())
}

/// Applies a volunteer's change to the version they read (`expected`).
pub async fn update(
    app: impl Into<Triage>,
    actor: &Actor,
    id: &str,
    expected: u64,
    changes: &Update,
) -> Outcome<Report> {
    let app: &Triage = &app.into();
    let current = load(app, id).await?;
    may_change(&current, actor)?;
    if current.version != expected {
        return Err(TriageFailure::Stale {
            id: id.to_string(),
            current: current.version,
            expected,
        });
    }
    let now = Utc::now();
    let next = triage::update(
        &current,
        changes,
        actor,
        now,
        &app.gazetteer,
        Some(&app.crisis.bbox),
    )?;
    let saved = app
        .reports
        .update_report(
            &next,
            expected,
            &entry(&next, diff(&current, &next), actor, "update", now),
        )
        .await?;
    if current.status == Status::Published {
        app.published_changed();
    }
    crate::learning::learn(app.checkpoints.as_ref(), &[(Some(&current), &saved)]).await;
    Ok(saved)
}

/// A report before and after an action, and when the action's rule was applied.
struct Acted {
    before: Report,
    after: Report,
    at: DateTime<Utc>,
}

/// Applies an action that does not depend on the caller's version: re-read and retried when
/// another change lands in between, so a race ends with the rules applied to the latest state.
/// `rule` gives the next state and the action's name in the history. An action that changes
/// nothing (releasing a report nobody holds) writes nothing: no new version, no history entry.
async fn act(
    app: &Triage,
    actor: &Actor,
    id: &str,
    rule: impl Fn(&Report, DateTime<Utc>) -> Result<(Report, &'static str), TriageError>,
) -> Outcome<Acted> {
    for _ in 0..5 {
        let before = load(app, id).await?;
        let at = Utc::now();
        let (next, action) = rule(&before, at)?;
        let changes = diff(&before, &next);
        if changes.as_object().is_some_and(|c| c.is_empty()) {
            return Ok(Acted {
                after: before.clone(),
                before,
                at,
            });
        }
        match app
            .reports
            .update_report(
                &next,
                before.version,
                &entry(&next, changes, actor, action, at),
            )
            .await
        {
            Ok(after) => return Ok(Acted { before, after, at }),
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(TriageFailure::Busy { id: id.to_string() })
}

/// Claims a report for the crisis's lease, or renews the lease of one's own claim.
pub async fn claim(app: impl Into<Triage>, actor: &Actor, id: &str) -> Outcome<Report> {
    let app: &Triage = &app.into();
    let lease = Duration::minutes(i64::from(app.crisis.claim_minutes));
    let acted = act(app, actor, id, |r, now| {
        Ok((triage::claim(r, actor, now, lease)?, "claim"))
    })
    .await?;
    Ok(acted.after)
}

/// A released report, and whose running claim was given back.
#[derive(Debug, Clone, PartialEq)]
pub struct Released {
    pub report: Report,
    /// The label of who held the claim (the caller, or someone else when a coordinator forces
    /// the release); `None` when nobody held it.
    pub released_from: Option<String>,
}

/// Gives a claim back: its holder's, or anyone's by a coordinator (a forced release, named
/// `force_release` in the history, whose changes name the holder).
pub async fn release(app: impl Into<Triage>, actor: &Actor, id: &str) -> Outcome<Released> {
    let app: &Triage = &app.into();
    let own = actor.label();
    let acted = act(app, actor, id, |r, now| {
        let forced = triage::holder(r, now).is_some_and(|h| h != own);
        let action = if forced { "force_release" } else { "release" };
        Ok((triage::release(r, actor, now)?, action))
    })
    .await?;
    // The holder as the release found it: a claim still running then.
    let released_from = triage::holder(&acted.before, acted.at).map(str::to_string);
    if let Some(holder) = released_from.as_deref().filter(|h| *h != own) {
        info!(report = %id, actor = %actor.token_id, holder = %holder, "claim released by a coordinator");
    }
    Ok(Released {
        report: acted.after,
        released_from,
    })
}

/// The open-rumour rule: a message is not published while a copy of it (a member of its
/// cluster) is an open rumour.
async fn no_open_rumour(app: &Triage, report: &Report) -> Outcome<()> {
    let open = app
        .reports
        .list_reports(&ReportQuery {
            cluster: Some(report.cluster_id.clone()),
            verification: Some(Verification::Rumor),
            limit: 1,
            ..Default::default()
        })
        .await?;
    match open.items.first() {
        Some(copy) => Err(TriageError::NotAllowedNow(format!(
            "a copy of this message ({}) is an open rumour: confirm or debunk it first",
            copy.id
        ))
        .into()),
        None => Ok(()),
    }
}

/// Puts a report on the public map: a coordinator's, for a complete report none of whose
/// copies is an open rumour.
pub async fn publish(app: impl Into<Triage>, actor: &Actor, id: &str) -> Outcome<Report> {
    let app: &Triage = &app.into();
    let report = load(app, id).await?;
    no_open_rumour(app, &report).await?;
    let acted = act(app, actor, id, |r, now| {
        Ok((triage::publish(r, actor, now)?, "publish"))
    })
    .await?;
    app.published_changed();
    Ok(acted.after)
}

/// Takes a report off the public map.
pub async fn unpublish(app: impl Into<Triage>, actor: &Actor, id: &str) -> Outcome<Report> {
    let app: &Triage = &app.into();
    let acted = act(app, actor, id, |r, now| {
        Ok((triage::unpublish(r, actor, now)?, "unpublish"))
    })
    .await?;
    app.published_changed();
    Ok(acted.after)
}

/// An escalated report, and where its notification stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Escalated {
    pub report: Report,
    pub notification: Notification,
}

/// Where the authority's notification of an escalation stands when the volunteer is answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Notification {
    /// Delivered (or handed to a service that delivers it) before answering.
    Sent,
    /// The one attempt made before answering failed, with the reason; the escalation is
    /// recorded all the same.
    Failed(String),
    /// To be delivered after the answer, retried in the background; each attempt is recorded
    /// in the report's history.
    Queued,
}

/// How a background delivery is retried: `attempts` in all, the first retry after
/// `first_wait`, each wait then doubled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retries {
    pub attempts: u32,
    pub first_wait: std::time::Duration,
}

impl Default for Retries {
    /// Six attempts over about a minute (waits of 2, 4, 8, 16 and 32 s).
    fn default() -> Retries {
        Retries {
            attempts: 6,
            first_wait: std::time::Duration::from_secs(2),
        }
    }
}

/// The longest one attempt may take (a notifier's own timeout, 5 s for a webhook, comes
/// first), and so the longest an inline delivery holds the volunteer's answer.
const INLINE_BOUND: std::time::Duration = std::time::Duration::from_secs(6);

/// Escalates a report to the authority. The notification is made before answering on hosts
/// that cannot work after it (bounded), else after answering, retried; each attempt is an
/// entry of the report's history.
pub async fn escalate(app: impl Into<Triage>, actor: &Actor, id: &str) -> Outcome<Escalated> {
    let app: &Triage = &app.into();
    let acted = act(app, actor, id, |r, now| {
        Ok((triage::escalate(r, now)?, "escalate"))
    })
    .await?;
    let report = acted.after;
    let notification = match app.notifier.delivery() {
        Delivery::Inline => match attempt(app, &report, 1, 1, None).await {
            Ok(()) => Notification::Sent,
            Err(e) => Notification::Failed(e),
        },
        Delivery::Background => {
            let (app, report) = (app.clone(), report.clone());
            tokio::spawn(async move { deliver(&app, &report).await });
            Notification::Queued
        }
    };
    Ok(Escalated {
        report,
        notification,
    })
}

/// Delivers the escalation of `report` in the background: attempt after attempt until one
/// succeeds or the retries run out.
async fn deliver(app: &Triage, report: &Report) {
    let retries = app.retries;
    let mut wait = retries.first_wait;
    for n in 1..=retries.attempts.max(1) {
        let next = (n < retries.attempts).then_some(wait);
        if attempt(app, report, n, retries.attempts, next)
            .await
            .is_ok()
        {
            return;
        }
        match next {
            Some(w) => tokio::time::sleep(w).await,
            None => warn!(report = %report.id, attempts = n, "escalation never delivered"),
        }
        wait = wait.saturating_mul(2);
    }
}

/// One delivery attempt (at most [`INLINE_BOUND`]), recorded in the report's history whatever
/// its outcome; `next` is the wait before another when it fails.
async fn attempt(
    app: &Triage,
    report: &Report,
    n: u32,
    of: u32,
    next: Option<std::time::Duration>,
) -> Result<(), String> {
    let outcome = match tokio::time::timeout(INLINE_BOUND, app.notifier.escalation(report)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.0),
        Err(_) => Err(format!("no answer within {} s", INLINE_BOUND.as_secs())),
    };
    let channel = app.notifier.channel();
    let said = match (&outcome, next) {
        (Ok(()), _) => format!("delivered to {channel} (attempt {n} of {of})"),
        (Err(e), Some(w)) => format!(
            "not delivered to {channel}: {e} (attempt {n} of {of}, next in {} s)",
            w.as_secs().max(1)
        ),
        (Err(e), None) => {
            format!("not delivered to {channel}: {e} (attempt {n} of {of}, the last)")
        }
    };
    if let Err(e) = &outcome {
        warn!(report = %report.id, attempt = n, error = %e, "escalation notification failed");
    }
    let entry = HistoryEntry {
        report_id: report.id.clone(),
        version: report.version,
        at: Utc::now(),
        actor: "vigie".into(),
        action: "notify".into(),
        changes: json!({
            "notification": {"before": null, "after": said, "attempt": n, "delivered": outcome.is_ok()},
        }),
    };
    if let Err(e) = app.reports.append_history(&entry).await {
        warn!(report = %report.id, error = %e, "delivery not recorded in the history");
    }
    outcome
}

/// The authority acknowledges an escalation.
pub async fn acknowledge(app: impl Into<Triage>, actor: &Actor, id: &str) -> Outcome<Report> {
    let app: &Triage = &app.into();
    let acted = act(app, actor, id, |r, now| {
        Ok((triage::acknowledge(r, actor, now)?, "acknowledge"))
    })
    .await?;
    Ok(acted.after)
}

/// Every report matching a query, page after page.
async fn all(app: &Triage, query: ReportQuery) -> Outcome<Vec<Report>> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = app
            .reports
            .list_reports(&ReportQuery {
                limit: 200,
                cursor,
                ..query.clone()
            })
            .await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

/// Escalated reports: those waiting for the authority first, then the most urgent, then the
/// oldest escalation first.
pub async fn escalations(app: impl Into<Triage>) -> Outcome<Vec<Report>> {
    let app: &Triage = &app.into();
    let mut items = all(
        app,
        ReportQuery {
            escalated: Some(true),
            ..Default::default()
        },
    )
    .await?;
    items.sort_by_key(|r| {
        (
            r.acknowledged_at.is_some(),
            r.effective_priority(),
            r.escalated_at,
        )
    });
    Ok(items)
}

/// A cluster flagged as a rumour, with its spread.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rumour {
    pub cluster_id: String,
    /// `rumor` while any member is an open rumour, `debunked` once none is.
    pub verification: Verification,
    /// The latest summary a volunteer wrote on a member (the debunking text once debunked).
    pub summary: Option<String>,
    pub reports: Vec<String>,
    pub size: usize,
    /// Members and their reposts.
    pub spread: u64,
    pub networks: BTreeSet<String>,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
}

/// Rumours and debunked rumours, grouped by cluster: open rumours first, the most widely
/// spread first.
pub async fn rumours(app: impl Into<Triage>) -> Outcome<Vec<Rumour>> {
    let app: &Triage = &app.into();
    let mut clusters: BTreeSet<String> = BTreeSet::new();
    for verification in [Verification::Rumor, Verification::Debunked] {
        let flagged = all(
            app,
            ReportQuery {
                verification: Some(verification),
                ..Default::default()
            },
        )
        .await?;
        clusters.extend(flagged.into_iter().map(|r| r.cluster_id));
    }
    let mut items = Vec::new();
    for cluster in clusters {
        let members = all(
            app,
            ReportQuery {
                cluster: Some(cluster.clone()),
                ..Default::default()
            },
        )
        .await?;
        let open = members
            .iter()
            .any(|m| m.verification == Verification::Rumor);
        items.push(Rumour {
            cluster_id: cluster,
            verification: if open {
                Verification::Rumor
            } else {
                Verification::Debunked
            },
            summary: members
                .iter()
                .filter(|m| m.summary.is_some())
                .max_by_key(|m| m.updated_at)
                .and_then(|m| m.summary.clone()),
            reports: members.iter().map(|m| m.id.clone()).collect(),
            size: members.len(),
            spread: members.iter().map(|m| 1 + u64::from(m.spread_count)).sum(),
            networks: members.iter().map(|m| m.network.clone()).collect(),
            first_seen: members.iter().map(|m| m.posted_at).min(),
            last_seen: members.iter().map(|m| m.posted_at).max(),
        });
    }
    items.sort_by_key(|i| {
        (
            i.verification != Verification::Rumor,
            std::cmp::Reverse(i.spread),
        )
    });
    Ok(items)
}

/// The whole table, oldest post first, for the CSV export.
pub async fn whole_table(app: impl Into<Triage>) -> Outcome<Vec<Report>> {
    let app: &Triage = &app.into();
    let mut reports = all(app, ReportQuery::default()).await?;
    reports.sort_by(|a, b| a.posted_at.cmp(&b.posted_at).then_with(|| a.id.cmp(&b.id)));
    Ok(reports)
}

/// The most reports one bulk action takes.
pub const BULK_MAX: usize = 200;

/// What a bulk action does to each report of a selection.
#[derive(Debug, Clone, PartialEq)]
pub enum BulkAction {
    Dismiss,
    /// Sets the category, the priority or both.
    Update {
        category: Option<Category>,
        priority: Option<Priority>,
    },
    Publish,
    Unpublish,
    /// Gives back the caller's own claims (a claim held by someone else is never touched).
    Release,
}

impl BulkAction {
    pub const NAMES: &'static [&'static str] =
        &["dismiss", "update", "publish", "unpublish", "release"];
}

/// A report a bulk action changed (or found already as asked).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Done {
    pub id: String,
    pub version: u64,
}

/// What a bulk action did: each report of the selection is done or skipped, never both.
#[derive(Debug)]
pub struct BulkOutcome {
    pub done: Vec<Done>,
    /// Each report not done, with why: what the one-report route would have answered.
    pub skipped: Vec<(String, TriageFailure)>,
}

/// Applies one action to a selection of reports, one by one, never touching a report claimed
/// by someone else. Publishing and unpublishing need the coordinator's role for the whole
/// selection. Ids are taken once each, in the order given.
pub async fn bulk(
    app: impl Into<Triage>,
    actor: &Actor,
    ids: &[String],
    action: &BulkAction,
) -> Outcome<BulkOutcome> {
    let app: &Triage = &app.into();
    if matches!(action, BulkAction::Publish | BulkAction::Unpublish)
        && !actor.role.may(Action::Publish)
    {
        return Err(TriageError::Forbidden(actor.role.refusal(Action::Publish)).into());
    }
    let mut seen = BTreeSet::new();
    let mut outcome = BulkOutcome {
        done: Vec::new(),
        skipped: Vec::new(),
    };
    let mut public_changed = false;
    let mut decided = Vec::new();
    for id in ids.iter().filter(|id| seen.insert(id.as_str())) {
        match bulk_one(app, actor, id, action).await {
            Ok(acted) => {
                public_changed |= acted.before.status == Status::Published
                    || acted.after.status == Status::Published;
                outcome.done.push(Done {
                    id: id.clone(),
                    version: acted.after.version,
                });
                if matches!(action, BulkAction::Update { .. }) {
                    decided.push(acted);
                }
            }
            Err(e) => outcome.skipped.push((id.clone(), e)),
        }
    }
    let changes: Vec<(Option<&Report>, &Report)> = decided
        .iter()
        .map(|a| (Some(&a.before), &a.after))
        .collect();
    crate::learning::learn(app.checkpoints.as_ref(), &changes).await;
    if public_changed {
        app.published_changed();
    }
    info!(actor = %actor.token_id, action = ?action, done = outcome.done.len(), skipped = outcome.skipped.len(), "bulk action");
    Ok(outcome)
}

async fn bulk_one(app: &Triage, actor: &Actor, id: &str, action: &BulkAction) -> Outcome<Acted> {
    let changes = match action {
        BulkAction::Dismiss => Update {
            status: Some(Status::Dismissed),
            ..Default::default()
        },
        BulkAction::Update { category, priority } => Update {
            category: *category,
            priority: *priority,
            ..Default::default()
        },
        _ => Update::default(),
    };
    if *action == BulkAction::Publish {
        // A claim held by someone else is said before the rules of publication.
        let report = load(app, id).await?;
        triage::free_for(&report, actor, Utc::now())?;
        no_open_rumour(app, &report).await?;
    }
    act(app, actor, id, |r, now| {
        triage::free_for(r, actor, now)?;
        match action {
            BulkAction::Dismiss | BulkAction::Update { .. } => {
                may_change(r, actor)?;
                let next = triage::update(
                    r,
                    &changes,
                    actor,
                    now,
                    &app.gazetteer,
                    Some(&app.crisis.bbox),
                )?;
                Ok((next, "update"))
            }
            BulkAction::Publish => Ok((triage::publish(r, actor, now)?, "publish")),
            BulkAction::Unpublish => Ok((triage::unpublish(r, actor, now)?, "unpublish")),
            BulkAction::Release => Ok((triage::release(r, actor, now)?, "release")),
        }
    })
    .await
}

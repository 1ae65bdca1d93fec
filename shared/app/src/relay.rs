//! The relay workflow: a volunteer drafts, a coordinator approves, Vigie posts to each of the
//! association's accounts exactly once and logs it (in the relay log and in the report's
//! history).
//!
//! Exactly once, whoever calls and however often: approving fixes each account's key and
//! saves it before anything is sent; each account is then taken for posting by a
//! compare-and-set save (`posting`, with the time), so of two calls at once only one sends.
//! A call that finds an account left `posting` for longer than [`STALE_POSTING`] (a function
//! that timed out after sending) sends again with the same key, and the network answers with
//! the post it already made.

use crate::triage::{Outcome, TriageFailure};
use crate::Vigie;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use std::sync::Arc;
use tracing::{info, warn};
use vigie_domain::ports::{PostError, Poster, RelayLog, Reports, StoreError};
use vigie_domain::relay::{
    check_text, tid, Relay, RelayKind, RelayStatus, RelayTarget, TargetState,
};
use vigie_domain::report::HistoryEntry;
use vigie_domain::taxonomy::Category;
use vigie_domain::triage::{Actor, TriageError};
use vigie_domain::Crisis;

/// How long an account may stay `posting` before another call sends again (with its key).
pub const STALE_POSTING: Duration = Duration::minutes(2);
/// How long one post may take before the call gives up on it (it stays `posting`).
const POST_BOUND: std::time::Duration = std::time::Duration::from_secs(20);
/// The longest reminder interval a coordinator may set, in hours.
pub const MAX_REMIND_HOURS: u32 = 72;
/// How many times a save is tried again when another one slipped in.
const ROUNDS: usize = 8;

fn invalid(field: &'static str, reason: impl Into<String>) -> TriageFailure {
    TriageFailure::Rule(TriageError::Invalid {
        field,
        reason: reason.into(),
    })
}

fn not_now(reason: impl Into<String>) -> TriageFailure {
    TriageFailure::Rule(TriageError::NotAllowedNow(reason.into()))
}

/// What relaying reads and writes, and nothing more: the crisis file's relay accounts, the
/// reports (a relay's report and its history), the relay log and the accounts' posters.
/// Every host makes it from its [`Vigie`]: `draft(&app, ..)`.
#[derive(Clone, Copy)]
pub struct Relaying<'a> {
    pub crisis: &'a Crisis,
    pub reports: &'a dyn Reports,
    pub relays: &'a dyn RelayLog,
    pub posters: &'a [Arc<dyn Poster>],
}

impl<'a> From<&'a Vigie> for Relaying<'a> {
    fn from(app: &'a Vigie) -> Relaying<'a> {
        Relaying {
            crisis: &app.crisis,
            reports: app.store.as_ref(),
            relays: app.relays.as_ref(),
            posters: &app.posters,
        }
    }
}

/// The networks of some of the crisis's relay accounts.
fn networks(app: &Relaying<'_>, accounts: &[String]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = app
        .crisis
        .relay
        .iter()
        .filter(|a| accounts.contains(&a.id))
        .map(|a| a.kind.network())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// What a volunteer drafts: the report, its text, and optionally what it is (by default an
/// official message when the report is one, a call for solidarity otherwise) and which
/// accounts it goes to (by default all of them; none for share links only).
pub struct DraftRequest<'a> {
    pub report: &'a str,
    pub text: &'a str,
    pub kind: Option<RelayKind>,
    pub accounts: Option<Vec<String>>,
}

/// A volunteer drafts a relay of a report: its text checked against each chosen account's
/// network.
pub async fn draft<'a>(
    app: impl Into<Relaying<'a>>,
    actor: &Actor,
    request: DraftRequest<'_>,
) -> Outcome<Relay> {
    let app: &Relaying<'a> = &app.into();
    let report = app
        .reports
        .get_report(request.report)
        .await?
        .ok_or_else(|| TriageFailure::NotFound {
            id: request.report.to_string(),
        })?;
    let known: Vec<&str> = app.crisis.relay.iter().map(|a| a.id.as_str()).collect();
    let accounts = match request.accounts {
        None => known.iter().map(|a| a.to_string()).collect(),
        Some(mut chosen) => {
            if let Some(unknown) = chosen.iter().find(|a| !known.contains(&a.as_str())) {
                return Err(invalid(
                    "accounts",
                    if known.is_empty() {
                        format!("`{unknown}`: the crisis file names no [[relay]] account")
                    } else {
                        format!(
                            "`{unknown}` is not a [[relay]] account of the crisis file (one of: {})",
                            known.join(", ")
                        )
                    },
                ));
            }
            chosen.sort_unstable();
            chosen.dedup();
            chosen
        }
    };
    let kind = request.kind.unwrap_or(
        if report.official || report.effective_category() == Category::Official {
            RelayKind::Official
        } else {
            RelayKind::Solidarity
        },
    );
    let text = request.text.trim();
    check_text(text, &networks(app, &accounts)).map_err(|r| invalid("text", r.to_string()))?;
    let now = Utc::now();
    let relay = Relay {
        id: format!(
            "rl-{}",
            tid(now, &format!("{}/{}", report.id, actor.token_id))
        ),
        report: report.id.clone(),
        kind,
        accounts,
        text: text.to_string(),
        drafted_by: actor.label(),
        drafted_at: now,
        status: RelayStatus::Draft,
        approved_by: None,
        approved_at: None,
        targets: Vec::new(),
        remind_every_hours: None,
        version: 0,
    };
    let saved = app.relays.save_relay(&relay).await?;
    history(
        app,
        &saved,
        &actor.label(),
        "relay_draft",
        json!(saved.text),
    )
    .await;
    Ok(saved)
}

/// A coordinator approves a draft (at the version read) and Vigie posts it; approving a
/// relay already approved goes on with the accounts not posted yet (a retry), and one
/// posted everywhere is answered as it is.
pub async fn approve<'a>(
    app: impl Into<Relaying<'a>>,
    actor: &Actor,
    id: &str,
    version: Option<u64>,
    remind_every_hours: Option<u32>,
) -> Outcome<Relay> {
    let app: &Relaying<'a> = &app.into();
    if let Some(h) = remind_every_hours {
        if h == 0 || h > MAX_REMIND_HOURS {
            return Err(invalid(
                "remind_every_hours",
                format!("{h}: between 1 and {MAX_REMIND_HOURS} hours"),
            ));
        }
    }
    let mut relay = load(app, id).await?;
    match relay.status {
        RelayStatus::Withdrawn => return Err(not_now("this relay was withdrawn")),
        RelayStatus::Posted => return Ok(relay),
        RelayStatus::Draft => {
            if let Some(version) = version.filter(|v| *v != relay.version) {
                return Err(TriageFailure::Stale {
                    id: id.to_string(),
                    current: relay.version,
                    expected: version,
                });
            }
            let now = Utc::now();
            let mut approved = relay.clone();
            approved.status = RelayStatus::Approved;
            approved.approved_by = Some(actor.label());
            approved.approved_at = Some(now);
            approved.remind_every_hours = remind_every_hours;
            approved.targets = app
                .crisis
                .relay
                .iter()
                .filter(|account| relay.accounts.contains(&account.id))
                .map(|account| RelayTarget {
                    account: account.id.clone(),
                    network: account.kind.network().to_string(),
                    key: match account.kind.network() {
                        "bluesky" => tid(now, &format!("{}/{}", relay.id, account.id)),
                        _ => format!("vigie-{}-{}", relay.id, account.id),
                    },
                    state: TargetState::Pending,
                    attempts: 0,
                    attempt_at: None,
                    url: None,
                    posted_at: None,
                    error: None,
                })
                .collect();
            relay = match app.relays.save_relay(&approved).await {
                Ok(saved) => {
                    history(
                        app,
                        &saved,
                        &actor.label(),
                        "relay_approve",
                        json!(saved.text),
                    )
                    .await;
                    saved
                }
                // Approved by a call at the same moment (a second click): go on with theirs.
                Err(StoreError::Conflict { .. }) => load(app, id).await?,
                Err(e) => return Err(e.into()),
            };
            if relay.status == RelayStatus::Draft {
                return Err(TriageFailure::Busy { id: id.to_string() });
            }
        }
        RelayStatus::Approved | RelayStatus::Failed => {}
    }
    post_all(app, relay).await
}

/// A coordinator withdraws a draft (nothing was posted).
pub async fn withdraw<'a>(
    app: impl Into<Relaying<'a>>,
    actor: &Actor,
    id: &str,
    version: Option<u64>,
) -> Outcome<Relay> {
    let app: &Relaying<'a> = &app.into();
    let relay = load(app, id).await?;
    if relay.status != RelayStatus::Draft {
        return Err(not_now(
            "only a draft can be withdrawn; this relay is approved",
        ));
    }
    if let Some(version) = version.filter(|v| *v != relay.version) {
        return Err(TriageFailure::Stale {
            id: id.to_string(),
            current: relay.version,
            expected: version,
        });
    }
    let saved = app
        .relays
        .save_relay(&Relay {
            status: RelayStatus::Withdrawn,
            ..relay
        })
        .await?;
    history(app, &saved, &actor.label(), "relay_withdraw", json!(null)).await;
    Ok(saved)
}

async fn load(app: &Relaying<'_>, id: &str) -> Outcome<Relay> {
    app.relays
        .relay(id)
        .await?
        .ok_or_else(|| TriageFailure::Store(StoreError::NotFound(format!("relay {id}"))))
}

/// Posts to every account not posted yet, one after the other.
async fn post_all(app: &Relaying<'_>, mut relay: Relay) -> Outcome<Relay> {
    for i in 0..relay.targets.len() {
        relay = post_one(app, relay, i).await?;
    }
    // The status the accounts add up to.
    for _ in 0..ROUNDS {
        let mut settled = relay.clone();
        settled.settle();
        if settled.status == relay.status {
            return Ok(relay);
        }
        match app.relays.save_relay(&settled).await {
            Ok(saved) => return Ok(saved),
            Err(StoreError::Conflict { .. }) => relay = load(app, &relay.id).await?,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(relay)
}

/// Takes account `i` for posting (when nobody else has it), posts, and records the outcome.
async fn post_one(app: &Relaying<'_>, mut relay: Relay, i: usize) -> Outcome<Relay> {
    // Take it.
    let now = Utc::now();
    loop {
        let target = &relay.targets[i];
        let due = match target.state {
            TargetState::Pending | TargetState::Failed => true,
            TargetState::Posting => target.attempt_at.is_none_or(|at| now - at >= STALE_POSTING),
            TargetState::Posted => false,
        };
        if !due {
            return Ok(relay);
        }
        let mut taken = relay.clone();
        let t = &mut taken.targets[i];
        t.state = TargetState::Posting;
        t.attempt_at = Some(now);
        t.attempts += 1;
        t.error = None;
        match app.relays.save_relay(&taken).await {
            Ok(saved) => {
                relay = saved;
                break;
            }
            Err(StoreError::Conflict { .. }) => relay = load(app, &relay.id).await?,
            Err(e) => return Err(e.into()),
        }
    }
    let target = relay.targets[i].clone();
    let outcome = match poster(app, &target.account) {
        // No answer within the bound: left `posting`; the next call after STALE_POSTING
        // sends again with the key.
        Some(poster) => tokio::time::timeout(POST_BOUND, poster.post(&relay.text, &target.key))
            .await
            .ok(),
        None => Some(Err(PostError::Refused(format!(
            "no credentials for the account {} here",
            target.account
        )))),
    };
    let Some(outcome) = outcome else {
        warn!(relay = %relay.id, account = %target.account, "no answer within the bound; left posting");
        return Ok(relay);
    };
    // Record it, over whatever else changed meanwhile.
    for _ in 0..ROUNDS {
        let mut next = relay.clone();
        let t = &mut next.targets[i];
        match &outcome {
            Ok(posted) => {
                t.state = TargetState::Posted;
                t.url = Some(posted.url.clone());
                t.posted_at = Some(Utc::now());
                t.error = None;
            }
            Err(e) => {
                t.state = TargetState::Failed;
                t.error = Some(e.to_string());
            }
        }
        match app.relays.save_relay(&next).await {
            Ok(saved) => {
                let said = match &outcome {
                    Ok(p) => {
                        info!(relay = %saved.id, account = %target.account, "relay posted");
                        json!({"account": target.account, "network": target.network, "url": p.url})
                    }
                    Err(e) => {
                        warn!(relay = %saved.id, account = %target.account, error = %e, "relay not posted");
                        json!({"account": target.account, "network": target.network, "error": e.to_string()})
                    }
                };
                let action = if outcome.is_ok() {
                    "relay_post"
                } else {
                    "relay_fail"
                };
                history(app, &saved, "vigie", action, said).await;
                return Ok(saved);
            }
            Err(StoreError::Conflict { .. }) => relay = load(app, &relay.id).await?,
            Err(e) => return Err(e.into()),
        }
    }
    Err(TriageFailure::Busy {
        id: relay.id.clone(),
    })
}

fn poster(app: &Relaying<'_>, account: &str) -> Option<Arc<dyn Poster>> {
    app.posters.iter().find(|p| p.account() == account).cloned()
}

/// A step of the relay in the report's history (who, what, where).
async fn history(
    app: &Relaying<'_>,
    relay: &Relay,
    actor: &str,
    action: &str,
    after: serde_json::Value,
) {
    let version = match app.reports.get_report(&relay.report).await {
        Ok(Some(r)) => r.version,
        _ => 0,
    };
    let entry = HistoryEntry {
        report_id: relay.report.clone(),
        version,
        at: Utc::now(),
        actor: actor.to_string(),
        action: action.to_string(),
        changes: json!({"relay": {"before": null, "after": after, "id": relay.id}}),
    };
    if let Err(e) = app.reports.append_history(&entry).await {
        warn!(relay = %relay.id, error = %e, "relay step not recorded in the history");
    }
}

/// When a posted relay with a reminder is due to be relayed again.
pub fn due_again(relay: &Relay) -> Option<DateTime<Utc>> {
    let hours = relay.remind_every_hours?;
    // Posted by the accounts, or (share links only) approved.
    let last = relay
        .targets
        .iter()
        .filter_map(|t| t.posted_at)
        .max()
        .or(relay.approved_at)?;
    Some(last + Duration::hours(i64::from(hours)))
}

//! The collectors' handler: runs planned sources within a budget, as `vigie collect --once`
//! and each `collect-*` function do.

use super::*;

/// Runs each planned source once, a few at a time, all within the budget's one deadline; a
/// source that cannot run or fails does not stop the others. Summaries come in the order of
/// `sources`.
pub async fn collect_once(
    app: &Vigie,
    sources: &[PlannedSource],
    budget: Budget,
) -> Vec<RunSummary> {
    let all: Vec<&PlannedSource> = sources.iter().collect();
    collect_each(app, &all, budget).await
}

async fn collect_each(app: &Vigie, sources: &[&PlannedSource], budget: Budget) -> Vec<RunSummary> {
    // Every source's health, read once for the run: which of them must wait.
    let health = match app.store.source_health().await {
        Ok(health) => health,
        Err(e) => {
            tracing::warn!(error = %e, "sources' health not read; running them all");
            Vec::new()
        }
    };
    let health = &health;
    // Unordered, so a hung source holds one slot only, then put back in the given order.
    let mut done: Vec<(usize, RunSummary)> = futures::stream::iter(sources.iter().enumerate())
        .map(|(i, s)| async move {
            let summary = match &s.runner {
                Ok(src) => run_source_with(app, src.as_ref(), budget, health).await,
                Err(reason) => {
                    tracing::warn!(source = %s.id, error = %reason, "source cannot run");
                    record_unrunnable(app, &s.id, s.kind, reason).await;
                    let mut summary = RunSummary::new(&s.id);
                    summary.error = Some(reason.clone());
                    summary
                }
            };
            (i, summary)
        })
        .buffer_unordered(PARALLEL_SOURCES)
        .collect()
        .await;
    done.sort_by_key(|(i, _)| *i);
    let out: Vec<RunSummary> = done.into_iter().map(|(_, s)| s).collect();
    for (s, summary) in sources.iter().zip(&out) {
        if s.is_demo() && summary.error.is_none() {
            if let Err(e) = vigie_app::demo::apply_seed_triage(app).await {
                tracing::warn!(error = %e, "demo triage could not be applied");
            }
        }
    }
    out
}

/// How long a run inside a Lambda invocation that must end by `deadline` may collect.
pub fn lambda_run_time(deadline: SystemTime, now: SystemTime) -> Duration {
    let left = deadline.duration_since(now).unwrap_or_default();
    left.saturating_sub(LAMBDA_SAFETY_MARGIN)
}

/// What the scheduler sends a collector function: one source, or every source of its kind.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectInput {
    pub source: Option<String>,
}

/// What a collector function answers.
#[derive(Debug, Serialize)]
pub struct CollectOutput {
    pub sources: Vec<SourceOutcome>,
}

#[derive(Debug, Serialize)]
pub struct SourceOutcome {
    pub source: String,
    pub new: usize,
    pub seen: usize,
    pub skipped: u64,
    /// The skipped items by reason (absent when none was).
    #[serde(skip_serializing_if = "vigie_domain::ports::Skips::is_empty")]
    pub skip_reasons: vigie_domain::ports::Skips,
    pub error: Option<String>,
    /// Rate limited: the source may be called again from then on (not a failure).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_until: Option<chrono::DateTime<chrono::Utc>>,
}

/// The handler of the collector functions (`collect-mastodon`, `collect-bluesky`,
/// `collect-feeds`): runs the sources of `kind` the input names, once. `planned` is built once
/// per function instance (see [`sources`]), so clients keep their sessions in memory between
/// runs of a warm instance (and in the store for a cold one). The
/// sources run together within `budget`. Fails (so the invocation counts as an error for
/// alarms) when any source failed; a source waiting out a rate limit is not a failure.
pub async fn handle_collect(
    app: &Vigie,
    kind: CollectorKind,
    planned: &[PlannedSource],
    input: serde_json::Value,
    budget: Budget,
) -> Result<CollectOutput, HostError> {
    let input: CollectInput = if input.is_null() {
        CollectInput::default()
    } else {
        serde_json::from_value(input).map_err(|e| {
            HostError::Config(format!(
                "input: {e} (expected {{\"source\": \"<id>\"}} or {{}})"
            ))
        })?
    };
    if let Some(id) = input.source.as_deref() {
        // The same checks as building the sources: unknown id, or a source of another kind.
        sources(&app.crisis, Some(id), Some(kind), &|_| None, &app.store)?;
    }
    let chosen: Vec<&PlannedSource> = planned
        .iter()
        .filter(|p| p.kind == kind.name() && input.source.as_deref().is_none_or(|id| id == p.id))
        .collect();
    let summaries = collect_each(app, &chosen, budget).await;
    let failures: Vec<String> = summaries
        .iter()
        .filter(|s| s.error.is_some())
        .map(ToString::to_string)
        .collect();
    let output = CollectOutput {
        sources: summaries
            .into_iter()
            .map(|s| SourceOutcome {
                source: s.source_id,
                new: s.new,
                seen: s.seen,
                skipped: s.skipped.total(),
                skip_reasons: s.skipped,
                error: s.error,
                waiting_until: s.waiting_until,
            })
            .collect(),
    };
    if failures.is_empty() {
        Ok(output)
    } else {
        Err(HostError::Collection(failures.join("; ")))
    }
}

/// The whole `main` of a collector function: configuration from the environment, sources of
/// `kind` built once per instance (so clients keep their sessions, Bluesky's, between runs;
/// a cold instance takes the session kept in the store),
/// then one collection per scheduled invocation.
pub async fn serve_collector(kind: CollectorKind) -> Result<(), lambda_runtime::Error> {
    // The process's environment, read here and handed down.
    let env = |var: &str| std::env::var(var).ok();
    init_lambda_tracing(&env);
    let app = collector_app_from_env(&env).await?;
    let secret = stack_secret(&env).await?;
    let lookup = |var: &str| secret.get(var).cloned().or_else(|| env(var));
    let planned = Arc::new(sources(&app.crisis, None, Some(kind), &lookup, &app.store)?);
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<serde_json::Value>| {
            let (app, planned) = (app.clone(), planned.clone());
            async move {
                let budget =
                    Budget::within(lambda_run_time(event.context.deadline(), SystemTime::now()));
                let output = handle_collect(&app, kind, &planned, event.payload, budget).await?;
                serde_json::to_value(output).map_err(|e| {
                    HostError::Collection(format!("the run's summary could not be written: {e}"))
                })
            }
        },
    ))
    .await
}

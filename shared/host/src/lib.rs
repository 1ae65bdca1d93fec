//! Wiring shared by every host of Vigie's use cases (the `vigie` command and the Lambda
//! functions): adapters chosen by their specs (`sqlite:PATH`, `dir:PATH`), source clients
//! built from the crisis file with their secrets read from the environment, and the
//! collectors' handler.

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use std::time::SystemTime;
use vigie_app::collect::{record_unrunnable, run_source_with, Budget, RunSummary};
use vigie_app::demo::DemoSource;
use vigie_app::{CrisisFile, Vigie};
use vigie_domain::crisis::RelayAccountKind;
use vigie_domain::crisis::{Crisis, SourceKind};
use vigie_domain::ports::{
    Notifier, Publisher, ReportStore, Source, StoredAllowance, StoredSession,
};
use vigie_domain::ports::{PostError, Posted, Poster};
use vigie_local::{FolderPublisher, LogNotifier, SqliteStore, WebhookNotifier};
use vigie_sources::{
    BlueskyPoster, BlueskySource, FeedSource, Http, MastodonPoster, MastodonSource, RetryPolicy,
    XSource, YouTubeSource,
};

pub use specs::{PublishSpec, S3Options, SpecError, StoreSpec};
/// The kind a collector function names ([`serve_collector`]).
pub use vigie_domain::crisis::CollectorKind;

mod specs;

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The deployment is wrong (a spec, a variable, the crisis file, an input): running again
    /// changes nothing until someone fixes it.
    #[error("{0}")]
    Config(String),
    /// Sources were run and some failed (their network, their credentials): each is recorded
    /// in its health, and the next scheduled run tries again.
    #[error("{0}")]
    Collection(String),
    #[error(transparent)]
    Store(#[from] vigie_domain::ports::StoreError),
}

impl HostError {
    /// The `errorType` Lambda records for this error, which alarms and log queries filter on:
    /// `Vigie.Configuration`, `Vigie.SourceFailed`, `Vigie.StoreUnavailable` or
    /// `Vigie.StoreError`.
    pub fn error_type(&self) -> &'static str {
        use vigie_domain::ports::StoreError;
        match self {
            HostError::Config(_) => "Vigie.Configuration",
            HostError::Collection(_) => "Vigie.SourceFailed",
            HostError::Store(StoreError::Unavailable(_)) => "Vigie.StoreUnavailable",
            HostError::Store(_) => "Vigie.StoreError",
        }
    }

    /// Whether trying the same invocation again may succeed (a source or the store may come
    /// back; a configuration will not fix itself).
    pub fn retryable(&self) -> bool {
        use vigie_domain::ports::StoreError;
        match self {
            HostError::Config(_) => false,
            HostError::Collection(_) => true,
            HostError::Store(StoreError::Unavailable(_) | StoreError::Conflict { .. }) => true,
            HostError::Store(_) => false,
        }
    }
}

impl From<HostError> for lambda_runtime::Diagnostic {
    fn from(error: HostError) -> lambda_runtime::Diagnostic {
        lambda_runtime::Diagnostic {
            error_type: error.error_type().into(),
            error_message: error.to_string(),
        }
    }
}

/// Opens the report store of a spec, with the standard AWS configuration for DynamoDB (the
/// table is created if it does not exist yet).
pub async fn open_store(spec: &StoreSpec) -> Result<Arc<dyn ReportStore>, HostError> {
    match spec {
        StoreSpec::Sqlite(path) => Ok(Arc::new(SqliteStore::open(path)?)),
        StoreSpec::DynamoDb(table) => {
            let config = vigie_aws::load_config().await;
            let store = vigie_aws::DynamoStore::new(&config, table);
            store.ensure_table().await?;
            Ok(Arc::new(store))
        }
    }
}

/// Opens the publisher of a spec, with the standard AWS configuration for S3 and `s3`'s
/// addressing and compression.
pub async fn open_publisher(
    spec: &PublishSpec,
    s3: S3Options,
) -> Result<Arc<dyn Publisher>, HostError> {
    match spec {
        PublishSpec::Dir(path) => {
            Ok(Arc::new(FolderPublisher::new(path).map_err(|e| {
                HostError::Config(format!("public folder {}: {e}", path.display()))
            })?))
        }
        PublishSpec::S3 { .. } => {
            let config = vigie_aws::load_config().await;
            let publisher =
                vigie_aws::S3Publisher::from_spec(&config, &spec.to_string(), s3.path_style)
                    .map_err(HostError::Config)?
                    .with_gzip(s3.gzip);
            Ok(Arc::new(publisher))
        }
    }
}

/// The notifier of the crisis: the SNS topic named by `VIGIE_ESCALATION_TOPIC` (in the cloud),
/// else its webhook, else the log. `keeps_running` says whether the host goes on working after
/// answering a request (`vigie local`), so that a webhook is retried in the background; a
/// Lambda function, frozen once it has answered, makes one bounded attempt before answering.
pub async fn notifier(
    crisis: &Crisis,
    keeps_running: bool,
) -> Result<Arc<dyn Notifier>, HostError> {
    if let Some(topic) = std::env::var("VIGIE_ESCALATION_TOPIC")
        .ok()
        .filter(|t| !t.is_empty())
    {
        let config = vigie_aws::load_config().await;
        return Ok(Arc::new(vigie_aws::SnsNotifier::new(&config, &topic)));
    }
    Ok(match &crisis.webhook {
        Some(url) => {
            let webhook =
                WebhookNotifier::new(url).map_err(|e| HostError::Config(e.to_string()))?;
            Arc::new(if keeps_running {
                webhook
            } else {
                webhook.inline()
            })
        }
        None => Arc::new(LogNotifier),
    })
}

/// A source of the crisis, ready to run, or the reason it cannot run (a missing secret).
pub struct PlannedSource {
    pub id: String,
    pub kind: &'static str,
    pub every: Duration,
    pub runner: Result<Box<dyn Source>, String>,
}

impl PlannedSource {
    pub fn is_demo(&self) -> bool {
        self.kind == "demo"
    }
}

/// How long a collector waits for one HTTP answer.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(20);

/// Builds the crisis's sources (or only `only`, or only those of `kind`). Secrets are read
/// through `env` from the variables the crisis file names; a missing one makes that source
/// unrunnable with a message naming the variable, never its value. Sources that log in
/// (Bluesky) keep their session in `store` between runs (see
/// [`vigie_domain::ports::SessionKeeper`]), so a new process goes on with it instead of
/// logging in again.
pub fn sources(
    crisis: &Crisis,
    only: Option<&str>,
    kind: Option<CollectorKind>,
    env: &dyn Fn(&str) -> Option<String>,
    store: &Arc<dyn ReportStore>,
) -> Result<Vec<PlannedSource>, HostError> {
    if let Some(id) = only {
        match crisis.source(id) {
            None => {
                let known: Vec<&str> = crisis.sources.iter().map(|s| s.id.as_str()).collect();
                return Err(HostError::Config(format!(
                    "source `{id}`: no such source in the crisis (known: {})",
                    known.join(", ")
                )));
            }
            Some(s) if kind.is_some_and(|k| !k.runs(&s.kind)) => {
                return Err(HostError::Config(format!(
                    "source `{id}` is a {} source, not {}",
                    s.kind.name(),
                    kind.map(CollectorKind::name).unwrap_or_default()
                )));
            }
            Some(_) => {}
        }
    }
    let http = Http::new(HTTP_TIMEOUT, RetryPolicy::default())
        .map_err(|e| HostError::Config(e.to_string()))?;
    let secret = |var: &str| -> Result<String, String> {
        env(var)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("the variable {var} is not set"))
    };
    // The crisis start, or, when the file gives none, a day back from now: what each source's
    // first run collects back to (later runs keep the bound their first run fixed).
    let since = crisis.since.unwrap_or_else(|| {
        chrono::Utc::now() - chrono::Duration::hours(vigie_domain::crisis::DEFAULT_BACKLOG_HOURS)
    });
    Ok(crisis
        .sources
        .iter()
        .filter(|s| only.is_none_or(|id| id == s.id))
        .filter(|s| kind.is_none_or(|k| k.runs(&s.kind)))
        .map(|s| {
            let runner: Result<Box<dyn Source>, String> = match &s.kind {
                SourceKind::Demo { batch } => Ok(Box::new(DemoSource::new(&s.id, *batch))),
                SourceKind::Mastodon {
                    instance,
                    hashtags,
                    token_env,
                } => {
                    let token = match token_env {
                        Some(var) => secret(var).map(Some),
                        None => Ok(None),
                    };
                    token.map(|t| {
                        Box::new(
                            MastodonSource::new(&s.id, instance, hashtags, t, http.clone())
                                .since(since),
                        ) as Box<dyn Source>
                    })
                }
                SourceKind::Bluesky {
                    service,
                    query,
                    handle_env,
                    password_env,
                } => secret(handle_env)
                    .and_then(|h| secret(password_env).map(|p| (h, p)))
                    .map(|(h, p)| {
                        Box::new(
                            BlueskySource::new(&s.id, service, query, h, p, http.clone())
                                .since(since)
                                .keep_session(Arc::new(StoredSession::new(store.clone(), &s.id))),
                        ) as Box<dyn Source>
                    }),
                SourceKind::X {
                    api,
                    query,
                    bearer_env,
                    monthly_cap,
                } => secret(bearer_env).map(|bearer| {
                    Box::new(
                        XSource::new(&s.id, api, query, bearer, http.clone())
                            .since(since)
                            .area(crisis.bbox)
                            .monthly_cap(
                                *monthly_cap,
                                Arc::new(StoredAllowance::new(store.clone(), &s.id)),
                            ),
                    ) as Box<dyn Source>
                }),
                SourceKind::YouTube {
                    api,
                    query,
                    key_env,
                    daily_quota,
                    near_area,
                    pages,
                } => secret(key_env).map(|key| {
                    Box::new(
                        YouTubeSource::new(&s.id, api, query, key, http.clone())
                            .since(since)
                            .area(crisis.bbox, *near_area)
                            .daily_quota(
                                *daily_quota,
                                *pages,
                                Arc::new(StoredAllowance::new(store.clone(), &s.id)),
                            ),
                    ) as Box<dyn Source>
                }),
                SourceKind::Feed { url, official, .. } => Ok(Box::new(
                    FeedSource::new(&s.id, url, *official, http.clone()).since(since),
                )),
            };
            PlannedSource {
                id: s.id.clone(),
                kind: s.kind.name(),
                every: s.every,
                runner,
            }
        })
        .collect())
}

/// How many sources of one run collect at the same time: enough that one hung source does
/// not starve the others, few enough for a small function and the networks' rate limits.
pub const PARALLEL_SOURCES: usize = 4;

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

/// How long before the invocation's deadline a collector function stops collecting, to
/// record health and answer.
pub const LAMBDA_SAFETY_MARGIN: Duration = Duration::from_secs(15);

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
    init_lambda_tracing();
    let env = |var: &str| std::env::var(var).ok();
    let app = app_from_env(&env).await?;
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

/// In the stack, credentials (of sources and relay accounts) are in a secret
/// (`VIGIE_SECRET_ARN`), by the names the crisis file gives; its names come before the
/// environment's. Without the variable, none.
pub async fn stack_secret(
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<std::collections::HashMap<String, String>, HostError> {
    match env("VIGIE_SECRET_ARN").filter(|a| !a.is_empty()) {
        Some(arn) => {
            let config = vigie_aws::load_config().await;
            Ok(vigie_aws::secrets::source_credentials(&config, &arn)
                .await
                .map_err(HostError::Config)?
                .into_iter()
                .collect())
        }
        None => Ok(Default::default()),
    }
}

/// The triage API's application: [`app_from_env`] with the relay accounts' posters, their
/// credentials from the stack's secret or the environment.
pub async fn api_app_from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Vigie, HostError> {
    let app = app_from_env(env).await?;
    let secret = stack_secret(env).await?;
    let lookup = |var: &str| secret.get(var).cloned().or_else(|| env(var));
    let posters = posters(&app.crisis, &lookup)?;
    Ok(app.with_posters(posters))
}

/// A relay account whose credentials are not set here: every post is refused, naming them.
struct Unconfigured {
    account: String,
    network: &'static str,
    missing: String,
}

#[async_trait::async_trait]
impl Poster for Unconfigured {
    fn account(&self) -> &str {
        &self.account
    }
    fn network(&self) -> &'static str {
        self.network
    }
    async fn post(&self, _: &str, _: &str) -> Result<Posted, PostError> {
        Err(PostError::Refused(format!(
            "the account {} cannot post: {}",
            self.account, self.missing
        )))
    }
}

/// The posters of the crisis's `[[relay]]` accounts, credentials read through `env`. An
/// account whose variables are not set still has one, which refuses every post naming them.
pub fn posters(
    crisis: &Crisis,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Arc<dyn Poster>>, HostError> {
    let http = Http::new(HTTP_TIMEOUT, RetryPolicy::default())
        .map_err(|e| HostError::Config(e.to_string()))?;
    let secret = |var: &str| -> Result<String, String> {
        env(var)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("the variable {var} is not set"))
    };
    Ok(crisis
        .relay
        .iter()
        .map(|account| {
            let made: Result<Arc<dyn Poster>, String> = match &account.kind {
                RelayAccountKind::Mastodon {
                    instance,
                    token_env,
                } => secret(token_env).map(|token| {
                    Arc::new(MastodonPoster::new(
                        &account.id,
                        instance,
                        token,
                        http.clone(),
                    )) as Arc<dyn Poster>
                }),
                RelayAccountKind::Bluesky {
                    service,
                    handle_env,
                    password_env,
                } => secret(handle_env)
                    .and_then(|h| secret(password_env).map(|p| (h, p)))
                    .map(|(h, p)| {
                        Arc::new(BlueskyPoster::new(&account.id, service, h, p, http.clone()))
                            as Arc<dyn Poster>
                    }),
            };
            made.unwrap_or_else(|missing| {
                Arc::new(Unconfigured {
                    account: account.id.clone(),
                    network: account.kind.network(),
                    missing,
                })
            })
        })
        .collect())
}

/// The configuration of a function, from its environment: `VIGIE_CRISIS_FILE` (the crisis
/// file), `VIGIE_STORE` or `TABLE_NAME`, `VIGIE_PUBLISH` or `BUCKET_NAME`, and
/// `VIGIE_ESCALATION_TOPIC`.
pub async fn app_from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Vigie, HostError> {
    let need = |var: &str| {
        env(var)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| HostError::Config(format!("the variable {var} is not set")))
    };
    let file = PathBuf::from(need("VIGIE_CRISIS_FILE")?);
    let CrisisFile {
        crisis, gazetteer, ..
    } = CrisisFile::load(&file).map_err(|e| HostError::Config(e.to_string()))?;
    let notifier = notifier(&crisis, false).await?;
    Ok(Vigie::new(
        crisis,
        gazetteer,
        open_store(&store_spec_from_env(env)?).await?,
        open_publisher(&publish_spec_from_env(env)?, S3Options::from_env(env)).await?,
        notifier,
    ))
}

/// The store a function uses: `VIGIE_STORE`, else the stack's table (`TABLE_NAME`).
pub fn store_spec_from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<StoreSpec, HostError> {
    let set = |var: &str| env(var).filter(|v| !v.is_empty());
    let (var, spec) = set("VIGIE_STORE")
        .map(|s| ("VIGIE_STORE", s))
        .or_else(|| set("TABLE_NAME").map(|t| ("TABLE_NAME", format!("dynamodb:{t}"))))
        .ok_or_else(|| HostError::Config("neither VIGIE_STORE nor TABLE_NAME is set".into()))?;
    spec.parse()
        .map_err(|e| HostError::Config(format!("{var}: store {e}")))
}

/// Where a function publishes: `VIGIE_PUBLISH`, else the stack's bucket (`BUCKET_NAME`, under
/// the `public/` prefix).
pub fn publish_spec_from_env(
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<PublishSpec, HostError> {
    let set = |var: &str| env(var).filter(|v| !v.is_empty());
    let (var, spec) = set("VIGIE_PUBLISH")
        .map(|s| ("VIGIE_PUBLISH", s))
        .or_else(|| set("BUCKET_NAME").map(|b| ("BUCKET_NAME", format!("s3://{b}/public"))))
        .ok_or_else(|| HostError::Config("neither VIGIE_PUBLISH nor BUCKET_NAME is set".into()))?;
    spec.parse()
        .map_err(|e| HostError::Config(format!("{var}: publish {e}")))
}

/// A log destination whose failures are swallowed: a closed or full stderr must never fail a
/// request (which would lose the answer to a write already stored) nor stop the process.
/// Lines that cannot be written are lost; what the store holds is not.
#[derive(Debug, Clone, Copy)]
pub struct NeverFailing<W>(pub fn() -> W);

/// The writer [`NeverFailing`] hands out.
pub struct Swallow<W>(W);

impl<W: std::io::Write> std::io::Write for Swallow<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = self.0.write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = self.0.flush();
        Ok(())
    }
}

impl<'a, W: std::io::Write + 'a> tracing_subscriber::fmt::MakeWriter<'a> for NeverFailing<W> {
    type Writer = Swallow<W>;

    fn make_writer(&'a self) -> Self::Writer {
        Swallow((self.0)())
    }
}

/// Logs to stderr that never fail the program (see [`NeverFailing`]).
pub fn stderr_logs() -> NeverFailing<std::io::Stderr> {
    NeverFailing(std::io::stderr)
}

/// Logs for Lambda: JSON when `AWS_LAMBDA_LOG_FORMAT=JSON`, level from `AWS_LAMBDA_LOG_LEVEL`
/// or `RUST_LOG`.
pub fn init_lambda_tracing() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .unwrap_or_else(|_| "info".into())
        .to_lowercase();
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| level.into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(stderr_logs())
        .log_internal_errors(false)
        .with_ansi(false)
        .without_time();
    if std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        builder.json().with_current_span(false).init();
    } else {
        builder.init();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_take_the_stack_names_or_explicit_specs() {
        let stack = |var: &str| match var {
            "TABLE_NAME" => Some("vigie-gp".to_string()),
            "BUCKET_NAME" => Some("vigie-gp-public".to_string()),
            _ => None,
        };
        assert_eq!(
            store_spec_from_env(&stack).unwrap().to_string(),
            "dynamodb:vigie-gp"
        );
        assert_eq!(
            publish_spec_from_env(&stack).unwrap().to_string(),
            "s3://vigie-gp-public/public"
        );
        let explicit = |var: &str| match var {
            "VIGIE_STORE" => Some("sqlite:/tmp/v.db".to_string()),
            "VIGIE_PUBLISH" => Some("dir:/tmp/p".to_string()),
            "TABLE_NAME" => Some("ignored".to_string()),
            _ => None,
        };
        assert_eq!(
            store_spec_from_env(&explicit).unwrap().to_string(),
            "sqlite:/tmp/v.db"
        );
        assert_eq!(
            publish_spec_from_env(&explicit).unwrap().to_string(),
            "dir:/tmp/p"
        );
        assert!(store_spec_from_env(&|_| None)
            .unwrap_err()
            .to_string()
            .contains("TABLE_NAME"));
        // A bad spec fails the start, naming the variable it came from.
        let bad = |var: &str| (var == "VIGIE_STORE").then(|| "postgres:x".to_string());
        let err = store_spec_from_env(&bad).unwrap_err().to_string();
        assert!(
            err.starts_with("VIGIE_STORE: store `postgres:x`: expected sqlite:PATH"),
            "{err}"
        );
        let bad = |var: &str| (var == "BUCKET_NAME").then(|| "Bad_Bucket".to_string());
        let err = publish_spec_from_env(&bad).unwrap_err().to_string();
        assert!(
            err.starts_with("BUCKET_NAME: publish `s3://Bad_Bucket/public`:"),
            "{err}"
        );
    }
}

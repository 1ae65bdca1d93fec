//! The crisis's sources, built from the crisis file with their credentials.

use super::*;

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

/// The HTTP client of the network clients and the relay posters: one timeout, the default
/// retries.
pub(crate) fn network_client() -> Result<Http, HostError> {
    Http::new(HTTP_TIMEOUT, RetryPolicy::default()).map_err(|e| HostError::Config(e.to_string()))
}

/// A secret the crisis file names by its variable, read through `env`: its value when set and
/// not empty, else a reason that names the variable (never a value).
pub(crate) fn secret_in(
    env: &dyn Fn(&str) -> Option<String>,
) -> impl Fn(&str) -> Result<String, String> + '_ {
    move |var| {
        env(var)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("the variable {var} is not set"))
    }
}

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
    let http = network_client()?;
    let secret = secret_in(env);
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

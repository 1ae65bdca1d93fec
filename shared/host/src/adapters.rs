//! The adapters a host opens: the store and the publisher of their specs, the notifier of
//! the crisis, the relay accounts' posters, and the stack's secret.

use super::*;

/// Opens the report store of a spec, with the standard AWS configuration for DynamoDB; the
/// table is created if it does not exist yet (the `vigie` command, on any table it is given).
pub async fn open_store(spec: &StoreSpec) -> Result<Arc<dyn ReportStore>, HostError> {
    if let StoreSpec::DynamoDb(table) = spec {
        let config = vigie_aws::load_config().await;
        let store = vigie_aws::DynamoStore::new(&config, table);
        store.ensure_table().await?;
        return Ok(Arc::new(store));
    }
    open_stack_store(spec).await
}

/// Opens the report store of a spec for a function of the stack: the stack made its table, so
/// opening it asks nothing of DynamoDB (no request on a cold start's init path).
pub async fn open_stack_store(spec: &StoreSpec) -> Result<Arc<dyn ReportStore>, HostError> {
    match spec {
        StoreSpec::Sqlite(path) => Ok(Arc::new(SqliteStore::open(path)?)),
        StoreSpec::DynamoDb(table) => {
            let config = vigie_aws::load_config().await;
            Ok(Arc::new(vigie_aws::DynamoStore::new(&config, table)))
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
                    .map_err(|e| HostError::Config(format!("publish {e}")))?
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
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Arc<dyn Notifier>, HostError> {
    if let Some(topic) = env("VIGIE_ESCALATION_TOPIC").filter(|t| !t.is_empty()) {
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
                .await?
                .into_iter()
                .collect())
        }
        None => Ok(Default::default()),
    }
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
    let http = network_client()?;
    let secret = secret_in(env);
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

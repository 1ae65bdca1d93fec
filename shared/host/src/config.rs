//! A function's configuration, read only from the environment it is given.

use super::*;

/// The triage API's application: [`app_from_env`] with the relay accounts' posters, their
/// credentials from the stack's secret or the environment.
pub async fn api_app_from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Vigie, HostError> {
    let app = app_from_env(env).await?;
    let secret = stack_secret(env).await?;
    let lookup = |var: &str| secret.get(var).cloned().or_else(|| env(var));
    let posters = posters(&app.crisis, &lookup)?;
    Ok(app.with_posters(posters))
}

/// The configuration of a function, from its environment: `VIGIE_CRISIS_FILE` (the crisis
/// file), `VIGIE_STORE` or `TABLE_NAME`, `VIGIE_PUBLISH` or `BUCKET_NAME`, and
/// `VIGIE_ESCALATION_TOPIC`. The stack's table is opened as it is ([`open_stack_store`]).
pub async fn app_from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Vigie, HostError> {
    let (crisis, gazetteer, store) = crisis_and_store(env).await?;
    let notifier = notifier(&crisis, false, env).await?;
    let publisher = open_publisher(&publish_spec_from_env(env)?, S3Options::from_env(env)).await?;
    Ok(Vigie::new(crisis, gazetteer, store, publisher, notifier))
}

/// A collector's application: [`app_from_env`] without a publisher or a notifier, which
/// collections never use, so that a collector's package links neither S3's nor SNS's client.
pub async fn collector_app_from_env(
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vigie, HostError> {
    let (crisis, gazetteer, store) = crisis_and_store(env).await?;
    Ok(Vigie::new(
        crisis,
        gazetteer,
        store,
        Arc::new(NoPublisher("a collector")),
        Arc::new(LogNotifier),
    ))
}

/// The exporter's application: [`app_from_env`] without a notifier, which an export never
/// uses (its package links no SNS client).
pub async fn export_app_from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Vigie, HostError> {
    let (crisis, gazetteer, store) = crisis_and_store(env).await?;
    let publisher = open_publisher(&publish_spec_from_env(env)?, S3Options::from_env(env)).await?;
    Ok(Vigie::new(
        crisis,
        gazetteer,
        store,
        publisher,
        Arc::new(LogNotifier),
    ))
}

/// The crisis file (`VIGIE_CRISIS_FILE`) with its gazetteer, and the store, of a function.
async fn crisis_and_store(
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Crisis, vigie_domain::Gazetteer, Arc<dyn ReportStore>), HostError> {
    let file = env("VIGIE_CRISIS_FILE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| HostError::Config("the variable VIGIE_CRISIS_FILE is not set".into()))?;
    let CrisisFile {
        crisis, gazetteer, ..
    } = CrisisFile::load(&file).map_err(|e| HostError::Config(e.to_string()))?;
    let store = open_stack_store(&store_spec_from_env(env)?).await?;
    Ok((crisis, gazetteer, store))
}

/// The publisher of a host that never publishes: refuses every file, saying whose it is.
pub struct NoPublisher(pub &'static str);

#[async_trait::async_trait]
impl Publisher for NoPublisher {
    async fn publish(
        &self,
        file: &vigie_domain::ports::PublicFile,
    ) -> Result<vigie_domain::ports::PublishOutcome, vigie_domain::ports::PublishError> {
        Err(vigie_domain::ports::PublishError {
            name: file.name.clone(),
            reason: format!("{} does not publish", self.0),
        })
    }
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

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
    let notifier = notifier(&crisis, false, env).await?;
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

//! `map-export`: invoked every minute by its schedule and by the table's stream when a report
//! is published or unpublished; whatever the event, it writes the public files once, as
//! `vigie export --once` does. Unchanged files are not written again. The app is built once
//! per instance, so a warm instance keeps its reports' renderings and renders again only what
//! changed since its last invocation.

use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let env = |var: &str| std::env::var(var).ok();
    vigie_host::init_lambda_tracing(&env);
    let app = vigie_host::export_app_from_env(&env).await?;
    lambda_runtime::run(service_fn(|_event: LambdaEvent<serde_json::Value>| {
        let app = app.clone();
        async move {
            let summary = vigie_app::export::export_once(&app).await?;
            Ok::<_, Error>(serde_json::json!({
                "features": summary.features,
                "written": summary.written,
                "unchanged": summary.unchanged,
            }))
        }
    }))
    .await
}

//! `collect-mastodon`: invoked by the scheduler with `{"source": "<id>"}` (or `{}` for every
//! mastodon source of the crisis); runs the collection engine once, as `vigie collect --once` does.

use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    vigie_host::init_lambda_tracing();
    let env = |var: &str| std::env::var(var).ok();
    let app = vigie_host::app_from_env(&env).await?;
    // Built once per instance: clients keep their sessions (Bluesky's) from run to run.
    let planned = std::sync::Arc::new(vigie_host::sources(
        &app.crisis,
        None,
        Some("mastodon"),
        &env,
    )?);
    lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| {
        let (app, planned) = (app.clone(), planned.clone());
        async move {
            let output =
                vigie_host::handle_collect(&app, "mastodon", &planned, event.payload).await?;
            Ok::<_, Error>(serde_json::to_value(output)?)
        }
    }))
    .await
}

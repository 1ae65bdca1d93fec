//! `triage-api`: the same axum router as `vigie local`, served by `lambda_http` behind an API
//! Gateway HTTP API (payload format 2.0).

use lambda_http::Error;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let env = |var: &str| std::env::var(var).ok();
    vigie_host::init_lambda_tracing(&env);
    let app = vigie_host::api_app_from_env(&env).await?;
    lambda_http::run(vigie_app::api::router(app)).await
}

//! `collect-youtube`: invoked by the scheduler with `{"source": "<id>"}` (or `{}` for every
//! YouTube source of the crisis); runs the collection engine once, as `vigie collect --once`
//! does. Each source's daily quota is counted in the table, whoever runs it.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    vigie_host::serve_collector(vigie_host::CollectorKind::YouTube).await
}

//! `collect-x`: invoked by the scheduler with `{"source": "<id>"}` (or `{}` for every X source
//! of the crisis); runs the collection engine once, as `vigie collect --once` does.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    vigie_host::serve_collector(vigie_host::CollectorKind::X).await
}

//! The smallest Lambda function lambda_runtime makes: it answers `{}` to every event. Nothing
//! of Vigie's, so its cold start is the floor the functions' are measured against.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|_: LambdaEvent<Value>| async {
        Ok::<Value, Error>(json!({}))
    }))
    .await
}

//! Vigie's cloud adapters: the DynamoDB report store, the S3 publisher of the public files, the
//! SNS notifier of escalations and the source credentials in Secrets Manager. They work against any S3-compatible endpoint (path-style addressing for MinIO,
//! a European provider or an emulator) and take the standard AWS configuration chain,
//! including `AWS_ENDPOINT_URL`.

mod dynamo;
mod s3;
pub mod secrets;
mod sns;

pub use dynamo::{DynamoStore, Usage};
pub use s3::{s3_spec_parts, S3Publisher, S3SpecError};
pub use sns::SnsNotifier;

/// An HTTPS client for AWS clients: rustls with ring (the TLS stack reqwest uses for the
/// sources, so a function links one). Its connections belong to the Tokio runtime that opens
/// them, so it is made per configuration, never shared between runtimes.
pub fn http_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// The standard AWS configuration chain (environment, profile, instance role;
/// `AWS_ENDPOINT_URL` for emulators) over [`http_client`]: what every AWS configuration of
/// Vigie starts from, so that no client is left without an HTTP client.
pub fn config_loader() -> aws_config::ConfigLoader {
    aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(http_client())
}

/// The standard AWS configuration of [`config_loader`], loaded once per thread: a host builds
/// its store, publisher, notifier and secret on its main thread (a function's init, a command),
/// so they share one configuration and one HTTP client. Per thread rather than per process
/// because connections belong to a runtime, and tests run a runtime per thread.
pub async fn load_config() -> aws_config::SdkConfig {
    thread_local! {
        static LOADED: std::cell::RefCell<Option<aws_config::SdkConfig>> =
            const { std::cell::RefCell::new(None) };
    }
    if let Some(config) = LOADED.with(|l| l.borrow().clone()) {
        return config;
    }
    let config = config_loader().load().await;
    LOADED.with(|l| *l.borrow_mut() = Some(config.clone()));
    config
}

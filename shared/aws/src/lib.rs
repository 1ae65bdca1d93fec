//! Vigie's cloud adapters: the S3 publisher of the public files and the SNS notifier of
//! escalations. They work against any S3-compatible endpoint (path-style addressing for MinIO,
//! a European provider or an emulator) and take the standard AWS configuration chain,
//! including `AWS_ENDPOINT_URL`.

mod dynamo;
mod s3;
mod sns;

pub use dynamo::{DynamoStore, Usage};
pub use s3::S3Publisher;
pub use sns::SnsNotifier;

/// Loads the standard AWS configuration (environment, profile, instance role;
/// `AWS_ENDPOINT_URL` for emulators).
pub async fn load_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await
}

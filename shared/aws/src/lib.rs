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

/// Loads the standard AWS configuration (environment, profile, instance role;
/// `AWS_ENDPOINT_URL` for emulators).
pub async fn load_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await
}

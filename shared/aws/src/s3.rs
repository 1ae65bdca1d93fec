//! The S3 publisher: each public file is one object, replaced whole by a PUT (readers never see
//! half of it), with its content type and cache lifetime. Content that did not change is not
//! uploaded again: the object carries the SHA-256 of its bytes in its metadata, and what this
//! instance last uploaded is remembered, so an idle crisis costs at most a HEAD per file.

use async_trait::async_trait;
use aws_sdk_s3::primitives::ByteStream;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use vigie_domain::ports::{PublicFile, PublishError, PublishOutcome, Publisher};

const HASH_KEY: &str = "sha256";

pub struct S3Publisher {
    client: aws_sdk_s3::Client,
    bucket: String,
    prefix: String,
    uploaded: Mutex<HashMap<String, String>>,
}

impl S3Publisher {
    /// A publisher for `s3://BUCKET/PREFIX` (the prefix may be empty). `path_style` addresses
    /// the bucket in the path, as MinIO and most S3-compatible services and emulators want.
    pub fn from_spec(
        config: &aws_config::SdkConfig,
        spec: &str,
        path_style: bool,
    ) -> Result<S3Publisher, String> {
        let rest = spec
            .strip_prefix("s3://")
            .ok_or_else(|| format!("publish `{spec}`: expected s3://BUCKET/PREFIX"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
        if !valid_bucket {
            return Err(format!(
                "publish `{spec}`: `{bucket}` is not a bucket name (3 to 63 of a-z, 0-9, - and .)"
            ));
        }
        let prefix = match prefix.trim_matches('/') {
            "" => String::new(),
            p => format!("{p}/"),
        };
        let conf = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(path_style)
            .build();
        Ok(S3Publisher {
            client: aws_sdk_s3::Client::from_conf(conf),
            bucket: bucket.to_string(),
            prefix,
            uploaded: Mutex::new(HashMap::new()),
        })
    }

    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[async_trait]
impl Publisher for S3Publisher {
    async fn publish(&self, file: &PublicFile) -> Result<PublishOutcome, PublishError> {
        let fail = |reason: String| PublishError {
            name: file.name.clone(),
            reason,
        };
        file.check_name()?;
        let key = self.key(&file.name);
        let hash = sha256_hex(&file.bytes);
        let known = self.uploaded.lock().ok().and_then(|m| m.get(&key).cloned());
        let unchanged = match known {
            Some(h) => h == hash,
            None => match self
                .client
                .head_object()
                .bucket(&self.bucket)
                .key(&key)
                .send()
                .await
            {
                Ok(head) => head
                    .metadata()
                    .and_then(|m| m.get(HASH_KEY))
                    .is_some_and(|h| *h == hash),
                Err(_) => false, // absent (or unreadable): upload
            },
        };
        if unchanged {
            if let Ok(mut m) = self.uploaded.lock() {
                m.insert(key, hash);
            }
            return Ok(PublishOutcome::Unchanged);
        }
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .body(ByteStream::from(file.bytes.to_vec()))
            .content_type(file.content_type)
            .cache_control(file.cache_control)
            .metadata(HASH_KEY, &hash)
            .send()
            .await
            .map_err(|e| {
                fail(format!(
                    "s3://{}/{key}: {}",
                    self.bucket,
                    aws_sdk_s3::error::DisplayErrorContext(&e)
                ))
            })?;
        if let Ok(mut m) = self.uploaded.lock() {
            m.insert(key, hash);
        }
        Ok(PublishOutcome::Written)
    }
}

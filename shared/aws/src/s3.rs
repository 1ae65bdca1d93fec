//! The S3 publisher: each public file is one object, replaced whole by a PUT (readers never see
//! half of it), with its content type and cache lifetime. Content that did not change is not
//! uploaded again: the object carries the SHA-256 of its bytes in its metadata, and what this
//! instance last uploaded is remembered, so an idle crisis costs at most a HEAD per file.

use async_trait::async_trait;
use aws_sdk_s3::primitives::ByteStream;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;
use vigie_domain::ports::{PublicFile, PublishError, PublishOutcome, Publisher};

const HASH_KEY: &str = "sha256";
const GZIP: &str = "gzip";

pub struct S3Publisher {
    client: aws_sdk_s3::Client,
    bucket: String,
    prefix: String,
    gzip: bool,
    uploaded: Mutex<HashMap<String, String>>,
}

/// What is wrong with a publisher spec that should read `s3://BUCKET/PREFIX`; the message
/// names the spec, [`S3SpecError::reason`] says the same without it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum S3SpecError {
    #[error("`{0}`: expected s3://BUCKET/PREFIX")]
    NotS3(String),
    #[error("`{spec}`: `{bucket}` is not a bucket name (3 to 63 of a-z, 0-9, - and .)")]
    BadBucket { spec: String, bucket: String },
}

impl S3SpecError {
    /// What is wrong, for a message that names the spec itself.
    pub fn reason(&self) -> String {
        match self {
            S3SpecError::NotS3(_) => "expected s3://BUCKET/PREFIX".to_string(),
            S3SpecError::BadBucket { bucket, .. } => {
                format!("`{bucket}` is not a bucket name (3 to 63 of a-z, 0-9, - and .)")
            }
        }
    }
}

/// The bucket and prefix of a publisher spec `s3://BUCKET/PREFIX` (the prefix may be empty), or
/// what is wrong with it.
pub fn s3_spec_parts(spec: &str) -> Result<(&str, &str), S3SpecError> {
    let rest = spec
        .strip_prefix("s3://")
        .ok_or_else(|| S3SpecError::NotS3(spec.to_string()))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let valid_bucket = (3..=63).contains(&bucket.len())
        && bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
    if !valid_bucket {
        return Err(S3SpecError::BadBucket {
            spec: spec.to_string(),
            bucket: bucket.to_string(),
        });
    }
    Ok((bucket, prefix))
}

impl S3Publisher {
    /// A publisher for `s3://BUCKET/PREFIX` (the prefix may be empty). `path_style` addresses
    /// the bucket in the path, as MinIO and most S3-compatible services and emulators want.
    pub fn from_spec(
        config: &aws_config::SdkConfig,
        spec: &str,
        path_style: bool,
    ) -> Result<S3Publisher, S3SpecError> {
        let (bucket, prefix) = s3_spec_parts(spec)?;
        let conf = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(path_style)
            .build();
        Ok(S3Publisher::with_client(
            aws_sdk_s3::Client::from_conf(conf),
            bucket,
            prefix,
        ))
    }

    /// A publisher on a client configured elsewhere (tests give it a mocked one). The bucket
    /// is taken as is; `from_spec` is the entry point that checks it.
    pub fn with_client(client: aws_sdk_s3::Client, bucket: &str, prefix: &str) -> S3Publisher {
        let prefix = match prefix.trim_matches('/') {
            "" => String::new(),
            p => format!("{p}/"),
        };
        S3Publisher {
            client,
            bucket: bucket.to_string(),
            prefix,
            gzip: false,
            uploaded: Mutex::new(HashMap::new()),
        }
    }

    /// Stores text files (JSON, GeoJSON, XML, CSV, HTML, CSS, JavaScript) gzip-compressed
    /// with `Content-Encoding: gzip`, a fraction of the bytes for readers on a poor link.
    /// Every reader must then accept gzip: browsers and CDNs do, a bare script may not.
    pub fn with_gzip(mut self, gzip: bool) -> S3Publisher {
        self.gzip = gzip;
        self
    }

    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Whether a content type is text that compresses well; images and archives already are
/// compressed.
fn is_text(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let Some((kind, sub)) = essence.split_once('/') else {
        return false;
    };
    kind == "text"
        || sub.ends_with("+json")
        || sub.ends_with("+xml")
        || (kind == "application" && matches!(sub, "json" | "xml" | "javascript" | "ecmascript"))
}

fn compress(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4),
        flate2::Compression::default(),
    );
    encoder.write_all(bytes)?;
    encoder.finish()
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
        // The hash is of the bytes as published, before any compression, so the check below
        // does not depend on the encoding.
        let hash = sha256_hex(&file.bytes);
        let gzipped = self.gzip && is_text(file.content_type);
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
                // An object in the other encoding is uploaded again, once, when gzip is
                // turned on or off.
                Ok(head) => {
                    head.metadata()
                        .and_then(|m| m.get(HASH_KEY))
                        .is_some_and(|h| *h == hash)
                        && (head.content_encoding() == Some(GZIP)) == gzipped
                }
                // Absent, or unreadable: S3 answers 403 for a missing object to a role that
                // may not list the bucket. Uploading is the safe side either way.
                Err(_) => false,
            },
        };
        if unchanged {
            if let Ok(mut m) = self.uploaded.lock() {
                m.insert(key, hash);
            }
            return Ok(PublishOutcome::Unchanged);
        }
        let put = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type(file.content_type)
            .cache_control(file.cache_control)
            .metadata(HASH_KEY, &hash);
        let put = if gzipped {
            let body = compress(&file.bytes)
                .map_err(|e| fail(format!("s3://{}/{key}: gzip: {e}", self.bucket)))?;
            put.content_encoding(GZIP).body(ByteStream::from(body))
        } else {
            put.body(ByteStream::from(file.bytes.clone()))
        };
        put.send().await.map_err(|e| {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_types_are_compressed_others_are_not() {
        for text in [
            "application/json",
            "application/geo+json",
            "application/atom+xml; charset=utf-8",
            "application/xml",
            "text/csv; charset=utf-8",
            "text/html; charset=utf-8",
            "text/css; charset=utf-8",
            "text/javascript; charset=utf-8",
            "application/javascript",
            "text/plain",
            "Text/HTML",
            "image/svg+xml",
        ] {
            assert!(is_text(text), "{text}");
        }
        for other in [
            "image/png",
            "image/jpeg",
            "application/octet-stream",
            "application/zip",
            "application/gzip",
            "font/woff2",
            "",
            "json",
        ] {
            assert!(!is_text(other), "{other}");
        }
    }
}

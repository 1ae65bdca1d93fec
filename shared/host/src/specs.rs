//! Where a host keeps its reports and writes its public files, as given on the command line
//! (`--store`, `--publish`) or in a function's environment: parsed and checked once into a
//! [`StoreSpec`] and a [`PublishSpec`], then opened by [`crate::open_store`] and
//! [`crate::open_publisher`].

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// The report store: `sqlite:PATH` or `dynamodb:TABLE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreSpec {
    Sqlite(PathBuf),
    DynamoDb(String),
}

/// What is wrong with a spec; the caller says which option or variable it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{spec}`: {reason}")]
pub struct SpecError {
    pub spec: String,
    pub reason: String,
}

fn spec_error(spec: &str, reason: impl Into<String>) -> SpecError {
    SpecError {
        spec: spec.to_string(),
        reason: reason.into(),
    }
}

impl FromStr for StoreSpec {
    type Err = SpecError;

    fn from_str(spec: &str) -> Result<StoreSpec, SpecError> {
        match spec.split_once(':') {
            Some(("sqlite", path)) if !path.is_empty() => Ok(StoreSpec::Sqlite(path.into())),
            Some(("dynamodb", table)) if !table.is_empty() => {
                let valid = (3..=255).contains(&table.len())
                    && table
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
                if !valid {
                    return Err(spec_error(
                        spec,
                        format!(
                            "`{table}` is not a DynamoDB table name (3 to 255 of a-z, A-Z, 0-9, _, - and .)"
                        ),
                    ));
                }
                Ok(StoreSpec::DynamoDb(table.to_string()))
            }
            _ => Err(spec_error(spec, "expected sqlite:PATH or dynamodb:TABLE")),
        }
    }
}

impl fmt::Display for StoreSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreSpec::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            StoreSpec::DynamoDb(table) => write!(f, "dynamodb:{table}"),
        }
    }
}

/// Where the public files go: `dir:PATH` or `s3://BUCKET/PREFIX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishSpec {
    Dir(PathBuf),
    S3 { bucket: String, prefix: String },
}

impl FromStr for PublishSpec {
    type Err = SpecError;

    fn from_str(spec: &str) -> Result<PublishSpec, SpecError> {
        if spec.starts_with("s3://") {
            let (bucket, prefix) = vigie_aws::s3_spec_parts(spec).map_err(|e| SpecError {
                spec: spec.to_string(),
                reason: e.reason(),
            })?;
            return Ok(PublishSpec::S3 {
                bucket: bucket.to_string(),
                prefix: prefix.to_string(),
            });
        }
        match spec.strip_prefix("dir:") {
            Some(path) if !path.is_empty() => Ok(PublishSpec::Dir(path.into())),
            _ => Err(spec_error(spec, "expected dir:PATH or s3://BUCKET/PREFIX")),
        }
    }
}

impl fmt::Display for PublishSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PublishSpec::Dir(path) => write!(f, "dir:{}", path.display()),
            PublishSpec::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            PublishSpec::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// How the S3 publisher talks to its endpoint, from the environment it is given:
/// path-style addressing when `AWS_ENDPOINT_URL` or `AWS_ENDPOINT_URL_S3` points at an
/// S3-compatible service or with `VIGIE_S3_PATH_STYLE=true`; text files stored
/// gzip-compressed with `VIGIE_S3_GZIP=1` (or `true`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct S3Options {
    pub path_style: bool,
    pub gzip: bool,
}

impl S3Options {
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> S3Options {
        let set = |var: &str| env(var).filter(|v| !v.is_empty());
        S3Options {
            path_style: set("VIGIE_S3_PATH_STYLE").is_some_and(|v| v == "true")
                || set("AWS_ENDPOINT_URL").is_some()
                || set("AWS_ENDPOINT_URL_S3").is_some(),
            gzip: set("VIGIE_S3_GZIP").is_some_and(|v| v == "1" || v == "true"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_specs_read_back_and_a_bad_one_names_what_is_wrong() {
        for text in ["sqlite:/tmp/vigie.db", "dynamodb:vigie-gp-cyclone-2026"] {
            let spec: StoreSpec = text.parse().unwrap();
            assert_eq!(spec.to_string(), text);
        }
        assert_eq!(
            "sqlite:data/vigie.db".parse(),
            Ok(StoreSpec::Sqlite("data/vigie.db".into()))
        );
        for (text, needle) in [
            ("postgres:x", "expected sqlite:PATH or dynamodb:TABLE"),
            ("sqlite:", "expected sqlite:PATH or dynamodb:TABLE"),
            ("vigie.db", "expected sqlite:PATH or dynamodb:TABLE"),
            ("dynamodb:ab", "`ab` is not a DynamoDB table name"),
            ("dynamodb:a/b/c", "`a/b/c` is not a DynamoDB table name"),
        ] {
            let err = text.parse::<StoreSpec>().unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("`{text}`: ")) && err.contains(needle),
                "{text}: {err}"
            );
        }
    }

    #[test]
    fn publish_specs_read_back_and_a_bad_one_names_what_is_wrong() {
        for text in [
            "dir:/srv/public",
            "s3://vigie-public/public",
            "s3://vigie-public",
        ] {
            let spec: PublishSpec = text.parse().unwrap();
            assert_eq!(spec.to_string(), text);
        }
        assert_eq!(
            "s3://b-1.x/a/b".parse(),
            Ok(PublishSpec::S3 {
                bucket: "b-1.x".into(),
                prefix: "a/b".into()
            })
        );
        for (text, needle) in [
            ("dir:", "expected dir:PATH or s3://BUCKET/PREFIX"),
            ("/srv/public", "expected dir:PATH or s3://BUCKET/PREFIX"),
            ("s3://UPPER/x", "`UPPER` is not a bucket name"),
            ("s3://ab", "`ab` is not a bucket name"),
        ] {
            let err = text.parse::<PublishSpec>().unwrap_err().to_string();
            let quoted = format!("`{text}`");
            assert_eq!(
                err.matches(&quoted).count(),
                1,
                "the spec named once: {err}"
            );
            assert!(
                err.starts_with(&format!("`{text}`: ")) && err.contains(needle),
                "{text}: {err}"
            );
        }
    }

    #[test]
    fn s3_options_come_from_the_environment_given() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |var: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == var)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(S3Options::from_env(&env(&[])), S3Options::default());
        assert!(
            S3Options::from_env(&env(&[("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000")]))
                .path_style
        );
        assert!(
            S3Options::from_env(&env(&[("AWS_ENDPOINT_URL", "http://127.0.0.1:9000")])).path_style
        );
        assert!(S3Options::from_env(&env(&[("VIGIE_S3_PATH_STYLE", "true")])).path_style);
        assert!(!S3Options::from_env(&env(&[("AWS_ENDPOINT_URL", "")])).path_style);
        assert!(S3Options::from_env(&env(&[("VIGIE_S3_GZIP", "1")])).gzip);
        assert!(!S3Options::from_env(&env(&[("VIGIE_S3_GZIP", "no")])).gzip);
    }
}

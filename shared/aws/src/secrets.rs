//! Source credentials in the cloud: one Secrets Manager secret per crisis, a JSON object whose
//! keys are the variable names the crisis file gives (`token_env`, `handle_env`,
//! `password_env`) and whose values are the secrets. Collectors read it once at start and look
//! those names up in it before their environment. Values never appear in errors or logs.

use std::collections::HashMap;

/// Why the credentials' secret cannot be used: each names the secret, never a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// Secrets Manager refused or failed the call (permissions, a missing secret, the network).
    #[error("secret {arn}: {reason}")]
    Call { arn: String, reason: String },
    /// The secret is not a JSON object of variable names to values.
    #[error("secret {arn}: not a JSON object of variable names to values")]
    NotAnObject { arn: String },
    /// One value is not a string (the variable is named, its value is not shown).
    #[error("secret {arn}: the value of {name} is not a string")]
    NotAString { arn: String, name: String },
}

/// What a call on the secret `arn` failed with.
fn secret_error(arn: &str, e: impl std::error::Error) -> SecretError {
    SecretError::Call {
        arn: arn.to_string(),
        reason: aws_sdk_secretsmanager::error::DisplayErrorContext(&e).to_string(),
    }
}

/// Reads the secret `arn` as a map of variable name to value.
pub async fn source_credentials(
    config: &aws_config::SdkConfig,
    arn: &str,
) -> Result<HashMap<String, String>, SecretError> {
    let client = aws_sdk_secretsmanager::Client::new(config);
    let out = client
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|e| secret_error(arn, e))?;
    parse(arn, out.secret_string().unwrap_or("{}"))
}

/// Stores `values` as the secret's new version (what `vigie activate` found in its environment).
pub async fn put_source_credentials(
    config: &aws_config::SdkConfig,
    arn: &str,
    values: &HashMap<String, String>,
) -> Result<(), SecretError> {
    // A map of strings always serialises.
    let body = serde_json::to_string(values).unwrap_or_default();
    aws_sdk_secretsmanager::Client::new(config)
        .put_secret_value()
        .secret_id(arn)
        .secret_string(body)
        .send()
        .await
        .map_err(|e| secret_error(arn, e))?;
    Ok(())
}

/// The secret's text as a map; an error names the secret and what is wrong, never a value.
pub fn parse(arn: &str, text: &str) -> Result<HashMap<String, String>, SecretError> {
    let not_an_object = || SecretError::NotAnObject {
        arn: arn.to_string(),
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(|_| not_an_object())?;
    let object = value.as_object().ok_or_else(not_an_object)?;
    object
        .iter()
        .map(|(k, v)| match v.as_str() {
            Some(s) => Ok((k.clone(), s.to_string())),
            None => Err(SecretError::NotAString {
                arn: arn.to_string(),
                name: k.clone(),
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn a_secret_is_an_object_of_strings_and_errors_never_show_values() {
        let ok = parse(
            "arn:s",
            r#"{"BSKY_APP_PASSWORD": "abcd-efgh", "MASTO_TOKEN": "t0k"}"#,
        )
        .unwrap();
        assert_eq!(ok["BSKY_APP_PASSWORD"], "abcd-efgh");
        let err = parse("arn:s", r#"{"MASTO_TOKEN": 12345}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("MASTO_TOKEN") && !err.contains("12345"),
            "{err}"
        );
        let err = parse("arn:s", "hunter2").unwrap_err().to_string();
        assert!(err.contains("arn:s") && !err.contains("hunter2"), "{err}");
        assert!(parse("arn:s", "[1]").is_err());
    }
}

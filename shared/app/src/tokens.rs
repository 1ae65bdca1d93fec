//! Access tokens: created for a named person with a role, shown once, stored as a hash.

use chrono::Utc;
use rand::RngCore;
use vigie_domain::ports::{ReportStore, StoreError, TokenRecord};
use vigie_domain::taxonomy::Role;
use vigie_domain::token;

/// A token just created: `secret` is shown to its holder once and never stored.
pub struct IssuedToken {
    pub record: TokenRecord,
    pub secret: String,
}

/// Creates a token; `created_by` says who asked (a coordinator's token label, or the command).
pub async fn issue(
    store: &dyn ReportStore,
    role: Role,
    name: &str,
    created_by: &str,
) -> Result<IssuedToken, IssueError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err(IssueError::BadName);
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = token::from_bytes(&bytes);
    let mut id_bytes = [0u8; 6];
    rand::rngs::OsRng.fill_bytes(&mut id_bytes);
    let record = TokenRecord {
        id: format!("t{}", hex::encode(id_bytes)),
        name: name.to_string(),
        role,
        hash: token::hash(&secret),
        created_at: Utc::now(),
        revoked_at: None,
        created_by: Some(created_by.to_string()),
        revoked_by: None,
    };
    store.insert_token(&record).await?;
    Ok(IssuedToken { record, secret })
}

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("a token needs a name of 1 to 80 printable characters (who holds it)")]
    BadName,
    #[error(transparent)]
    Store(#[from] StoreError),
}

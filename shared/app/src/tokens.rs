//! Access tokens: created for a named person with a role, shown once, stored as a hash;
//! revoked, never the last coordinator's.

use chrono::Utc;
use rand::RngCore;
use vigie_domain::ports::{StoreError, TokenRecord, TokenStore};
use vigie_domain::taxonomy::Role;
use vigie_domain::token;

/// A token just created: `secret` is shown to its holder once and never stored.
pub struct IssuedToken {
    pub record: TokenRecord,
    pub secret: String,
}

/// Creates a token; `created_by` says who asked (a coordinator's token label, or the command).
pub async fn issue(
    store: &dyn TokenStore,
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

#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    #[error("token {0} not found")]
    NotFound(String),
    /// Nobody could create tokens any more, nor publish: the crisis would need the command line.
    #[error("token {0} is the last active coordinator token: create another coordinator token before revoking it")]
    LastCoordinator(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Revokes a token at once; `revoked_by` says who asked. The last active coordinator token
/// stays.
pub async fn revoke(store: &dyn TokenStore, id: &str, revoked_by: &str) -> Result<(), RevokeError> {
    let tokens = store.list_tokens().await?;
    let target = tokens
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(|| RevokeError::NotFound(id.to_string()))?;
    let active_coordinators = tokens
        .iter()
        .filter(|t| t.role == Role::Coordinator && t.revoked_at.is_none())
        .count();
    if target.role == Role::Coordinator && target.revoked_at.is_none() && active_coordinators <= 1 {
        return Err(RevokeError::LastCoordinator(id.to_string()));
    }
    store.revoke_token(id, Utc::now(), revoked_by).await?;
    Ok(())
}

//! Access tokens: what is stored is a hash, so a copy of the store lets nobody in.

use sha2::{Digest, Sha256};

/// Prefix of every token, so a leaked one is easy to recognise in logs and scanners.
pub const PREFIX: &str = "vigie_";

/// The stored form of a token.
pub fn hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    hex::encode(digest)
}

/// A token from 32 random bytes (supplied by the caller, who owns the randomness).
pub fn from_bytes(bytes: &[u8; 32]) -> String {
    format!("{PREFIX}{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    #[test]
    fn hash_is_stable_and_not_the_token() {
        let t = super::from_bytes(&[7; 32]);
        assert!(t.starts_with("vigie_"));
        assert_eq!(super::hash(&t), super::hash(&t));
        assert!(!super::hash(&t).contains(&t[6..20]));
    }
}

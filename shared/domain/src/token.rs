//! Access tokens: what is stored is a hash, so a copy of the store lets nobody in.

use sha2::{Digest, Sha256};

/// Prefix of every token, so a leaked one is easy to recognise in logs and scanners.
pub const PREFIX: &str = "vigie_";

/// The stored form of a token.
pub fn hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A token from 32 random bytes (supplied by the caller, who owns the randomness).
pub fn from_bytes(bytes: &[u8; 32]) -> String {
    let mut s = String::with_capacity(PREFIX.len() + 64);
    s.push_str(PREFIX);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
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

//! Who a report is: a stable id from the network and the post's own id (so collecting the same
//! post twice finds the same report), and a near-duplicate fingerprint so that copies and
//! reposts of one message fall in one cluster, the basis of rumour tracking.
//!
//! The fingerprint is a MinHash of the message's content words: [`HASHES`] minimum hashes,
//! compared by the share of equal positions (an estimate of the Jaccard similarity of the two
//! word sets). For lookup it is cut into [`BANDS`] bands; two messages that share a band are
//! candidates, and candidates at or above [`SIMILAR`] join one cluster.

use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// Stable report id for a post: `r` and 20 hex digits of SHA-256 over network and native id.
pub fn report_id(network: &str, native_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(network.as_bytes());
    h.update([0]);
    h.update(native_id.as_bytes());
    let digest = h.finalize();
    format!("r{}", hex::encode(&digest[..10]))
}

/// A post's address as compared for de-duplication: no fragment, no trailing slash, scheme
/// and host in lowercase (the path and query are kept: some networks name the post there).
/// A hand entry of a post already collected from any network is found by this form.
pub fn canonical_url(url: &str) -> String {
    let url = url.trim();
    let url = url.split('#').next().unwrap_or(url);
    let url = url.trim_end_matches('/');
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
            let (scheme, host) = (scheme.to_lowercase(), host.to_lowercase());
            if path.is_empty() {
                format!("{scheme}://{host}")
            } else {
                format!("{scheme}://{host}/{path}")
            }
        }
        None => url.to_string(),
    }
}

/// The id of a post entered by hand: its canonical address alone, whatever network the
/// volunteer named. Two volunteers entering one post at the same moment (under the same
/// network or not) write the same id, and the store's insert-if-absent keeps one: the
/// de-duplication holds under concurrency without a read before the write.
pub fn hand_entry_id(canonical: &str) -> String {
    report_id("url", canonical)
}

/// A short key of a canonical URL (12 hex digits of SHA-256), for stores that keep it beside
/// other data where a whole URL would cost too much room; a match is confirmed on the report.
pub fn url_key(canonical: &str) -> String {
    let digest = Sha256::digest(canonical.as_bytes());
    hex::encode(&digest[..6])
}

pub const HASHES: usize = 16;
pub const BANDS: usize = 8;
const ROWS: usize = HASHES / BANDS;
/// Share of equal MinHash positions from which two messages are taken as copies.
pub const SIMILAR: f64 = 0.6;
/// Fewer distinct content words than this and a message is too short to cluster on.
const MIN_WORDS: usize = 3;

/// Words that say nothing about which message this is.
const STOP: &[&str] = &[
    "a",
    "au",
    "aux",
    "avec",
    "ce",
    "ces",
    "cet",
    "cette",
    "d",
    "dans",
    "de",
    "des",
    "du",
    "en",
    "et",
    "il",
    "ils",
    "j",
    "je",
    "l",
    "la",
    "le",
    "les",
    "leur",
    "m",
    "ma",
    "mes",
    "mon",
    "n",
    "ne",
    "nous",
    "on",
    "ou",
    "par",
    "pas",
    "pour",
    "qu",
    "que",
    "qui",
    "s",
    "sa",
    "se",
    "ses",
    "son",
    "sur",
    "t",
    "ta",
    "te",
    "tu",
    "un",
    "une",
    "vous",
    "y",
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "are",
    "on",
    "at",
    "for",
    "it",
    "this",
    "that",
    "rt",
    "via",
    "partagez",
    "share",
    "please",
    "svp",
    "stp",
    "ka",
    "ki",
    "ni",
    "sa",
    "an",
    "yo",
    "nou",
    "pou",
    "epi",
    "gwada",
    "guadeloupe",
];

/// A MinHash signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint(pub [u32; HASHES]);

impl Fingerprint {
    /// The fingerprint of a folded text (see [`crate::text::fold`]); `None` when it has too few
    /// content words to tell copies from coincidences.
    pub fn of_folded(folded: &str) -> Option<Fingerprint> {
        let words: BTreeSet<&str> = folded
            .split_whitespace()
            .filter(|w| w.len() > 1 && !STOP.contains(w))
            .collect();
        if words.len() < MIN_WORDS {
            return None;
        }
        let mut mins = [u32::MAX; HASHES];
        for w in words {
            let base = fnv1a(w.as_bytes());
            for (i, m) in mins.iter_mut().enumerate() {
                let h = mix(base ^ SEEDS[i]);
                if h < *m {
                    *m = h;
                }
            }
        }
        Some(Fingerprint(mins))
    }

    /// Estimated Jaccard similarity of the two word sets.
    pub fn similarity(&self, other: &Fingerprint) -> f64 {
        let same = self
            .0
            .iter()
            .zip(other.0.iter())
            .filter(|(a, b)| a == b)
            .count();
        same as f64 / HASHES as f64
    }

    pub fn is_copy_of(&self, other: &Fingerprint) -> bool {
        self.similarity(other) >= SIMILAR
    }

    /// Lookup keys: one per band, `index:hash`.
    pub fn bands(&self) -> Vec<String> {
        (0..BANDS)
            .map(|b| {
                let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ b as u64;
                for v in &self.0[b * ROWS..(b + 1) * ROWS] {
                    h = mix64(h ^ u64::from(*v));
                }
                format!("{b}:{h:016x}")
            })
            .collect()
    }

    /// Hex form for storage.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|v| format!("{v:08x}")).collect()
    }

    pub fn from_hex(hex: &str) -> Option<Fingerprint> {
        if hex.len() != HASHES * 8 || !hex.is_ascii() {
            return None;
        }
        let mut out = [0u32; HASHES];
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = u32::from_str_radix(&hex[i * 8..i * 8 + 8], 16).ok()?;
        }
        Some(Fingerprint(out))
    }
}

const SEEDS: [u64; HASHES] = [
    0x9e37_79b9_7f4a_7c15,
    0xbf58_476d_1ce4_e5b9,
    0x94d0_49bb_1331_11eb,
    0x2545_f491_4f6c_dd1d,
    0x1b87_3593_85a4_c7d1,
    0xcc9e_2d51_1b87_3593,
    0x85eb_ca6b_c2b2_ae35,
    0x27d4_eb2f_1656_67c5,
    0x1656_67b1_9e37_79f9,
    0xd6e8_feb8_6659_fd93,
    0xa076_1d64_78bd_642f,
    0xe703_7ed1_a0b4_28db,
    0x8ebc_6af0_9c88_c6e3,
    0x5899_65cc_7537_4cc3,
    0x1d8e_4e27_c47d_124f,
    0x7fb5_d329_728e_a185,
];

/// FNV-1a: stable across builds and platforms, which stored fingerprints need.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// SplitMix64's finaliser, folded to 32 bits.
fn mix(x: u64) -> u32 {
    (mix64(x) >> 32) as u32
}

fn mix64(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::fold;

    #[test]
    fn canonical_urls_ignore_case_of_host_fragment_and_trailing_slash() {
        let c = canonical_url("  HTTPS://WWW.Facebook.com/Groups/Gwada/posts/42/#comments ");
        assert_eq!(c, "https://www.facebook.com/Groups/Gwada/posts/42");
        assert_eq!(canonical_url("https://m.example/"), "https://m.example");
        assert_ne!(
            canonical_url("https://m.example/p?id=1"),
            canonical_url("https://m.example/p?id=2"),
            "the query names the post on some networks"
        );
        assert_eq!(
            url_key(&c),
            url_key(&canonical_url(
                "https://www.facebook.com/Groups/Gwada/posts/42"
            ))
        );
        assert_eq!(url_key(&c).len(), 12);
    }

    fn fp(text: &str) -> Fingerprint {
        Fingerprint::of_folded(&fold(text)).expect("long enough")
    }

    #[test]
    fn ids_are_stable_and_distinct() {
        assert_eq!(report_id("mastodon", "123"), report_id("mastodon", "123"));
        assert_ne!(report_id("mastodon", "123"), report_id("bluesky", "123"));
        assert_eq!(report_id("mastodon", "123").len(), 21);
    }

    #[test]
    fn copies_and_reposts_are_similar() {
        let original = fp(
            "URGENT le barrage de Moreau a cédé, l'eau descend vers Goyave, évacuez maintenant !!",
        );
        let copy = fp("RT urgent : le barrage de Moreau a cédé, l eau descend vers Goyave évacuez maintenant 😱 #Gwada Partagez!");
        assert!(copy.is_copy_of(&original), "{}", copy.similarity(&original));
        let shared = original
            .bands()
            .iter()
            .filter(|b| copy.bands().contains(b))
            .count();
        assert!(shared > 0);
    }

    #[test]
    fn different_messages_are_not() {
        let a = fp("Plus de courant depuis ce matin à Sainte-Anne, quartier Bois Jolan");
        let b = fp("Arbre tombé sur la route de la Traversée, circulation impossible");
        assert!(!a.is_copy_of(&b));
    }

    #[test]
    fn short_texts_have_no_fingerprint_and_hex_round_trips() {
        assert!(Fingerprint::of_folded(&fold("ok merci")).is_none());
        let f = fp("vent très fort sur Grande-Terre cette nuit");
        assert_eq!(Fingerprint::from_hex(&f.to_hex()), Some(f));
    }
}

//! Relaying: the outbound half of the volunteers' job. An official safety message or a call
//! for solidarity is drafted by a volunteer for the association's accounts, approved by a
//! coordinator, then posted to each account exactly once; the networks without a posting API
//! get share links with the text prefilled. The relay log keeps who drafted, approved and
//! posted what, where and when.
//!
//! Exactly once: when the coordinator approves, each account gets a key fixed for good (the
//! `Idempotency-Key` Mastodon honours, the record key of the Bluesky post), stored before any
//! request is sent. A request sent twice (the coordinator's click twice, a function retried
//! after a timeout) carries the same key, and the network answers with the post it already
//! made.

use crate::ports::{Checkpoints, RelayLog, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt::Write;
use std::sync::Arc;
use unicode_segmentation::UnicodeSegmentation;

fn graphemes(text: &str) -> usize {
    text.graphemes(true).count()
}

/// The longest Mastodon post (its default; links count 23 characters each).
pub const MASTODON_MAX: usize = 500;
/// The longest Bluesky post, in graphemes.
pub const BLUESKY_MAX: usize = 300;
/// What Mastodon counts a link as, whatever its length.
const MASTODON_URL_LENGTH: usize = 23;

/// What is relayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelayKind {
    /// An official safety message (the authority's instructions).
    Official,
    /// A call for solidarity (donations, help offered, volunteers wanted).
    Solidarity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelayStatus {
    /// Drafted, waiting for a coordinator.
    Draft,
    /// Approved: being posted.
    Approved,
    /// Posted to every account.
    Posted,
    /// Some accounts refused or failed: approving again retries them with their keys.
    Failed,
    /// Withdrawn by a coordinator before it was posted.
    Withdrawn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetState {
    Pending,
    /// A request is (or was) on its way: its outcome is known only once the network answers.
    Posting,
    Posted,
    Failed,
}

/// One of the association's accounts a relay goes to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelayTarget {
    /// The `[[relay]]` account's id in the crisis file.
    pub account: String,
    pub network: String,
    /// Fixed at approval: Mastodon's `Idempotency-Key`, Bluesky's record key.
    pub key: String,
    pub state: TargetState,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt_at: Option<DateTime<Utc>>,
    /// The published post's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posted_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A relay and its log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Relay {
    pub id: String,
    /// The report relayed.
    #[serde(alias = "report_id")]
    pub report: String,
    pub kind: RelayKind,
    /// The `[[relay]]` accounts it goes to, chosen at drafting (all of them by default); none
    /// for a relay by share links only.
    #[serde(default)]
    pub accounts: Vec<String>,
    pub text: String,
    pub drafted_by: String,
    pub drafted_at: DateTime<Utc>,
    pub status: RelayStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub targets: Vec<RelayTarget>,
    /// A key safety instruction to relay again every so many hours while the crisis lasts
    /// (set by the coordinator): the app reminds when it is due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remind_every_hours: Option<u32>,
    /// Bumped by every save: a save at an older version is refused.
    pub version: u64,
}

impl Relay {
    /// The status the targets add up to once approved.
    pub fn settle(&mut self) {
        if matches!(self.status, RelayStatus::Draft | RelayStatus::Withdrawn) {
            return;
        }
        let all = |s: TargetState| self.targets.iter().all(|t| t.state == s);
        self.status = if all(TargetState::Posted) {
            RelayStatus::Posted
        } else if self
            .targets
            .iter()
            .any(|t| matches!(t.state, TargetState::Pending | TargetState::Posting))
        {
            RelayStatus::Approved
        } else {
            RelayStatus::Failed
        };
    }
}

/// How long a text is for a network, as the network counts it.
pub fn length_for(network: &str, text: &str) -> usize {
    match network {
        "mastodon" => {
            let mut length = 0;
            let mut rest = text;
            while let Some((start, end)) = next_url(rest) {
                length += graphemes(&rest[..start]) + MASTODON_URL_LENGTH;
                rest = &rest[end..];
            }
            length + graphemes(rest)
        }
        _ => graphemes(text),
    }
}

/// The most a network takes.
pub fn max_for(network: &str) -> Option<usize> {
    match network {
        "mastodon" => Some(MASTODON_MAX),
        "bluesky" => Some(BLUESKY_MAX),
        _ => None,
    }
}

/// A text over one network's limit: which network, the text's length there, and the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overrun {
    pub network: String,
    pub length: usize,
    pub max: usize,
}

/// What is wrong with the text of a relay.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("the text is empty")]
    Empty,
    /// One entry per network whose limit the text passes, in the order the networks were given.
    #[error("the text is too long: {}", overruns(.0))]
    TooLong(Vec<Overrun>),
}

fn overruns(over: &[Overrun]) -> String {
    over.iter()
        .map(|o| {
            format!(
                "{} characters for {}, over its {}",
                o.length, o.network, o.max
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What is wrong with a text for the networks it goes to: empty, or longer than the limit of
/// one or more of them (each named with the length and the limit).
pub fn check_text(text: &str, networks: &[&str]) -> Result<(), TextError> {
    if text.trim().is_empty() {
        return Err(TextError::Empty);
    }
    let over: Vec<Overrun> = networks
        .iter()
        .filter_map(|network| {
            let max = max_for(network)?;
            let length = length_for(network, text);
            (length > max).then(|| Overrun {
                network: network.to_string(),
                length,
                max,
            })
        })
        .collect();
    if over.is_empty() {
        Ok(())
    } else {
        Err(TextError::TooLong(over))
    }
}

/// The next `http(s)://` link in a text: where it starts and ends (bytes). A link ends at
/// white space, and does not take the punctuation that closes a sentence.
pub fn next_url(text: &str) -> Option<(usize, usize)> {
    let start = [text.find("https://"), text.find("http://")]
        .into_iter()
        .flatten()
        .min()?;
    let tail = &text[start..];
    let mut end = tail.find(char::is_whitespace).unwrap_or(tail.len());
    while end > 0 && tail[..end].ends_with(['.', ',', ';', ':', '!', '?', ')', '"', '»']) {
        end -= tail[..end].chars().last().map_or(1, char::len_utf8);
    }
    Some((start, start + end))
}

/// A Bluesky rich-text facet: a link or a hashtag, by its UTF-8 byte range.
#[derive(Debug, Clone, PartialEq)]
pub enum Facet {
    Link {
        start: usize,
        end: usize,
        uri: String,
    },
    Tag {
        start: usize,
        end: usize,
        tag: String,
    },
}

/// The facets of a text: every link and every `#hashtag` (letters, digits and `_`, not all
/// digits), so that they are links and tags on Bluesky rather than plain text.
pub fn facets(text: &str) -> Vec<Facet> {
    let mut out = Vec::new();
    let mut offset = 0;
    let mut links = Vec::new();
    while let Some((start, end)) = next_url(&text[offset..]) {
        let (start, end) = (offset + start, offset + end);
        links.push((start, end));
        out.push(Facet::Link {
            start,
            end,
            uri: text[start..end].to_string(),
        });
        offset = end;
    }
    for (i, c) in text.char_indices() {
        let starts_word = i == 0 || text[..i].ends_with(char::is_whitespace);
        if c != '#' || !starts_word || links.iter().any(|&(s, e)| i >= s && i < e) {
            continue;
        }
        let rest = &text[i + 1..];
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let tag = &rest[..len];
        if tag.is_empty() || tag.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        out.push(Facet::Tag {
            start: i,
            end: i + 1 + len,
            tag: tag.to_string(),
        });
    }
    out.sort_by_key(|f| match f {
        Facet::Link { start, .. } | Facet::Tag { start, .. } => *start,
    });
    out
}

/// A share link for a network without a posting API, with the text prefilled: one click
/// opens the network's own composer. Facebook takes a link only (it refuses prefilled text):
/// the source's address.
pub fn share_links(text: &str, link: Option<&str>) -> Vec<(&'static str, String)> {
    let mut out = vec![
        ("whatsapp", format!("https://wa.me/?text={}", encode(text))),
        (
            "telegram",
            format!(
                "https://t.me/share/url?url={}&text={}",
                encode(link.unwrap_or("")),
                encode(text)
            ),
        ),
        (
            "x",
            format!("https://x.com/intent/post?text={}", encode(text)),
        ),
    ];
    if let Some(link) = link {
        out.push((
            "facebook",
            format!(
                "https://www.facebook.com/sharer/sharer.php?u={}",
                encode(link)
            ),
        ));
    }
    out
}

/// Percent-encodes all but RFC 3986's unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A Bluesky record key in the TID form posts use: 13 characters of the sortable base-32
/// alphabet over 53 bits of microseconds and 10 bits of clock id. Derived from the approval
/// time and the account, so it is the same however often it is computed.
pub fn tid(at: DateTime<Utc>, salt: &str) -> String {
    const ALPHABET: &[u8; 32] = b"234567abcdefghijklmnopqrstuvwxyz";
    let micros = (at.timestamp_micros().max(0) as u64) & ((1 << 53) - 1);
    let clock = salt
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64))
        & 0x3ff;
    let value = (micros << 10) | clock;
    (0..13)
        .rev()
        .map(|i| ALPHABET[((value >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// The relay log over the store's checkpoints (compare-and-set), as sessions and allowances
/// are kept: each relay under `relay#<id>`, and the list of their ids under `relays#index`
/// (written first, so a relay saved is always listed; an id whose relay is missing is
/// passed over). Keys with `#` are never a source's checkpoint.
pub struct StoredRelays {
    store: Arc<dyn Checkpoints>,
}

const INDEX: &str = "relays#index";
/// How many times the index is read again when another save slipped in.
const INDEX_ROUNDS: usize = 32;

fn relay_key(id: &str) -> String {
    format!("relay#{id}")
}

impl StoredRelays {
    pub fn new(store: Arc<dyn Checkpoints>) -> StoredRelays {
        StoredRelays { store }
    }

    async fn read(&self, id: &str) -> Result<(Option<String>, Option<Relay>), StoreError> {
        let raw = self.store.checkpoint(&relay_key(id)).await?;
        let relay = match raw.as_deref() {
            None => None,
            Some(text) => Some(
                serde_json::from_str(text)
                    .map_err(|e| StoreError::Corrupt(format!("relay {id}: {e}")))?,
            ),
        };
        Ok((raw, relay))
    }

    async fn index(&self) -> Result<(Option<String>, Vec<String>), StoreError> {
        let raw = self.store.checkpoint(INDEX).await?;
        let ids = match raw.as_deref() {
            None => Vec::new(),
            Some(text) => serde_json::from_str(text)
                .map_err(|e| StoreError::Corrupt(format!("relay index: {e}")))?,
        };
        Ok((raw, ids))
    }

    async fn list(&self, id: &str) -> Result<(), StoreError> {
        for _ in 0..INDEX_ROUNDS {
            let (raw, mut ids) = self.index().await?;
            if ids.iter().any(|i| i == id) {
                return Ok(());
            }
            ids.push(id.to_string());
            let text =
                serde_json::to_string(&ids).map_err(|e| StoreError::Unavailable(e.to_string()))?;
            if self
                .store
                .advance_checkpoint(INDEX, raw.as_deref(), &text)
                .await?
            {
                return Ok(());
            }
        }
        Err(StoreError::Unavailable(
            "the relay index kept changing".into(),
        ))
    }
}

#[async_trait]
impl RelayLog for StoredRelays {
    async fn relay(&self, id: &str) -> Result<Option<Relay>, StoreError> {
        Ok(self.read(id).await?.1)
    }

    async fn relays(&self) -> Result<Vec<Relay>, StoreError> {
        let (_, ids) = self.index().await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids.iter().rev() {
            if let Some(relay) = self.read(id).await?.1 {
                out.push(relay);
            }
        }
        out.sort_by(|a, b| {
            b.drafted_at
                .cmp(&a.drafted_at)
                .then_with(|| b.id.cmp(&a.id))
        });
        Ok(out)
    }

    async fn save_relay(&self, relay: &Relay) -> Result<Relay, StoreError> {
        let (raw, current) = self.read(&relay.id).await?;
        let at = current.as_ref().map_or(0, |r| r.version);
        let conflict = |current: u64| StoreError::Conflict {
            id: relay.id.clone(),
            expected: relay.version,
            current,
        };
        if at != relay.version {
            return Err(conflict(at));
        }
        if relay.version == 0 {
            self.list(&relay.id).await?;
        }
        let saved = Relay {
            version: relay.version + 1,
            ..relay.clone()
        };
        let text =
            serde_json::to_string(&saved).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        if self
            .store
            .advance_checkpoint(&relay_key(&relay.id), raw.as_deref(), &text)
            .await?
        {
            Ok(saved)
        } else {
            let now = self.read(&relay.id).await?.1.map_or(0, |r| r.version);
            Err(conflict(now))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_as_each_network_counts_them() {
        let link =
            "https://www.guadeloupe.gouv.fr/Actualites/tres-long-chemin-vers-la-page-des-consignes";
        let text = format!("Consignes : restez chez vous. {link} #Gwada");
        // Mastodon counts the link as 23; Bluesky counts every grapheme.
        assert_eq!(length_for("mastodon", &text), 30 + 23 + 7);
        assert_eq!(length_for("bluesky", &text), 30 + link.chars().count() + 7);
        // A family emoji is one grapheme of several code points.
        assert_eq!(length_for("bluesky", "👨‍👩‍👧 é"), 3);
        assert!(check_text(&"a".repeat(300), &["mastodon", "bluesky"]).is_ok());
        let e = check_text(&"é".repeat(301), &["mastodon", "bluesky"])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("301 characters for bluesky, over its 300"),
            "{e}"
        );
        assert!(!e.contains("mastodon"), "{e}");
        let e = check_text(&"a".repeat(501), &["mastodon"])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("501 characters for mastodon, over its 500"),
            "{e}"
        );
        assert_eq!(
            check_text("  ", &["mastodon"]).unwrap_err().to_string(),
            "the text is empty"
        );
    }

    #[test]
    fn facets_cover_links_and_hashtags_by_utf8_bytes() {
        let text = "Évacuez ! https://ex.example/a#b. #Gwada #2026 #Pwent_a_Pit";
        let f = facets(text);
        let link_start = text.find("https").unwrap();
        assert_eq!(
            f[0],
            Facet::Link {
                start: link_start,
                end: link_start + "https://ex.example/a#b".len(),
                uri: "https://ex.example/a#b".into()
            }
        );
        let gwada = text.find("#Gwada").unwrap();
        assert_eq!(
            f[1],
            Facet::Tag {
                start: gwada,
                end: gwada + 6,
                tag: "Gwada".into()
            }
        );
        // All digits is no hashtag; `_` belongs to the tag.
        assert_eq!(f.len(), 3);
        assert!(matches!(&f[2], Facet::Tag { tag, .. } if tag == "Pwent_a_Pit"));
        // `É` is two bytes: offsets are bytes, as atproto's facets are.
        assert_eq!(link_start, "Évacuez ! ".len());
        assert_eq!(link_start, 11);
    }

    #[test]
    fn share_links_prefill_the_text() {
        let links = share_links(
            "Eau potable : faites bouillir",
            Some("https://a.example/x?y=1"),
        );
        let get = |n: &str| links.iter().find(|(k, _)| *k == n).unwrap().1.clone();
        assert_eq!(
            get("whatsapp"),
            "https://wa.me/?text=Eau%20potable%20%3A%20faites%20bouillir"
        );
        assert_eq!(
            get("telegram"),
            "https://t.me/share/url?url=https%3A%2F%2Fa.example%2Fx%3Fy%3D1&text=Eau%20potable%20%3A%20faites%20bouillir"
        );
        assert!(get("x").starts_with("https://x.com/intent/post?text=Eau%20potable"));
        assert_eq!(
            get("facebook"),
            "https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fa.example%2Fx%3Fy%3D1"
        );
        assert!(share_links("t", None).iter().all(|(n, _)| *n != "facebook"));
    }

    #[test]
    fn record_keys_are_tids_fixed_by_time_and_account() {
        let at = DateTime::parse_from_rfc3339("2026-12-07T10:00:00.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        let a = tid(at, "rl_1/bsky");
        assert_eq!(a.len(), 13);
        assert_eq!(a, tid(at, "rl_1/bsky"));
        assert_ne!(a, tid(at, "rl_2/bsky"));
        // The first character of a TID is one of 2-7 and j (the top bit is zero).
        assert!(
            "234567abcdefghij".contains(a.chars().next().unwrap()),
            "{a}"
        );
        assert!(a
            .chars()
            .all(|c| "234567abcdefghijklmnopqrstuvwxyz".contains(c)));
        // Later approvals sort after.
        assert!(tid(at + chrono::Duration::seconds(1), "x") > tid(at, "x"));
    }
}

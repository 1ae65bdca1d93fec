//! What leaves the volunteers' table for the public: the privacy projection of docs/privacy.md and
//! the RFC 7946 GeoJSON written from it.
//!
//! Only what a volunteer wrote or validated goes out: category, summary, place, verification,
//! time, network. Never an author's handle or name (except an official account's link), never
//! a private person's post text, never a phone number or e-mail address, and a private person's
//! point no more precise than the report's precision.

use crate::gazetteer::Gazetteer;
use crate::report::Report;
use crate::taxonomy::{Category, Precision, Status, Verification};
use crate::text::strip_unfit;
use chrono::{DateTime, SecondsFormat, Utc};
use regex::Regex;
use serde::Serialize;
use std::borrow::Cow;
use std::sync::OnceLock;

/// A published report as the public sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicReport {
    pub id: String,
    pub category: Category,
    pub summary: String,
    pub place: Option<String>,
    pub precision: Precision,
    pub verification: Verification,
    pub published_at: DateTime<Utc>,
    pub network: String,
    pub official: bool,
    /// Only for official sources.
    pub source_url: Option<String>,
    pub lat: f64,
    pub lon: f64,
    /// When the report last changed (for the feed's `updated`); not a GeoJSON property.
    pub updated_at: DateTime<Utc>,
}

/// The id a report has in public files: keyed with a secret of the crisis that never leaves
/// the store, so nobody can hash a post's public address to find which marker it became (and
/// so who wrote it).
pub fn public_id(secret: &str, report_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(secret.as_bytes());
    h.update([0]);
    h.update(report_id.as_bytes());
    let digest = h.finalize();
    format!("p{}", hex::encode(&digest[..10]))
}

/// The fields of a report that the public projection reads: what a store hands the export
/// without decoding whole reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub id: String,
    /// The report's version: the export keeps a rendering only as long as it is current.
    pub version: u64,
    pub status: Status,
    pub verification: Verification,
    pub category: Option<Category>,
    pub summary: Option<String>,
    pub location: Option<crate::report::Location>,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub network: String,
    pub official: bool,
    pub source_url: Option<String>,
    /// The author's handle and display name: never public for a private person, read only to
    /// take them out of the summary.
    pub author: String,
    pub author_name: Option<String>,
}

impl From<&Report> for Candidate {
    fn from(r: &Report) -> Candidate {
        Candidate {
            id: r.id.clone(),
            version: r.version,
            status: r.status,
            verification: r.verification,
            category: r.category,
            summary: r.summary.clone(),
            location: r.location.clone(),
            published_at: r.published_at,
            updated_at: r.updated_at,
            network: r.network.clone(),
            official: r.official,
            source_url: r.source_url.clone(),
            author: r.author.clone(),
            author_name: r.author_name.clone(),
        }
    }
}

/// The networks the public may see named; any other network a volunteer typed is shown as
/// `other`, so free text never reaches the public through this field.
pub const PUBLIC_NETWORKS: &[&str] = &[
    "mastodon",
    "bluesky",
    "feed",
    "facebook",
    "instagram",
    "snapchat",
    "whatsapp",
    "waze",
    "x",
    "twitter",
    "tiktok",
    "youtube",
    "telegram",
    "threads",
    "sms",
    "other",
];

/// The network as the public sees it: one of [`PUBLIC_NETWORKS`], else `other`.
pub fn public_network(network: &str) -> &'static str {
    let wanted = network.trim().to_lowercase();
    PUBLIC_NETWORKS
        .iter()
        .find(|n| **n == wanted)
        .copied()
        .unwrap_or("other")
}

/// Why a published report stays out of the public files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withheld {
    /// Not published, or a rumour still open.
    NotPublic,
    /// No category, summary or location, or a summary left empty once scrubbed.
    Incomplete,
    /// A private person's report at commune or area precision whose place is not in the
    /// gazetteer: its point would be more precise than the report claims to be.
    UnknownPlace,
    /// A point outside the valid coordinate ranges.
    OutOfRange,
}

impl Withheld {
    pub fn as_str(self) -> &'static str {
        match self {
            Withheld::NotPublic => "not public",
            Withheld::Incomplete => "incomplete",
            Withheld::UnknownPlace => "place not in the gazetteer at commune or area precision",
            Withheld::OutOfRange => "coordinates out of range",
        }
    }
}

/// The public view of a report, or `None` if it must not be public: not published, a rumour
/// still open, or lacking what the map needs.
pub fn project(report: &Report, gazetteer: &Gazetteer) -> Option<PublicReport> {
    project_candidate(Candidate::from(report), gazetteer).ok()
}

/// [`project`] over the fields a store hands the export, saying why a report is withheld.
pub fn project_candidate(c: Candidate, gazetteer: &Gazetteer) -> Result<PublicReport, Withheld> {
    if c.status != Status::Published || c.verification == Verification::Rumor {
        return Err(Withheld::NotPublic);
    }
    let category = c.category.ok_or(Withheld::Incomplete)?;
    let location = c.location.ok_or(Withheld::Incomplete)?;
    let mut summary = scrub(c.summary.as_deref().ok_or(Withheld::Incomplete)?);
    if !c.official {
        summary = scrub_private(summary, &c.author, c.author_name.as_deref());
    }
    if summary.is_empty() {
        return Err(Withheld::Incomplete);
    }
    // The place shown is the gazetteer's own name for it, never the text a volunteer or an
    // import typed (which may hold a house, a name or a number).
    let known = location
        .insee
        .as_deref()
        .and_then(|code| gazetteer.by_insee(code))
        .or_else(|| location.place.as_deref().and_then(|p| gazetteer.resolve(p)));
    // A private person's point is shown only as precisely as the place needs: at the commune's
    // or area's point, or rounded to about a hundred metres when a volunteer placed it exactly.
    // A commune-level report whose commune is unknown has no point that honest: it stays out.
    let (lat, lon) = match (location.precision, c.official, known) {
        (Precision::Exact, true, _) => (location.lat, location.lon),
        (Precision::Exact, false, _) => (round3(location.lat), round3(location.lon)),
        (Precision::Commune | Precision::Area, _, Some(p)) => (p.lat, p.lon),
        (Precision::Commune | Precision::Area, true, None) => (location.lat, location.lon),
        (Precision::Commune | Precision::Area, false, None) => return Err(Withheld::UnknownPlace),
    };
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(Withheld::OutOfRange);
    }
    let published_at = c.published_at.unwrap_or(c.updated_at);
    Ok(PublicReport {
        id: c.id,
        category,
        summary,
        place: known.map(|p| strip_unfit(&p.name).into_owned()),
        precision: location.precision,
        verification: c.verification,
        published_at,
        network: public_network(&c.network).to_string(),
        official: c.official,
        source_url: match c.official {
            true => c.source_url.map(|u| strip_unfit(&u).into_owned()),
            false => None,
        },
        lat,
        lon,
        updated_at: c.updated_at.max(published_at),
    })
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

struct Patterns {
    email: Regex,
    phone: Regex,
    profile: Regex,
    handle: Regex,
    web: Regex,
    underscored: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        // Addresses, also written to dodge robots: (at), [at], [@], (@), " at ", "arobase",
        // with (dot), [dot], " dot ", " point " for the dots.
        email: Regex::new(
            r"(?i)[\w.%+\-]+\s*(?:@|\(\s*(?:at|@)\s*\)|\[\s*(?:at|@)\s*\]|\s(?:at|arobase)\s)\s*[\w\-]+(?:\s*(?:\.|\(\s*dot\s*\)|\[\s*dot\s*\]|\s(?:dot|point)\s)\s*[\w\-]+)+",
        )
        .unwrap_or_else(|e| panic!("{e}")),
        // Phone numbers: seven digits or more, whatever separates them (spaces, dots, dashes,
        // slashes, commas, underscores, brackets), with or without +590 / 00 33 prefixes.
        // Dates written in full are caught too: a loss accepted to never show a number.
        phone: Regex::new(r"(?:\+|00)?\d(?:[\s.\-/_,()]*\d){6,}").unwrap_or_else(|e| panic!("{e}")),
        // Profile addresses (https://instance/@name) and bare @handles.
        profile: Regex::new(r"(?i)https?://\S*@\S+").unwrap_or_else(|e| panic!("{e}")),
        handle: Regex::new(r"@[\w.\-]+(?:@[\w.\-]+)?").unwrap_or_else(|e| panic!("{e}")),
        // Web addresses with or without a scheme: `https://…`, `www.…`, `site.tld/path`, and
        // bare domains under common top-level domains.
        web: Regex::new(
            r"(?i)(?:https?://|www\.)\S+|\b[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.[a-z][a-z0-9\-]*/\S*|\b[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.(?:com|fr|org|net|info|io|me|gp|mq|re|gf|be|ch|ca|eu|co|tv|app|social|ly|gl|link|page|site|online)\b",
        )
        .unwrap_or_else(|e| panic!("{e}")),
        // Words joined by underscores, as handles are written (`ti_mano_971`).
        underscored: Regex::new(r"\w*[^\W_]_[^\W_]\w*").unwrap_or_else(|e| panic!("{e}")),
    })
}

/// Turns look-alike characters into the plain ones the patterns know: full-width @ and digits,
/// dashes; drops invisible format characters (zero-width spaces and joiners). Text without any
/// (all ASCII text among it) comes back as it was, without a copy.
fn plain(text: &str) -> Cow<'_, str> {
    let invisible = |c: char| matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}');
    let look_alike = |c: char| matches!(c, '＠' | '‐' | '‑' | '‒' | '–' | '—' | '−' | '０'..='９');
    if text.is_ascii() || !text.chars().any(|c| invisible(c) || look_alike(c)) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter(|c| !invisible(*c))
            .map(|c| match c {
                '＠' => '@',
                '‐' | '‑' | '‒' | '–' | '—' | '−' => '-',
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                _ => c,
            })
            .collect(),
    )
}

/// Whether `needle` (ASCII) is in `text`, whatever the case of its letters.
fn contains_ascii_ci(text: &str, needle: &str) -> bool {
    text.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Removes e-mail addresses, phone numbers, profile addresses and @handles from a volunteer's
/// summary. Short emergency numbers (15, 17, 18, 112) stay: they are advice, not a person.
pub fn scrub(text: &str) -> String {
    let text = crate::text::clean_text(&plain(text));
    // Most summaries hold neither an @, nor seven digits, nor an "at": nothing to look for.
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    let maybe_address =
        text.contains('@') || contains_ascii_ci(&text, "at") || contains_ascii_ci(&text, "arobase");
    if digits < 7 && !maybe_address {
        return text;
    }
    let p = patterns();
    let text = p.email.replace_all(&text, "[…]");
    let text = p.profile.replace_all(&text, "[…]");
    let text = p.phone.replace_all(&text, "[…]");
    let text = p.handle.replace_all(&text, "[…]");
    crate::text::clean_text(&text)
}

/// Short words of names that are also everyday words: never taken out of a summary alone.
const NAME_PARTICLES: &[&str] = &[
    "des", "les", "del", "della", "van", "von", "der", "den", "dos", "das", "mme", "mlle", "mr",
    "madame", "monsieur", "famille",
];

/// Takes out of a private person's summary what names or points to them: their display name
/// (whole, and each of its words), their handle (whole, its local part and the words in it),
/// web addresses (a profile link is a name), and handle-like words joined by underscores
/// (`ti_mano_971`). Case and accents do not matter. Official sources keep all of it. `text` is
/// what [`scrub`] made of the summary: already plain and clean, so it is cleaned again only if
/// something was taken out.
fn scrub_private(text: String, author: &str, author_name: Option<&str>) -> String {
    let p = patterns();
    let mut text = text;
    let mut changed = false;
    if text.contains('.') || text.contains('/') {
        if let Cow::Owned(replaced) = p.web.replace_all(&text, "[…]") {
            text = replaced;
            changed = true;
        }
    }
    if text.contains('_') {
        if let Cow::Owned(replaced) = p.underscored.replace_all(&text, "[…]") {
            text = replaced;
            changed = true;
        }
    }
    let needles = author_needles(author, author_name);
    if let Cow::Owned(replaced) = remove_words(&text, &needles) {
        text = replaced;
        changed = true;
    }
    if changed {
        crate::text::clean_text(&text)
    } else {
        text
    }
}

/// The forms of an author's name and handle to look for, folded (lowercase, no accents).
fn author_needles(author: &str, author_name: Option<&str>) -> Vec<Vec<char>> {
    let particle =
        |word: &str| NAME_PARTICLES.contains(&fold_chars(word).iter().collect::<String>().as_str());
    let mut forms: Vec<String> = Vec::new();
    if let Some(name) = author_name.map(str::trim).filter(|n| !n.is_empty()) {
        forms.push(name.to_string());
        // Each word of the name, and each part of a hyphenated one (`Démo-Privée`), also
        // written with a space or run together (`Jean Marc`, `Jeanmarc`).
        for word in
            name.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\'' || c == '’'))
        {
            let word = word.trim_matches(|c: char| c == '-' || c == '\'' || c == '’');
            if word.contains('-') {
                forms.push(word.replace('-', " "));
                forms.push(word.replace('-', ""));
            }
            for part in std::iter::once(word).chain(word.split('-')) {
                if part.chars().filter(|c| c.is_alphabetic()).count() >= 3 && !particle(part) {
                    forms.push(part.to_string());
                }
            }
        }
    }
    let handle = author.trim().trim_start_matches('@');
    // A profile address names its account in its last path segment.
    let handle = match handle.split_once("://") {
        Some((_, rest)) => rest.trim_end_matches('/').rsplit('/').next().unwrap_or(""),
        None => handle,
    };
    let handle = handle.trim_start_matches('@');
    if !handle.is_empty() {
        forms.push(handle.to_string());
        // `name@instance` (Mastodon) or `name.bsky.social` (Bluesky): the name alone.
        let local = handle.split('@').next().unwrap_or(handle);
        let local = if handle.contains('@') {
            local
        } else {
            local.split('.').next().unwrap_or(local)
        };
        forms.push(local.to_string());
        for word in local.split(|c: char| !c.is_alphabetic()) {
            if word.chars().count() >= 4 && !particle(word) {
                forms.push(word.to_string());
            }
        }
    }
    let mut needles: Vec<Vec<char>> = forms
        .iter()
        .map(|f| fold_chars(f.trim()))
        .filter(|f| f.iter().filter(|c| c.is_alphanumeric()).count() >= 3)
        .collect();
    // Longest first, so a whole name goes before its parts.
    needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    needles.dedup();
    needles
}

/// Lowercase, without accents, one folded character per kept character.
fn fold_chars(text: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        fold_char(c, |f| out.push(f));
    }
    out
}

/// Hands `push` the folded form of `c`, the same for the names looked for and the text looked
/// in: compatibility forms taken apart (Unicode NFKD: the ligature `ﬁ`, full-width letters),
/// lowercase, accents taken off, and the letters French and Creole names write either way
/// spelled out (`œ` as `oe`, `æ` as `ae`, `ß` as `ss`, `ø` as `o`). One character for ASCII,
/// which most text is, without going through Unicode tables.
fn fold_char(c: char, mut push: impl FnMut(char)) {
    use unicode_normalization::char::is_combining_mark;
    use unicode_normalization::UnicodeNormalization;
    if c.is_ascii() {
        push(c.to_ascii_lowercase());
        return;
    }
    for k in std::iter::once(c).nfkd() {
        if is_combining_mark(k) {
            continue;
        }
        for l in k.to_lowercase() {
            match l {
                'œ' => "oe".chars().for_each(&mut push),
                'æ' => "ae".chars().for_each(&mut push),
                'ß' => "ss".chars().for_each(&mut push),
                'ø' => push('o'),
                'đ' => push('d'),
                'ł' => push('l'),
                'ı' => push('i'),
                // Typographic apostrophes and hyphens, as names are written on phones.
                '\u{2019}' | '\u{02BC}' => push('\''),
                '\u{2010}' | '\u{2011}' => push('-'),
                _ => push(l),
            }
        }
    }
}

/// Replaces every whole-word occurrence of the needles (folded) in `text` by `[…]`.
fn remove_words<'a>(text: &'a str, needles: &[Vec<char>]) -> Cow<'a, str> {
    if needles.is_empty() {
        return Cow::Borrowed(text);
    }
    // The folded text, each folded character knowing the original bytes it came from.
    let mut folded: Vec<char> = Vec::with_capacity(text.len());
    let mut origin: Vec<(usize, usize)> = Vec::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        fold_char(c, |f| {
            folded.push(f);
            origin.push((i, i + c.len_utf8()));
        });
    }
    let word = |i: usize| folded.get(i).is_some_and(|c| c.is_alphanumeric());
    let mut taken = vec![false; folded.len()];
    for needle in needles {
        let Some(&first) = needle.first() else {
            continue;
        };
        if needle.len() > folded.len() {
            continue;
        }
        for start in 0..=folded.len() - needle.len() {
            if folded[start] != first {
                continue;
            }
            let end = start + needle.len();
            let alone = (start == 0 || !word(start - 1)) && !word(end);
            if alone && folded[start..end] == needle[..] && !taken[start..end].iter().any(|t| *t) {
                taken[start..end].iter_mut().for_each(|t| *t = true);
            }
        }
    }
    if !taken.contains(&true) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut last = 0;
    while i < folded.len() {
        if taken[i] {
            let from = origin[i].0;
            while i < folded.len() && taken[i] {
                i += 1;
            }
            let to = origin[i - 1].1;
            if from >= last {
                out.push_str(&text[last..from]);
                out.push_str("[…]");
                last = to;
            }
        } else {
            i += 1;
        }
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// Writes the public reports as an RFC 7946 FeatureCollection: Point geometries in
/// [longitude, latitude] order and exactly the properties of docs/api.md §4.1.
pub fn feature_collection(reports: &[PublicReport]) -> geojson::FeatureCollection {
    let bytes = geojson_bytes(reports);
    serde_json::from_slice(&bytes).unwrap_or(geojson::FeatureCollection {
        bbox: None,
        features: Vec::new(),
        foreign_members: None,
    })
}

#[derive(Serialize)]
struct FeatureOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: &'a str,
    geometry: PointOut,
    properties: PropertiesOut<'a>,
}

#[derive(Serialize)]
struct PointOut {
    #[serde(rename = "type")]
    kind: &'static str,
    coordinates: [f64; 2],
}

#[derive(Serialize)]
struct PropertiesOut<'a> {
    id: &'a str,
    category: Category,
    summary: &'a str,
    place: Option<&'a str>,
    precision: Precision,
    verification: Verification,
    published_at: String,
    network: &'a str,
    official: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_url: Option<Option<&'a str>>,
}

/// The FeatureCollection as bytes, written in one pass (the export's hot path: 100,000
/// reports in a fraction of a second).
pub fn geojson_bytes(reports: &[PublicReport]) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + reports.len() * 420);
    out.extend_from_slice(COLLECTION_START);
    for (i, r) in reports.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_feature(&mut out, r);
    }
    out.extend_from_slice(COLLECTION_END);
    out
}

const COLLECTION_START: &[u8] = br#"{"type":"FeatureCollection","features":["#;
const COLLECTION_END: &[u8] = b"]}";

/// The FeatureCollection of features written one by one by [`write_feature`] (what the export
/// keeps between runs for the reports that did not change), in the order given: the same
/// bytes as [`geojson_bytes`] of their reports.
pub fn geojson_of_features<'a>(features: impl ExactSizeIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + features.len() * 420);
    out.extend_from_slice(COLLECTION_START);
    for (i, f) in features.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(f);
    }
    out.extend_from_slice(COLLECTION_END);
    out
}

/// Appends one report's Feature to `out`, as [`geojson_bytes`] writes it.
pub fn write_feature(out: &mut Vec<u8>, r: &PublicReport) {
    let feature = FeatureOut {
        kind: "Feature",
        id: &r.id,
        geometry: PointOut {
            kind: "Point",
            coordinates: [r.lon, r.lat],
        },
        properties: PropertiesOut {
            id: &r.id,
            category: r.category,
            summary: &r.summary,
            place: r.place.as_deref(),
            precision: r.precision,
            verification: r.verification,
            published_at: r.published_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            network: &r.network,
            official: r.official,
            source_url: r.official.then_some(r.source_url.as_deref()),
        },
    };
    // Serialising plain strings and numbers into a Vec cannot fail.
    let _ = serde_json::to_writer(out, &feature);
}

/// An official safety message relayed to the association's accounts, as the feed carries it:
/// its text (approved by a coordinator for posting), when it was relayed, and the published
/// posts' addresses.
#[derive(Debug, Clone, PartialEq)]
pub struct RelayedMessage {
    pub id: String,
    pub text: String,
    pub relayed_at: DateTime<Utc>,
    pub links: Vec<String>,
}

/// The Atom 1.0 feed of published official messages, debunked rumours and relayed official
/// messages, newest first. Entry ids are stable (`urn:vigie:CRISIS:report:ID`,
/// `urn:vigie:CRISIS:relay:ID`), so readers never see an entry twice; the feed's `updated` is
/// its newest entry's, so an unchanged feed is byte for byte the same.
pub fn atom_feed(
    crisis_id: &str,
    crisis_name: &str,
    reports: &[PublicReport],
    relayed: &[RelayedMessage],
) -> String {
    // Every text goes out escaped and without the characters XML forbids, whatever it is
    // made of: a feed reader refuses the whole feed for one of them.
    let escape = |text: &str| quick_xml::escape::escape(strip_unfit(text)).into_owned();
    let stamp = |t: &DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    // (published, id, updated, the entry's XML)
    let mut entries: Vec<(DateTime<Utc>, String, DateTime<Utc>, String)> = Vec::new();
    for r in reports
        .iter()
        .filter(|r| r.official || r.verification == Verification::Debunked)
    {
        let debunked = r.verification == Verification::Debunked;
        let label = if debunked {
            "Rumeur démentie"
        } else {
            "Message officiel"
        };
        let title = match &r.place {
            Some(place) => format!("{label} — {place}"),
            None => label.to_string(),
        };
        let mut out = String::with_capacity(400);
        out.push_str("  <entry>\n");
        out.push_str(&format!(
            "    <id>urn:vigie:{}:report:{}</id>\n",
            escape(crisis_id),
            escape(&r.id)
        ));
        out.push_str(&format!("    <title>{}</title>\n", escape(&title)));
        out.push_str(&format!(
            "    <published>{}</published>\n",
            stamp(&r.published_at)
        ));
        out.push_str(&format!(
            "    <updated>{}</updated>\n",
            stamp(&r.updated_at)
        ));
        out.push_str(&format!(
            "    <category term=\"{}\"/>\n",
            r.category.as_str()
        ));
        if debunked {
            out.push_str("    <category term=\"debunked\"/>\n");
        }
        // Every entry links somewhere a reader can open: an official message to its source,
        // anything else to its marker on the map page. Relative references resolve against
        // the feed's own address (RFC 4287 section 2, xml:base), which sits beside the page.
        let alternate = match r
            .source_url
            .as_deref()
            .filter(|u| r.official && is_web_address(u))
        {
            Some(url) => url.to_string(),
            None => format!("index.html#{}", r.id),
        };
        out.push_str(&format!(
            "    <link rel=\"alternate\" href=\"{}\"/>\n",
            escape(&alternate)
        ));
        out.push_str(&format!(
            "    <summary type=\"text\">{}</summary>\n",
            escape(&r.summary)
        ));
        out.push_str(&format!(
            "    <content type=\"text\">{}</content>\n",
            escape(&r.summary)
        ));
        out.push_str("  </entry>\n");
        entries.push((r.published_at, r.id.clone(), r.updated_at, out));
    }
    for m in relayed {
        let mut out = String::with_capacity(400);
        out.push_str("  <entry>\n");
        out.push_str(&format!(
            "    <id>urn:vigie:{}:relay:{}</id>\n",
            escape(crisis_id),
            escape(&m.id)
        ));
        out.push_str("    <title>Consigne officielle relayée</title>\n");
        out.push_str(&format!(
            "    <published>{}</published>\n",
            stamp(&m.relayed_at)
        ));
        out.push_str(&format!(
            "    <updated>{}</updated>\n",
            stamp(&m.relayed_at)
        ));
        out.push_str("    <category term=\"official\"/>\n    <category term=\"relayed\"/>\n");
        // The first published post is the entry's page; the others are related.
        let mut links = m.links.iter().filter(|u| is_web_address(u));
        let alternate = links.next().cloned().unwrap_or_else(|| "index.html".into());
        out.push_str(&format!(
            "    <link rel=\"alternate\" href=\"{}\"/>\n",
            escape(&alternate)
        ));
        for link in links {
            out.push_str(&format!(
                "    <link rel=\"related\" href=\"{}\"/>\n",
                escape(link)
            ));
        }
        out.push_str(&format!(
            "    <summary type=\"text\">{}</summary>\n",
            escape(&m.text)
        ));
        out.push_str(&format!(
            "    <content type=\"text\">{}</content>\n",
            escape(&m.text)
        ));
        out.push_str("  </entry>\n");
        entries.push((m.relayed_at, format!("relay:{}", m.id), m.relayed_at, out));
    }
    entries.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    // The feed changed when its newest-changed entry did.
    let updated = entries
        .iter()
        .map(|e| e.2)
        .max()
        .map(|t| stamp(&t))
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
    let mut out = String::with_capacity(512 + entries.iter().map(|e| e.3.len()).sum::<usize>());
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"fr\">\n");
    out.push_str(&format!(
        "  <title>{} — messages officiels et rumeurs démenties</title>\n",
        escape(crisis_name)
    ));
    out.push_str(&format!(
        "  <id>urn:vigie:{}:official</id>\n",
        escape(crisis_id)
    ));
    out.push_str(&format!("  <updated>{updated}</updated>\n"));
    out.push_str("  <link rel=\"self\" href=\"official.atom\"/>\n  <link rel=\"alternate\" href=\"index.html\"/>\n");
    out.push_str(&format!(
        "  <author><name>Vigie — {}</name></author>\n",
        escape(crisis_name)
    ));
    for (_, _, _, entry) in entries {
        out.push_str(&entry);
    }
    out.push_str("</feed>\n");
    out
}

fn is_web_address(u: &str) -> bool {
    u.starts_with("https://") || u.starts_with("http://")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Location;
    use crate::taxonomy::LocationMethod;

    fn candidate(
        summary: &str,
        place: Option<&str>,
        insee: Option<&str>,
        precision: Precision,
    ) -> Candidate {
        let t = DateTime::parse_from_rfc3339("2026-09-14T03:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        Candidate {
            id: "r1".into(),
            version: 1,
            status: Status::Published,
            verification: Verification::Confirmed,
            category: Some(Category::Damage),
            summary: Some(summary.into()),
            location: Some(Location {
                lat: 16.2412345,
                lon: -61.5334567,
                place: place.map(String::from),
                insee: insee.map(String::from),
                precision,
                method: LocationMethod::Volunteer,
            }),
            published_at: Some(t),
            updated_at: t,
            network: "mastodon".into(),
            official: false,
            source_url: Some("https://social.example/@josette_971/1".into()),
            author: "josette_971@social.example".into(),
            author_name: Some("Josette Démo-Privée".into()),
        }
    }

    #[test]
    fn a_private_persons_name_handle_and_links_leave_the_summary() {
        let g = Gazetteer::guadeloupe();
        for (summary, kept) in [
            (
                "Josette Démo-Privée signale un toit arraché",
                "signale un toit arraché",
            ),
            (
                "JOSETTE DEMO-PRIVEE signale un toit arraché",
                "signale un toit arraché",
            ),
            ("Selon josette, toit arraché", "toit arraché"),
            (
                "Privée de courant depuis hier, dit Démo",
                "de courant depuis hier",
            ),
            (
                "Voir facebook.com/josette.privee pour les photos",
                "pour les photos",
            ),
            (
                "Photos sur https://instagram.example/p/123 et www.exemple.fr/x",
                "Photos sur",
            ),
            ("Vidéo sur monblog.fr ce matin", "ce matin"),
            ("josette_971 a vu le pont coupé", "a vu le pont coupé"),
            ("Selon ti_mano_971 le pont est coupé", "le pont est coupé"),
        ] {
            let r = project_candidate(
                candidate(summary, None, Some("97120"), Precision::Commune),
                &g,
            )
            .map(|r| r.summary)
            .unwrap_or_default();
            let folded: String = fold_chars(&r).into_iter().collect();
            for leak in [
                "josette",
                "demo",
                "privee",
                "facebook",
                "instagram",
                "exemple.fr",
                "monblog",
                "ti_mano",
                "971",
            ] {
                assert!(!folded.contains(leak), "`{summary}` became `{r}`");
            }
            assert!(r.contains(kept), "`{summary}` became `{r}`");
        }
        // Ordinary words that only look like parts of names stay.
        let r = project_candidate(
            candidate(
                "Toit arraché à Sainte-Anne, 3 familles sans abri",
                None,
                Some("97128"),
                Precision::Commune,
            ),
            &g,
        )
        .map(|r| r.summary);
        assert_eq!(
            r.as_deref(),
            Ok("Toit arraché à Sainte-Anne, 3 familles sans abri")
        );
    }

    #[test]
    fn names_and_addresses_are_found_whichever_way_they_are_written() {
        let g = Gazetteer::guadeloupe();
        // (display name, summary naming them, what must not remain folded)
        for (name, summary, leaks) in [
            (
                "Jean-Marc Lebœuf",
                "Jean-Marc Leboeuf est bloqué au 2e étage",
                &["leboeuf", "jean"][..],
            ),
            (
                "Jean-Marc Leboeuf",
                "jean-marc LEBŒUF est bloqué au 2e étage",
                &["leboeuf", "jean"],
            ),
            (
                "jean-marc lebœuf",
                "d'après Jean Marc, l'eau monte",
                &["jean", "marc"],
            ),
            (
                "Marie-Ange Lætitia",
                "Marie-ange et Laetitia sans nouvelles",
                &["marie", "ange", "laetitia"],
            ),
            (
                "Marie-Ange",
                "marieange sans nouvelles de sa mère",
                &["marieange"],
            ),
            (
                "Ti-Jean Lòlò",
                "ti-jean lolo a vu le pont partir",
                &["jean", "lolo"],
            ),
            (
                "Man Yaya Sonson",
                "man yaya SONSON demande de l'aide",
                &["yaya", "sonson"],
            ),
            ("Fèfè Dòdò", "Fefe dodo est sur le toit", &["fefe", "dodo"]),
            (
                "Ernestine Désirée",
                "ﬁlle d’Ernestine Desiree : toit arraché",
                &["ernestine", "desiree"],
            ),
            (
                "Ｊｏｓｅｐｈ Bélair",
                "Joseph Belair signale une coupure",
                &["joseph", "belair"],
            ),
            (
                "Hélène N’Guessan",
                "Helene N'Guessan, quartier Blachon",
                &["helene", "guessan"],
            ),
        ] {
            let mut c = candidate(summary, None, Some("97120"), Precision::Commune);
            c.author_name = Some(name.into());
            let r = project_candidate(c, &g)
                .map(|r| r.summary)
                .unwrap_or_default();
            let folded: String = fold_chars(&r).into_iter().collect();
            for leak in leaks {
                assert!(!folded.contains(leak), "{name}: `{summary}` became `{r}`");
            }
        }
        // Internationalised addresses, and addresses written to dodge robots.
        for summary in [
            "Écrire à josé.péréz@société.gp pour aider",
            "Contact: marie@exämple.fr",
            "contact : lucie (at) boîte-mail.re",
        ] {
            let r = scrub(summary);
            assert!(
                !r.contains('@') && !r.contains("(at)"),
                "`{summary}` became `{r}`"
            );
            assert!(
                !fold_chars(&r).iter().collect::<String>().contains("exa"),
                "`{summary}` became `{r}`"
            );
        }
    }

    #[test]
    fn an_official_source_keeps_its_name_and_links() {
        let mut c = candidate(
            "La préfecture de Guadeloupe : consignes sur https://www.example.gouv.fr/cyclone",
            None,
            Some("97105"),
            Precision::Commune,
        );
        c.official = true;
        c.author = "prefecture@social.example".into();
        c.author_name = Some("Préfecture de Guadeloupe".into());
        let r = project_candidate(c, &Gazetteer::guadeloupe()).map(|r| r.summary);
        assert_eq!(
            r.as_deref(),
            Ok("La préfecture de Guadeloupe : consignes sur https://www.example.gouv.fr/cyclone")
        );
    }

    #[test]
    fn place_and_network_are_from_known_lists_only() {
        let g = Gazetteer::guadeloupe();
        let mut c = candidate(
            "Toit arraché",
            Some("Chez Josette Démo 0690 12 34 56"),
            Some("97120"),
            Precision::Commune,
        );
        c.network = "josette-0690123456".into();
        let r = project_candidate(c, &g).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            r.place.as_deref(),
            Some("Pointe-à-Pitre"),
            "the gazetteer's name"
        );
        assert_eq!(r.network, "other");
        // A place typed in another form is shown under the gazetteer's name.
        let r = project_candidate(
            candidate("Toit arraché", Some("zabym"), None, Precision::Commune),
            &g,
        );
        assert_eq!(r.map(|r| r.place), Ok(Some("Les Abymes".to_string())));
        // An exact point keeps its (rounded) point but not an unknown place text.
        let mut c = candidate(
            "Toit arraché",
            Some("Chez Josette 0690123456"),
            None,
            Precision::Exact,
        );
        c.network = "Facebook".into();
        let r = project_candidate(c, &g).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (r.place, r.network.as_str(), r.lat, r.lon),
            (None, "facebook", 16.241, -61.533)
        );
    }

    #[test]
    fn a_commune_level_report_of_an_unknown_place_is_withheld() {
        let g = Gazetteer::guadeloupe();
        for precision in [Precision::Commune, Precision::Area] {
            let r = project_candidate(
                candidate("Toit arraché", Some("Lieu-dit Inconnu"), None, precision),
                &g,
            );
            assert_eq!(r.map(|r| (r.lat, r.lon)), Err(Withheld::UnknownPlace));
        }
        let r = project_candidate(
            candidate("Toit arraché", None, Some("99999"), Precision::Commune),
            &g,
        );
        assert_eq!(r.map(|r| (r.lat, r.lon)), Err(Withheld::UnknownPlace));
        // An official source's point is not a private person's: it stays where it was given.
        let mut c = candidate(
            "Abri ouvert",
            Some("Lieu-dit Inconnu"),
            None,
            Precision::Area,
        );
        c.official = true;
        let r = project_candidate(c, &g).map(|r| (r.lat, r.lon, r.place));
        assert_eq!(r, Ok((16.2412345, -61.5334567, None)));
    }

    #[test]
    fn scrub_removes_contacts_and_handles() {
        let s = scrub("Appelez Josette au 0690 12 34 56 ou +590 690 12 34 56, josette.demo@example.org, @ti_mano@m.example; urgences: 18 ou 112");
        assert!(!s.contains("0690"), "{s}");
        assert!(!s.contains("690 12"), "{s}");
        assert!(!s.contains("example.org"), "{s}");
        assert!(!s.contains("ti_mano"), "{s}");
        assert!(s.contains("18 ou 112"), "{s}");
        let s = scrub("tel 06.90.12.34.56 / 0590123456");
        assert!(!s.contains("12"), "{s}");
        for leak in [
            "0690  12  34  56",
            "0690 - 12 34 56",
            "0690 / 12 34 56",
            "06–90–12–34–56",
            "06_90_12_34_56",
            "06,90,12,34,56",
            "0690\u{200b}12\u{200b}34\u{200b}56",
            "appelez le 542-1234",
            "０６９０１２３４５６",
            "josette (AT) gmail.com",
            "josette [AT] gmail.com",
            "josette[@]gmail.com",
            "josette (@) gmail.com",
            "josette @ gmail . com",
            "josette(at)gmail(dot)com",
            "josette arobase gmail point com",
            "josette＠gmail.com",
            "voir https://mastodon.social/@josette",
            "cc:@josette",
            ".@josette",
            "«@josette»",
            "\"@josette\"",
        ] {
            let s = scrub(leak);
            assert!(
                !s.contains("josette")
                    && !s.contains("12 34")
                    && !s.contains("1234")
                    && !s.contains("56"),
                "`{leak}` became `{s}`"
            );
        }
        assert_eq!(
            scrub("Route coupée à Goyave, 3 arbres"),
            "Route coupée à Goyave, 3 arbres"
        );
        assert_eq!(
            scrub("Appelez le 18 ou le 112 en cas de danger"),
            "Appelez le 18 ou le 112 en cas de danger"
        );
    }

    #[test]
    fn features_kept_apart_join_into_the_same_collection() {
        let g = Gazetteer::guadeloupe();
        let mut reports = Vec::new();
        for (i, summary) in ["Route coupée", "Pont fermé « <b>vu</b> »", "Abri ouvert"]
            .into_iter()
            .enumerate()
        {
            let mut c = candidate(summary, Some("Goyave"), None, Precision::Exact);
            c.id = format!("r{i}");
            c.official = i == 2;
            reports.push(project_candidate(c, &g).unwrap_or_else(|e| panic!("{e:?}")));
        }
        let apart: Vec<Vec<u8>> = reports
            .iter()
            .map(|r| {
                let mut one = Vec::new();
                write_feature(&mut one, r);
                one
            })
            .collect();
        let joined = geojson_of_features(apart.iter().map(Vec::as_slice));
        assert_eq!(joined, geojson_bytes(&reports));
        assert_eq!(
            geojson_of_features(std::iter::empty()),
            geojson_bytes(&[]),
            "an empty map is still one FeatureCollection"
        );
    }
}

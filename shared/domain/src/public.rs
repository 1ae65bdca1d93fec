//! What leaves the volunteers' table for the public: the privacy projection of PRODUCT.md and
//! the RFC 7946 GeoJSON written from it.
//!
//! Only what a volunteer wrote or validated goes out: category, summary, place, verification,
//! time, network. Never an author's handle or name (except an official account's link), never
//! a private person's post text, never a phone number or e-mail address, and a private person's
//! point no more precise than the report's precision.

use crate::gazetteer::Gazetteer;
use crate::report::Report;
use crate::taxonomy::{Category, Precision, Status, Verification};
use chrono::{DateTime, SecondsFormat, Utc};
use regex::Regex;
use serde::Serialize;
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
    let mut id = String::with_capacity(21);
    id.push('p');
    for b in &digest[..10] {
        id.push_str(&format!("{b:02x}"));
    }
    id
}

/// The fields of a report that the public projection reads: what a store hands the export
/// without decoding whole reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub id: String,
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
}

impl From<&Report> for Candidate {
    fn from(r: &Report) -> Candidate {
        Candidate {
            id: r.id.clone(),
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
        }
    }
}

/// The public view of a report, or `None` if it must not be public: not published, a rumour
/// still open, or lacking what the map needs.
pub fn project(report: &Report, gazetteer: &Gazetteer) -> Option<PublicReport> {
    project_candidate(Candidate::from(report), gazetteer)
}

/// [`project`] over the fields a store hands the export.
pub fn project_candidate(c: Candidate, gazetteer: &Gazetteer) -> Option<PublicReport> {
    if c.status != Status::Published || c.verification == Verification::Rumor {
        return None;
    }
    let category = c.category?;
    let location = c.location?;
    let summary = scrub(c.summary.as_deref()?);
    if summary.is_empty() {
        return None;
    }
    // A private person's point is shown only as precisely as the place needs: at the commune's
    // or area's point, or rounded to about a hundred metres when a volunteer placed it exactly.
    let (lat, lon) = match (location.precision, c.official) {
        (Precision::Exact, true) => (location.lat, location.lon),
        (Precision::Exact, false) => (round3(location.lat), round3(location.lon)),
        (Precision::Commune | Precision::Area, _) => location
            .insee
            .as_deref()
            .and_then(|code| gazetteer.by_insee(code))
            .or_else(|| location.place.as_deref().and_then(|p| gazetteer.resolve(p)))
            .map(|p| (p.lat, p.lon))
            .unwrap_or((round2(location.lat), round2(location.lon))),
    };
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return None;
    }
    Some(PublicReport {
        id: c.id,
        category,
        summary,
        place: location.place,
        precision: location.precision,
        verification: c.verification,
        published_at: c.published_at.unwrap_or(c.updated_at),
        network: c.network,
        official: c.official,
        source_url: if c.official { c.source_url } else { None },
        lat,
        lon,
    })
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

struct Patterns {
    email: Regex,
    phone: Regex,
    profile: Regex,
    handle: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        // Addresses, also written to dodge robots: (at), [at], [@], (@), " at ", "arobase",
        // with (dot), [dot], " dot ", " point " for the dots.
        email: Regex::new(
            r"(?i)[a-z0-9._%+\-]+\s*(?:@|\(\s*(?:at|@)\s*\)|\[\s*(?:at|@)\s*\]|\s(?:at|arobase)\s)\s*[a-z0-9\-]+(?:\s*(?:\.|\(\s*dot\s*\)|\[\s*dot\s*\]|\s(?:dot|point)\s)\s*[a-z0-9\-]+)+",
        )
        .unwrap_or_else(|e| panic!("{e}")),
        // Phone numbers: seven digits or more, whatever separates them (spaces, dots, dashes,
        // slashes, commas, underscores, brackets), with or without +590 / 00 33 prefixes.
        // Dates written in full are caught too: a loss accepted to never show a number.
        phone: Regex::new(r"(?:\+|00)?\d(?:[\s.\-/_,()]*\d){6,}").unwrap_or_else(|e| panic!("{e}")),
        // Profile addresses (https://instance/@name) and bare @handles.
        profile: Regex::new(r"(?i)https?://\S*@\S+").unwrap_or_else(|e| panic!("{e}")),
        handle: Regex::new(r"@[\w.\-]+(?:@[\w.\-]+)?").unwrap_or_else(|e| panic!("{e}")),
    })
}

/// Turns look-alike characters into the plain ones the patterns know: full-width @ and digits,
/// dashes; drops invisible format characters (zero-width spaces and joiners).
fn plain(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(*c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}'))
        .map(|c| match c {
            '＠' => '@',
            '‐' | '‑' | '‒' | '–' | '—' | '−' => '-',
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Removes e-mail addresses, phone numbers, profile addresses and @handles from a volunteer's
/// summary. Short emergency numbers (15, 17, 18, 112) stay: they are advice, not a person.
pub fn scrub(text: &str) -> String {
    let text = crate::text::clean_text(&plain(text));
    // Most summaries hold neither an @, nor seven digits, nor an "at": nothing to look for.
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    let lower = text.to_lowercase();
    let maybe_address = text.contains('@') || lower.contains("at") || lower.contains("arobase");
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

/// Writes the public reports as an RFC 7946 FeatureCollection: Point geometries in
/// [longitude, latitude] order and exactly the properties of CONTRACT.md.
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
    out.extend_from_slice(br#"{"type":"FeatureCollection","features":["#);
    for (i, r) in reports.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
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
        let _ = serde_json::to_writer(&mut out, &feature);
    }
    out.extend_from_slice(b"]}");
    out
}

/// The Atom 1.0 feed of published official messages and debunked rumours, newest first. Entry
/// ids are stable (`urn:vigie:CRISIS:report:ID`), so readers never see an entry twice; the
/// feed's `updated` is its newest entry's, so an unchanged feed is byte for byte the same.
pub fn atom_feed(crisis_id: &str, crisis_name: &str, reports: &[PublicReport]) -> String {
    use quick_xml::escape::escape;
    let mut entries: Vec<&PublicReport> = reports
        .iter()
        .filter(|r| r.official || r.verification == Verification::Debunked)
        .collect();
    entries.sort_by(|a, b| {
        b.published_at
            .cmp(&a.published_at)
            .then_with(|| a.id.cmp(&b.id))
    });
    let stamp = |t: &DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let updated = entries
        .first()
        .map(|r| stamp(&r.published_at))
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
    let mut out = String::with_capacity(512 + entries.len() * 400);
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
    for r in entries {
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
        out.push_str("  <entry>\n");
        out.push_str(&format!(
            "    <id>urn:vigie:{}:report:{}</id>\n",
            escape(crisis_id),
            escape(&r.id)
        ));
        out.push_str(&format!("    <title>{}</title>\n", escape(&title)));
        out.push_str(&format!(
            "    <updated>{}</updated>\n",
            stamp(&r.published_at)
        ));
        out.push_str(&format!(
            "    <category term=\"{}\"/>\n",
            r.category.as_str()
        ));
        if debunked {
            out.push_str("    <category term=\"debunked\"/>\n");
        }
        if let Some(url) = r
            .source_url
            .as_deref()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        {
            out.push_str(&format!(
                "    <link rel=\"related\" href=\"{}\"/>\n",
                escape(url)
            ));
        }
        out.push_str(&format!(
            "    <summary type=\"text\">{}</summary>\n",
            escape(&r.summary)
        ));
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
}

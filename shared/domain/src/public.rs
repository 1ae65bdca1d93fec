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

/// The public view of a report, or `None` if it must not be public: not published, a rumour
/// still open, or lacking what the map needs.
pub fn project(report: &Report, gazetteer: &Gazetteer) -> Option<PublicReport> {
    if report.status != Status::Published || report.verification == Verification::Rumor {
        return None;
    }
    let category = report.category?;
    let location = report.location.as_ref()?;
    let summary = scrub(report.summary.as_deref()?);
    if summary.is_empty() {
        return None;
    }
    // A private person's point is shown only as precisely as the place needs: at the commune's
    // or area's point, or rounded to about a hundred metres when a volunteer placed it exactly.
    let (lat, lon) = match (location.precision, report.official) {
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
        id: report.id.clone(),
        category,
        summary,
        place: location.place.clone(),
        precision: location.precision,
        verification: report.verification,
        published_at: report.published_at.unwrap_or(report.updated_at),
        network: report.network.clone(),
        official: report.official,
        source_url: if report.official {
            report.source_url.clone()
        } else {
            None
        },
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
    handle: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        email: Regex::new(r"(?i)[a-z0-9._%+\-]+\s*(?:@|\(at\)|\[at\])\s*[a-z0-9.\-]+\.[a-z]{2,}")
            .unwrap_or_else(|e| panic!("{e}")),
        // French and international numbers: 0690 12 34 56, 06.90.12.34.56, +590 690 123 456,
        // 0033 6 ..., and runs of 8 or more digits with separators.
        phone: Regex::new(r"(?:\+|00)?\d(?:[\s.\-/]?\(?\d\)?){7,}")
            .unwrap_or_else(|e| panic!("{e}")),
        handle: Regex::new(r"(?:^|[\s(\[])@[A-Za-z0-9_.\-]+(?:@[A-Za-z0-9.\-]+)?")
            .unwrap_or_else(|e| panic!("{e}")),
    })
}

/// Removes e-mail addresses, phone numbers and @handles from a volunteer's summary. Short
/// emergency numbers (15, 17, 18, 112) stay: they are advice, not a person.
pub fn scrub(text: &str) -> String {
    let p = patterns();
    let text = p.email.replace_all(text, "[…]");
    let text = p.phone.replace_all(&text, "[…]");
    let text = p.handle.replace_all(&text, |c: &regex::Captures| {
        let m = &c[0];
        let lead: String = m.chars().take_while(|ch| *ch != '@').collect();
        format!("{lead}[…]")
    });
    crate::text::clean_text(&text)
}

/// Writes the public reports as an RFC 7946 FeatureCollection: Point geometries in
/// [longitude, latitude] order and exactly the properties of CONTRACT.md.
pub fn feature_collection(reports: &[PublicReport]) -> geojson::FeatureCollection {
    let features = reports
        .iter()
        .map(|r| {
            let mut props = serde_json::Map::new();
            props.insert("id".into(), r.id.clone().into());
            props.insert("category".into(), r.category.as_str().into());
            props.insert("summary".into(), r.summary.clone().into());
            props.insert("place".into(), r.place.clone().into());
            props.insert("precision".into(), r.precision.as_str().into());
            props.insert("verification".into(), r.verification.as_str().into());
            props.insert(
                "published_at".into(),
                r.published_at
                    .to_rfc3339_opts(SecondsFormat::Secs, true)
                    .into(),
            );
            props.insert("network".into(), r.network.clone().into());
            props.insert("official".into(), r.official.into());
            if r.official {
                props.insert("source_url".into(), r.source_url.clone().into());
            }
            geojson::Feature {
                bbox: None,
                geometry: Some(geojson::Geometry::new(geojson::Value::Point(vec![
                    r.lon, r.lat,
                ]))),
                id: Some(geojson::feature::Id::String(r.id.clone())),
                properties: Some(props),
                foreign_members: None,
            }
        })
        .collect();
    geojson::FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    }
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
    }
}

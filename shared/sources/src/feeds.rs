//! Official feeds (`kind = "feed"`), format detected from the content: RSS 0.91, 0.92, 1.0
//! (RDF) and 2.0 and Atom 1.0 (with GeoRSS points, as GDACS publishes), CAP 1.1 and 1.2 alerts
//! (areas as polygon, circle and INSEE geocodes), CAP alerts as entries of RSS and Atom feeds
//! (see below), and GeoJSON FeatureCollections such as the USGS and EMSC (FDSN event)
//! earthquake feeds. XML is read in the encoding its prolog declares (ISO-8859-1,
//! Windows-1252, UTF-16… through encoding_rs); links are made absolute against the feed's
//! address (and Atom's `xml:base`). Conditional requests (ETag, Last-Modified) save calls when
//! nothing changed.
//!
//! CAP in RSS and Atom feeds, two forms, each entry then read as a CAP alert is (status other
//! than Actual skipped and counted, priority from severity, urgency and certainty, point and
//! extent from polygons and circles, INSEE geocodes, category):
//! - entries carrying CAP fields as elements of a CAP namespace
//!   (`urn:oasis:names:tc:emergency:cap:1.1`, `:1.2`..., under any prefix, or under an
//!   undeclared `cap:`), as the "CAP ATOM" indexes of weather services and Meteoalarm-style
//!   feeds do: `status`, `category`, `event`, `urgency`, `severity`, `certainty`, `areaDesc`,
//!   `polygon`, `circle`, `geocode` and `parameter` (their `valueName` and `value` in any
//!   namespace, several pairs in one allowed), `identifier`, `sent`, `language`. The entry's
//!   title, summary and link stay the text and the link; the event and the areas follow the
//!   text. `msgType`, `references`, `effective` and `expires` are not used yet: an Update or a
//!   Cancel is read as an alert.
//! - entries whose content is a whole `<alert>`: inline XML (in a CAP namespace, or any
//!   `<alert>` child of `<content>`), or the escaped or CDATA text of `content`, `description`,
//!   `summary` or `content:encoded` whose first element is an `<alert>`. Read as a standalone
//!   alert is, the entry giving the link, date or id the alert lacks.

use crate::http::Http;
use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use quick_xml::events::Event;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use vigie_domain::classify::Suggestion;
use vigie_domain::crisis::BBox;
use vigie_domain::ports::{Batch, SkipReason, Source, SourceError};
use vigie_domain::report::{AmendKind, Amends, Body, Observation};
use vigie_domain::taxonomy::{Category, Priority};

pub struct FeedSource {
    id: String,
    url: String,
    /// The address relative links are resolved against (without the query).
    base: Option<url::Url>,
    official: bool,
    http: Http,
    /// Items published before it are skipped (the crisis start).
    since: DateTime<Utc>,
}

/// A cancellation withdraws every info of an alert, up to this many.
const MAX_INFOS: usize = 8;

/// The checkpoint: validators for a conditional request.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Validators {
    #[serde(skip_serializing_if = "Option::is_none")]
    etag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_modified: Option<String>,
}

/// What a feed turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    RssOrAtom,
    Cap,
    GeoJson,
}

/// Detects the format from the content itself (servers often send a vague content type).
pub fn detect(body: &[u8]) -> Option<Format> {
    root(body).ok().map(|(format, _)| format)
}

/// The format and, for XML, the document decoded once (what the parsers read); or what the
/// answer is instead (for the error).
fn root(body: &[u8]) -> Result<(Format, String), String> {
    let unmarked = body.strip_prefix(b"\xef\xbb\xbf").unwrap_or(body);
    if unmarked.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        return Ok((Format::GeoJson, String::new()));
    }
    let text = xml_text(body)?;
    let mut reader = quick_xml::Reader::from_str(&text);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                let name = e.local_name().as_ref().to_string();
                return match name.as_str() {
                    "alert" => Ok((Format::Cap, text)),
                    "rss" | "feed" | "RDF" => Ok((Format::RssOrAtom, text)),
                    other => Err(format!(
                        "its root element is <{other}>{}",
                        if other.eq_ignore_ascii_case("html") {
                            " (an error page?)"
                        } else {
                            ""
                        }
                    )),
                };
            }
            Ok(Event::Eof) => return Err("it has no XML element".into()),
            Err(e) => return Err(format!("it is not well-formed XML ({e})")),
            _ => {}
        }
    }
}

/// An XML document as text: decoded from the encoding its byte-order mark or prolog declares
/// (UTF-8 when it declares none), with the prolog rewritten to say UTF-8 so that a parser
/// reading the text does not decode it a second time. Undeclared bytes that are not UTF-8 are
/// read as Windows-1252 (a superset of ISO-8859-1), what such feeds nearly always are.
fn xml_text(body: &[u8]) -> Result<String, String> {
    use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
    let (declared, bom) = match Encoding::for_bom(body) {
        Some((encoding, len)) => (Some(encoding), len),
        None => (None, 0),
    };
    let body = &body[bom..];
    let label = declared_encoding(body);
    let encoding = match (declared, &label) {
        (Some(e), _) => e,
        (None, Some(label)) => Encoding::for_label(label.as_bytes()).ok_or_else(|| {
            format!("it declares the encoding `{label}`, which is not one Vigie can read")
        })?,
        (None, None) => UTF_8,
    };
    let (text, had_errors) = encoding.decode_without_bom_handling(body);
    let text = if had_errors && encoding == UTF_8 && label.is_none() {
        WINDOWS_1252.decode_without_bom_handling(body).0
    } else if had_errors {
        return Err(format!(
            "it is not valid {} text, as it declares",
            encoding.name()
        ));
    } else {
        text
    };
    Ok(utf8_prolog(&text))
}

/// The `encoding` of an XML declaration at the start of `body` (read as ASCII), if any.
fn declared_encoding(body: &[u8]) -> Option<String> {
    // UTF-16 without a byte-order mark: the declaration's `<?` is two bytes each.
    if body.starts_with(b"<\0?\0") {
        return Some("utf-16le".into());
    }
    if body.starts_with(b"\0<\0?") {
        return Some("utf-16be".into());
    }
    if !body.starts_with(b"<?xml") {
        return None;
    }
    let end = body.iter().take(400).position(|&b| b == b'>')?;
    let decl = String::from_utf8_lossy(&body[..end]);
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = rest[1..].split(quote).next()?;
    Some(value.trim().to_string())
}

/// The text with its XML declaration, if any, saying UTF-8.
fn utf8_prolog(text: &str) -> String {
    if let Some(rest) = text.strip_prefix("<?xml") {
        if let Some(end) = rest.find("?>") {
            return format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>{}",
                &rest[end + 2..]
            );
        }
    }
    text.to_string()
}

impl FeedSource {
    pub fn new(id: &str, url: &str, official: bool, http: Http) -> FeedSource {
        FeedSource {
            id: id.to_string(),
            url: url.to_string(),
            base: url::Url::parse(url.split('?').next().unwrap_or(url)).ok(),
            official,
            http,
            // No bound until the host sets the crisis start.
            since: DateTime::<Utc>::MIN_UTC,
        }
    }

    /// The crisis start: items published before it are skipped and counted.
    pub fn since(mut self, since: DateTime<Utc>) -> FeedSource {
        self.since = since;
        self
    }

    /// The feed's address without its query string: queries often carry API keys, and this
    /// form is what errors, the table and the public see.
    fn shown_url(&self) -> String {
        self.url.split('?').next().unwrap_or(&self.url).to_string()
    }

    /// Ids such as "1" or "avis-101" are unique in their feed only: they are qualified by the
    /// feed's address. URLs and URNs are unique already.
    fn qualified(&self, native_id: String) -> String {
        if native_id.contains(':') {
            native_id
        } else {
            format!("{}#{native_id}", self.shown_url())
        }
    }

    /// What an Update or Cancel alert's `references` ("sender,identifier,sent" triples,
    /// separated by spaces) point at: the reports of those alerts, whole or each info of them
    /// (`id#0`, `id#1`...), for info `info` of `infos`.
    fn amends(&self, alert: &CapAlert, info: usize, infos: usize) -> Option<Amends> {
        let kind = match alert.msg_type.trim().to_ascii_lowercase().as_str() {
            "update" => AmendKind::Update,
            "cancel" => AmendKind::Cancel,
            _ => return None,
        };
        // A feed entry known by an id made of the CAP identifier (".../alerts/<identifier>")
        // refers to the entries of the same making.
        let entry_prefix = alert.cap_identifier.as_deref().and_then(|own| {
            alert
                .identifier
                .strip_suffix(own)
                .filter(|prefix| !prefix.is_empty())
        });
        let mut targets = Vec::new();
        for reference in alert.references.split_whitespace() {
            let mut parts = reference.split(',');
            let (Some(_sender), Some(id)) = (parts.next(), parts.next()) else {
                continue;
            };
            if let Some(prefix) = entry_prefix {
                targets.push(self.qualified(format!("{prefix}{}", id.trim())));
            }
            let id = self.qualified(id.trim().to_string());
            match kind {
                // An update's info replaces the same info of the alert it updates.
                AmendKind::Update if infos > 1 => targets.extend([format!("{id}#{info}"), id]),
                AmendKind::Update => targets.extend([id.clone(), format!("{id}#0")]),
                // A cancellation withdraws the whole alert, every info of it.
                AmendKind::Cancel => {
                    targets.push(id.clone());
                    targets.extend((0..MAX_INFOS).map(|i| format!("{id}#{i}")));
                }
            }
        }
        (!targets.is_empty()).then_some(Amends { kind, targets })
    }

    fn observation(
        &self,
        native_id: String,
        url: Option<String>,
        body: Body,
        posted_at: DateTime<Utc>,
    ) -> Observation {
        let native_id = self.qualified(native_id);
        Observation {
            source_id: self.id.clone(),
            network: "feed".into(),
            native_id,
            url,
            author: self.shown_url(),
            author_name: None,
            official_source: self.official,
            body,
            language: None,
            posted_at,
            point: None,
            media: 0,
            hint: None,
            counts: None,
            insee: Vec::new(),
            extent: None,
            amends: None,
        }
    }

    /// Items of an RSS or Atom feed, with GeoRSS points where the feed gives them.
    pub fn parse_rss_or_atom(&self, text: &str, batch: &mut Batch) -> Result<(), SourceError> {
        // feed-rs makes up a random id for an item with neither guid nor link, which would be a
        // new report on every run: such items are left without one here and get an id from
        // their content below. Items with a link keep feed-rs's id (link and title).
        let parser = feed_rs::parser::Builder::new()
            .id_generator(|links, title, uri| {
                if links.is_empty() {
                    String::new()
                } else {
                    feed_rs::parser::generate_id(links, title, uri)
                }
            })
            .base_uri(Some(self.shown_url()))
            .build();
        // An XML declaration anywhere but at the start is not well-formed, and feed-rs panics
        // on one that names another encoding: refused here with the reason.
        if late_declaration(text) {
            return Err(SourceError::Transient(format!(
                "{}: not a readable RSS or Atom feed: an XML declaration in the middle of the document",
                self.shown_url()
            )));
        }
        // Any other panic of the parser on a hostile document is a refusal of that page, never
        // the end of the collector.
        let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            parser.parse(text.as_bytes())
        }));
        let feed = match parsed {
            Ok(Ok(feed)) => feed,
            Ok(Err(e)) => {
                return Err(SourceError::Transient(format!(
                    "{}: not a readable RSS or Atom feed: {e}",
                    self.shown_url()
                )))
            }
            Err(_) => {
                return Err(SourceError::Transient(format!(
                    "{}: not a readable RSS or Atom feed: the parser gave up on this document",
                    self.shown_url()
                )))
            }
        };
        let base = self.base.as_ref();
        let points = georss_points(text.as_bytes(), base);
        let caps = cap_entries(text, base);
        let count = feed.entries.len();
        for (i, entry) in feed.entries.into_iter().enumerate() {
            let title = entry
                .title
                .as_ref()
                .map(|t| t.content.trim().to_string())
                .unwrap_or_default();
            let summary = entry
                .summary
                .as_ref()
                .map(|t| t.content.clone())
                .or_else(|| entry.content.as_ref().and_then(|c| c.body.clone()))
                .unwrap_or_default();
            // feed-rs resolves Atom's links against xml:base and the feed's address; RSS
            // links and guids that are paths are resolved here.
            let link = entry.links.first().map(|l| absolute(base, &l.href));
            let extra = points
                .get(&entry.id)
                .or_else(|| link.as_ref().and_then(|l| points.get(l)))
                .cloned()
                .unwrap_or_default();
            let dated = entry.published.or(entry.updated);
            let id = if entry.id.trim().is_empty() {
                content_id(&[
                    &title,
                    &summary,
                    &dated.map(|t| t.to_rfc3339()).unwrap_or_default(),
                ])
            } else {
                entry.id.clone()
            };
            let no_text = title.is_empty() && summary.trim().is_empty();
            let html = if summary.trim().is_empty() {
                escape(&title)
            } else {
                format!("<p>{}</p>{}", escape(&title), summary)
            };
            if let Some(cap) = caps.of(&entry.id, link.as_deref(), i, count) {
                // CAP in the entry: read as a CAP alert, the entry giving what it lacks.
                let first = batch.observations.len();
                let language = entry.language.clone().or_else(|| feed.language.clone());
                let fields;
                let (alert, html) = match &cap.embedded {
                    Some(alert) => (alert, None),
                    None => {
                        fields = cap.fields_alert(&entry.id, language);
                        (&fields, (!no_text).then_some(html))
                    }
                };
                let envelope = Envelope {
                    html,
                    link,
                    posted: dated,
                    id,
                };
                self.cap_observations(alert, &envelope, batch);
                for obs in &mut batch.observations[first..] {
                    obs.point = obs.point.or(extra.point);
                }
                continue;
            }
            if no_text {
                batch.skip(SkipReason::NoText);
                continue;
            }
            let posted = dated.unwrap_or_else(Utc::now);
            let mut obs = self.observation(id, link, Body::Html(html), posted);
            obs.point = extra.point;
            obs.hint = extra.alert_level.as_deref().and_then(gdacs_hint);
            obs.language = entry.language.clone().or_else(|| feed.language.clone());
            batch.observations.push(obs);
        }
        Ok(())
    }

    /// A CAP 1.1 or 1.2 alert: one observation per `info` block (one per language).
    pub fn parse_cap(&self, text: &str, batch: &mut Batch) -> Result<(), SourceError> {
        let alert = read_cap(text).map_err(|e| {
            SourceError::Transient(format!(
                "{}: not a readable CAP alert: {e}",
                self.shown_url()
            ))
        })?;
        self.cap_observations(&alert, &Envelope::default(), batch);
        Ok(())
    }

    /// The observations of a CAP alert, one per `info` block, whether it came alone, whole in
    /// a feed entry's content, or as CAP fields of a feed entry (see [`Envelope`]): the same
    /// status check, priority hint, point, extent and INSEE codes for all three.
    fn cap_observations(&self, alert: &CapAlert, envelope: &Envelope, batch: &mut Batch) {
        // Tests, exercises, system messages and drafts are nobody's emergency: skipped and
        // counted, never in the queue. An Update or Cancel names what it amends (`amends`).
        let status = alert.status.trim();
        if !status.is_empty() && !status.eq_ignore_ascii_case("Actual") {
            batch
                .skipped
                .add(SkipReason::NotActual, alert.info.len().max(1) as u64);
            return;
        }
        if alert.info.is_empty() {
            batch.skip(SkipReason::NoText);
        }
        let sent = DateTime::parse_from_rfc3339(alert.sent.trim())
            .map(|t| t.with_timezone(&Utc))
            .ok()
            .or(envelope.posted)
            .unwrap_or_else(Utc::now);
        let identifier = match alert.identifier.trim() {
            "" => envelope.id.as_str(),
            id => id,
        };
        for (i, info) in alert.info.iter().enumerate() {
            // An entry's own text comes first; an alert read whole speaks for itself.
            let mut html = envelope.html.clone().unwrap_or_default();
            let own = if envelope.html.is_some() {
                vec![Some(info.event.clone())]
            } else {
                vec![
                    info.headline.clone(),
                    Some(info.event.clone()),
                    info.description.clone(),
                    info.instruction.clone(),
                ]
            };
            // Text parameters (the short texts sent to phones, such as CMAMtext) come after
            // the alert's own texts, when they say something more.
            let texts = info
                .parameter
                .iter()
                .filter(|p| p.value_name.to_ascii_lowercase().contains("text"))
                .map(|p| Some(p.value.clone()));
            for part in own.into_iter().chain(texts) {
                if let Some(p) = part.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
                    if !html.contains(&escape(p)) {
                        html.push_str(&format!("<p>{}</p>", escape(p)));
                    }
                }
            }
            let areas: Vec<&str> = info
                .area
                .iter()
                .map(|a| a.area_desc.trim())
                .filter(|a| !a.is_empty())
                .collect();
            if !areas.is_empty() {
                html.push_str(&format!("<p>{}</p>", escape(&areas.join(", "))));
            }
            if html.trim().is_empty() {
                batch.skip(SkipReason::NoText);
                continue;
            }
            let native = if alert.info.len() > 1 {
                format!("{identifier}#{i}")
            } else {
                identifier.to_string()
            };
            // An empty <web> is no link (the entry's, if any, is used); an absent <language>
            // is CAP's default, en-US.
            let web = info
                .web
                .as_deref()
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .map(|w| absolute(self.base.as_ref(), w))
                .or_else(|| envelope.link.clone());
            let mut obs = self.observation(native, web, Body::Html(html), sent);
            obs.language = Some(
                info.language
                    .as_deref()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .unwrap_or("en-US")
                    .to_string(),
            );
            obs.point = info.area.iter().find_map(CapArea::centre);
            obs.extent = cap_extent(&info.area);
            // The communes the alert names by code; the gazetteer turns them into places.
            obs.insee = info
                .area
                .iter()
                .flat_map(|a| &a.geocode)
                .filter_map(CapGeocode::insee)
                .collect();
            obs.hint = Some(Suggestion {
                category: cap_category(&info.category),
                priority: cap_priority(&info.severity, &info.urgency, &info.certainty),
            });
            obs.amends = self.amends(alert, i, alert.info.len());
            batch.observations.push(obs);
        }
    }

    /// A GeoJSON FeatureCollection: earthquake properties are understood, USGS's (`mag`,
    /// `place`, `time` in ms, `url`, `alert`, `tsunami`) and FDSN event feeds' (`mag`,
    /// `flynn_region`, `time` in ISO 8601, `unid`); other feeds by `title`, `name` or
    /// `description`.
    pub fn parse_geojson(&self, body: &[u8], batch: &mut Batch) -> Result<(), SourceError> {
        let collection: FeatureCollection = serde_json::from_slice(body).map_err(|e| {
            SourceError::Transient(format!(
                "{}: not a readable GeoJSON FeatureCollection: {e}",
                self.shown_url()
            ))
        })?;
        for item in &collection.features {
            // One unreadable feature is skipped and counted; the others are kept.
            let Ok(feature) = serde_json::from_value::<Feature>(item.clone()) else {
                batch.skip(SkipReason::Unreadable);
                continue;
            };
            let p = feature.properties.unwrap_or_default();
            let text_of = |k: &str| p.get(k).and_then(|v| v.as_str()).map(str::to_string);
            let mag = p.get("mag").and_then(|v| v.as_f64());
            let tsunami = p.get("tsunami").and_then(|v| v.as_i64()).unwrap_or(0) == 1;
            // USGS says `place`; FDSN event feeds (EMSC's seismic portal) `flynn_region`.
            let region = text_of("place")
                .or_else(|| text_of("flynn_region"))
                .or_else(|| text_of("region"))
                .filter(|r| !r.trim().is_empty());
            let mut text = match (text_of("title"), mag, region) {
                (Some(t), _, _) => t,
                (None, Some(m), Some(place)) => format!("M {m:.1} - {place}"),
                (None, Some(m), None) => format!("M {m:.1} earthquake"),
                _ => match text_of("name").or_else(|| text_of("description")) {
                    Some(t) => t,
                    None => {
                        batch.skip(SkipReason::NoText);
                        continue;
                    }
                },
            };
            if tsunami {
                text.push_str(" — tsunami possible (tsunami flag set)");
            }
            let id = feature
                .id
                .as_ref()
                .map(|v| {
                    v.as_str()
                        .map(String::from)
                        .unwrap_or_else(|| v.to_string())
                })
                .or_else(|| text_of("code"))
                .or_else(|| text_of("unid"))
                .or_else(|| text_of("source_id"))
                // No id: one made from what the feature says, so a new feature put first in
                // the feed never takes an older one's place.
                .unwrap_or_else(|| {
                    content_id(&[
                        &text,
                        &p.get("time").map(|t| t.to_string()).unwrap_or_default(),
                    ])
                });
            // Milliseconds since the epoch (USGS) or an ISO 8601 time (FDSN event feeds).
            let posted = p
                .get("time")
                .and_then(|v| match v {
                    serde_json::Value::Number(n) => n
                        .as_i64()
                        .and_then(|ms| Utc.timestamp_millis_opt(ms).single()),
                    serde_json::Value::String(t) => DateTime::parse_from_rfc3339(t.trim())
                        .ok()
                        .map(|t| t.with_timezone(&Utc)),
                    _ => None,
                })
                .unwrap_or_else(Utc::now);
            let mut obs = self.observation(id, text_of("url"), Body::Plain(text), posted);
            obs.point = feature.geometry.as_ref().and_then(|g| {
                let c = g.coordinates.as_array()?;
                if g.kind == "Point" && c.len() >= 2 {
                    Some((c[1].as_f64()?, c[0].as_f64()?))
                } else {
                    None
                }
            });
            if let Some(m) = mag {
                let felt = p.get("felt").and_then(|v| v.as_u64()).unwrap_or(0);
                let priority = quake_priority(m, text_of("alert").as_deref(), tsunami, felt);
                obs.hint = Some(Suggestion {
                    category: Category::Hazard,
                    priority,
                });
            }
            batch.observations.push(obs);
        }
        Ok(())
    }
}

/// Whether an XML declaration appears after the start of `text`, outside CDATA sections and
/// comments (where an embedded document may carry its own).
fn late_declaration(text: &str) -> bool {
    let mut rest = text.trim_start_matches('\u{feff}').trim_start();
    rest = rest.get(1..).unwrap_or_default();
    loop {
        let Some(i) = rest.find('<') else {
            return false;
        };
        rest = &rest[i..];
        let skip_to = |end: &str, rest: &str| rest.find(end).map(|j| j + end.len());
        let next = if rest.starts_with("<![CDATA[") {
            skip_to("]]>", rest)
        } else if rest.starts_with("<!--") {
            skip_to("-->", rest)
        } else if let Some(after) = rest.strip_prefix("<?xml") {
            if after.starts_with(|c: char| c.is_whitespace() || c == '?') {
                return true;
            }
            Some(1)
        } else {
            Some(1)
        };
        match next {
            Some(n) => rest = &rest[n..],
            None => return false,
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[derive(Deserialize)]
struct FeatureCollection {
    #[serde(default)]
    features: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct Feature {
    id: Option<serde_json::Value>,
    /// `null` is valid GeoJSON for "no properties".
    properties: Option<serde_json::Map<String, serde_json::Value>>,
    geometry: Option<Geometry>,
}

#[derive(Deserialize)]
struct Geometry {
    #[serde(rename = "type")]
    kind: String,
    /// Any geometry is read; only a Point gives the observation a point.
    #[serde(default)]
    coordinates: serde_json::Value,
}

/// An id from content, for items that have none.
fn content_id(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("content-{h:016x}")
}

/// A CAP document (its root `<alert>` under any prefix) read into its fields.
fn read_cap(xml: &str) -> Result<CapAlert, quick_xml::DeError> {
    // The deserializer matches names as written: the root's prefix (and the usual `cap:`)
    // is taken off every element.
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut prefix = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                prefix = e.name().prefix().map(|p| p.as_ref().to_string());
                break;
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    let mut text = xml.replace("<cap:", "<").replace("</cap:", "</");
    if let Some(p) = prefix.filter(|p| p != "cap") {
        text = text
            .replace(&format!("<{p}:"), "<")
            .replace(&format!("</{p}:"), "</");
    }
    quick_xml::de::from_str(&text)
}

/// What the feed entry a CAP alert came in gives it, beside the alert's own fields.
#[derive(Debug, Default)]
struct Envelope {
    /// The entry's text (`<p>title</p>summary`): the observation's text, followed by the
    /// event, text parameters and areas, for an entry that carries CAP fields, which have no
    /// text of their own. `None` for an alert read whole, whose own texts are used.
    html: Option<String>,
    /// The entry's link (absolute), for an alert without `<web>`.
    link: Option<String>,
    /// The entry's date, for an alert without a readable `<sent>`.
    posted: Option<DateTime<Utc>>,
    /// The entry's id, for an alert without an identifier.
    id: String,
}

/// The CAP a feed entry carries: CAP fields of its own, or a whole alert in its content.
#[derive(Debug, Default)]
struct EntryCap {
    /// The entry's id, guid and links, as written and made absolute.
    keys: Vec<String>,
    /// Whether the entry has CAP fields its treatment reads (status, category, event,
    /// urgency, severity, certainty, areaDesc, polygon, circle, geocode).
    has_fields: bool,
    identifier: String,
    sent: String,
    status: String,
    msg_type: String,
    references: String,
    info: CapInfo,
    area: CapArea,
    /// A whole `<alert>` in the entry: inline XML, or escaped or CDATA text of its
    /// `content`, `description`, `summary` or `content:encoded`. Read instead of the fields.
    embedded: Option<CapAlert>,
}

impl EntryCap {
    /// The entry's CAP fields as a one-info alert. Its identifier is the entry's id when it
    /// has one (unique in its feed, where one CAP identifier may have an entry per area),
    /// else `cap:identifier`; its language `cap:language`, else the entry's or the feed's.
    fn fields_alert(&self, entry_id: &str, language: Option<String>) -> CapAlert {
        let mut info = self.info.clone();
        info.language = info.language.filter(|l| !l.trim().is_empty()).or(language);
        let area = &self.area;
        if !(area.area_desc.trim().is_empty()
            && area.polygon.is_empty()
            && area.circle.is_empty()
            && area.geocode.is_empty())
        {
            info.area.push(area.clone());
        }
        CapAlert {
            identifier: if entry_id.trim().is_empty() {
                self.identifier.clone()
            } else {
                entry_id.to_string()
            },
            sent: self.sent.clone(),
            status: self.status.clone(),
            msg_type: self.msg_type.clone(),
            references: self.references.clone(),
            cap_identifier: Some(self.identifier.clone()).filter(|i| !i.trim().is_empty()),
            info: vec![info],
        }
    }
}

/// The CAP of a feed's entries, in document order and by key.
#[derive(Debug, Default)]
struct CapEntries {
    entries: Vec<Option<EntryCap>>,
    by_key: HashMap<String, usize>,
}

impl CapEntries {
    /// The CAP of the `index`th of `count` entries, found by id or link, or by position when
    /// neither matches and the scan saw as many entries as feed-rs.
    fn of(&self, id: &str, link: Option<&str>, index: usize, count: usize) -> Option<&EntryCap> {
        let at = [Some(id), link]
            .into_iter()
            .flatten()
            .filter(|k| !k.trim().is_empty())
            .find_map(|k| self.by_key.get(k).copied())
            .or((self.entries.len() == count).then_some(index))?;
        self.entries.get(at)?.as_ref()
    }
}

/// Whether an element is CAP's: in a CAP namespace (any version, any prefix), or under the
/// prefix `cap` left undeclared.
fn is_cap_namespace(ns: &quick_xml::name::ResolveResult) -> bool {
    use quick_xml::name::ResolveResult;
    match ns {
        ResolveResult::Bound(ns) => ns.0.starts_with("urn:oasis:names:tc:emergency:cap:"),
        ResolveResult::Unknown(prefix) => prefix == "cap",
        ResolveResult::Unbound => false,
    }
}

/// The CAP carried by each entry (`item` or `entry`) of an RSS or Atom feed: elements of the
/// CAP namespace among the entry's children (`cap:status`, `cap:severity`, `cap:polygon`,
/// `cap:geocode` with its `valueName` and `value` in any namespace...), or a whole `<alert>`,
/// inline or as the escaped or CDATA text of the entry's content.
fn cap_entries(text: &str, base: Option<&url::Url>) -> CapEntries {
    let mut out = CapEntries::default();
    // Nothing to look for in a feed that never names CAP.
    if !text.contains("emergency:cap") && !text.contains("cap:") {
        return out;
    }
    let mut reader = quick_xml::NsReader::from_str(text);
    // The open elements inside the current entry: local name and whether it is CAP's.
    let mut open: Vec<(String, bool)> = Vec::new();
    let mut entry: Option<EntryCap> = None;
    // In a `cap:geocode` or `cap:parameter`: its pairs so far, and which it is.
    let mut pairs: Option<(Vec<CapGeocode>, bool)> = None;
    let mut value = String::new();
    loop {
        let before = reader.buffer_position() as usize;
        let (cap, event) = match reader.read_resolved_event() {
            Ok((ns, event)) => (is_cap_namespace(&ns), event),
            Err(_) => break,
        };
        match event {
            Event::Start(e) => {
                let local = e.local_name().as_ref().to_string();
                let Some(current) = entry.as_mut() else {
                    if local == "item" || local == "entry" {
                        entry = Some(EntryCap::default());
                        open.clear();
                    }
                    continue;
                };
                if local == "link" {
                    if let Some(href) = e.try_get_attribute("href").ok().flatten() {
                        current.keys.push(href.value.to_string());
                    }
                }
                // A whole alert inline: in a CAP namespace, or the element of a `<content>`.
                let in_content = open.last().is_some_and(|(n, _)| n == "content");
                if local == "alert" && (cap || in_content) {
                    let end = e.name().as_ref().to_string();
                    if reader.read_to_end(quick_xml::name::QName(&end)).is_err() {
                        break;
                    }
                    let whole = &text[before..reader.buffer_position() as usize];
                    if current.embedded.is_none() {
                        current.embedded = read_cap(whole).ok();
                    }
                    continue;
                }
                if cap && (local == "geocode" || local == "parameter") {
                    pairs = Some((Vec::new(), local == "geocode"));
                }
                open.push((local, cap));
                value.clear();
            }
            Event::Empty(e) => {
                if let Some(current) = entry.as_mut() {
                    if e.local_name().as_ref() == "link" {
                        if let Some(href) = e.try_get_attribute("href").ok().flatten() {
                            current.keys.push(href.value.to_string());
                        }
                    }
                }
            }
            Event::Text(t) if entry.is_some() => value.push_str(&t),
            Event::CData(t) if entry.is_some() => value.push_str(&t),
            Event::GeneralRef(r) if entry.is_some() => match r.resolve_char_ref() {
                Ok(Some(c)) => value.push(c),
                _ => value.push_str(match r.as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "",
                }),
            },
            Event::End(e) => {
                let Some(current) = entry.as_mut() else {
                    continue;
                };
                let local = e.local_name().as_ref().to_string();
                let Some((name, cap)) = open.pop() else {
                    // The entry's own end.
                    if local == "item" || local == "entry" {
                        let done = entry.take().unwrap_or_default();
                        let at = out.entries.len();
                        for k in &done.keys {
                            out.by_key.insert(absolute(base, k), at);
                            out.by_key.insert(k.clone(), at);
                        }
                        let carries = done.has_fields || done.embedded.is_some();
                        out.entries.push(carries.then_some(done));
                    }
                    continue;
                };
                let v = std::mem::take(&mut value);
                let v = v.trim();
                // What makes an entry a CAP alert: the fields its treatment reads (an
                // identifier or a date alone do not).
                current.has_fields |= cap
                    && (name == "geocode"
                        || !v.is_empty()
                            && matches!(
                                name.as_str(),
                                "status"
                                    | "category"
                                    | "event"
                                    | "urgency"
                                    | "severity"
                                    | "certainty"
                                    | "areaDesc"
                                    | "polygon"
                                    | "circle"
                            ));
                match (name.as_str(), cap) {
                    ("valueName", _) if pairs.is_some() => {
                        if let Some((list, _)) = pairs.as_mut() {
                            list.push(CapGeocode {
                                value_name: v.to_string(),
                                value: String::new(),
                            });
                        }
                    }
                    ("value", _) if pairs.is_some() => {
                        if let Some((list, _)) = pairs.as_mut() {
                            match list.last_mut() {
                                Some(last) if last.value.is_empty() => last.value = v.to_string(),
                                _ => list.push(CapGeocode {
                                    value_name: String::new(),
                                    value: v.to_string(),
                                }),
                            }
                        }
                    }
                    ("geocode" | "parameter", true) => {
                        if let Some((list, geocode)) = pairs.take() {
                            if geocode {
                                current.area.geocode.extend(list);
                            } else {
                                current.info.parameter.extend(list);
                            }
                        }
                    }
                    (_, true) if v.is_empty() => {}
                    ("identifier", true) => current.identifier = v.to_string(),
                    ("sent", true) => current.sent = v.to_string(),
                    ("status", true) => current.status = v.to_string(),
                    ("msgType", true) => current.msg_type = v.to_string(),
                    ("references", true) => current.references = v.to_string(),
                    ("language", true) => current.info.language = Some(v.to_string()),
                    ("category", true) => current.info.category.push(v.to_string()),
                    ("event", true) => current.info.event = v.to_string(),
                    ("urgency", true) => current.info.urgency = v.to_string(),
                    ("severity", true) => current.info.severity = v.to_string(),
                    ("certainty", true) => current.info.certainty = v.to_string(),
                    ("areaDesc", true) => current.area.area_desc = v.to_string(),
                    ("polygon", true) => current.area.polygon.push(v.to_string()),
                    ("circle", true) => current.area.circle.push(v.to_string()),
                    ("id" | "guid" | "link", false) if !v.is_empty() && open.is_empty() => {
                        current.keys.push(v.to_string())
                    }
                    ("content" | "description" | "summary" | "encoded", false)
                        if current.embedded.is_none() && v.contains("alert") =>
                    {
                        current.embedded = embedded_alert(v);
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

/// A whole CAP alert written as text (escaped or in CDATA) in an entry's content: the text's
/// first element is an `<alert>` (under any prefix) that reads as CAP.
fn embedded_alert(text: &str) -> Option<CapAlert> {
    let mut reader = quick_xml::Reader::from_str(text);
    loop {
        let before = reader.buffer_position() as usize;
        match reader.read_event().ok()? {
            Event::Start(e) => {
                if e.local_name().as_ref() != "alert" {
                    return None;
                }
                let end = e.name().as_ref().to_string();
                reader.read_to_end(quick_xml::name::QName(&end)).ok()?;
                return read_cap(&text[before..reader.buffer_position() as usize]).ok();
            }
            Event::Eof | Event::Empty(_) => return None,
            _ => {}
        }
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
struct CapAlert {
    identifier: String,
    #[serde(default)]
    sent: String,
    /// Actual, Exercise, System, Test or Draft.
    #[serde(default)]
    status: String,
    /// Alert, Update, Cancel, Ack or Error.
    #[serde(rename = "msgType", default)]
    msg_type: String,
    /// The alerts an Update or Cancel refers to: "sender,identifier,sent" triples.
    #[serde(default)]
    references: String,
    /// For a feed entry's CAP fields, whose `identifier` is the entry's id: `cap:identifier`.
    #[serde(skip)]
    cap_identifier: Option<String>,
    #[serde(default)]
    info: Vec<CapInfo>,
}

#[derive(Debug, Default, Clone, Deserialize)]
struct CapInfo {
    language: Option<String>,
    #[serde(default)]
    category: Vec<String>,
    #[serde(default)]
    event: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    certainty: String,
    headline: Option<String>,
    description: Option<String>,
    instruction: Option<String>,
    web: Option<String>,
    #[serde(default)]
    parameter: Vec<CapGeocode>,
    #[serde(default)]
    area: Vec<CapArea>,
}

#[derive(Debug, Default, Clone, Deserialize)]
struct CapArea {
    #[serde(rename = "areaDesc", default)]
    area_desc: String,
    #[serde(default)]
    polygon: Vec<String>,
    #[serde(default)]
    circle: Vec<String>,
    #[serde(default)]
    geocode: Vec<CapGeocode>,
}

/// A CAP `<geocode>` or `<parameter>`: `<valueName>` says what the value is (a code system,
/// or a parameter such as `CMAMtext`), `<value>` the value.
#[derive(Debug, Default, Clone, Deserialize)]
struct CapGeocode {
    #[serde(rename = "valueName", default)]
    value_name: String,
    #[serde(default)]
    value: String,
}

impl CapGeocode {
    /// A French commune code (`INSEE`, `insee`, `CODE_INSEE`...), if that is what this is.
    fn insee(&self) -> Option<String> {
        let value = self.value.trim();
        (self.value_name.to_ascii_lowercase().contains("insee") && !value.is_empty())
            .then(|| value.to_string())
    }
}

impl CapArea {
    /// A point for the area: a circle's centre, or the mean of a polygon's vertices.
    fn centre(&self) -> Option<(f64, f64)> {
        if let Some(c) = self.circle.first() {
            let (pair, _radius) = c.trim().split_once(' ')?;
            let (lat, lon) = pair.split_once(',')?;
            return Some((lat.trim().parse().ok()?, lon.trim().parse().ok()?));
        }
        let poly = self.polygon.first()?;
        let pts: Vec<(f64, f64)> = poly
            .split_whitespace()
            .filter_map(|p| {
                let (lat, lon) = p.split_once(',')?;
                Some((lat.parse().ok()?, lon.parse().ok()?))
            })
            .collect();
        if pts.is_empty() {
            return None;
        }
        let n = pts.len() as f64;
        Some((
            pts.iter().map(|p| p.0).sum::<f64>() / n,
            pts.iter().map(|p| p.1).sum::<f64>() / n,
        ))
    }
}

/// The box around every polygon and circle of an alert's areas (a circle's radius is in km).
fn cap_extent(areas: &[CapArea]) -> Option<BBox> {
    let pair = |p: &str| -> Option<(f64, f64)> {
        let (lat, lon) = p.split_once(',')?;
        let (lat, lon) = (
            lat.trim().parse::<f64>().ok()?,
            lon.trim().parse::<f64>().ok()?,
        );
        ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
    };
    let mut boxes: Vec<BBox> = Vec::new();
    for area in areas {
        for poly in &area.polygon {
            let pts: Vec<(f64, f64)> = poly.split_whitespace().filter_map(pair).collect();
            if pts.is_empty() {
                continue;
            }
            boxes.push(BBox {
                west: pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min),
                east: pts.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max),
                south: pts.iter().map(|p| p.0).fold(f64::INFINITY, f64::min),
                north: pts.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max),
            });
        }
        for circle in &area.circle {
            let Some((centre, radius)) = circle.trim().split_once(' ') else {
                continue;
            };
            let (Some((lat, lon)), Ok(km)) = (pair(centre), radius.trim().parse::<f64>()) else {
                continue;
            };
            let dlat = km.max(0.0) / 111.0;
            let dlon = dlat / lat.to_radians().cos().abs().max(0.01);
            boxes.push(BBox {
                west: lon - dlon,
                east: lon + dlon,
                south: lat - dlat,
                north: lat + dlat,
            });
        }
    }
    boxes.into_iter().reduce(|a, b| BBox {
        west: a.west.min(b.west),
        east: a.east.max(b.east),
        south: a.south.min(b.south),
        north: a.north.max(b.north),
    })
}

/// CAP categories to Vigie's.
fn cap_category(categories: &[String]) -> Category {
    let first = categories.first().map(String::as_str).unwrap_or("Other");
    match first {
        "Met" => Category::Weather,
        "Geo" | "Fire" | "Env" | "CBRNE" => Category::Hazard,
        "Rescue" => Category::Rescue,
        "Health" => Category::Needs,
        "Infra" => Category::Utilities,
        "Transport" => Category::Access,
        _ => Category::Official,
    }
}

/// An earthquake's priority from its own fields (the thresholds the README gives): USGS's
/// PAGER alert first (red critical, orange high, yellow medium), a tsunami flag high, then the
/// magnitude (6 and more high, 5 and more medium) and felt reports (100 and more medium);
/// anything smaller is low.
fn quake_priority(mag: f64, alert: Option<&str>, tsunami: bool, felt: u64) -> Priority {
    match alert {
        Some("red") => Priority::Critical,
        Some("orange") => Priority::High,
        _ if tsunami || mag >= 6.0 => Priority::High,
        Some("yellow") => Priority::Medium,
        _ if mag >= 5.0 || felt >= 100 => Priority::Medium,
        _ => Priority::Low,
    }
}

/// CAP severity, urgency and certainty to a priority (the table the README gives): an extreme
/// threat happening now is critical; a threat that is past, or unlikely, is low.
fn cap_priority(severity: &str, urgency: &str, certainty: &str) -> Priority {
    if urgency == "Past" || certainty == "Unlikely" {
        return Priority::Low;
    }
    match (severity, urgency) {
        ("Extreme", "Immediate") => Priority::Critical,
        ("Extreme", _) | ("Severe", "Immediate") => Priority::High,
        ("Severe", _) | ("Moderate", "Immediate" | "Expected") => Priority::Medium,
        _ => Priority::Low,
    }
}

/// A link made absolute against the feed's address (kept as it is when it cannot be).
fn absolute(base: Option<&url::Url>, href: &str) -> String {
    let href = href.trim();
    match base.map(|b| b.join(href)) {
        Some(Ok(u)) if matches!(u.scheme(), "http" | "https") => u.to_string(),
        _ => href.to_string(),
    }
}

/// What an item carries beside its text: a GeoRSS point, and GDACS's alert level.
#[derive(Debug, Clone, Default)]
struct ItemExtra {
    point: Option<(f64, f64)>,
    alert_level: Option<String>,
}

/// GDACS's alert levels (the expected humanitarian impact) to a priority: Red critical,
/// Orange high, Green low.
fn gdacs_hint(level: &str) -> Option<Suggestion> {
    let priority = match level.trim().to_ascii_lowercase().as_str() {
        "red" => Priority::Critical,
        "orange" => Priority::High,
        "green" => Priority::Low,
        _ => return None,
    };
    Some(Suggestion {
        category: Category::Hazard,
        priority,
    })
}

/// The extras of the items of a feed, by item id (guid or Atom id) and by link (as written
/// and made absolute): `georss:point` ("lat lon"), or `geo:lat` and `geo:long`; and
/// `gdacs:alertlevel`.
fn georss_points(body: &[u8], base: Option<&url::Url>) -> HashMap<String, ItemExtra> {
    let mut out = HashMap::new();
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut buf = Vec::new();
    let mut in_item = false;
    let mut keys: Vec<String> = Vec::new();
    let mut point: Option<(f64, f64)> = None;
    let mut alert_level: Option<String> = None;
    let (mut lat, mut lon): (Option<f64>, Option<f64>) = (None, None);
    let mut field: Option<String> = None;
    let mut text = String::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let local = e.local_name().as_ref().to_string();
                let full = e.name().as_ref().to_string();
                if local == "item" || local == "entry" {
                    in_item = true;
                    keys.clear();
                    point = None;
                    alert_level = None;
                    lat = None;
                    lon = None;
                } else if in_item && local == "link" {
                    if let Some(href) = e.try_get_attribute("href").ok().flatten() {
                        keys.push(href.value.to_string());
                    }
                }
                text.clear();
                field = Some(if full.contains(':') { full } else { local });
            }
            Ok(Event::Empty(e)) if in_item && e.local_name().as_ref() == "link" => {
                if let Some(href) = e.try_get_attribute("href").ok().flatten() {
                    keys.push(href.value.to_string());
                }
            }
            Ok(Event::Text(t)) if in_item => text.push_str(t.as_ref()),
            Ok(Event::GeneralRef(r)) if in_item => {
                let name: &str = r.as_ref();
                text.push_str(match name {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "",
                });
            }
            Ok(Event::End(e)) => {
                let value = std::mem::take(&mut text);
                let value = value.trim();
                match field.as_deref() {
                    Some("guid" | "id" | "link") if in_item && !value.is_empty() => {
                        keys.push(value.to_string())
                    }
                    Some("georss:point") => {
                        let mut parts = value
                            .split_whitespace()
                            .filter_map(|p| p.parse::<f64>().ok());
                        if let (Some(a), Some(b)) = (parts.next(), parts.next()) {
                            point = Some((a, b));
                        }
                    }
                    Some("gdacs:alertlevel") if in_item => alert_level = Some(value.to_string()),
                    Some("geo:lat") => lat = value.parse().ok(),
                    Some("geo:long" | "geo:lon") => lon = value.parse().ok(),
                    _ => {}
                }
                let local = e.local_name();
                if in_item && (local.as_ref() == "item" || local.as_ref() == "entry") {
                    let extra = ItemExtra {
                        point: point.or(lat.zip(lon)),
                        alert_level: alert_level.take(),
                    };
                    if extra.point.is_some() || extra.alert_level.is_some() {
                        for k in keys.drain(..) {
                            out.insert(absolute(base, &k), extra.clone());
                            out.insert(k, extra.clone());
                        }
                    }
                    in_item = false;
                }
                field = None;
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

#[async_trait]
impl Source for FeedSource {
    fn id(&self) -> &str {
        &self.id
    }

    fn kind(&self) -> &'static str {
        "feed"
    }

    async fn fetch(&self, checkpoint: Option<&str>) -> Result<Batch, SourceError> {
        let validators: Validators = checkpoint
            .and_then(|c| serde_json::from_str(c).ok())
            .unwrap_or_default();
        let answer = self
            .http
            .send(&self.shown_url(), |c| {
                let mut req = c.get(&self.url);
                if let Some(etag) = &validators.etag {
                    req = req.header("If-None-Match", etag);
                }
                if let Some(lm) = &validators.last_modified {
                    req = req.header("If-Modified-Since", lm);
                }
                req
            })
            .await?;
        let mut batch = Batch::default();
        match answer.status.as_u16() {
            304 => return Ok(batch),
            200..=299 => {}
            401 | 403 | 404 | 410 => {
                return Err(SourceError::Fatal(format!(
                    "{}: HTTP {}",
                    self.shown_url(),
                    answer.status.as_u16()
                )))
            }
            other => {
                return Err(SourceError::Transient(format!(
                    "{}: HTTP {other}",
                    self.shown_url()
                )))
            }
        }
        if answer.body.iter().all(u8::is_ascii_whitespace) {
            return Err(SourceError::Transient(format!(
                "{}: empty answer",
                self.shown_url()
            )));
        }
        match root(&answer.body) {
            Ok((Format::RssOrAtom, text)) => self.parse_rss_or_atom(&text, &mut batch)?,
            Ok((Format::Cap, text)) => self.parse_cap(&text, &mut batch)?,
            Ok((Format::GeoJson, _)) => self.parse_geojson(&answer.body, &mut batch)?,
            Err(what) => {
                return Err(SourceError::Transient(format!(
                    "{}: not RSS, Atom, CAP or GeoJSON: {what}",
                    self.shown_url()
                )))
            }
        }
        // A feed keeps its history: what was published before the crisis began is not news.
        let before = batch.observations.len();
        batch.observations.retain(|o| o.posted_at >= self.since);
        let old = (before - batch.observations.len()) as u64;
        batch.skipped.add(SkipReason::BeforeSince, old);
        let header = |name: &str| {
            answer
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(String::from)
        };
        let next = Validators {
            etag: header("etag"),
            last_modified: header("last-modified"),
        };
        if next.etag.is_some() || next.last_modified.is_some() {
            batch.checkpoint = serde_json::to_string(&next).ok();
        }
        Ok(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_severity_and_urgency_give_the_priority() {
        use Priority::*;
        for (severity, urgency, expected) in [
            ("Extreme", "Immediate", Critical),
            ("Extreme", "Expected", High),
            ("Extreme", "Future", High),
            ("Severe", "Immediate", High),
            ("Severe", "Expected", Medium),
            ("Severe", "Unknown", Medium),
            ("Moderate", "Immediate", Medium),
            ("Moderate", "Expected", Medium),
            ("Moderate", "Future", Low),
            ("Minor", "Immediate", Low),
            ("Unknown", "Unknown", Low),
            ("", "", Low),
        ] {
            assert_eq!(
                cap_priority(severity, urgency, "Observed"),
                expected,
                "{severity} / {urgency}"
            );
        }
        // A threat that is past or unlikely is low whatever its severity.
        assert_eq!(cap_priority("Extreme", "Past", "Observed"), Low);
        assert_eq!(cap_priority("Extreme", "Immediate", "Unlikely"), Low);
        assert_eq!(cap_priority("Extreme", "Immediate", "Possible"), Critical);
    }

    #[test]
    fn earthquakes_get_their_priority_from_their_own_fields() {
        use Priority::*;
        for (mag, alert, tsunami, felt, expected) in [
            (1.2, None, false, 0, Low),
            (4.9, None, false, 3, Low),
            (4.2, None, false, 150, Medium),
            (5.0, None, false, 0, Medium),
            (6.1, None, false, 0, High),
            (4.0, None, true, 0, High),
            (5.5, Some("yellow"), false, 0, Medium),
            (6.8, Some("orange"), false, 0, High),
            (7.4, Some("red"), true, 0, Critical),
            (2.0, Some("green"), false, 0, Low),
        ] {
            assert_eq!(
                quake_priority(mag, alert, tsunami, felt),
                expected,
                "M{mag} {alert:?} tsunami {tsunami} felt {felt}"
            );
        }
    }

    #[test]
    fn gdacs_alert_levels() {
        assert_eq!(
            gdacs_hint("Red").map(|h| h.priority),
            Some(Priority::Critical)
        );
        assert_eq!(
            gdacs_hint(" orange ").map(|h| h.priority),
            Some(Priority::High)
        );
        assert_eq!(gdacs_hint("Green").map(|h| h.priority), Some(Priority::Low));
        assert!(gdacs_hint("").is_none());
    }
}

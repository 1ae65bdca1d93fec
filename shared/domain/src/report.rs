//! Reports: what a source observed, turned into a row of the volunteers' table.

use crate::classify::{classify_explained, Reason, Rule, Suggestion};
use crate::crisis::{Crisis, SourceKind};
use crate::gazetteer::{Gazetteer, Place};
use crate::identity::{report_id, Fingerprint};
use crate::learn::Model;
use crate::ports::SkipReason;
use crate::taxonomy::{Category, LocationMethod, Precision, Priority, Status, Verification};
use crate::text::{clean_text, fold_with_origins, html_to_text};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A post as a source client hands it over, before any rule is applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub source_id: String,
    /// `mastodon`, `bluesky`, `feed`, or the network a volunteer names for a hand entry.
    pub network: String,
    /// The network's own id of the post: what makes collecting it twice harmless.
    pub native_id: String,
    pub url: Option<String>,
    /// Handle (`user@instance`), profile or feed URL.
    pub author: String,
    pub author_name: Option<String>,
    /// The source itself is official (a feed marked `official = true`).
    pub official_source: bool,
    pub body: Body,
    pub language: Option<String>,
    pub posted_at: DateTime<Utc>,
    /// A point the post itself carries (GPS, GeoRSS, CAP area centre), lat/lon.
    pub point: Option<(f64, f64)>,
    pub media: u32,
    /// A suggestion the source itself can make (CAP severity, an earthquake's alert level).
    pub hint: Option<Suggestion>,
    /// Replies, reposts and likes the network showed for the post, where it shows them.
    #[serde(default)]
    pub counts: Option<Engagement>,
    /// INSEE codes of the communes the source itself names (a CAP area's geocode): resolved
    /// through the crisis's gazetteer when the report is made.
    #[serde(default)]
    pub insee: Vec<String>,
    /// The extent of the area the item covers (a CAP polygon or circle, a feed's box), for the
    /// crisis-area check of world-wide feeds; `point` alone is used when there is none.
    #[serde(default)]
    pub extent: Option<crate::crisis::BBox>,
    /// An official message that updates or cancels earlier ones (a CAP `msgType` Update or
    /// Cancel with its `references`) rather than saying something new.
    #[serde(default)]
    pub amends: Option<Amends>,
}

/// What an update or a cancellation refers to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Amends {
    pub kind: AmendKind,
    /// The native ids (of the same network) of the messages it replaces, as the source
    /// identifies them; those never collected are passed over.
    pub targets: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmendKind {
    /// The referenced report takes this message's text, suggestion and place.
    Update,
    /// The referenced report is dismissed: its issuer withdrew it.
    Cancel,
}

/// Engagement a network shows for a post: a hint of how far it travels. Kept as first seen
/// (a post already stored is not rewritten when a later run sees it again), so it is a
/// lower bound; never part of the public outputs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Engagement {
    pub replies: u64,
    pub reposts: u64,
    pub likes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "format", content = "text", rename_all = "lowercase")]
pub enum Body {
    Plain(String),
    Html(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub lat: f64,
    pub lon: f64,
    pub place: Option<String>,
    pub insee: Option<String>,
    pub precision: Precision,
    pub method: LocationMethod,
}

impl Location {
    pub fn at_place(place: &Place, method: LocationMethod) -> Location {
        Location {
            lat: place.lat,
            lon: place.lon,
            place: Some(place.name.clone()),
            insee: place.insee.clone(),
            precision: place.precision(),
            method,
        }
    }
}

/// A row of the volunteers' table (the JSON of docs/api.md §3, plus a few working fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub id: String,
    pub version: u64,
    pub status: Status,
    pub source_id: String,
    pub network: String,
    pub native_id: String,
    pub source_url: Option<String>,
    pub author: String,
    pub author_name: Option<String>,
    pub official: bool,
    pub text: String,
    pub language: Option<String>,
    pub posted_at: DateTime<Utc>,
    pub collected_at: DateTime<Utc>,
    pub suggested_category: Category,
    pub suggested_priority: Priority,
    /// Why the suggestion is what it is: the rules that fired and the post's words behind
    /// them (see [`Reason`]); reports stored before this field existed have none.
    #[serde(default)]
    pub suggestion_reasons: Vec<Reason>,
    pub category: Option<Category>,
    pub priority: Option<Priority>,
    pub verification: Verification,
    pub location: Option<Location>,
    pub summary: Option<String>,
    pub fingerprint: Option<String>,
    pub cluster_id: String,
    pub cluster_size: u32,
    /// Reposts (boosts) of this post seen by the collectors.
    #[serde(default)]
    pub spread_count: u32,
    /// Replies, reposts and likes on the network when the post was collected (see
    /// [`Engagement`]); reports stored before this field existed have none.
    #[serde(default)]
    pub counts: Option<Engagement>,
    pub claimed_by: Option<String>,
    pub claim_expires_at: Option<DateTime<Utc>>,
    pub escalated: bool,
    pub escalated_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub media: u32,
}

impl Report {
    /// The priority the queue sorts by: the volunteer's, else the suggestion.
    pub fn effective_priority(&self) -> Priority {
        self.priority.unwrap_or(self.suggested_priority)
    }

    pub fn effective_category(&self) -> Category {
        self.category.unwrap_or(self.suggested_category)
    }

    pub fn fingerprint(&self) -> Option<Fingerprint> {
        self.fingerprint.as_deref().and_then(Fingerprint::from_hex)
    }

    /// Why this report cannot go on the public map yet, if it cannot.
    pub fn unpublishable_reason(&self) -> Option<&'static str> {
        if self.category.is_none() {
            Some("a report needs a category to be published")
        } else if self.summary.as_deref().is_none_or(|s| s.trim().is_empty()) {
            Some("a report needs a summary to be published")
        } else if self.location.is_none() {
            Some("a report needs a location to be published")
        } else if self.verification == Verification::Rumor {
            Some("a rumour is not published until it is confirmed or debunked")
        } else {
            None
        }
    }
}

/// What the ingest pipeline needs to know about the crisis.
pub struct IngestContext<'a> {
    pub crisis: &'a Crisis,
    pub gazetteer: &'a Gazetteer,
}

impl IngestContext<'_> {
    /// Whether an author is one of the crisis's official accounts. Accounts may be written as
    /// handles (`user@instance`, with or without a leading @) or profile URLs.
    pub fn is_official_account(&self, network: &str, author: &str) -> bool {
        let author = author.trim_start_matches('@').to_lowercase();
        self.crisis.official_accounts.iter().any(|a| {
            let a = a.trim_start_matches('@').to_lowercase();
            let profile = |prefixes: &[&str]| {
                prefixes.iter().any(|p| {
                    a.strip_prefix(p).map(|h| h.trim_end_matches('/')) == Some(author.as_str())
                })
            };
            a == author
                || (network == "bluesky" && profile(&["https://bsky.app/profile/"]))
                || (network == "x"
                    && profile(&[
                        "https://x.com/",
                        "https://twitter.com/",
                        "https://www.x.com/",
                        "https://www.twitter.com/",
                    ]))
                || (network == "youtube"
                    && profile(&[
                        "https://www.youtube.com/channel/",
                        "https://youtube.com/channel/",
                    ]))
                || a.trim_end_matches('/') == author.trim_end_matches('/')
        })
    }
}

/// The ingest pipeline: normalise, classify, geoparse and fingerprint one observation. Pure;
/// the cluster is decided afterwards against the store (a new report starts its own).
pub fn ingest(obs: &Observation, ctx: &IngestContext, now: DateTime<Utc>) -> Report {
    ingest_with(obs, ctx, None, now)
}

/// [`ingest`], the suggestion refined by the triage model learnt from the volunteers'
/// decisions when there is one (see [`crate::learn`]).
pub fn ingest_with(
    obs: &Observation,
    ctx: &IngestContext,
    model: Option<&Model>,
    now: DateTime<Utc>,
) -> Report {
    let text = match &obs.body {
        Body::Plain(t) => clean_text(t),
        Body::Html(h) => html_to_text(h),
    };
    let (folded, origins) = fold_with_origins(&text);
    let official = obs.official_source || ctx.is_official_account(&obs.network, &obs.author);
    let (mut suggestion, mut reasons) = classify_explained(&text, &folded, &origins, official);
    if let Some(model) = model.filter(|_| obs.hint.is_none()) {
        model.refine_folded(
            &text,
            &folded,
            &origins,
            official,
            &mut suggestion,
            &mut reasons,
        );
    }
    if let Some(hint) = &obs.hint {
        reasons.insert(
            0,
            Reason {
                rule: Rule::SourceFields,
                category: None,
                words: Vec::new(),
            },
        );
        // The source's own fields (CAP severity, urgency and certainty; an earthquake's
        // magnitude, alert and tsunami flag; GDACS's alert level) set the priority both ways,
        // whatever the language of its text: a monthly test or a magnitude 1 quake is low
        // even when its words sound urgent.
        suggestion.priority = hint.priority;
        if suggestion.category == Category::Other || official {
            suggestion.category = hint.category;
        }
    }
    // A commune the source names by its code is surer than one read in the text.
    let coded = obs
        .insee
        .iter()
        .find_map(|c| ctx.gazetteer.by_insee(c.trim()));
    let location = match obs.point {
        Some((lat, lon)) if ctx.crisis.bbox.contains(lat, lon) => {
            let named = coded.or_else(|| ctx.gazetteer.locate(&text));
            Some(Location {
                lat,
                lon,
                place: named.map(|p| p.name.clone()),
                insee: named.and_then(|p| p.insee.clone()),
                precision: Precision::Exact,
                method: LocationMethod::Native,
            })
        }
        _ => match coded {
            Some(p) => Some(Location::at_place(p, LocationMethod::Native)),
            None => ctx
                .gazetteer
                .locate(&text)
                .map(|p| Location::at_place(p, LocationMethod::Gazetteer)),
        },
    };
    let id = report_id(&obs.network, &obs.native_id);
    Report {
        cluster_id: id.clone(),
        id,
        version: 1,
        status: Status::New,
        source_id: obs.source_id.clone(),
        network: obs.network.clone(),
        native_id: obs.native_id.clone(),
        source_url: obs.url.clone(),
        author: obs.author.clone(),
        author_name: obs.author_name.clone(),
        official,
        language: obs.language.clone(),
        posted_at: obs.posted_at,
        collected_at: now,
        suggested_category: suggestion.category,
        suggested_priority: suggestion.priority,
        suggestion_reasons: reasons,
        category: None,
        priority: None,
        verification: Verification::Unverified,
        location,
        summary: None,
        fingerprint: Fingerprint::of_folded(&folded).map(|f| f.to_hex()),
        cluster_size: 1,
        spread_count: 0,
        counts: obs.counts,
        claimed_by: None,
        claim_expires_at: None,
        escalated: false,
        escalated_at: None,
        acknowledged_at: None,
        acknowledged_by: None,
        published_at: None,
        updated_at: now,
        media: obs.media,
        text,
    }
}

/// What an escalation says: enough for the authority to act, and a link back to the report.
pub fn escalation_payload(report: &Report) -> serde_json::Value {
    serde_json::json!({
        "event": "escalation",
        "report": {
            "id": report.id,
            "category": report.effective_category(),
            "priority": report.effective_priority(),
            "summary": report.summary,
            "text": report.text,
            "place": report.location.as_ref().and_then(|l| l.place.clone()),
            "lat": report.location.as_ref().map(|l| l.lat),
            "lon": report.location.as_ref().map(|l| l.lon),
            "source_url": report.source_url,
            "escalated_at": report.escalated_at,
            "api_path": format!("/api/v1/reports/{}", report.id),
        }
    })
}

/// One change to a report, for the audit trail: who, when, what before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub report_id: String,
    pub version: u64,
    pub at: DateTime<Utc>,
    /// Token name of the person, or the component (`collector:ID`, `demo`).
    pub actor: String,
    pub action: String,
    /// `{field: {"before": .., "after": ..}}` for each field that changed.
    pub changes: serde_json::Value,
}

/// The fields that differ between two versions of a report, as `{field: {before, after}}`.
pub fn diff(before: &Report, after: &Report) -> serde_json::Value {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return serde_json::Value::Null;
    };
    let mut out = serde_json::Map::new();
    for (k, vb) in &b {
        if matches!(k.as_str(), "version" | "updated_at") {
            continue;
        }
        let va = a.get(k).cloned().unwrap_or(serde_json::Value::Null);
        if &va != vb {
            out.insert(k.clone(), serde_json::json!({"before": va, "after": vb}));
        }
    }
    serde_json::Value::Object(out)
}

/// Whether a feed's item belongs to the crisis: world-wide feeds (earthquakes, disasters,
/// other countries' alerts) would flood the queue otherwise. An item whose geometry (its
/// extent, else its point) lies wholly outside the crisis box grown by the feed's
/// `margin_km` is outside the area; an item without geometry is kept when it names a place
/// of the gazetteer (in its text or by code: `report` has a location) or when the feed
/// `covers_area`, else it names no place. Social posts are never judged here: the hashtag or
/// query is their relevance, and a native point outside the box is not used as their
/// location by [`ingest`].
pub fn area_skip(obs: &Observation, report: &Report, crisis: &Crisis) -> Option<SkipReason> {
    let SourceKind::Feed {
        margin_km,
        covers_area,
        ..
    } = crisis.source(&obs.source_id)?.kind
    else {
        return None;
    };
    let area = crisis.bbox.expanded(margin_km);
    if let Some(extent) = &obs.extent {
        return (!area.intersects(extent)).then_some(SkipReason::OutsideArea);
    }
    if let Some((lat, lon)) = obs.point {
        return (!area.contains(lat, lon)).then_some(SkipReason::OutsideArea);
    }
    (!covers_area && report.location.is_none()).then_some(SkipReason::NoPlace)
}

/// What the domain's unit tests build reports from: a small crisis over Guadeloupe and a
/// private person's post.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    pub(crate) const CRISIS: &str =
        "[crisis]\nid = \"abc\"\nname = \"x\"\nbbox = [-61.85, 15.83, -61.0, 16.52]\n";

    pub(crate) fn crisis(extra: &str) -> Crisis {
        Crisis::parse("t.toml", &format!("{CRISIS}{extra}")).unwrap()
    }

    /// `obs` as the collectors would store it, in [`crisis`] without extra keys.
    pub(crate) fn ingested(obs: &Observation) -> Report {
        let crisis = crisis("");
        let gazetteer = Gazetteer::guadeloupe();
        let ctx = IngestContext {
            crisis: &crisis,
            gazetteer: &gazetteer,
        };
        ingest(obs, &ctx, Utc::now())
    }

    /// A Mastodon post by a private person, with nothing but its text.
    pub(crate) fn observation(text: &str) -> Observation {
        Observation {
            source_id: "m".into(),
            network: "mastodon".into(),
            native_id: "https://m.example/1".into(),
            url: None,
            author: "a@m.example".into(),
            author_name: None,
            official_source: false,
            body: Body::Plain(text.into()),
            language: None,
            posted_at: Utc::now(),
            point: None,
            media: 0,
            hint: None,
            counts: None,
            insee: Vec::new(),
            extent: None,
            amends: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{crisis, ingested, observation};
    use super::*;
    use crate::crisis::BBox;

    #[test]
    fn reports_stored_before_engagement_counts_still_load() {
        let obs = Observation {
            counts: Some(Engagement {
                replies: 1,
                reposts: 2,
                likes: 3,
            }),
            ..observation("Route coupée à Goyave")
        };
        let report = ingested(&obs);
        assert_eq!(report.counts, obs.counts);
        let mut old = serde_json::to_value(&report).unwrap();
        old.as_object_mut().unwrap().remove("counts");
        let loaded: Report = serde_json::from_value(old).unwrap();
        assert_eq!(loaded.counts, None);
        let mut old_obs = serde_json::to_value(&obs).unwrap();
        old_obs.as_object_mut().unwrap().remove("counts");
        old_obs.as_object_mut().unwrap().remove("insee");
        assert!(serde_json::from_value::<Observation>(old_obs).is_ok());
    }

    #[test]
    fn world_feed_items_outside_the_area_are_skipped() {
        let crisis = crisis(
            "[[sources]]\nid = \"quakes\"\nkind = \"feed\"\nurl = \"https://q.example/f\"\n\
             [[sources]]\nid = \"near\"\nkind = \"feed\"\nurl = \"https://q.example/g\"\nmargin_km = 0\n\
             [[sources]]\nid = \"local\"\nkind = \"feed\"\nurl = \"https://q.example/h\"\ncovers_area = true\n\
             [[sources]]\nid = \"m\"\nkind = \"mastodon\"\ninstance = \"https://m.example\"\nhashtags = [\"x\"]\n",
        );
        let judge = |source: &str, point: Option<(f64, f64)>, extent: Option<BBox>, text: &str| {
            let obs = Observation {
                source_id: source.into(),
                network: "feed".into(),
                point,
                extent,
                ..observation(text)
            };
            area_skip(&obs, &ingested(&obs), &crisis)
        };
        let offshore = Some((16.9, -61.6)); // a felt quake some 40 km north of Grande-Terre
        let tokyo = Some((35.68, 139.69));
        assert_eq!(
            judge("quakes", offshore, None, "M 4.8 - Leeward Islands"),
            None
        );
        assert_eq!(
            judge("quakes", tokyo, None, "M 5.1 - near the coast of Honshu"),
            Some(SkipReason::OutsideArea)
        );
        assert_eq!(
            judge("near", offshore, None, "M 4.8"),
            Some(SkipReason::OutsideArea),
            "no margin: the box alone"
        );
        // An alert polygon reaching into the area is kept even though its centre is not.
        let caribbean = BBox {
            west: -75.0,
            south: 10.0,
            east: -61.5,
            north: 18.0,
        };
        let europe = BBox {
            west: -5.0,
            south: 42.0,
            east: 8.0,
            north: 51.0,
        };
        assert_eq!(
            judge("near", Some((14.0, -68.0)), Some(caribbean), "Storm watch"),
            None
        );
        assert_eq!(
            judge("quakes", None, Some(europe), "Orages"),
            Some(SkipReason::OutsideArea)
        );
        // Without geometry: a place of the gazetteer, or a feed about the territory.
        assert_eq!(judge("quakes", None, None, "Coupure d'eau à Goyave"), None);
        assert_eq!(
            judge("quakes", None, None, "Flash flood warning for Texas"),
            Some(SkipReason::NoPlace)
        );
        assert_eq!(judge("local", None, None, "Confinement strict"), None);
        // Social posts are not judged by area.
        assert_eq!(judge("m", tokyo, None, "Pensées pour la Guadeloupe"), None);
    }

    #[test]
    fn a_native_point_outside_the_area_is_not_the_location() {
        let obs = Observation {
            point: Some((48.85, 2.35)),
            ..observation("Mes parents sont bloqués à Goyave, route coupée")
        };
        let at = ingested(&obs).location.expect("geoparsed from the text");
        assert_eq!(at.place.as_deref(), Some("Goyave"));
        assert_eq!(at.method, LocationMethod::Gazetteer);
        let nowhere = Observation {
            point: Some((48.85, 2.35)),
            ..observation("Courage à tous")
        };
        assert_eq!(ingested(&nowhere).location, None);
    }

    #[test]
    fn a_commune_named_by_its_insee_code_is_the_report_place() {
        let obs = Observation {
            source_id: "cap".into(),
            network: "feed".into(),
            native_id: "urn:cap:1".into(),
            author: "https://alertes.example/cap".into(),
            official_source: true,
            insee: vec!["97101".into()],
            extent: None,
            amends: None,
            ..observation("Vigilance rouge vents violents")
        };
        let at = ingested(&obs).location.unwrap();
        assert_eq!(at.insee.as_deref(), Some("97101"));
        assert_eq!(at.place.as_deref(), Some("Les Abymes"));
        assert_eq!(at.method, LocationMethod::Native);
        let unknown = Observation {
            insee: vec!["75056".into()],
            extent: None,
            amends: None,
            ..obs
        };
        assert_eq!(ingested(&unknown).location, None);
    }

    #[test]
    fn a_sources_own_severity_sets_the_priority_both_ways() {
        let text = "URGENT : séisme, évacuez immédiatement, danger de mort";
        let loud = ingested(&observation(text)).suggested_priority;
        assert!(
            loud <= Priority::High,
            "the words alone sound urgent: {loud:?}"
        );
        for hinted in [Priority::Low, Priority::Medium, Priority::Critical] {
            let obs = Observation {
                hint: Some(Suggestion {
                    category: Category::Hazard,
                    priority: hinted,
                }),
                ..observation(text)
            };
            assert_eq!(ingested(&obs).suggested_priority, hinted);
        }
    }

    #[test]
    fn official_accounts_whatever_the_network() {
        let crisis = crisis(
            "official_accounts = [\"@prefet971@mastodon.example\", \"https://bsky.app/profile/meteo.example\", \"https://alertes.example/rss\", \"https://x.com/Prefet971/\", \"@MeteoFrance_AG\", \"https://www.youtube.com/channel/UCprefectureGuadeloupe01\"]\n",
        );
        let gazetteer = Gazetteer::guadeloupe();
        let ctx = IngestContext {
            crisis: &crisis,
            gazetteer: &gazetteer,
        };
        assert!(ctx.is_official_account("mastodon", "Prefet971@mastodon.example"));
        assert!(ctx.is_official_account("bluesky", "meteo.example"));
        assert!(ctx.is_official_account("feed", "https://alertes.example/rss"));
        assert!(!ctx.is_official_account("mastodon", "prefet971@other.example"));
        assert!(!ctx.is_official_account("bluesky", "lyne.bsky.example"));
        // X: the profile's address or the @handle, in any case.
        assert!(ctx.is_official_account("x", "prefet971"));
        assert!(ctx.is_official_account("x", "MeteoFrance_AG"));
        assert!(!ctx.is_official_account("x", "prefet9711"));
        assert!(!ctx.is_official_account("bluesky", "prefet971"));
        // YouTube: the channel's address (its id, which is what videos carry).
        assert!(ctx.is_official_account("youtube", "UCprefectureGuadeloupe01"));
        assert!(!ctx.is_official_account("x", "UCprefectureGuadeloupe01"));
        assert!(!ctx.is_official_account("youtube", "UCsomeoneElse"));
    }
}

//! CAP alerts published as entries of RSS and Atom feeds, served over loopback: entries whose
//! CAP fields are elements of the CAP namespace (the "CAP ATOM" indexes of national weather
//! services), and entries whose content is a whole CAP alert (inline, escaped or in CDATA).
//! The fixtures in `fixtures/cap_*.xml` were written for these tests from the CAP 1.2
//! specification and the public descriptions of such feeds.

use std::time::Duration;
use vigie_domain::crisis::BBox;
use vigie_domain::ports::{Batch, SkipReason, Source};
use vigie_domain::report::{Body, Observation};
use vigie_domain::taxonomy::{Category, Priority};
use vigie_sources::{FeedSource, Http, RetryPolicy};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn http() -> Http {
    Http::new(
        Duration::from_millis(800),
        RetryPolicy {
            attempts: 2,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(40),
        },
    )
    .unwrap()
}

/// A feed served at `/feed` of a fresh server, and the source that reads it.
async fn feed(body: impl AsRef<[u8]>) -> (MockServer, FeedSource) {
    let server = MockServer::start().await;
    Mock::given(path("/feed"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(body.as_ref().to_vec()))
        .mount(&server)
        .await;
    let source = FeedSource::new("alertes", &format!("{}/feed", server.uri()), true, http());
    (server, source)
}

async fn fetch(body: impl AsRef<[u8]>) -> (MockServer, Batch) {
    let (server, source) = feed(body).await;
    let batch = source.fetch(None).await.unwrap();
    (server, batch)
}

fn html(o: &Observation) -> &str {
    match &o.body {
        Body::Html(h) | Body::Plain(h) => h,
    }
}

/// The observation whose native id ends with `suffix`.
fn by_id<'a>(batch: &'a Batch, suffix: &str) -> &'a Observation {
    batch
        .observations
        .iter()
        .find(|o| o.native_id.ends_with(suffix))
        .unwrap_or_else(|| {
            let ids: Vec<_> = batch.observations.iter().map(|o| &o.native_id).collect();
            panic!("no observation {suffix} among {ids:?}")
        })
}

fn hint(o: &Observation) -> (Category, Priority) {
    let h = o.hint.expect("a priority hint");
    (h.category, h.priority)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

fn assert_point(o: &Observation, lat: f64, lon: f64) {
    let (la, lo) = o
        .point
        .unwrap_or_else(|| panic!("{}: no point", o.native_id));
    assert!(
        close(la, lat) && close(lo, lon),
        "{}: {la} {lo}, expected {lat} {lon}",
        o.native_id
    );
}

fn assert_extent(o: &Observation, expected: BBox) {
    let e = o
        .extent
        .unwrap_or_else(|| panic!("{}: no extent", o.native_id));
    assert!(
        close(e.west, expected.west)
            && close(e.east, expected.east)
            && close(e.south, expected.south)
            && close(e.north, expected.north),
        "{}: {e:?}, expected {expected:?}",
        o.native_id
    );
}

#[tokio::test]
async fn cap_atom_entries_get_the_treatment_of_a_cap_alert() {
    let (server, batch) = fetch(fixture_bytes("cap_atom.xml")).await;
    assert_eq!(batch.observations.len(), 3, "four entries, one a test");
    assert_eq!(
        batch.skipped.get(SkipReason::NotActual),
        1,
        "the Test entry"
    );
    assert_eq!(batch.skipped.total(), 1, "nothing else skipped");

    // Severe, Immediate, Observed, with a polygon and geocodes.
    let flood = by_id(&batch, "/cap/GP-2026-0914-CRUE-07");
    assert_eq!(
        flood.native_id, "https://alertes.example.gouv.fr/cap/GP-2026-0914-CRUE-07",
        "the entry's id"
    );
    assert_eq!(hint(flood), (Category::Weather, Priority::High));
    assert_point(flood, 16.04, -61.58);
    assert_extent(
        flood,
        BBox {
            west: -61.62,
            south: 16.00,
            east: -61.52,
            north: 16.10,
        },
    );
    assert_eq!(
        flood.insee,
        ["97107", "97114"],
        "INSEE geocodes, several pairs in one geocode included; EMMA_ID is no commune"
    );
    assert_eq!(
        flood.url.as_deref(),
        Some(format!("{}/alertes/GP-2026-0914-CRUE-07", server.uri()).as_str()),
        "the entry's link, made absolute against the feed"
    );
    let text = html(flood);
    assert!(
        text.contains("Crue torrentielle observée à Capesterre-Belle-Eau")
            && text.contains("quittez les berges et ne franchissez pas les radiers"),
        "the entry's title and summary stay the text: {text}"
    );
    assert!(
        text.contains("Capesterre-Belle-Eau; Goyave"),
        "the areas: {text}"
    );
    assert_eq!(
        flood.posted_at.to_rfc3339(),
        "2026-09-14T09:05:00+00:00",
        "cap:sent"
    );
    assert!(flood.official_source);

    // Minor, Future, Possible: low. An Update names the entry of the alert it updates (made
    // like its own id from the CAP identifier), for the engine to change that report.
    let swell = by_id(&batch, "/cap/GP-2026-0914-HOULE-02");
    let amends = swell.amends.as_ref().expect("an update");
    assert_eq!(amends.kind, vigie_domain::report::AmendKind::Update);
    assert_eq!(
        amends.targets.first().map(String::as_str),
        Some("https://alertes.example.gouv.fr/cap/GP-2026-0913-HOULE-01")
    );
    assert!(
        batch
            .observations
            .iter()
            .filter(|o| o.amends.is_none())
            .count()
            >= 2,
        "alerts are no updates"
    );
    assert_eq!(hint(swell), (Category::Weather, Priority::Low));
    assert_eq!(swell.insee, ["97106"]);
    assert_eq!(swell.point, None, "an empty polygon is no point");
    assert_eq!(swell.extent, None);
    assert_eq!(
        swell.url.as_deref(),
        Some("https://alertes.example.gouv.fr/alertes/GP-2026-0914-HOULE-02")
    );
    assert!(html(swell).contains("Côte-sous-le-Vent"));

    // A circle: its centre, and a box of its radius (5 km) around it.
    let volcano = by_id(&batch, "/cap/GP-2026-0914-SOUFRIERE-01");
    assert_eq!(hint(volcano), (Category::Hazard, Priority::Medium));
    assert_point(volcano, 16.0446, -61.6642);
    let dlat = 5.0 / 111.0;
    let dlon = dlat / 16.0446_f64.to_radians().cos();
    assert_extent(
        volcano,
        BBox {
            west: -61.6642 - dlon,
            south: 16.0446 - dlat,
            east: -61.6642 + dlon,
            north: 16.0446 + dlat,
        },
    );
    assert!(volcano.insee.is_empty());
    assert_eq!(
        volcano.posted_at.to_rfc3339(),
        "2026-09-14T06:30:00+00:00",
        "no cap:sent: the entry's date"
    );
    let text = html(volcano);
    assert!(
        text.contains("Émissions de gaz") && text.contains("Activité volcanique"),
        "the event follows the entry's text when it is not in it: {text}"
    );
    assert!(text.contains("Massif de la Soufrière"), "{text}");

    assert!(
        !batch
            .observations
            .iter()
            .any(|o| html(o).contains("Message d'essai")),
        "the Test entry never reaches the queue"
    );
}

#[tokio::test]
async fn rss_items_whose_description_is_a_whole_cap_alert() {
    let (server, batch) = fetch(fixture_bytes("cap_rss_embedded.xml")).await;
    assert_eq!(batch.observations.len(), 3);
    assert_eq!(
        batch.skipped.get(SkipReason::NotActual),
        1,
        "the escaped Exercise alert"
    );
    assert_eq!(batch.skipped.total(), 1);

    // A CDATA alert: read as a CAP alert, its own texts, time and identifier.
    let cyclone = by_id(&batch, "/feed#PREF971-2026-0914-CYC");
    assert_eq!(hint(cyclone), (Category::Weather, Priority::Critical));
    assert_eq!(cyclone.insee, ["97120", "97101"]);
    assert_point(cyclone, 16.244, -61.526);
    assert_extent(
        cyclone,
        BBox {
            west: -61.55,
            south: 16.22,
            east: -61.49,
            north: 16.28,
        },
    );
    assert_eq!(cyclone.language.as_deref(), Some("fr-FR"));
    assert_eq!(
        cyclone.posted_at.to_rfc3339(),
        "2026-09-14T05:45:00+00:00",
        "the alert's sent, not the item's pubDate"
    );
    assert_eq!(
        cyclone.url.as_deref(),
        Some(format!("{}/alertes/PREF971-2026-0914-CYC", server.uri()).as_str()),
        "an empty <web>: the item's link, made absolute"
    );
    let text = html(cyclone);
    assert!(
        text.contains("Cyclone sur Pointe-à-Pitre : confinement immédiat")
            && text.contains("Restez à l'abri")
            && text.contains("Pointe-à-Pitre et Les Abymes"),
        "{text}"
    );
    assert!(
        !text.contains("<alert") && !text.contains("&lt;alert"),
        "{text}"
    );

    // An escaped alert under the cap: prefix, an Update: read, with CAP's default language.
    let water = by_id(&batch, "/feed#PREF971-2026-0914-EAU");
    assert_eq!(hint(water), (Category::Utilities, Priority::Medium));
    assert_point(water, 16.2675, -61.5853);
    assert!(water.extent.is_some());
    assert_eq!(water.language.as_deref(), Some("en-US"));
    assert!(html(water).contains("Eau coupée à Baie-Mahault jusqu'à 18 h"));
    assert_eq!(water.posted_at.to_rfc3339(), "2026-09-14T08:00:00+00:00");

    // The ordinary item beside them is read as before.
    let shelters = by_id(&batch, "/feed#cp-2026-0914-heb");
    assert_eq!(shelters.hint, None);
    assert_eq!(
        shelters.url.as_deref(),
        Some(format!("{}/communiques/hebergement", server.uri()).as_str())
    );
    assert_eq!(shelters.language.as_deref(), Some("fr"));
}

#[tokio::test]
async fn an_atom_entry_whose_content_is_an_inline_cap_alert() {
    let (_server, batch) = fetch(fixture_bytes("cap_atom_inline.xml")).await;
    assert_eq!(batch.observations.len(), 1);
    let quake = &batch.observations[0];
    assert!(
        quake.native_id.ends_with("/feed#OVSG-2026-0914-SEISME"),
        "{}",
        quake.native_id
    );
    assert_eq!(
        hint(quake),
        (Category::Hazard, Priority::Low),
        "urgency Past is low"
    );
    assert_eq!(quake.insee, ["97124"]);
    assert_point(quake, 16.03, -61.69);
    let dlat = 10.0 / 111.0;
    assert!(quake
        .extent
        .is_some_and(|e| close(e.north - e.south, 2.0 * dlat)));
    assert_eq!(
        quake.url.as_deref(),
        Some("https://volcan.example.fr/alertes/2026-0914"),
        "the entry's link against its xml:base"
    );
    assert!(html(quake).contains("Séisme de magnitude 3,9 ressenti à Saint-Claude"));
    assert_eq!(quake.posted_at.to_rfc3339(), "2026-09-14T09:48:00+00:00");
}

#[tokio::test]
async fn cap_fields_under_another_prefix_in_a_latin1_rss_feed() {
    let body = fixture_bytes("cap_rss_latin1.xml");
    assert!(
        std::str::from_utf8(&body).is_err(),
        "the fixture is ISO-8859-1"
    );
    let (server, batch) = fetch(body).await;
    assert_eq!(batch.observations.len(), 1);
    assert_eq!(batch.skipped.get(SkipReason::NotActual), 1, "the Draft");
    let rain = &batch.observations[0];
    assert!(
        rain.native_id.ends_with("/feed#VIG-971-2026-0914-PLUIE"),
        "{}",
        rain.native_id
    );
    assert_eq!(hint(rain), (Category::Weather, Priority::Medium));
    assert_eq!(rain.insee, ["97105", "97124"], "CODE_INSEE geocodes");
    assert_point(rain, 16.012, -61.70);
    assert_extent(
        rain,
        BBox {
            west: -61.74,
            south: 15.98,
            east: -61.64,
            north: 16.06,
        },
    );
    assert_eq!(
        rain.url.as_deref(),
        Some(format!("{}/vigilance/basse-terre-2026-0914", server.uri()).as_str())
    );
    assert_eq!(rain.language.as_deref(), Some("fr"), "the feed's language");
    let text = html(rain);
    assert!(
        text.contains("Vigilance orange : pluies diluviennes sur la Basse-Terre")
            && text.contains("Cumuls de 150 mm prévus ; glissements de terrain à craindre")
            && text.contains("Évitez les ravines"),
        "{text}"
    );
    assert!(!text.contains('\u{fffd}') && !text.contains("Ã"), "{text}");
}

#[tokio::test]
async fn every_status_but_actual_is_skipped_and_counted_in_feed_entries() {
    let atom = String::from_utf8(fixture_bytes("cap_atom.xml")).unwrap();
    let actual = "<cap:status>Actual</cap:status>";
    assert_eq!(atom.matches(actual).count(), 3);
    for status in ["Exercise", "System", "Draft", "Test"] {
        let body = atom.replace(actual, &format!("<cap:status>{status}</cap:status>"));
        let (_server, batch) = fetch(body).await;
        assert!(batch.observations.is_empty(), "{status}");
        assert_eq!(batch.skipped.get(SkipReason::NotActual), 4, "{status}");
    }
    // Only the namespace counts, not the prefix: the same feed under `alerte:`.
    let renamed = atom
        .replace("xmlns:cap=", "xmlns:alerte=")
        .replace("<cap:", "<alerte:")
        .replace("</cap:", "</alerte:");
    let (_server, batch) = fetch(renamed).await;
    assert_eq!(batch.observations.len(), 3);
    assert_eq!(batch.skipped.get(SkipReason::NotActual), 1);
    assert_eq!(
        hint(by_id(&batch, "/cap/GP-2026-0914-CRUE-07")),
        (Category::Weather, Priority::High)
    );
    // A `cap:` prefix its publisher forgot to declare is taken for CAP's.
    let undeclared = atom.replace(" xmlns:cap=\"urn:oasis:names:tc:emergency:cap:1.1\"", "");
    assert!(!undeclared.contains("xmlns:cap"));
    let (_server, batch) = fetch(undeclared).await;
    assert_eq!(batch.observations.len(), 3);
    assert_eq!(batch.skipped.get(SkipReason::NotActual), 1);
    // Elements of another namespace that happen to be named like CAP's are not CAP.
    let foreign = atom.replace(
        "xmlns:cap=\"urn:oasis:names:tc:emergency:cap:1.1\"",
        "xmlns:cap=\"https://example.org/not-cap\"",
    );
    let (_server, batch) = fetch(foreign).await;
    assert_eq!(batch.observations.len(), 4, "plain entries, none skipped");
    assert!(batch.observations.iter().all(|o| o.hint.is_none()));
}

#[tokio::test]
async fn an_entry_with_cap_fields_and_no_text_of_its_own_speaks_by_its_event_and_area() {
    let body = r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:cap="urn:oasis:names:tc:emergency:cap:1.2">
  <id>urn:example:bare</id><title>Bare</title><updated>2026-09-14T10:00:00Z</updated>
  <entry>
    <id>urn:example:bare:1</id><updated>2026-09-14T10:00:00Z</updated>
    <cap:status>Actual</cap:status><cap:event>Tsunami</cap:event>
    <cap:urgency>Immediate</cap:urgency><cap:severity>Extreme</cap:severity>
    <cap:certainty>Observed</cap:certainty><cap:category>Geo</cap:category>
    <cap:areaDesc>Littoral de Sainte-Anne</cap:areaDesc>
  </entry>
  <entry>
    <id>urn:example:bare:2</id><updated>2026-09-14T10:00:00Z</updated>
    <cap:status>Actual</cap:status>
  </entry>
</feed>"#;
    let (_server, batch) = fetch(body).await;
    assert_eq!(batch.observations.len(), 1);
    assert_eq!(batch.skipped.get(SkipReason::NoText), 1);
    let o = &batch.observations[0];
    assert_eq!(hint(o), (Category::Hazard, Priority::Critical));
    assert!(
        html(o).contains("Tsunami") && html(o).contains("Littoral de Sainte-Anne"),
        "{}",
        html(o)
    );
}

#[tokio::test]
async fn an_rss_item_with_neither_guid_nor_link_keeps_its_cap_fields() {
    // Nothing to find the item by: it is found by its place among the items.
    let body = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:cap="urn:oasis:names:tc:emergency:cap:1.2">
  <channel>
    <title>Sans lien</title><link>https://example.fr/</link><description>x</description>
    <item>
      <title>Rien de grave</title>
      <description>Simple information.</description>
    </item>
    <item>
      <title>Fortes rafales sur Marie-Galante</title>
      <description>Rafales de 100 km/h attendues cet après-midi.</description>
      <cap:status>Actual</cap:status><cap:category>Met</cap:category>
      <cap:urgency>Expected</cap:urgency><cap:severity>Extreme</cap:severity>
      <cap:certainty>Likely</cap:certainty>
      <cap:areaDesc>Marie-Galante</cap:areaDesc>
      <cap:geocode><valueName>INSEE</valueName><value>97112</value></cap:geocode>
    </item>
  </channel>
</rss>"#;
    let (_server, source) = feed(body).await;
    let batch = source.fetch(None).await.unwrap();
    assert_eq!(batch.observations.len(), 2);
    assert_eq!(batch.observations[0].hint, None);
    let gusts = &batch.observations[1];
    assert!(html(gusts).contains("Fortes rafales sur Marie-Galante"));
    assert_eq!(hint(gusts), (Category::Weather, Priority::High));
    assert_eq!(gusts.insee, ["97112"]);
    // Its id comes from its content, the same from one fetch to the next.
    let again = source.fetch(None).await.unwrap();
    assert_eq!(again.observations[1].native_id, gusts.native_id);
}

#[tokio::test]
async fn an_entry_with_only_a_cap_identifier_is_an_ordinary_entry() {
    let body = r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:cap="urn:oasis:names:tc:emergency:cap:1.2">
  <id>urn:example:ids</id><title>Ids</title><updated>2026-09-14T10:00:00Z</updated>
  <entry>
    <id>urn:example:ids:1</id><updated>2026-09-14T10:00:00Z</updated>
    <title>Point presse à 11 h</title>
    <cap:identifier>PRESS-1</cap:identifier><cap:sent>2026-09-14T06:00:00-04:00</cap:sent>
  </entry>
</feed>"#;
    let (_server, batch) = fetch(body).await;
    assert_eq!(batch.observations.len(), 1);
    let o = &batch.observations[0];
    assert_eq!(o.hint, None, "no CAP treatment, no made-up priority");
    assert_eq!(o.native_id, "urn:example:ids:1");
    assert_eq!(o.posted_at.to_rfc3339(), "2026-09-14T10:00:00+00:00");
}

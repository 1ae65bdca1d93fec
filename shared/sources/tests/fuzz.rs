//! Every collector fed broken versions of the documented formats, over HTTP on loopback as a
//! server would send them: feeds (RSS 0.9x to 2.0, RDF, Atom, CAP, GeoRSS, GeoJSON, in several
//! encodings), Mastodon timelines and Bluesky searches, each fixture cut, with bytes changed,
//! removed, repeated, or hostile fragments inserted. A collector may refuse a page, never
//! panic, and a refusal says what is wrong. Bounded by the case counts below (a few seconds).

use proptest::prelude::*;
use std::time::Duration;
use vigie_conformance::{mutate, mutations, Mutation};
use vigie_domain::ports::{Source, SourceError};
use vigie_sources::{BlueskySource, FeedSource, Http, MastodonSource, RetryPolicy};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const FEEDS: &[&str] = &[
    "atom.xml",
    "atom_base.xml",
    "cap.xml",
    "cap11_latin1.xml",
    "cap_atom.xml",
    "cap_atom_inline.xml",
    "cap_rss_embedded.xml",
    "cap_rss_latin1.xml",
    "emsc_fdsn.geojson",
    "gdacs_georss.xml",
    "rss.xml",
    "rss091.xml",
    "rss10_rdf.xml",
    "rss_latin1.xml",
    "rss_undeclared_latin1.xml",
    "rss_utf16.xml",
    "rss_windows1252.xml",
    "usgs.geojson",
];
const CONTENT_TYPES: &[&str] = &[
    "application/xml",
    "application/rss+xml; charset=utf-8",
    "application/atom+xml",
    "text/xml; charset=iso-8859-1",
    "application/geo+json",
    "application/json",
    "text/html",
    "application/octet-stream",
];

fn fixture(name: &str) -> Vec<u8> {
    let bytes = std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    // One status alone: a timeline is a list of them.
    if name == "mastodon_status.json" {
        return [b"[".as_slice(), &bytes, b"]"].concat();
    }
    bytes
}

fn http() -> Http {
    Http::new(
        Duration::from_millis(800),
        RetryPolicy {
            attempts: 1,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
        },
    )
    .unwrap()
}

/// One loopback server and runtime for every case of a test.
struct Bench {
    runtime: tokio::runtime::Runtime,
    server: MockServer,
    /// One case at a time: each case replaces the server's answers.
    turn: std::sync::Mutex<()>,
}

impl Bench {
    fn new() -> Bench {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let server = runtime.block_on(MockServer::start());
        Bench {
            runtime,
            server,
            turn: std::sync::Mutex::new(()),
        }
    }

    /// Serves `body` at every path (and the Bluesky session at its own), then runs `fetch`.
    fn serve<S: Source>(
        &self,
        body: Vec<u8>,
        content_type: &str,
        source: &S,
    ) -> Result<usize, SourceError> {
        let _turn = self.turn.lock().unwrap_or_else(|e| e.into_inner());
        self.runtime.block_on(async {
            self.server.reset().await;
            Mock::given(path("/xrpc/com.atproto.server.createSession"))
                .respond_with(
                    ResponseTemplate::new(200)
                        .set_body_raw(fixture("bluesky_session.json"), "application/json"),
                )
                .with_priority(1)
                .mount(&self.server)
                .await;
            Mock::given(wiremock::matchers::any())
                .respond_with(ResponseTemplate::new(200).set_body_raw(body, content_type))
                .with_priority(2)
                .mount(&self.server)
                .await;
            source.fetch(None).await.map(|b| b.observations.len())
        })
    }
}

fn check(result: Result<usize, SourceError>) -> Result<(), TestCaseError> {
    if let Err(e) = result {
        let said = e.to_string();
        prop_assert!(
            said.trim().len() > 3,
            "a refusal says what is wrong: {said:?}"
        );
    }
    Ok(())
}

fn bench() -> &'static Bench {
    static B: std::sync::OnceLock<Bench> = std::sync::OnceLock::new();
    B.get_or_init(Bench::new)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn broken_feeds_never_panic(pick in 0..FEEDS.len(), ty in 0..CONTENT_TYPES.len(), m in mutations()) {
        let b = bench();
        let body = mutate(&fixture(FEEDS[pick]), &m);
        let source = FeedSource::new("feed", &format!("{}/feed", b.server.uri()), pick % 2 == 0, http());
        check(b.serve(body, CONTENT_TYPES[ty], &source))?;
    }

    #[test]
    fn broken_mastodon_timelines_never_panic(rich in any::<bool>(), m in mutations()) {
        let b = bench();
        let name = if rich { "mastodon_rich.json" } else { "mastodon_status.json" };
        let source = MastodonSource::new("masto", &b.server.uri(), &["Kalina".to_string()], None, http());
        check(b.serve(mutate(&fixture(name), &m), "application/json", &source))?;
    }

    #[test]
    fn broken_bluesky_searches_never_panic(rich in any::<bool>(), m in mutations()) {
        let b = bench();
        let name = if rich { "bluesky_rich.json" } else { "bluesky_search.json" };
        let source = BlueskySource::new("bsky", &b.server.uri(), "Guadeloupe", "watch.bsky.example".into(), "app-pass".into(), http());
        check(b.serve(mutate(&fixture(name), &m), "application/json", &source))?;
    }
}

/// The mutations themselves do what they say (so the cases above are what they claim).
#[test]
fn mutations_change_the_input_as_named() {
    let input = b"<a>bc</a>";
    assert_eq!(mutate(input, &[Mutation::Truncate(0.5)]), b"<a>b");
    assert_eq!(mutate(input, &[Mutation::Remove(0.0, 3)]), b"bc</a>");
    assert_eq!(mutate(input, &[Mutation::Repeat(0.0, 3)]), b"<a><a>bc</a>");
    assert_eq!(mutate(input, &[Mutation::Insert(0.0, 0)]), b"<<a>bc</a>");
    assert_eq!(mutate(input, &[Mutation::Flip(0.0, b'x')]), b"xa>bc</a>");
}

/// Unbroken, every fixture gives reports through the same bench: the cases above reach the
/// parsers, not an error page.
#[test]
fn the_unbroken_fixtures_give_reports_through_the_bench() {
    let b = bench();
    for (n, name) in FEEDS.iter().enumerate() {
        let source = FeedSource::new(
            "feed",
            &format!("{}/feed", b.server.uri()),
            n % 2 == 0,
            http(),
        );
        let ty = if name.ends_with(".geojson") {
            "application/geo+json"
        } else {
            "application/xml"
        };
        let got = b.serve(fixture(name), ty, &source);
        assert!(matches!(got, Ok(n) if n > 0), "{name}: {got:?}");
    }
    for name in ["mastodon_rich.json", "mastodon_status.json"] {
        let source = MastodonSource::new(
            "masto",
            &b.server.uri(),
            &["Kalina".to_string()],
            None,
            http(),
        );
        let got = b.serve(fixture(name), "application/json", &source);
        assert!(matches!(got, Ok(n) if n > 0), "{name}: {got:?}");
    }
    for name in ["bluesky_rich.json", "bluesky_search.json"] {
        let source = BlueskySource::new(
            "bsky",
            &b.server.uri(),
            "Guadeloupe",
            "watch.bsky.example".into(),
            "app-pass".into(),
            http(),
        );
        let got = b.serve(fixture(name), "application/json", &source);
        assert!(matches!(got, Ok(n) if n > 0), "{name}: {got:?}");
    }
}

/// Found by the cases above: a second XML declaration naming another encoding, late in a feed,
/// made the feed parser panic. It is a refusal of the page that says why.
#[test]
fn a_late_xml_declaration_is_refused_not_a_panic() {
    let b = bench();
    let mut body = fixture("cap_atom_inline.xml");
    let at = body.len() * 95 / 100;
    body.splice(
        at..at,
        br#"<?xml version="1.0" encoding="ISO-8859-1"?>"#.iter().copied(),
    );
    let source = FeedSource::new("feed", &format!("{}/feed", b.server.uri()), false, http());
    let got = b.serve(body, "application/xml", &source);
    assert!(
        matches!(&got, Err(e) if e.to_string().contains("XML declaration")),
        "{got:?}"
    );
}

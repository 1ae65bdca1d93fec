//! Generated requests against the triage API: random methods, routes, query strings, headers
//! and JSON bodies, sent with every role's token. The API may refuse them, but never with a
//! server error, and every refusal keeps the error shape of the contract, even for a path or
//! query that does not decode to UTF-8.

use axum::http::Method;
use proptest::prelude::*;
use serde_json::Value;
use vigie_app::demo;
use vigie_app::{api, Vigie};
use vigie_conformance::harness::{request, token, TestApp};
use vigie_domain::taxonomy::Role;
use vigie_domain::Crisis;

struct Fixture {
    _test: TestApp,
    app: Vigie,
    tokens: Vec<String>,
    ids: Vec<String>,
    /// The table as `GET /api/v1/export.csv` gives it.
    csv: String,
    runtime: tokio::runtime::Runtime,
}

fn fixture() -> &'static Fixture {
    static F: std::sync::OnceLock<Fixture> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (test, tokens, ids, csv) = runtime.block_on(async {
            let test = TestApp::builder().collect().seed_triage().build().await;
            let app = &test.app;
            let mut tokens = Vec::new();
            for role in [Role::Volunteer, Role::Coordinator, Role::Authority] {
                tokens.push(token(app, role, "gen").await);
            }
            let page = app
                .store
                .list_reports(&vigie_domain::ports::ReportQuery {
                    limit: 20,
                    ..Default::default()
                })
                .await
                .unwrap();
            let ids = page.items.iter().map(|r| r.id.clone()).collect();
            let csv = vigie_domain::table::write(&page.items, &[]);
            (test, tokens, ids, csv)
        });
        Fixture {
            app: test.app.clone(),
            _test: test,
            tokens,
            ids,
            csv,
            runtime,
        }
    })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,40}".prop_map(Value::String),
        prop_oneof![
            Just("rescue"),
            Just("critical"),
            Just("rumor"),
            Just("published"),
            Just("dismissed"),
            Just("PAP"),
            Just("97120"),
            Just("area:Les Saintes")
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("category".to_string()),
                    Just("priority".to_string()),
                    Just("verification".to_string()),
                    Just("status".to_string()),
                    Just("summary".to_string()),
                    Just("location".to_string()),
                    Just("lat".to_string()),
                    Just("lon".to_string()),
                    Just("place".to_string()),
                    Just("network".to_string()),
                    Just("url".to_string()),
                    Just("text".to_string()),
                    Just("observed_at".to_string()),
                    Just("point".to_string()),
                    Just("name".to_string()),
                    Just("role".to_string()),
                    "[a-z_]{1,8}",
                ],
                inner,
                0..6,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn query() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop_oneof![
                Just("status"),
                Just("category"),
                Just("priority"),
                Just("verification"),
                Just("network"),
                Just("escalated"),
                Just("place"),
                Just("q"),
                Just("cursor"),
                Just("limit"),
                Just("cluster"),
                Just("zzz"),
            ],
            "[ -~]{0,12}",
        ),
        0..4,
    )
    .prop_map(|pairs| {
        pairs
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    v.bytes().map(|b| format!("%{b:02X}")).collect::<String>()
                )
            })
            .collect::<Vec<_>>()
            .join("&")
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_generated_request_gets_a_server_error(
        route in 0usize..40,
        method in prop_oneof![Just("GET"), Just("POST"), Just("PATCH"), Just("DELETE"), Just("PUT")],
        id_pick in 0usize..25,
        who in 0usize..4,
        query in query(),
        body in proptest::option::of(json_value()),
        if_match in proptest::option::of(prop_oneof![Just("1".to_string()), Just("\"2\"".to_string()), "[ -~]{0,6}"]),
        // Any bytes, percent-encoded, in place of the id: invalid UTF-8 once decoded among them.
        raw_id in proptest::option::of(prop::collection::vec(any::<u8>(), 1..6)),
    ) {
        let f = fixture();
        let routes = api::routes();
        let path = routes[route % routes.len()].path;
        let id = match &raw_id {
            Some(bytes) => bytes.iter().map(|b| format!("%{b:02X}")).collect(),
            None => f.ids.get(id_pick).cloned().unwrap_or_else(|| "r-missing".into()),
        };
        let uri = format!("{}{}{}", path.replace("{id}", &id), if query.is_empty() { "" } else { "?" }, query);
        let mut req = request(&f.app, Method::from_bytes(method.as_bytes()).unwrap(), &uri);
        if who < 3 {
            req = req.bearer(&f.tokens[who]);
        }
        if let Some(m) = &if_match {
            req = req.header("If-Match", m.as_str());
        }
        if let Some(b) = &body {
            req = req.json(b);
        }
        let answer = f.runtime.block_on(req.send());
        let (status, bytes) = (answer.status, answer.bytes);
        prop_assert!(status.as_u16() < 500, "{method} {uri} -> {status}: {}", String::from_utf8_lossy(&bytes));
        if status.as_u16() >= 400 {
            let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            prop_assert!(v["error"]["code"].is_string() && v["error"]["message"].is_string(), "{method} {uri} -> {status}: error shape");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    /// A crisis file broken anywhere is refused with one line naming the file (and the line,
    /// column or key where it can), never a panic.
    #[test]
    fn broken_crisis_files_are_refused_naming_the_file(m in vigie_conformance::mutations()) {
        let text = String::from_utf8_lossy(&vigie_conformance::mutate(demo::CRISIS_TOML.as_bytes(), &m)).into_owned();
        if let Err(e) = Crisis::parse("crisis.toml", &text) {
            let said = e.to_string();
            prop_assert!(said.starts_with("crisis.toml"), "{said}");
            prop_assert!(!said.contains('\n'), "one line: {said}");
            prop_assert!(!e.reason.trim().is_empty(), "{said}");
        }
    }

    /// A CSV broken anywhere is refused naming the line and the column, or read into reports
    /// that import into an empty store; never a panic.
    #[test]
    fn broken_csv_files_are_refused_naming_line_and_column_or_imported(m in vigie_conformance::mutations()) {
        let f = fixture();
        let text = String::from_utf8_lossy(&vigie_conformance::mutate(f.csv.as_bytes(), &m)).into_owned();
        match vigie_domain::table::read(&text, chrono::Utc::now()) {
            Err(e) => {
                prop_assert!(e.line >= 1, "{e:?}");
                prop_assert!(!e.reason.trim().is_empty(), "{e:?}");
            }
            Ok(reports) => {
                let dir = tempfile::tempdir().unwrap();
                let store = vigie_local::SqliteStore::open(&dir.path().join("v.db")).unwrap();
                let stored = f.runtime.block_on(vigie_app::import::import(&store, &reports, "broken.csv", chrono::Utc::now()));
                prop_assert!(stored.is_ok(), "{stored:?}");
            }
        }
    }
}

//! The DynamoDB store against DynamoDB Local, the official emulator (installed by the README's
//! test command), through the same conformance suite as the SQLite store. Fails, never skips,
//! when the emulator cannot start.

use std::sync::Arc;
use vigie_aws::DynamoStore;
use vigie_conformance::TestStore as _;
use vigie_domain::ports::ReportStore;

/// DynamoDB Local on a free loopback port, from the end-to-end harness (stopped when dropped).
async fn start() -> (vigie_e2e::DynamoDbLocal, String) {
    let emulator = tokio::task::spawn_blocking(vigie_e2e::start_dynamodb_local)
        .await
        .expect("DynamoDB Local starts");
    let url = emulator.url.clone();
    (emulator, url)
}

/// DynamoDB Local for the conformance rules: started once for this test process, on first
/// use, shared by every rule (each on a table of its own). A static is never dropped: the
/// emulator stops with this process all the same (the harness's watcher, see
/// [`vigie_e2e::start_dynamodb_local`]).
async fn shared_emulator() -> String {
    static EMULATOR: std::sync::OnceLock<vigie_e2e::DynamoDbLocal> = std::sync::OnceLock::new();
    tokio::task::spawn_blocking(|| {
        EMULATOR
            .get_or_init(vigie_e2e::start_dynamodb_local)
            .url
            .clone()
    })
    .await
    .expect("DynamoDB Local starts")
}

/// A fresh store for one rule: a new table named after it, on the shared emulator.
async fn dynamodb(rule: &str) -> Arc<dyn ReportStore> {
    let store = store_on(&shared_emulator().await, rule).await;
    store.create_table().await.unwrap();
    Arc::new(store)
}

/// [`dynamodb`] with a short change overlap, for the feed of changes.
async fn dynamodb_for_the_feed(rule: &str) -> Arc<dyn ReportStore> {
    let store = store_on(&shared_emulator().await, rule)
        .await
        .with_change_overlap(std::time::Duration::from_millis(500));
    store.create_table().await.unwrap();
    Arc::new(store)
}

// Every rule of the store suites, one test each.
vigie_conformance::store_rules!(dynamodb, dynamodb_for_the_feed);

/// "Nothing changed" is one Query of the `changes` index, and never a Scan; a feed whose
/// changes lie hours apart is walked hour by hour, in order, an empty hour costing one call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_change_feed_costs_one_query_when_quiet_and_walks_the_hours() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use vigie_domain::ports::store::*;
    use vigie_domain::ports::ChangePosition;
    let (_emulator, url) = start().await;
    let store = store_on(&url, "vigie-feed")
        .await
        .with_change_overlap(std::time::Duration::from_millis(200));
    store.create_table().await.unwrap();
    let reports: Vec<_> = (0..3)
        .map(|i| {
            vigie_conformance::sample(
                &format!("h{i}"),
                &format!("Route inondée numéro {i} à Lamentin"),
                i,
            )
        })
        .collect();
    store.insert_reports(&reports).await.unwrap();
    // Move the first two changes to three hours and one hour ago, as if written then.
    let config = vigie_e2e::emulator_config(&url, "eu-west-3").await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let now = chrono::Utc::now().timestamp_micros();
    let hour = 3_600_000_000i64;
    for (r, ago) in reports.iter().zip([3 * hour, hour]) {
        let at = now - ago;
        let bucket =
            chrono::DateTime::<chrono::Utc>::from_timestamp_micros(at - at.rem_euclid(hour))
                .unwrap()
                .format("X#%Y-%m-%dT%H")
                .to_string();
        client
            .update_item()
            .table_name("vigie-feed")
            .key("PK", AttributeValue::S(format!("R#{}", r.id)))
            .key("SK", AttributeValue::S("R".into()))
            .update_expression("SET XPK = :p, XSK = :s")
            .expression_attribute_values(":p", AttributeValue::S(bucket))
            .expression_attribute_values(
                ":s",
                AttributeValue::S(ChangePosition::after(at, &r.id).key()),
            )
            .send()
            .await
            .unwrap();
    }
    // From five hours ago: hour after hour, each change once, oldest first.
    let mut cursor = ChangePosition::at(now - 5 * hour).cursor();
    let mut seen = Vec::new();
    let mut calls = 0;
    loop {
        let page = store.list_changes(Some(&cursor), 500).await.unwrap();
        calls += 1;
        seen.extend(page.items.into_iter().map(|r| r.id));
        cursor = page.cursor;
        if !page.more {
            break;
        }
        assert!(calls < 20, "the walk ends");
    }
    let ids: Vec<String> = reports.iter().map(|r| r.id.clone()).collect();
    assert_eq!(seen, ids, "each change once, oldest first");
    // Quiet now: once the overlap has passed, one Query a poll, the same cursor, no Scan.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let settled = store.list_changes(Some(&cursor), 500).await.unwrap();
    let cursor = settled.cursor;
    let before = store.usage();
    let quiet = store.list_changes(Some(&cursor), 500).await.unwrap();
    let after = store.usage();
    assert!(quiet.items.is_empty());
    assert_eq!(quiet.cursor, cursor);
    let queries = |u: &vigie_aws::Usage| u.requests.get("Query").copied().unwrap_or(0);
    assert_eq!(
        queries(&after) - queries(&before),
        1,
        "one Query when nothing changed"
    );
    assert_eq!(
        after.requests.len(),
        before.requests.len(),
        "no other request"
    );
    assert!(!after.requests.contains_key("Scan"));
}

async fn store_on(url: &str, table: &str) -> DynamoStore {
    let config = vigie_e2e::emulator_config(url, "eu-west-3").await;
    DynamoStore::new(&config, table)
}

/// Near copies are found through the fingerprint journal, also by another instance (another
/// collector function) and for reports stored after that instance first read it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_are_found_by_another_instance_through_the_journal() {
    use vigie_domain::ports::store::*;
    let (_emulator, url) = start().await;
    let a = store_on(&url, "vigie-journal").await;
    a.create_table().await.unwrap();
    let b = store_on(&url, "vigie-journal").await;

    let first = vigie_conformance::sample(
        "j1",
        "Pont de la rivière Moustique emporté, Petit-Bourg coupé du reste de l'île",
        0,
    );
    a.insert_reports(std::slice::from_ref(&first))
        .await
        .unwrap();
    let copy = vigie_conformance::sample(
        "j2",
        "RT pont de la rivière Moustique emporté Petit-Bourg coupé du reste de l'île !",
        1,
    );
    let bands = copy.fingerprint().unwrap().bands();
    let found = b.cluster_candidates(&bands).await.unwrap();
    assert!(found.iter().any(|c| c.report_id == first.id));

    // Stored by A after B read the journal: B sees it on its next call.
    let second = vigie_conformance::sample(
        "j3",
        "Glissement de terrain sur la route de la Traversée, Vernou bloqué",
        2,
    );
    a.insert_reports(std::slice::from_ref(&second))
        .await
        .unwrap();
    let again = vigie_conformance::sample(
        "j4",
        "glissement de terrain route de la Traversée Vernou bloqué, prudence",
        3,
    );
    let found = b
        .cluster_candidates(&again.fingerprint().unwrap().bands())
        .await
        .unwrap();
    assert!(found.iter().any(|c| c.report_id == second.id));
    // Unrelated bands find nothing.
    let other = vigie_conformance::sample("j5", "Distribution d'eau au stade de Baie-Mahault", 4);
    let found = b
        .cluster_candidates(&other.fingerprint().unwrap().bands())
        .await
        .unwrap();
    assert!(found
        .iter()
        .all(|c| c.report_id != first.id && c.report_id != second.id));
}

/// A post entered by hand is found among collected posts by its address through the same
/// journal, by another instance (the triage API's function) than the one that stored it, and
/// also for a post whose text is too short for a fingerprint.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn addresses_are_found_by_another_instance_through_the_journal() {
    use vigie_domain::identity::canonical_url;
    use vigie_domain::ports::store::*;
    let (_emulator, url) = start().await;
    let collector = store_on(&url, "vigie-urls").await;
    collector.create_table().await.unwrap();
    let api = store_on(&url, "vigie-urls").await;
    let short = vigie_conformance::sample("u1", "Pont coupé", 0);
    assert!(short.fingerprint.is_none(), "too short for a fingerprint");
    let long = vigie_conformance::sample(
        "u2",
        "Eau au niveau des fenêtres rue Schoelcher à Pointe-à-Pitre, des gens sur les toits",
        1,
    );
    collector
        .insert_reports(&[short.clone(), long.clone()])
        .await
        .unwrap();
    for r in [&short, &long] {
        let address = canonical_url(r.source_url.as_deref().unwrap());
        let found = api.report_by_url(&address).await.unwrap();
        assert_eq!(found.map(|f| f.id), Some(r.id.clone()), "{address}");
    }
    assert!(api
        .report_by_url("https://m.example/@a/u3")
        .await
        .unwrap()
        .is_none());
}

/// A text too long for one DynamoDB item is cut with a marker, never a failed write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_text_is_cut_not_refused() {
    use vigie_domain::ports::store::*;
    let (_emulator, url) = start().await;
    let store = store_on(&url, "vigie-huge").await;
    store.create_table().await.unwrap();
    // Random-looking words: deflate cannot shrink them under the item limit.
    let words: Vec<String> = (0..120_000u64)
        .map(|i| format!("{:x}", i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 36))
        .collect();
    let long = vigie_conformance::sample("huge", &words.join(" "), 0);
    assert!(long.text.len() > 400_000);
    assert_eq!(
        store
            .insert_reports(std::slice::from_ref(&long))
            .await
            .unwrap(),
        vec![true]
    );
    let got = store.get_report(&long.id).await.unwrap().unwrap();
    assert!(got.text.len() < long.text.len());
    assert!(got.text.ends_with("[…texte coupé]"));
    assert!(long
        .text
        .starts_with(got.text.trim_end_matches(" […texte coupé]")));
}

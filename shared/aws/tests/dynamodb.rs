//! The DynamoDB store against DynamoDB Local, the official emulator (installed by the README's
//! test command), through the same conformance suite as the SQLite store. Fails, never skips,
//! when the emulator cannot start.

use std::sync::Arc;
use vigie_aws::DynamoStore;

/// DynamoDB Local on a free loopback port, from the end-to-end harness (stopped when dropped).
async fn start() -> (vigie_e2e::DynamoDbLocal, String) {
    let emulator = tokio::task::spawn_blocking(vigie_e2e::start_dynamodb_local)
        .await
        .expect("DynamoDB Local starts");
    let url = emulator.url.clone();
    (emulator, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dynamodb_store_conforms() {
    let (_emulator, url) = start().await;
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(&url)
        .region(aws_config::Region::new("eu-west-3"))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .load()
        .await;
    let store = DynamoStore::new(&config, "vigie-conformance");
    store.create_table().await.unwrap();
    vigie_conformance::report_store(Arc::new(store)).await;
}

async fn store_on(url: &str, table: &str) -> DynamoStore {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(url)
        .region(aws_config::Region::new("eu-west-3"))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .load()
        .await;
    DynamoStore::new(&config, table)
}

/// Near copies are found through the fingerprint journal, also by another instance (another
/// collector function) and for reports stored after that instance first read it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_are_found_by_another_instance_through_the_journal() {
    use vigie_domain::ports::ReportStore;
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
    use vigie_domain::ports::ReportStore;
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
    use vigie_domain::ports::ReportStore;
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

//! The DynamoDB store when DynamoDB misbehaves, on a client whose answers are scripted by
//! aws-smithy-mocks: throttling is retried by the SDK and reported with its code when it lasts,
//! a failed condition means "already there" (not an error), items and keys left unprocessed
//! by a batch request (BatchWriteItem, BatchGetItem) are sent again (and an error says so when
//! they never go through).

use aws_sdk_dynamodb::config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemOutput;
use aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemOutput;
use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::operation::put_item::PutItemOutput;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, WriteRequest};
use aws_sdk_dynamodb::Client;
use aws_smithy_mocks::{create_mock_http_client, mock, Rule};
use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use vigie_aws::DynamoStore;
use vigie_conformance::TestStore as _;
use vigie_domain::identity::{canonical_url, url_key};
use vigie_domain::ports::store::*;
use vigie_domain::ports::StoreError;
use vigie_domain::report::Report;

mod common;

use common::{credentials, interceptor, retries, ATTEMPTS, REGION};

type Item = HashMap<String, AttributeValue>;

const TABLE: &str = "vigie";

/// Attempts of a batch request whose items stay unprocessed (the store's `BATCH_ATTEMPTS`).
const BATCH_ATTEMPTS: usize = 8;

fn client(rules: &[&Rule]) -> Client {
    Client::from_conf(
        aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .credentials_provider(credentials())
            .http_client(create_mock_http_client())
            .interceptor(interceptor(rules))
            .retry_config(retries())
            .build(),
    )
}

/// A store on the mocked client that waits a millisecond before sending unprocessed items again.
fn mocked_store(rules: &[&Rule]) -> DynamoStore {
    DynamoStore::with_client(client(rules), TABLE).with_backoff(Duration::from_millis(1))
}

/// A DynamoDB (JSON 1.0) error body as DynamoDB sends it, with HTTP 400.
fn dynamo_error(code: &str, message: &str) -> Option<String> {
    Some(
        serde_json::json!({
            "__type": format!("com.amazonaws.dynamodb.v20120810#{code}"),
            "message": message,
        })
        .to_string(),
    )
}

/// What a mock was sent: one entry per request.
#[derive(Clone, Default)]
struct Seen<T>(Arc<Mutex<Vec<T>>>);

impl<T: Clone> Seen<T> {
    /// Records a request; how many were seen, this one included.
    fn push(&self, t: T) -> usize {
        let mut all = self.0.lock().unwrap();
        all.push(t);
        all.len()
    }

    fn all(&self) -> Vec<T> {
        self.0.lock().unwrap().clone()
    }
}

/// A report that starts its own cluster, with a fingerprint (so storing it writes a journal
/// item).
fn report(native: &str, minutes: i64) -> Report {
    let r = vigie_conformance::sample(
        native,
        "Toits arrachés aux Abymes, la route de Chazeau est coupée par des arbres tombés",
        minutes,
    );
    assert!(r.fingerprint.is_some(), "the sample needs a fingerprint");
    assert_eq!(r.cluster_id, r.id);
    r
}

/// A report joining the cluster of `first`.
fn joiner(first: &Report) -> Report {
    let mut r = vigie_conformance::sample(
        "2",
        "Toits arrachés aux Abymes : la route de Chazeau coupée par des arbres tombés",
        7,
    );
    assert_ne!(r.id, first.id);
    r.cluster_id = first.id.clone();
    r
}

fn put_ok() -> Rule {
    mock!(Client::put_item).then_output(|| PutItemOutput::builder().build())
}

fn batch_write_ok() -> Rule {
    mock!(Client::batch_write_item).then_output(|| BatchWriteItemOutput::builder().build())
}

fn unavailable(result: Result<Vec<bool>, StoreError>) -> String {
    match result {
        Err(StoreError::Unavailable(message)) => message,
        other => panic!("expected the store to be unavailable, got {other:?}"),
    }
}

fn s(item: &Item, key: &str) -> String {
    item.get(key)
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_else(|| panic!("no string {key} in {item:?}"))
}

/// The lines of a journal item (its deflated `d`).
fn journal_text(item: &Item) -> String {
    let d = item
        .get("d")
        .and_then(|v| v.as_b().ok())
        .expect("journal data");
    let mut text = String::new();
    flate2::read::DeflateDecoder::new(d.as_ref())
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[tokio::test]
async fn a_put_throttled_once_is_retried_and_a_throttling_that_lasts_is_an_error() {
    for code in [
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
    ] {
        let r = report("1", 0);
        let key = format!("R#{}", r.id);
        let put = mock!(Client::put_item)
            .match_requests(move |req| {
                req.table_name() == Some(TABLE)
                    && req
                        .item()
                        .and_then(|i| i.get("PK"))
                        .and_then(|v| v.as_s().ok())
                        == Some(&key)
                    && req.condition_expression() == Some("attribute_not_exists(PK)")
            })
            .sequence()
            .http_status(
                400,
                dynamo_error(code, "Rate of requests exceeds the allowed throughput."),
            )
            .output(|| PutItemOutput::builder().build())
            .build();
        let batch = batch_write_ok();
        let store = mocked_store(&[&put, &batch]);
        assert_eq!(
            store.insert_reports(&[r]).await.unwrap(),
            vec![true],
            "{code}"
        );
        assert_eq!(put.num_calls(), 2, "{code}: throttled, then stored");
        assert_eq!(
            batch.num_calls(),
            1,
            "{code}: the journal follows the report"
        );

        // Throttled every time: retried by the SDK, then reported with the error's code.
        let put = mock!(Client::put_item)
            .sequence()
            .http_status(
                400,
                dynamo_error(code, "Rate of requests exceeds the allowed throughput."),
            )
            .repeatedly()
            .build();
        let batch = batch_write_ok();
        let store = mocked_store(&[&put, &batch]);
        let message = unavailable(store.insert_reports(&[report("1", 0)]).await);
        assert!(
            message.contains(code) && message.contains("Rate of requests exceeds"),
            "{message}"
        );
        assert_eq!(put.num_calls(), ATTEMPTS as usize, "{code}");
        assert_eq!(
            batch.num_calls(),
            0,
            "{code}: nothing stored, nothing journaled"
        );
    }
}

#[tokio::test]
async fn a_report_already_stored_is_not_an_error() {
    let put = mock!(Client::put_item)
        .sequence()
        .http_status(
            400,
            dynamo_error(
                "ConditionalCheckFailedException",
                "The conditional request failed",
            ),
        )
        .repeatedly()
        .build();
    let batch = batch_write_ok();
    let store = mocked_store(&[&put, &batch]);
    assert_eq!(
        store.insert_reports(&[report("1", 0)]).await.unwrap(),
        vec![false]
    );
    assert_eq!(
        put.num_calls(),
        1,
        "a failed condition is an answer, not retried"
    );
    assert_eq!(
        batch.num_calls(),
        1,
        "journaled again: the run that stored it may have failed before its journal write"
    );
}

/// A BatchWriteItem that leaves everything it is sent unprocessed `times` times, then takes
/// everything; and what it was sent.
fn batch_write_unprocessed(times: usize) -> (Rule, Seen<Vec<WriteRequest>>) {
    let seen = Seen::default();
    let rule = {
        let seen = seen.clone();
        mock!(Client::batch_write_item).then_compute_output(move |req| {
            let sent = req
                .request_items()
                .and_then(|r| r.get(TABLE))
                .cloned()
                .unwrap_or_default();
            let out = BatchWriteItemOutput::builder();
            if seen.push(sent.clone()) <= times {
                out.unprocessed_items(TABLE, sent).build()
            } else {
                out.set_unprocessed_items(Some(HashMap::new())).build()
            }
        })
    };
    (rule, seen)
}

#[tokio::test]
async fn journal_items_left_unprocessed_are_sent_again() {
    let r = report("1", 0);
    let put = put_ok();
    let (batch, seen) = batch_write_unprocessed(2);
    let store = mocked_store(&[&put, &batch]);
    assert_eq!(
        store
            .insert_reports(std::slice::from_ref(&r))
            .await
            .unwrap(),
        vec![true]
    );
    assert_eq!(put.num_calls(), 1);
    assert_eq!(batch.num_calls(), 3, "unprocessed twice, then written");
    let sent = seen.all();
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[0].len(), 1, "one journal item for the batch");
    assert_eq!(sent[1], sent[0], "the same item is sent again");
    assert_eq!(sent[2], sent[0], "the same item is sent again");
    let item = sent[0][0]
        .put_request()
        .expect("a put request")
        .item()
        .clone();
    assert_eq!(s(&item, "PK"), "J");
    assert!(s(&item, "SK").ends_with(&format!("#{}", r.id)));
    assert_eq!(
        journal_text(&item),
        format!(
            "{}\t\t{}\t{}\n",
            r.id,
            r.fingerprint.as_deref().unwrap(),
            url_key(&canonical_url(r.source_url.as_deref().unwrap())),
        ),
        "id, cluster (its own), fingerprint, key of the post's address"
    );
}

#[tokio::test]
async fn journal_items_never_processed_are_an_error_after_the_report_is_stored() {
    let put = put_ok();
    let (batch, seen) = batch_write_unprocessed(usize::MAX);
    let store = mocked_store(&[&put, &batch]);
    let message = unavailable(store.insert_reports(&[report("1", 0)]).await);
    assert!(
        message.contains(&format!(
            "1 items still unprocessed after {BATCH_ATTEMPTS} BatchWriteItem attempts"
        )),
        "{message}"
    );
    assert_eq!(batch.num_calls(), BATCH_ATTEMPTS);
    assert!(seen.all().windows(2).all(|w| w[0] == w[1]));
    assert_eq!(put.num_calls(), 1, "the report itself was stored, once");
}

/// The mock of a TransactWriteItems, before its answers.
#[tokio::test]
async fn a_copy_is_one_conditional_put_into_its_cluster() {
    let first = report("1", 0);
    let joining = joiner(&first);
    let key = format!("R#{}", joining.id);
    let cluster = format!("C#{}", first.id);
    let put = mock!(Client::put_item)
        .match_requests(move |req| {
            let item = req.item().cloned().unwrap_or_default();
            item.get("PK").and_then(|v| v.as_s().ok()) == Some(&key)
                && item.get("CPK").and_then(|v| v.as_s().ok()) == Some(&cluster)
                && req.condition_expression() == Some("attribute_not_exists(PK)")
        })
        .sequence()
        .http_status(
            400,
            dynamo_error(
                "ThrottlingException",
                "Rate of requests exceeds the allowed throughput",
            ),
        )
        .output(|| PutItemOutput::builder().build())
        .build();
    let batch = batch_write_ok();
    let store = mocked_store(&[&put, &batch]);
    assert_eq!(
        store
            .insert_reports(std::slice::from_ref(&joining))
            .await
            .unwrap(),
        vec![true]
    );
    assert_eq!((put.num_calls(), batch.num_calls()), (2, 1));
}

/// The item the store writes for a report (through a mocked PutItem).
async fn stored_item(r: &Report) -> Item {
    let seen: Seen<Item> = Seen::default();
    let put = {
        let seen = seen.clone();
        mock!(Client::put_item).then_compute_output(move |req| {
            seen.push(req.item().cloned().unwrap_or_default());
            PutItemOutput::builder().build()
        })
    };
    let batch = batch_write_ok();
    let store = mocked_store(&[&put, &batch]);
    assert_eq!(
        store.insert_reports(std::slice::from_ref(r)).await.unwrap(),
        vec![true]
    );
    seen.all().pop().expect("the report's item")
}

#[tokio::test]
async fn a_cluster_size_is_counted_again_after_a_throttled_count() {
    let r = report("1", 0);
    let item = stored_item(&r).await;
    let key = format!("R#{}", r.id);
    let get = mock!(Client::get_item)
        .match_requests(move |req| {
            req.key()
                .and_then(|k| k.get("PK"))
                .and_then(|v| v.as_s().ok())
                == Some(&key)
        })
        .then_output(move || {
            GetItemOutput::builder()
                .set_item(Some(item.clone()))
                .build()
        });
    let cluster = format!("C#{}", r.id);
    let count = mock!(Client::query)
        .match_requests(move |req| {
            req.index_name() == Some("cluster")
                && req
                    .expression_attribute_values()
                    .and_then(|v| v.get(":c"))
                    .and_then(|v| v.as_s().ok())
                    == Some(&cluster)
        })
        .sequence()
        .http_status(
            400,
            dynamo_error(
                "ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table was exceeded",
            ),
        )
        .output(|| QueryOutput::builder().count(2).build())
        .build();
    let store = mocked_store(&[&get, &count]);
    let got = store.get_report(&r.id).await.unwrap().expect("the report");
    assert_eq!(
        (got.id.as_str(), got.text.as_str()),
        (r.id.as_str(), r.text.as_str())
    );
    assert_eq!(got.cluster_size, 3, "the first report and two more");
    assert_eq!((get.num_calls(), count.num_calls()), (1, 2));
}

#[tokio::test]
async fn a_checkpoint_moved_by_another_run_is_not_advanced() {
    for from in [None, Some("110")] {
        let put = mock!(Client::put_item)
            .match_requests(|req| {
                req.item()
                    .and_then(|i| i.get("PK"))
                    .and_then(|v| v.as_s().ok())
                    == Some(&"CP".to_string())
                    && req.condition_expression().is_some()
            })
            .sequence()
            .http_status(
                400,
                dynamo_error(
                    "ConditionalCheckFailedException",
                    "The conditional request failed",
                ),
            )
            .build();
        let store = mocked_store(&[&put]);
        assert!(
            !store
                .advance_checkpoint("mastodon", from, "120")
                .await
                .unwrap(),
            "from {from:?}"
        );
        assert_eq!(put.num_calls(), 1, "from {from:?}");
    }
}

/// A BatchGetItem that answers, `stingy` times, only `per_call` of the keys it is asked for and
/// leaves the others unprocessed, then answers every key; it records the keys of each request.
fn batch_get_stingy(items: Vec<Item>, stingy: usize, per_call: usize) -> (Rule, Seen<Vec<String>>) {
    let seen: Seen<Vec<String>> = Seen::default();
    let rule = {
        let seen = seen.clone();
        mock!(Client::batch_get_item).then_compute_output(move |req| {
            let keys = req
                .request_items()
                .and_then(|r| r.get(TABLE))
                .map(|k| k.keys().to_vec())
                .unwrap_or_default();
            let pks: Vec<String> = keys.iter().map(|k| s(k, "PK")).collect();
            let call = seen.push(pks.clone());
            let (answered, left) = if call <= stingy {
                keys.split_at(per_call.min(keys.len()))
            } else {
                (&keys[..], &[][..])
            };
            let found: Vec<Item> = answered
                .iter()
                .filter_map(|k| items.iter().find(|i| s(i, "PK") == s(k, "PK")).cloned())
                .collect();
            let mut out = BatchGetItemOutput::builder()
                .responses(TABLE, found)
                .set_unprocessed_keys(Some(HashMap::new()));
            if !left.is_empty() {
                out = out.unprocessed_keys(
                    TABLE,
                    KeysAndAttributes::builder()
                        .set_keys(Some(left.to_vec()))
                        .build()
                        .unwrap(),
                );
            }
            out.build()
        })
    };
    (rule, seen)
}

async fn published_items() -> (Vec<Report>, Vec<Item>) {
    let mut reports = Vec::new();
    let mut items = Vec::new();
    for native in ["1", "2"] {
        let mut r = report(native, 0);
        r.status = vigie_domain::taxonomy::Status::Published;
        items.push(stored_item(&r).await);
        reports.push(r);
    }
    reports.sort_by(|a, b| a.id.cmp(&b.id));
    (reports, items)
}

#[tokio::test]
async fn changed_reports_left_unprocessed_by_a_batch_get_are_asked_again() {
    let (reports, items) = published_items().await;
    let (get, seen) = batch_get_stingy(items, 1, 1);
    let store = mocked_store(&[&get]);
    let ids: Vec<String> = reports.iter().map(|r| r.id.clone()).collect();
    let got = store.published_candidates(Some(&ids)).await.unwrap();
    assert_eq!(got.iter().map(|c| c.id.clone()).collect::<Vec<_>>(), ids);
    let asked = seen.all();
    assert_eq!(asked.len(), 2, "once, then again for what was left");
    assert_eq!(asked[0].len(), 2);
    assert_eq!(asked[1], asked[0][1..], "only the key left unprocessed");
}

#[tokio::test]
async fn changed_reports_never_read_are_an_error() {
    let (reports, items) = published_items().await;
    let (get, seen) = batch_get_stingy(items, usize::MAX, 0);
    let store = mocked_store(&[&get]);
    let ids: Vec<String> = reports.iter().map(|r| r.id.clone()).collect();
    match store.published_candidates(Some(&ids)).await {
        Err(StoreError::Unavailable(message)) => assert!(
            message.contains(&format!(
                "2 reports still unread after {BATCH_ATTEMPTS} BatchGetItem attempts"
            )),
            "{message}"
        ),
        other => panic!("expected the store to be unavailable, got {other:?}"),
    }
    assert_eq!(seen.all().len(), BATCH_ATTEMPTS);
}

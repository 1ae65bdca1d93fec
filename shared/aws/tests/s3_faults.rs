//! The cloud adapters when the service misbehaves, on clients whose answers are scripted by
//! aws-smithy-mocks: throttling and server errors are retried by the SDK's standard retry
//! mode, errors that last are reported with what failed, and a HEAD that fails does not stop
//! the upload.

use aws_sdk_s3::config::{BehaviorVersion, Region};
use aws_sdk_s3::operation::head_object::HeadObjectOutput;
use aws_sdk_s3::operation::put_object::PutObjectOutput;
use aws_sdk_sns::operation::publish::PublishOutput;
use aws_smithy_mocks::{create_mock_http_client, mock, Rule};
use vigie_aws::{S3Publisher, SnsNotifier};
use vigie_domain::ports::{Notifier, PublicFile, PublishOutcome, Publisher};

mod common;

use common::{credentials, interceptor, retries, ATTEMPTS, REGION};

fn s3_client(rules: &[&Rule]) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .credentials_provider(credentials())
            .http_client(create_mock_http_client())
            .interceptor(interceptor(rules))
            .retry_config(retries())
            .build(),
    )
}

fn sns_client(rules: &[&Rule]) -> aws_sdk_sns::Client {
    aws_sdk_sns::Client::from_conf(
        aws_sdk_sns::Config::builder()
            .behavior_version(aws_sdk_sns::config::BehaviorVersion::latest())
            .region(aws_sdk_sns::config::Region::new(REGION))
            .credentials_provider(credentials())
            .http_client(create_mock_http_client())
            .interceptor(interceptor(rules))
            .retry_config(retries())
            .build(),
    )
}

/// An S3 error document as S3 sends it.
fn s3_error(code: &str, message: &str) -> Option<String> {
    Some(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>R1</RequestId><HostId>H1</HostId></Error>"
    ))
}

/// An SNS (query protocol) error document.
fn sns_error(code: &str, message: &str) -> Option<String> {
    Some(format!(
        "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>R1</RequestId></ErrorResponse>"
    ))
}

/// No object yet: HEAD answers 404, as S3 does to a role that may list the bucket.
fn absent() -> Rule {
    mock!(aws_sdk_s3::Client::head_object)
        .sequence()
        .http_status(404, None)
        .repeatedly()
        .build()
}

fn geojson() -> PublicFile {
    PublicFile {
        name: "reports.geojson".into(),
        bytes: bytes::Bytes::from_static(br#"{"type":"FeatureCollection","features":[]}"#),
        content_type: "application/geo+json",
        cache_control: "public, max-age=30",
    }
}

#[tokio::test]
async fn a_put_slowed_down_then_failing_once_is_retried_until_written() {
    let head = absent();
    let put = mock!(aws_sdk_s3::Client::put_object)
        .match_requests(|req| {
            req.bucket() == Some("vigie-public") && req.key() == Some("public/reports.geojson")
        })
        .sequence()
        .http_status(
            503,
            s3_error("SlowDown", "Please reduce your request rate."),
        )
        .http_status(
            500,
            s3_error("InternalError", "We encountered an internal error."),
        )
        .output(|| PutObjectOutput::builder().e_tag("\"e1\"").build())
        .build();
    let publisher = S3Publisher::with_client(s3_client(&[&head, &put]), "vigie-public", "public");
    assert_eq!(
        publisher.publish(&geojson()).await.unwrap(),
        PublishOutcome::Written
    );
    assert_eq!(head.num_calls(), 1, "a 404 is an answer, not retried");
    assert_eq!(put.num_calls(), 3, "503 SlowDown, 500 InternalError, 200");
    // Written content is remembered: the same bytes again cost no request at all.
    assert_eq!(
        publisher.publish(&geojson()).await.unwrap(),
        PublishOutcome::Unchanged
    );
    assert_eq!((head.num_calls(), put.num_calls()), (1, 3));
}

#[tokio::test]
async fn a_put_failing_every_time_is_reported_with_the_bucket_key_and_error() {
    let head = absent();
    let put = mock!(aws_sdk_s3::Client::put_object)
        .sequence()
        .http_status(
            500,
            s3_error("InternalError", "We encountered an internal error."),
        )
        .repeatedly()
        .build();
    let publisher = S3Publisher::with_client(s3_client(&[&head, &put]), "vigie-public", "public");
    let err = publisher.publish(&geojson()).await.unwrap_err();
    assert_eq!(err.name, "reports.geojson");
    assert!(
        err.reason
            .starts_with("s3://vigie-public/public/reports.geojson: "),
        "{}",
        err.reason
    );
    assert!(
        err.reason.contains("InternalError")
            && err.reason.contains("We encountered an internal error."),
        "{}",
        err.reason
    );
    assert_eq!(put.num_calls(), ATTEMPTS as usize, "retried, then given up");
    // A failed upload is not taken for published content: the next export tries again.
    assert!(publisher.publish(&geojson()).await.is_err());
    assert_eq!(put.num_calls(), 2 * ATTEMPTS as usize);
}

#[tokio::test]
async fn a_head_that_fails_does_not_stop_the_upload() {
    // 403: what S3 answers for a missing object to a role that may not list the bucket.
    // 500: the check itself failed. Either way the file is uploaded.
    for (status, code, heads) in [(403, "AccessDenied", 1), (500, "InternalError", ATTEMPTS)] {
        let head = mock!(aws_sdk_s3::Client::head_object)
            .sequence()
            .http_status(status, s3_error(code, "no"))
            .repeatedly()
            .build();
        let put = mock!(aws_sdk_s3::Client::put_object)
            .match_requests(|req| req.metadata().is_some_and(|m| m.contains_key("sha256")))
            .then_output(|| PutObjectOutput::builder().build());
        let publisher =
            S3Publisher::with_client(s3_client(&[&head, &put]), "vigie-public", "public");
        assert_eq!(
            publisher.publish(&geojson()).await.unwrap(),
            PublishOutcome::Written,
            "HEAD {status}"
        );
        assert_eq!(head.num_calls(), heads as usize, "HEAD {status}");
        assert_eq!(put.num_calls(), 1, "HEAD {status}");
    }
}

#[tokio::test]
async fn an_object_with_the_same_hash_is_not_uploaded_again() {
    let file = geojson();
    let hash: String = {
        use sha2::Digest;
        sha2::Sha256::digest(&file.bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let head = mock!(aws_sdk_s3::Client::head_object).then_output(move || {
        HeadObjectOutput::builder()
            .metadata("sha256", &hash)
            .build()
    });
    let put =
        mock!(aws_sdk_s3::Client::put_object).then_output(|| PutObjectOutput::builder().build());
    let publisher = S3Publisher::with_client(s3_client(&[&head, &put]), "vigie-public", "public");
    assert_eq!(
        publisher.publish(&file).await.unwrap(),
        PublishOutcome::Unchanged
    );
    assert_eq!((head.num_calls(), put.num_calls()), (1, 0));
}

fn report() -> vigie_domain::Report {
    serde_json::from_value(serde_json::json!({
        "id": "r1", "version": 2, "status": "triaged", "source_id": "s", "network": "mastodon", "native_id": "n",
        "source_url": null, "author": "a", "author_name": null, "official": false,
        "text": "Famille sur le toit à Petit-Bourg", "language": "fr",
        "posted_at": "2026-09-14T03:00:00Z", "collected_at": "2026-09-14T03:00:00Z",
        "suggested_category": "rescue", "suggested_priority": "critical", "category": null, "priority": null,
        "verification": "unverified", "location": null, "summary": "Famille sur un toit", "fingerprint": null,
        "cluster_id": "r1", "cluster_size": 1, "claimed_by": null, "claim_expires_at": null, "escalated": true,
        "escalated_at": "2026-09-14T03:01:00Z", "acknowledged_at": null, "acknowledged_by": null,
        "published_at": null, "updated_at": "2026-09-14T03:01:00Z", "media": 0
    }))
    .unwrap()
}

const TOPIC: &str = "arn:aws:sns:eu-west-3:123456789012:vigie-escalations";

#[tokio::test]
async fn an_escalation_throttled_once_is_delivered() {
    let publish = mock!(aws_sdk_sns::Client::publish)
        .match_requests(|req| {
            req.topic_arn() == Some(TOPIC) && req.message().is_some_and(|m| m.contains("r1"))
        })
        .sequence()
        .http_status(400, sns_error("Throttling", "Rate exceeded"))
        .output(|| PublishOutput::builder().message_id("m1").build())
        .build();
    let notifier = SnsNotifier::with_client(sns_client(&[&publish]), TOPIC);
    notifier.escalation(&report()).await.unwrap();
    assert_eq!(publish.num_calls(), 2);
}

#[tokio::test]
async fn an_escalation_that_cannot_be_delivered_is_an_error() {
    // Throttled every time: retried, then given up.
    let publish = mock!(aws_sdk_sns::Client::publish)
        .sequence()
        .http_status(400, sns_error("Throttling", "Rate exceeded"))
        .repeatedly()
        .build();
    let notifier = SnsNotifier::with_client(sns_client(&[&publish]), TOPIC);
    let err = notifier.escalation(&report()).await.unwrap_err();
    assert!(
        err.0.starts_with("SNS: ")
            && err.0.contains("Throttling")
            && err.0.contains("Rate exceeded"),
        "{}",
        err.0
    );
    assert_eq!(publish.num_calls(), ATTEMPTS as usize);

    // Refused: not retried.
    let publish = mock!(aws_sdk_sns::Client::publish)
        .sequence()
        .http_status(
            403,
            sns_error("AuthorizationError", "not authorized to publish"),
        )
        .repeatedly()
        .build();
    let notifier = SnsNotifier::with_client(sns_client(&[&publish]), TOPIC);
    let err = notifier.escalation(&report()).await.unwrap_err();
    assert!(err.0.contains("AuthorizationError"), "{}", err.0);
    assert_eq!(publish.num_calls(), 1);
}

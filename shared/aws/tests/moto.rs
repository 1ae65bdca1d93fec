//! The cloud adapters against moto's S3 and SNS servers on loopback (installed by the README's
//! test command). The publisher passes the same conformance suite as the folder publisher;
//! the public prefix is read over plain HTTP as the public would; escalations reach an SQS
//! queue subscribed to the topic. These tests fail, never skip, when the emulator cannot start.

use std::sync::Arc;
use vigie_aws::{S3Publisher, SnsNotifier};
use vigie_domain::ports::{Notifier, PublicFile, PublishOutcome, Publisher};

/// moto on a free loopback port, from the end-to-end harness (stopped when dropped).
async fn start_moto() -> vigie_e2e::Moto {
    tokio::task::spawn_blocking(vigie_e2e::start_moto)
        .await
        .expect("moto starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_s3_publisher_conforms_and_serves_the_public_over_http() {
    let moto = start_moto().await;
    let conf = vigie_e2e::emulator_config(&moto.url, "eu-west-3").await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket()
        .bucket("vigie-public")
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest3)
                .build(),
        )
        .send()
        .await
        .unwrap();
    // The public prefix is readable by anyone, as the CDN in front of it makes it.
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::vigie-public/crisis/public/*"}]}"#;
    s3.put_bucket_policy()
        .bucket("vigie-public")
        .policy(policy)
        .send()
        .await
        .unwrap();

    let publisher =
        Arc::new(S3Publisher::from_spec(&conf, "s3://vigie-public/crisis/public", true).unwrap());
    let reader = s3.clone();
    vigie_conformance::publisher(publisher.clone(), move |name| {
        let reader = reader.clone();
        async move {
            let out = reader
                .get_object()
                .bucket("vigie-public")
                .key(format!("crisis/public/{name}"))
                .send()
                .await
                .ok()?;
            Some(out.body.collect().await.ok()?.into_bytes().to_vec())
        }
    })
    .await;

    let file = PublicFile {
        name: "reports.geojson".into(),
        bytes: bytes::Bytes::from_static(br#"{"type":"FeatureCollection","features":[]}"#),
        content_type: "application/geo+json",
        cache_control: "public, max-age=30",
    };
    publisher.publish(&file).await.unwrap();
    let resp = reqwest::get(format!(
        "{}/vigie-public/crisis/public/reports.geojson",
        moto.url
    ))
    .await
    .unwrap();
    assert_eq!(resp.status(), 200, "anonymous GET of the public prefix");
    assert_eq!(resp.headers()["content-type"], "application/geo+json");
    assert_eq!(resp.headers()["cache-control"], "public, max-age=30");
    assert_eq!(
        resp.text().await.unwrap(),
        r#"{"type":"FeatureCollection","features":[]}"#
    );

    // A fresh publisher (a new Lambda instance) still does not upload unchanged content.
    let fresh = S3Publisher::from_spec(&conf, "s3://vigie-public/crisis/public", true).unwrap();
    assert_eq!(
        fresh.publish(&file).await.unwrap(),
        PublishOutcome::Unchanged
    );

    for bad in ["s3://", "https://x/y", "s3://UPPER/x", "s3://ab"] {
        assert!(S3Publisher::from_spec(&conf, bad, true).is_err(), "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_s3_publisher_gzips_text_files_when_asked() {
    let moto = start_moto().await;
    let conf = vigie_e2e::emulator_config(&moto.url, "us-east-1").await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket()
        .bucket("vigie-gzip")
        .send()
        .await
        .unwrap();
    /// The stored object: its content encoding and its bytes as stored.
    async fn stored(s3: &aws_sdk_s3::Client, name: &str) -> (Option<String>, Vec<u8>) {
        let out = s3
            .get_object()
            .bucket("vigie-gzip")
            .key(format!("public/{name}"))
            .send()
            .await
            .unwrap();
        let encoding = out.content_encoding.clone();
        (
            encoding,
            out.body.collect().await.unwrap().into_bytes().to_vec(),
        )
    }
    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut out)
            .expect("a gzip stream");
        out
    }

    // The conformance suite, read as a browser would: decoded when gzip-encoded.
    let publisher = Arc::new(
        S3Publisher::from_spec(&conf, "s3://vigie-gzip/conformance", true)
            .unwrap()
            .with_gzip(true),
    );
    let reader = s3.clone();
    vigie_conformance::publisher(publisher, move |name| {
        let reader = reader.clone();
        async move {
            let out = reader
                .get_object()
                .bucket("vigie-gzip")
                .key(format!("conformance/{name}"))
                .send()
                .await
                .ok()?;
            let gzipped = out.content_encoding() == Some("gzip");
            let bytes = out.body.collect().await.ok()?.into_bytes().to_vec();
            Some(if gzipped { gunzip(&bytes) } else { bytes })
        }
    })
    .await;

    let features: String = (0..200)
        .map(|i| format!(r#"{{"type":"Feature","properties":{{"id":"r{i}"}},"geometry":null}}"#))
        .collect::<Vec<_>>()
        .join(",");
    let geojson = format!(r#"{{"type":"FeatureCollection","features":[{features}]}}"#);
    let file = PublicFile {
        name: "reports.geojson".into(),
        bytes: bytes::Bytes::from(geojson.clone()),
        content_type: "application/geo+json",
        cache_control: "public, max-age=30",
    };
    let publisher = S3Publisher::from_spec(&conf, "s3://vigie-gzip/public", true)
        .unwrap()
        .with_gzip(true);
    assert_eq!(
        publisher.publish(&file).await.unwrap(),
        PublishOutcome::Written
    );
    let (encoding, body) = stored(&s3, "reports.geojson").await;
    assert_eq!(encoding.as_deref(), Some("gzip"));
    assert!(body.len() < geojson.len() / 4, "{} bytes", body.len());
    assert_eq!(gunzip(&body), geojson.as_bytes());
    let head = s3
        .head_object()
        .bucket("vigie-gzip")
        .key("public/reports.geojson")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_type(), Some("application/geo+json"));
    assert_eq!(head.cache_control(), Some("public, max-age=30"));

    // The same bytes again are unchanged, for this instance and for a fresh one, which only
    // has the object's hash (of the uncompressed bytes) to go by.
    assert_eq!(
        publisher.publish(&file).await.unwrap(),
        PublishOutcome::Unchanged
    );
    let fresh = || {
        S3Publisher::from_spec(&conf, "s3://vigie-gzip/public", true)
            .unwrap()
            .with_gzip(true)
    };
    assert_eq!(
        fresh().publish(&file).await.unwrap(),
        PublishOutcome::Unchanged
    );

    // Other types are stored as they are.
    let png = PublicFile {
        name: "logo.png".into(),
        bytes: bytes::Bytes::from_static(b"\x89PNG\r\n\x1a\n not really"),
        content_type: "image/png",
        cache_control: "public, max-age=3600",
    };
    assert_eq!(
        publisher.publish(&png).await.unwrap(),
        PublishOutcome::Written
    );
    assert_eq!(stored(&s3, "logo.png").await, (None, png.bytes.to_vec()));

    // Turning gzip off stores the file plain again, once; turning it back on compresses it.
    let plain = S3Publisher::from_spec(&conf, "s3://vigie-gzip/public", true).unwrap();
    assert_eq!(plain.publish(&file).await.unwrap(), PublishOutcome::Written);
    assert_eq!(
        stored(&s3, "reports.geojson").await,
        (None, geojson.as_bytes().to_vec())
    );
    assert_eq!(
        plain.publish(&file).await.unwrap(),
        PublishOutcome::Unchanged
    );
    assert_eq!(
        fresh().publish(&file).await.unwrap(),
        PublishOutcome::Written
    );
    assert_eq!(
        stored(&s3, "reports.geojson").await.0.as_deref(),
        Some("gzip")
    );
    assert_eq!(
        fresh().publish(&file).await.unwrap(),
        PublishOutcome::Unchanged
    );
}

/// SQS's query protocol, enough to read what SNS delivered.
async fn sqs(endpoint: &str, params: &[(&str, &str)]) -> String {
    // The credential scope names the service for moto, which does not check signatures.
    reqwest::Client::new()
        .post(endpoint)
        .header(
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0",
        )
        .form(params)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).map(|i| i + start.len()).unwrap_or(0);
    let to = text[from..]
        .find(end)
        .map(|i| from + i)
        .unwrap_or(text.len());
    &text[from..to]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escalations_go_out_on_the_sns_topic() {
    let moto = start_moto().await;
    // The queue below is made with unsigned requests, which moto files under us-east-1.
    let conf = vigie_e2e::emulator_config(&moto.url, "us-east-1").await;
    let sns = aws_sdk_sns::Client::new(&conf);
    let topic = sns
        .create_topic()
        .name("vigie-escalations")
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    let queue = sqs(
        &moto.url,
        &[("Action", "CreateQueue"), ("QueueName", "authority")],
    )
    .await;
    let queue_url = between(&queue, "<QueueUrl>", "</QueueUrl>").to_string();
    let attrs = sqs(
        &moto.url,
        &[
            ("Action", "GetQueueAttributes"),
            ("QueueUrl", &queue_url),
            ("AttributeName.1", "QueueArn"),
        ],
    )
    .await;
    let queue_arn = between(&attrs, "<Value>", "</Value>").to_string();
    assert!(queue_arn.starts_with("arn:aws:sqs:"), "{queue}\n{attrs}");
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(queue_arn)
        .send()
        .await
        .unwrap();

    let mut report: vigie_domain::Report = serde_json::from_value(serde_json::json!({
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
    .unwrap();
    report.escalated = true;
    SnsNotifier::new(&conf, &topic)
        .escalation(&report)
        .await
        .unwrap();
    let received = sqs(
        &moto.url,
        &[
            ("Action", "ReceiveMessage"),
            ("QueueUrl", &queue_url),
            ("MaxNumberOfMessages", "10"),
        ],
    )
    .await;
    assert!(
        received.contains("escalation") && received.contains("r1"),
        "{received}"
    );

    let missing = SnsNotifier::new(&conf, "arn:aws:sns:us-east-1:123456789012:nope");
    assert!(missing.escalation(&report).await.is_err());
}

/// Source credentials live in the crisis's secret: written by `vigie activate`, read by the
/// collectors at start.
#[tokio::test]
async fn source_credentials_round_trip_through_the_secret() {
    let moto = start_moto().await;
    let config = vigie_e2e::emulator_config(&moto.url, "eu-west-3").await;
    let arn = aws_sdk_secretsmanager::Client::new(&config)
        .create_secret()
        .name("vigie-test/sources")
        .secret_string("{}")
        .send()
        .await
        .unwrap()
        .arn()
        .unwrap()
        .to_string();
    assert!(vigie_aws::secrets::source_credentials(&config, &arn)
        .await
        .unwrap()
        .is_empty());
    let values = std::collections::HashMap::from([
        (
            "BSKY_APP_PASSWORD".to_string(),
            "abcd-efgh-ijkl".to_string(),
        ),
        ("MASTO_MAIN_TOKEN".to_string(), "t0ken".to_string()),
    ]);
    vigie_aws::secrets::put_source_credentials(&config, &arn, &values)
        .await
        .unwrap();
    assert_eq!(
        vigie_aws::secrets::source_credentials(&config, &arn)
            .await
            .unwrap(),
        values
    );
    let missing = vigie_aws::secrets::source_credentials(&config, "vigie-nope/sources")
        .await
        .unwrap_err();
    assert!(
        matches!(missing, vigie_aws::secrets::SecretError::Call { .. }),
        "{missing}"
    );
    let missing = missing.to_string();
    assert!(missing.contains("vigie-nope/sources"), "{missing}");
}

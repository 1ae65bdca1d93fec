//! Relays through the real Lambda functions on the emulators: the `triage-api` function reads
//! the relay accounts' credentials from the stack's secret (moto's Secrets Manager), a
//! volunteer drafts through API Gateway events, a coordinator approves and the function posts
//! once to a loopback Mastodon (`Idempotency-Key` honoured) and a loopback PDS (record keys
//! refused when used); a second invocation of the approval (a retry, a second click) posts
//! nothing more; `map-export` then writes the relayed official message into `official.atom`
//! in the bucket, and the CSV export carries it.

use serde_json::{json, Value};
use std::time::Duration;
use vigie_conformance::fakes::{
    mount_mastodon, mount_pds, MASTODON_TOKEN, PDS_HANDLE, PDS_PASSWORD,
};
use vigie_e2e::{function_bin, start_dynamodb_local, start_moto, vigie_bin, FunctionSpec};

const TABLE: &str = "vigie-relay";
const BUCKET: &str = "vigie-relay";

fn aws_env(dynamodb: &str, moto: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL_DYNAMODB", dynamodb.to_string()),
        ("AWS_ENDPOINT_URL_S3", moto.to_string()),
        ("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto.to_string()),
        ("VIGIE_S3_PATH_STYLE", "true".into()),
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ("AWS_SESSION_TOKEN", "test".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_DEFAULT_REGION", "us-east-1".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
    ]
}

/// An API Gateway HTTP API event (payload 2.0), as the `$default` route delivers it.
fn event(method: &str, path: &str, token: &str, body: Option<Value>) -> Value {
    let now = chrono::Utc::now();
    let mut headers = json!({
        "accept": "application/json",
        "authorization": format!("Bearer {token}"),
        "host": "relay0test.execute-api.us-east-1.amazonaws.com",
        "x-forwarded-proto": "https",
    });
    if body.is_some() {
        headers["content-type"] = json!("application/json");
    }
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012", "apiId": "relay0test",
            "domainName": "relay0test.execute-api.us-east-1.amazonaws.com", "domainPrefix": "relay0test",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.10", "userAgent": "vigie-e2e"},
            "requestId": format!("Rl{}=", now.timestamp_nanos_opt().unwrap_or_default()),
            "routeKey": "$default", "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
            "timeEpoch": now.timestamp_millis(),
        },
        "body": body.map(|b| b.to_string()),
        "isBase64Encoded": false,
    })
}

#[test]
fn the_triage_api_function_relays_once_with_the_stack_secret_and_the_export_publishes_it() {
    let moto = start_moto();
    let dynamo = start_dynamodb_local();
    let client = reqwest::blocking::Client::new();
    assert!(client
        .put(format!("{}/{BUCKET}", moto.url))
        .send()
        .unwrap()
        .status()
        .is_success());
    // Anyone may read public/, as the CDN in front of the bucket makes it.
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{BUCKET}/public/*"}}]}}"#
    );
    assert!(client
        .put(format!("{}/{BUCKET}?policy", moto.url))
        .body(policy)
        .send()
        .unwrap()
        .status()
        .is_success());

    let rt = tokio::runtime::Runtime::new().unwrap();
    let (masto, pds, statuses, records) = rt.block_on(async {
        let masto = wiremock::MockServer::start().await;
        let pds = wiremock::MockServer::start().await;
        let statuses = mount_mastodon(&masto).await;
        let records = mount_pds(&pds).await;
        (masto, pds, statuses, records)
    });
    // The stack's secret, as `vigie activate` fills it: the relay accounts' credentials.
    let arn = rt.block_on(async {
        let config = vigie_e2e::emulator_config(&moto.url, "us-east-1").await;
        let secret = json!({
            "RELAY_MASTO_TOKEN": MASTODON_TOKEN,
            "RELAY_BSKY_HANDLE": PDS_HANDLE,
            "RELAY_BSKY_APP_PASSWORD": PDS_PASSWORD,
        });
        aws_sdk_secretsmanager::Client::new(&config)
            .create_secret()
            .name("vigie-gp-relay/sources")
            .secret_string(secret.to_string())
            .send()
            .await
            .unwrap()
            .arn()
            .unwrap()
            .to_string()
    });

    let dir = tempfile::tempdir().unwrap();
    let crisis = dir.path().join("crisis.toml");
    std::fs::write(
        &crisis,
        format!(
            r#"[crisis]
id = "gp-relay"
name = "Relays on emulators"
bbox = [-61.85, 15.83, -61.00, 16.52]

[[sources]]
id = "demo"
kind = "demo"

[[relay]]
id = "asso-masto"
kind = "mastodon"
instance = "{}"
token_env = "RELAY_MASTO_TOKEN"

[[relay]]
id = "asso-bsky"
kind = "bluesky"
service = "{}"
handle_env = "RELAY_BSKY_HANDLE"
password_env = "RELAY_BSKY_APP_PASSWORD"
"#,
            masto.uri(),
            pds.uri()
        ),
    )
    .unwrap();
    let mut env = aws_env(&dynamo.url, &moto.url);
    env.extend([
        ("VIGIE_CRISIS_FILE", crisis.display().to_string()),
        ("TABLE_NAME", TABLE.to_string()),
        ("BUCKET_NAME", BUCKET.to_string()),
    ]);

    // A coordinator's token, made with the CLI on the stack's table.
    let out = std::process::Command::new(vigie_bin())
        .args([
            "token",
            "create",
            "--role",
            "coordinator",
            "--name",
            "Coordination",
            "--store",
            &format!("dynamodb:{TABLE}"),
            "--data-dir",
            dir.path().join("cli").to_str().unwrap(),
        ])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let coordinator = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap()
        .to_string();

    // The function as the stack runs it: credentials from the secret only.
    let api = FunctionSpec::new(function_bin("triage-api"), "vigie-gp-relay-triage-api")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("VIGIE_SECRET_ARN", &arn)
        .timeout(Duration::from_secs(60))
        .start();
    let call = |method: &str, path: &str, token: &str, body: Option<Value>| -> (u64, Value) {
        let out = api.invoke_ok(event(method, path, token, body));
        let status = out["statusCode"]
            .as_u64()
            .unwrap_or_else(|| panic!("{out}"));
        let body = serde_json::from_str(out["body"].as_str().unwrap_or("null")).unwrap();
        (status, body)
    };
    let (status, made) = call(
        "POST",
        "/api/v1/tokens",
        &coordinator,
        Some(json!({"name": "Lyne", "role": "volunteer"})),
    );
    assert_eq!(status, 201, "{made}");
    let volunteer = made["token"].as_str().unwrap().to_string();
    // The prefecture's message, entered by hand from its Facebook page.
    let (status, report) = call(
        "POST",
        "/api/v1/reports",
        &volunteer,
        Some(
            json!({"network": "facebook", "url": "https://www.facebook.com/prefet971/posts/1",
            "text": "Confinement levé à 18h, restez prudents sur les routes."}),
        ),
    );
    assert!(status == 201, "{report}");
    let text = "La préfecture lève le confinement à 18h : restez prudents sur les routes. https://www.facebook.com/prefet971/posts/1 #Gwada";
    let (status, drafted) = call(
        "POST",
        "/api/v1/relays",
        &volunteer,
        Some(json!({"report": report["id"], "text": text, "kind": "official"})),
    );
    assert_eq!(status, 201, "{drafted}");
    let id = drafted["id"].as_str().unwrap().to_string();
    // A volunteer may not approve.
    let (status, _) = call(
        "POST",
        &format!("/api/v1/relays/{id}/approve"),
        &volunteer,
        None,
    );
    assert_eq!(status, 403);
    assert!(statuses.made.lock().unwrap().is_empty());

    let approve = format!("/api/v1/relays/{id}/approve");
    let (status, posted) = call("POST", &approve, &coordinator, None);
    assert_eq!(status, 200, "{posted}");
    assert_eq!(posted["status"], "posted", "{posted}");
    assert_eq!(statuses.made.lock().unwrap().len(), 1);
    assert_eq!(records.records.lock().unwrap().len(), 1);
    // The approval invoked again (a retry of the event, a second click): nothing more.
    let (status, again) = call("POST", &approve, &coordinator, Some(json!({"version": 1})));
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["targets"], posted["targets"]);
    assert_eq!(statuses.made.lock().unwrap().len(), 1);
    assert_eq!(records.records.lock().unwrap().len(), 1);
    let urls: Vec<&str> = posted["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["url"].as_str())
        .collect();
    assert_eq!(urls.len(), 2, "{posted}");

    // The log through the function, and the CSV.
    let (_, log) = call("GET", "/api/v1/relays", &volunteer, None);
    assert_eq!(log["items"][0]["id"], id.as_str());
    let out = api.invoke_ok(event("GET", "/api/v1/export.csv", &coordinator, None));
    let csv = out["body"].as_str().unwrap();
    assert!(
        urls.iter().all(|u| csv.contains(u)),
        "the published posts in the CSV:\n{csv}"
    );
    drop(api);

    // The export function: the relayed official message in the public feed.
    let export = FunctionSpec::new(function_bin("map-export"), "vigie-gp-relay-map-export")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .timeout(Duration::from_secs(60))
        .start();
    let out = export.invoke_ok(json!({}));
    let response = client
        .get(format!("{}/{BUCKET}/public/official.atom", moto.url))
        .send()
        .unwrap();
    let status = response.status();
    let atom = response.text().unwrap();
    assert!(status.is_success(), "{status} {atom}; the export: {out}");
    assert!(
        atom.contains(&format!("urn:vigie:gp-relay:relay:{id}")),
        "{atom}"
    );
    assert!(atom.contains(urls[0]), "{atom}");
}

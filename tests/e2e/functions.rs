//! The real Lambda function binaries, each behind the harness's Lambda Runtime API emulator,
//! against DynamoDB Local and moto's S3: `collect-mastodon` collects from a Mastodon server on
//! loopback, `triage-api` answers API Gateway HTTP API (payload 2.0) events to claim, classify
//! and publish a report, `map-export` writes the public files, and the public reads
//! `public/reports.geojson` from the bucket over plain HTTP. Then `vigie local` itself on the
//! same emulators: reports in DynamoDB, public files in S3.

use serde_json::{json, Value};
use std::process::Command;
use std::time::Duration;
use vigie_e2e::{
    eventually, free_port, function_bin, start_dynamodb_local, start_moto, vigie_bin, FunctionSpec,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TABLE: &str = "vigie-fn";
const BUCKET: &str = "vigie-fn";

/// The rescue need the triage publishes, and a post nobody publishes.
const RESCUE: &str = "Au secours ! Une famille avec deux enfants est réfugiée sur le toit de sa maison à Capesterre-Belle-Eau, l'eau monte encore, ils ne peuvent pas sortir #Guadeloupe";
const UNPUBLISHED: &str =
    "Coupure d'électricité à Sainte-Rose depuis ce matin, tout le quartier Cadet est dans le noir #Guadeloupe";
const SUMMARY: &str = "Famille avec deux enfants sur un toit, eau qui monte (Capesterre-Belle-Eau)";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../shared/sources/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// A page of the hashtag timeline, newest first, in Mastodon's format.
fn statuses() -> Value {
    let base: Value = serde_json::from_str(&fixture("mastodon_status.json")).unwrap();
    let texts = [
        "Route coupée à Petit-Bourg, arbres en travers de la chaussée #Guadeloupe",
        UNPUBLISHED,
        RESCUE,
    ];
    let page: Vec<Value> = texts
        .iter()
        .enumerate()
        .rev()
        .map(|(i, text)| {
            let id = 2000 + i;
            let mut s = base.clone();
            s["id"] = json!(id.to_string());
            s["uri"] = json!(format!(
                "https://mastodon.example/users/ti_mano/statuses/{id}"
            ));
            s["url"] = json!(format!("https://mastodon.example/@ti_mano/{id}"));
            s["content"] = json!(format!("<p>{text}</p>"));
            s["media_attachments"] = json!([]);
            s["tags"] =
                json!([{"name": "guadeloupe", "url": "https://mastodon.example/tags/guadeloupe"}]);
            s
        })
        .collect();
    json!(page)
}

/// A bucket whose `public/` prefix anyone may read, as the CDN in front of it makes it.
fn public_bucket(moto: &str, bucket: &str) {
    let client = reqwest::blocking::Client::new();
    let created = client.put(format!("{moto}/{bucket}")).send().unwrap();
    assert!(created.status().is_success(), "{}", created.text().unwrap());
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{bucket}/public/*"}}]}}"#
    );
    let set = client
        .put(format!("{moto}/{bucket}?policy"))
        .body(policy)
        .send()
        .unwrap();
    assert!(set.status().is_success(), "{}", set.text().unwrap());
}

/// The AWS environment of the emulators, as the stack and the CLI see it.
fn aws_env(dynamodb: &str, s3: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL_DYNAMODB", dynamodb.to_string()),
        ("AWS_ENDPOINT_URL_S3", s3.to_string()),
        ("VIGIE_S3_PATH_STYLE", "true".into()),
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ("AWS_SESSION_TOKEN", "test".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_DEFAULT_REGION", "us-east-1".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
    ]
}

/// `vigie` with this environment, to completion: (exit code, stdout, stderr).
fn run_vigie_with(env: &[(&str, String)], args: &[&str]) -> (i32, String, String) {
    let out = Command::new(vigie_bin())
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn coordinator_token(env: &[(&str, String)], store: &str, data_dir: &std::path::Path) -> String {
    let (code, out, err) = run_vigie_with(
        env,
        &[
            "token",
            "create",
            "--role",
            "coordinator",
            "--name",
            "Coordination test",
            "--store",
            store,
            "--data-dir",
            data_dir.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let token = out.lines().last().unwrap().to_string();
    assert!(token.starts_with("vigie_"), "{out}");
    token
}

/// An API Gateway HTTP API event, payload format 2.0, as the `$default` route delivers it.
fn http_api_event(
    method: &str,
    path: &str,
    query: &str,
    token: &str,
    extra_headers: &[(&str, String)],
    body: Option<Value>,
) -> Value {
    let mut headers = json!({
        "accept": "application/json",
        "authorization": format!("Bearer {token}"),
        "host": "fn0test1.execute-api.us-east-1.amazonaws.com",
        "user-agent": "vigie-e2e",
        "x-forwarded-for": "192.0.2.10",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    });
    if body.is_some() {
        headers["content-type"] = json!("application/json");
    }
    for (k, v) in extra_headers {
        headers[*k] = json!(v);
    }
    let now = chrono::Utc::now();
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "fn0test1",
            "domainName": "fn0test1.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "fn0test1",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.10",
                "userAgent": "vigie-e2e",
            },
            "requestId": format!("Fn{}=", now.timestamp_millis()),
            "routeKey": "$default",
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
            "timeEpoch": now.timestamp_millis(),
        },
        "body": body.map(|b| b.to_string()),
        "isBase64Encoded": false,
    })
}

/// An HTTP API response (payload 2.0): status code, headers, and the body as JSON.
fn http_api_response(out: &Value) -> (u64, &Value, Value) {
    let status = out["statusCode"]
        .as_u64()
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(out["isBase64Encoded"], false, "JSON comes as text: {out}");
    let body = serde_json::from_str(out["body"].as_str().unwrap_or("null"))
        .unwrap_or_else(|e| panic!("a JSON body ({e}): {out}"));
    (status, &out["headers"], body)
}

fn get_geojson(url: &str) -> Option<Value> {
    let response = reqwest::blocking::get(url).ok()?;
    if !response.status().is_success() {
        return None;
    }
    serde_json::from_str(&response.text().ok()?).ok()
}

#[test]
fn functions_collect_triage_and_publish_on_the_emulators() {
    let moto = start_moto();
    let dynamo = start_dynamodb_local();
    public_bucket(&moto.url, BUCKET);

    let rt = tokio::runtime::Runtime::new().unwrap();
    let masto = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/v1/timelines/tag/Guadeloupe"))
            .respond_with(ResponseTemplate::new(200).set_body_json(statuses()))
            .mount(&server)
            .await;
        server
    });

    let dir = tempfile::tempdir().unwrap();
    let crisis = dir.path().join("crisis.toml");
    std::fs::write(
        &crisis,
        format!(
            r#"[crisis]
id = "gp-fn"
name = "Functions on emulators"
bbox = [-61.85, 15.83, -61.00, 16.52]
since = "2026-09-13T00:00:00Z"

[[sources]]
id = "masto"
kind = "mastodon"
instance = "{}"
hashtags = ["Guadeloupe"]
"#,
            masto.uri()
        ),
    )
    .unwrap();
    let mut env = aws_env(&dynamo.url, &moto.url);
    env.extend([
        ("VIGIE_CRISIS_FILE", crisis.display().to_string()),
        ("TABLE_NAME", TABLE.to_string()),
        ("BUCKET_NAME", BUCKET.to_string()),
    ]);
    // The stack makes its table; the functions open it as it is.
    dynamo.create_table(TABLE);
    let function = |name: &str| {
        FunctionSpec::new(function_bin(name), &format!("vigie-gp-fn-{name}"))
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .timeout(Duration::from_secs(60))
            .start()
    };

    // Collection, as EventBridge Scheduler invokes it: `{}` for every mastodon source.
    let collect = function("collect-mastodon");
    let out = collect.invoke_ok(json!({}));
    assert_eq!(
        out,
        json!({"sources": [{"source": "masto", "new": 3, "seen": 0, "skipped": 0, "error": null}]}),
        "every post stored"
    );
    let out = collect.invoke_ok(json!({"source": "masto"}));
    assert_eq!(out["sources"][0]["new"], 0, "stored once: {out}");
    assert_eq!(out["sources"][0]["seen"], 3, "{out}");
    let err = collect.invoke(json!({"source": "nope"})).unwrap_err();
    assert!(
        err["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("nope") && m.contains("masto")),
        "a failed invocation, naming the unknown source: {err}"
    );
    assert_eq!(
        err["errorType"], "Vigie.Configuration",
        "classified for alarms: {err}"
    );
    // Its logs are CloudWatch's JSON lines (AWS_LAMBDA_LOG_FORMAT=JSON), at info by default.
    let levels: Vec<String> = collect
        .logs()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let line: Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
            line["level"].as_str().unwrap_or_default().to_string()
        })
        .collect();
    assert!(levels.iter().any(|l| l == "INFO"), "{levels:?}");
    drop(collect);
    // AWS_LAMBDA_LOG_LEVEL, as the function's logging configuration sets it, is followed.
    let quiet = FunctionSpec::new(function_bin("collect-mastodon"), "vigie-gp-fn-quiet")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("AWS_LAMBDA_LOG_LEVEL", "ERROR")
        .env("RUST_LOG", "")
        .start();
    quiet.invoke_ok(json!({"source": "masto"}));
    assert!(
        !quiet.logs().contains("\"INFO\""),
        "no info line at level ERROR: {}",
        quiet.logs()
    );
    drop(quiet);

    // A coordinator's token, issued with the CLI on the stack's table.
    let token = coordinator_token(&env, &format!("dynamodb:{TABLE}"), &dir.path().join("cli"));

    // Triage through API Gateway: find the rescue need, claim it, classify it, publish it.
    let api = function("triage-api");
    let call =
        |method: &str, path: &str, query: &str, headers: &[(&str, String)], body: Option<Value>| {
            let out = api.invoke_ok(http_api_event(method, path, query, &token, headers, body));
            let (status, headers, body) = http_api_response(&out);
            (status, headers.clone(), body)
        };
    let (status, headers, list) = call("GET", "/api/v1/reports", "limit=50", &[], None);
    assert_eq!(status, 200, "{list}");
    assert!(headers["content-type"]
        .as_str()
        .is_some_and(|c| c.starts_with("application/json")));
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{list}");
    let rescue = items
        .iter()
        .find(|r| {
            r["text"]
                .as_str()
                .is_some_and(|t| t.contains("réfugiée sur le toit"))
        })
        .unwrap_or_else(|| panic!("the rescue need is in the queue: {list}"));
    assert_eq!(rescue["network"], "mastodon");
    assert_eq!(rescue["suggested_category"], "rescue", "{rescue}");
    assert_eq!(rescue["status"], "new", "{rescue}");
    let other = items
        .iter()
        .find(|r| {
            r["text"]
                .as_str()
                .is_some_and(|t| t.contains("Sainte-Rose"))
        })
        .unwrap_or_else(|| panic!("the other post is in the queue: {list}"));
    let id = rescue["id"].as_str().unwrap().to_string();
    let other_id = other["id"].as_str().unwrap().to_string();
    let report = format!("/api/v1/reports/{id}");

    let (status, _, body) = call("GET", &report, "", &[], None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], id.as_str());

    let (status, headers, claimed) = call("POST", &format!("{report}/claim"), "", &[], None);
    assert_eq!(status, 200, "{claimed}");
    assert!(
        claimed["claimed_by"]
            .as_str()
            .is_some_and(|c| c.contains("Coordination test")),
        "{claimed}"
    );
    let etag = headers["etag"].as_str().unwrap().to_string();
    assert_eq!(etag, format!("\"{}\"", claimed["version"]));

    let change = json!({
        "category": "rescue",
        "priority": "critical",
        "summary": SUMMARY,
        "location": {"place": "Capesterre-Belle-Eau"},
        "status": "triaged",
    });
    let (status, headers, triaged) = call(
        "PATCH",
        &report,
        "",
        &[("if-match", etag.clone())],
        Some(change.clone()),
    );
    assert_eq!(status, 200, "{triaged}");
    assert_eq!(triaged["status"], "triaged");
    assert_eq!(triaged["category"], "rescue");
    assert_eq!(triaged["priority"], "critical");
    assert_eq!(triaged["summary"], SUMMARY);
    assert_eq!(
        triaged["location"]["place"], "Capesterre-Belle-Eau",
        "{triaged}"
    );
    assert_eq!(triaged["location"]["insee"], "97107", "{triaged}");
    assert_ne!(headers["etag"].as_str().unwrap(), etag, "a new version");
    // The same change on the old version is stale.
    let (status, _, stale) = call("PATCH", &report, "", &[("if-match", etag)], Some(change));
    assert_eq!(status, 412, "{stale}");
    assert_eq!(stale["error"]["code"], "stale_version");
    // No token: 401.
    let out = api.invoke_ok(http_api_event("GET", "/api/v1/reports", "", "", &[], None));
    assert_eq!(out["statusCode"], 401, "{out}");

    let (status, _, published) = call("POST", &format!("{report}/publish"), "", &[], None);
    assert_eq!(status, 200, "{published}");
    assert_eq!(published["status"], "published");
    assert!(published["published_at"].is_string(), "{published}");
    let (status, _, list) = call("GET", "/api/v1/reports", "status=published", &[], None);
    assert_eq!(status, 200, "{list}");
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids, [id.as_str()], "{list}");
    drop(api);

    // The export, on its schedule (EventBridge sends its scheduled event; the function ignores
    // what the event says), then read by the public, anonymously, over plain HTTP.
    let export = function("map-export");
    let out = export.invoke_ok(json!({
        "version": "0",
        "id": "d77bcbc4-0b2b-4d45-9694-b1df99175cfb",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/vigie-gp-fn-export"],
        "detail": {},
    }));
    assert_eq!(out["features"], 1, "{out}");
    assert!(
        out["written"]
            .as_array()
            .is_some_and(|w| w.iter().any(|f| f == "reports.geojson")),
        "{out}"
    );
    let public = format!("{}/{BUCKET}/public/reports.geojson", moto.url);
    let geojson = get_geojson(&public).unwrap_or_else(|| panic!("{public} is readable"));
    assert_eq!(geojson["type"], "FeatureCollection");
    let features = geojson["features"].as_array().unwrap();
    assert_eq!(features.len(), 1, "{geojson}");
    let feature = &features[0];
    // The public id is not the store's (nobody can trace a marker back to its post).
    assert!(
        feature["properties"]["id"]
            .as_str()
            .is_some_and(|p| !p.is_empty() && p != id),
        "{feature}"
    );
    assert_eq!(feature["properties"]["summary"], SUMMARY);
    assert_eq!(feature["properties"]["category"], "rescue");
    assert_eq!(feature["properties"]["place"], "Capesterre-Belle-Eau");
    assert_eq!(feature["geometry"]["type"], "Point");
    let text = geojson.to_string();
    assert!(
        !text.contains(&id)
            && !text.contains(&other_id)
            && !text.contains("Sainte-Rose")
            && !text.contains("Cadet"),
        "nothing unpublished on the public map: {text}"
    );
    assert!(
        !text.contains("réfugiée sur le toit"),
        "the post's own words stay private: {text}"
    );

    // Any event shape starts an export: a DynamoDB stream record, here. Nothing changed.
    let out = export.invoke_ok(json!({
        "Records": [{
            "eventID": "c81e728d9d4c2f636f067f89cc14862c",
            "eventName": "MODIFY",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1",
            "dynamodb": {
                "ApproximateCreationDateTime": chrono::Utc::now().timestamp(),
                "Keys": {"pk": {"S": format!("REPORT#{id}")}},
                "SequenceNumber": "111",
                "SizeBytes": 26,
                "StreamViewType": "KEYS_ONLY",
            },
            "eventSourceARN": format!("arn:aws:dynamodb:us-east-1:123456789012:table/{TABLE}/stream/2026-01-01T00:00:00.000"),
        }]
    }));
    assert_eq!(out["features"], 1, "{out}");
    assert!(
        out["written"]
            .as_array()
            .is_some_and(|w| !w.iter().any(|f| f == "reports.geojson")),
        "an unchanged file is not written again: {out}"
    );
}

#[test]
fn function_without_its_configuration_fails_to_start() {
    // No VIGIE_CRISIS_FILE: the bootstrap exits before serving; the invocation fails with the
    // reason in the logs, as Lambda reports an init failure.
    let export = FunctionSpec::new(function_bin("map-export"), "vigie-broken-map-export")
        .env("TABLE_NAME", TABLE)
        .env("BUCKET_NAME", BUCKET)
        .timeout(Duration::from_secs(30))
        .start();
    let err = export.invoke(json!({})).unwrap_err();
    assert_eq!(err["errorType"], "Runtime.ExitError", "{err}");
    assert!(
        err["logs"]
            .as_str()
            .is_some_and(|l| l.contains("VIGIE_CRISIS_FILE")),
        "{err}"
    );
}

#[test]
fn local_on_dynamodb_and_s3() {
    let moto = start_moto();
    let dynamo = start_dynamodb_local();
    public_bucket(&moto.url, "vigie-local");
    let env = aws_env(&dynamo.url, &moto.url);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut command = Command::new(vigie_bin());
    command
        .args([
            "local",
            "--demo",
            "--store",
            "dynamodb:vigie-local",
            "--publish",
            "s3://vigie-local/public",
            "--listen",
            &listen,
            "--data-dir",
            data.to_str().unwrap(),
        ])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("local.log")).unwrap());
    let mut local = vigie_e2e::Running(command.spawn().expect("vigie local starts"));

    let base = format!("http://{listen}");
    eventually(Duration::from_secs(120), "vigie local's /healthz", || {
        if let Ok(Some(status)) = local.0.try_wait() {
            let log = std::fs::read_to_string(dir.path().join("local.log")).unwrap_or_default();
            panic!("vigie local exited ({status}):\n{log}");
        }
        reqwest::blocking::get(format!("{base}/healthz"))
            .ok()
            .filter(|r| r.status().is_success())
    });
    let token = coordinator_token(&env, "dynamodb:vigie-local", &dir.path().join("cli"));
    let client = reqwest::blocking::Client::new();
    let list: Value = client
        .get(format!("{base}/api/v1/reports?limit=200"))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(
        !list["items"].as_array().unwrap().is_empty(),
        "the demo's reports, from DynamoDB: {list}"
    );
    let public = format!("{}/vigie-local/public/reports.geojson", moto.url);
    let count = eventually(
        Duration::from_secs(60),
        "the demo's published reports in the bucket",
        || {
            get_geojson(&public)
                .and_then(|g| g["features"].as_array().map(Vec::len))
                .filter(|n| *n > 50)
        },
    );
    assert!(count > 50);
    // The public files are in the bucket, not served by `vigie local` itself.
    let local_public = reqwest::blocking::get(format!("{base}/public/reports.geojson")).unwrap();
    assert_eq!(local_public.status(), 404);
}

/// X recent search, as X answers it: the page after `since_id`, newest first.
fn x_page(since: Option<&str>) -> Value {
    let posts = [
        (
            "1864411900000000005",
            "Eau dans la maison à Petit-Bourg, on est montés à l'étage avec les enfants #Gwada",
        ),
        (
            "1864411800000000004",
            "Coupure d'électricité à Sainte-Rose depuis ce matin #Gwada",
        ),
    ];
    if since.is_some() {
        return json!({"meta": {"result_count": 0}});
    }
    json!({
        "data": posts.iter().map(|(id, text)| json!({
            "id": id, "text": text, "author_id": "22", "created_at": "2026-09-14T03:00:00.000Z", "lang": "fr",
            "public_metrics": {"retweet_count": 1, "reply_count": 0, "like_count": 2, "quote_count": 0}
        })).collect::<Vec<_>>(),
        "includes": {"users": [{"id": "22", "username": "lyne_gp", "name": "Lyne"}]},
        "meta": {"newest_id": posts[0].0, "oldest_id": posts[1].0, "result_count": 2}
    })
}

#[test]
fn collect_x_collects_once_on_dynamodb_and_counts_its_monthly_cap_there() {
    let moto = start_moto();
    let dynamo = start_dynamodb_local();
    public_bucket(&moto.url, "vigie-x");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let x = rt.block_on(async {
        struct Search;
        impl wiremock::Respond for Search {
            fn respond(&self, req: &wiremock::Request) -> ResponseTemplate {
                let since = req
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "since_id")
                    .map(|(_, v)| v.into_owned());
                ResponseTemplate::new(200).set_body_json(x_page(since.as_deref()))
            }
        }
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/2/tweets/search/recent"))
            .and(wiremock::matchers::header(
                "authorization",
                "Bearer fn-test-bearer",
            ))
            .respond_with(Search)
            .mount(&server)
            .await;
        server
    });
    let dir = tempfile::tempdir().unwrap();
    let crisis = dir.path().join("crisis.toml");
    std::fs::write(
        &crisis,
        format!(
            "[crisis]\nid = \"gp-x\"\nname = \"X on emulators\"\nbbox = [-61.85, 15.83, -61.00, 16.52]\nsince = \"2026-09-13T00:00:00Z\"\n\n[[sources]]\nid = \"x\"\nkind = \"x\"\napi = \"{}\"\nquery = \"#Gwada\"\nbearer_env = \"X_BEARER_TOKEN\"\nmonthly_cap = 1000\n",
            x.uri()
        ),
    )
    .unwrap();
    let mut env = aws_env(&dynamo.url, &moto.url);
    env.extend([
        ("VIGIE_CRISIS_FILE", crisis.display().to_string()),
        ("TABLE_NAME", "vigie-x".to_string()),
        ("BUCKET_NAME", "vigie-x".to_string()),
        ("X_BEARER_TOKEN", "fn-test-bearer".to_string()),
    ]);
    dynamo.create_table("vigie-x");
    let collect = FunctionSpec::new(function_bin("collect-x"), "vigie-gp-x-collect-x")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .timeout(Duration::from_secs(60))
        .start();
    let out = collect.invoke_ok(json!({}));
    assert_eq!(
        out,
        json!({"sources": [{"source": "x", "new": 2, "seen": 0, "skipped": 0, "error": null}]})
    );
    let out = collect.invoke_ok(json!({"source": "x"}));
    assert_eq!(
        out["sources"][0]["new"], 0,
        "since_id: nothing twice: {out}"
    );
    let err = collect.invoke(json!({"source": "masto"})).unwrap_err();
    assert!(
        err["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("masto")),
        "{err}"
    );
    assert_eq!(err["errorType"], "Vigie.Configuration", "{err}");
    drop(collect);

    // What coordinators see: the source's health with its cap, from the table.
    let (code, out, err) = run_vigie_with(
        &env,
        &[
            "collect",
            "--once",
            "--crisis",
            &crisis.display().to_string(),
            "--store",
            "dynamodb:vigie-x",
            "--data-dir",
            &dir.path().join("cli").display().to_string(),
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("x: 0 new"), "{out}");
    let token = coordinator_token(&env, "dynamodb:vigie-x", &dir.path().join("cli"));
    let api = FunctionSpec::new(function_bin("triage-api"), "vigie-gp-x-triage-api")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .timeout(Duration::from_secs(60))
        .start();
    let out = api.invoke_ok(http_api_event(
        "GET",
        "/api/v1/sources",
        "",
        &token,
        &[],
        None,
    ));
    let (status, _, body) = http_api_response(&out);
    assert_eq!(status, 200, "{body}");
    let x = body["items"]
        .as_array()
        .and_then(|items| items.iter().find(|s| s["id"] == "x"))
        .unwrap_or_else(|| panic!("the x source's health: {body}"));
    assert_eq!(x["kind"], "x", "{x}");
    let quota = &x["health"]["quota"];
    assert_eq!(quota["unit"], "posts", "{x}");
    assert_eq!(quota["used"], 2, "{x}");
    assert_eq!(quota["cap"], 1000, "{x}");
    let out = api.invoke_ok(http_api_event(
        "GET",
        "/api/v1/reports",
        "limit=10",
        &token,
        &[],
        None,
    ));
    let (_, _, list) = http_api_response(&out);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{list}");
    assert!(items.iter().all(|r| r["network"] == "x"), "{list}");
    assert!(items
        .iter()
        .any(|r| r["source_url"] == "https://x.com/lyne_gp/status/1864411900000000005"));
}

#[test]
fn collect_youtube_collects_on_dynamodb_and_counts_its_daily_quota_there() {
    let moto = start_moto();
    let dynamo = start_dynamodb_local();
    public_bucket(&moto.url, "vigie-yt");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let youtube = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/youtube/v3/search"))
            .and(wiremock::matchers::query_param("key", "fn-test-key"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": [
                {"id": {"kind": "youtube#video", "videoId": "Vd3rM0tNw0A"}, "snippet": {"publishedAt": "2026-09-14T03:10:00Z"}},
                {"id": {"kind": "youtube#video", "videoId": "Pr3f3ct0rGP"}, "snippet": {"publishedAt": "2026-09-14T03:00:00Z"}}
            ]})))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/youtube/v3/videos"))
            .and(wiremock::matchers::query_param("key", "fn-test-key"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": [
                {"id": "Vd3rM0tNw0A", "snippet": {"publishedAt": "2026-09-14T03:10:00Z", "channelId": "UCkreyol",
                    "channelTitle": "Kréyòl Nouvèl", "title": "Inondation à Petit-Bourg",
                    "description": "Une famille attend sur le toit.", "defaultAudioLanguage": "fr"},
                 "statistics": {"likeCount": "4", "commentCount": "2"}},
                {"id": "Pr3f3ct0rGP", "snippet": {"publishedAt": "2026-09-14T03:00:00Z", "channelId": "UCprefecture",
                    "channelTitle": "Préfet de la Guadeloupe", "title": "Point de situation", "description": ""}}
            ]})))
            .mount(&server)
            .await;
        server
    });
    let dir = tempfile::tempdir().unwrap();
    let crisis = dir.path().join("crisis.toml");
    std::fs::write(
        &crisis,
        format!(
            "[crisis]\nid = \"gp-yt\"\nname = \"YouTube on emulators\"\nbbox = [-61.85, 15.83, -61.00, 16.52]\nsince = \"2026-09-13T00:00:00Z\"\n\n[[sources]]\nid = \"yt\"\nkind = \"youtube\"\napi = \"{}\"\nquery = \"Guadeloupe cyclone\"\nkey_env = \"YOUTUBE_API_KEY\"\ndaily_quota = 5000\n",
            youtube.uri()
        ),
    )
    .unwrap();
    let mut env = aws_env(&dynamo.url, &moto.url);
    env.extend([
        ("VIGIE_CRISIS_FILE", crisis.display().to_string()),
        ("TABLE_NAME", "vigie-yt".to_string()),
        ("BUCKET_NAME", "vigie-yt".to_string()),
        ("YOUTUBE_API_KEY", "fn-test-key".to_string()),
    ]);
    dynamo.create_table("vigie-yt");
    let collect = FunctionSpec::new(
        function_bin("collect-youtube"),
        "vigie-gp-yt-collect-youtube",
    )
    .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
    .timeout(Duration::from_secs(60))
    .start();
    let out = collect.invoke_ok(json!({}));
    assert_eq!(
        out,
        json!({"sources": [{"source": "yt", "new": 2, "seen": 0, "skipped": 0, "error": null}]})
    );
    let out = collect.invoke_ok(json!({"source": "yt"}));
    assert_eq!(out["sources"][0]["new"], 0, "nothing twice: {out}");
    drop(collect);

    let token = coordinator_token(&env, "dynamodb:vigie-yt", &dir.path().join("cli"));
    let api = FunctionSpec::new(function_bin("triage-api"), "vigie-gp-yt-triage-api")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .timeout(Duration::from_secs(60))
        .start();
    let out = api.invoke_ok(http_api_event(
        "GET",
        "/api/v1/sources",
        "",
        &token,
        &[],
        None,
    ));
    let (status, _, body) = http_api_response(&out);
    assert_eq!(status, 200, "{body}");
    let yt = body["items"]
        .as_array()
        .and_then(|items| items.iter().find(|s| s["id"] == "yt"))
        .unwrap_or_else(|| panic!("the youtube source's health: {body}"));
    let quota = &yt["health"]["quota"];
    // Two runs of a search (100 units) and a details call (1 unit), counted in the table.
    assert_eq!(
        (&quota["unit"], &quota["used"], &quota["cap"]),
        (&json!("units"), &json!(202), &json!(5000)),
        "{yt}"
    );
    let out = api.invoke_ok(http_api_event(
        "GET",
        "/api/v1/reports",
        "limit=10",
        &token,
        &[],
        None,
    ));
    let (_, _, list) = http_api_response(&out);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{list}");
    assert!(items.iter().all(|r| r["network"] == "youtube"), "{list}");
    assert!(items
        .iter()
        .any(|r| r["source_url"] == "https://www.youtube.com/watch?v=Vd3rM0tNw0A"));
}

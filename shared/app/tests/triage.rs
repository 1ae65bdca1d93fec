//! The triage API as volunteers, coordinators and the authority use it, through the router:
//! the role matrix of docs/api.md (§3, roles and routes), optimistic versions under concurrency, claims, validation,
//! publication, escalation, rumours, the CSV round trip and the OpenAPI document.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use vigie_app::{api, demo, Vigie};
use vigie_conformance::harness::{
    call, call_text, delete, fetch, get, issue, new_reports, post, request, send, token, Answer,
    TestApp,
};
use vigie_conformance::TestStore as _;
use vigie_domain::ports::ReportQuery;
use vigie_domain::taxonomy::Role;

/// The demo collected and triaged as its seed says, under the crisis file `crisis_toml`, with
/// a token per role.
async fn world_with(crisis_toml: &str) -> TestApp {
    TestApp::builder()
        .crisis(crisis_toml)
        .collect()
        .seed_triage()
        .team()
        .build()
        .await
}

/// The demo world, its escalations sent to `hook`'s `/vigie`.
async fn world_notifying(hook: &wiremock::MockServer) -> TestApp {
    TestApp::builder()
        .notifying(&hook.uri())
        .collect()
        .seed_triage()
        .team()
        .build()
        .await
}

async fn world() -> TestApp {
    world_with(demo::CRISIS_TOML).await
}

/// A new report nobody has touched yet.
async fn fresh(app: &Vigie) -> Value {
    serde_json::to_value(&new_reports(app, 1).await[0]).unwrap()
}

const MATRIX: &[(&str, &str, &[&str])] = &[
    (
        "GET",
        "/api/v1/reports",
        &["volunteer", "coordinator", "authority"],
    ),
    ("POST", "/api/v1/reports", &["volunteer", "coordinator"]),
    (
        "GET",
        "/api/v1/reports/{id}",
        &["volunteer", "coordinator", "authority"],
    ),
    (
        "PATCH",
        "/api/v1/reports/{id}",
        &["volunteer", "coordinator"],
    ),
    (
        "POST",
        "/api/v1/reports/{id}/claim",
        &["volunteer", "coordinator"],
    ),
    (
        "POST",
        "/api/v1/reports/{id}/release",
        &["volunteer", "coordinator"],
    ),
    ("POST", "/api/v1/reports/{id}/publish", &["coordinator"]),
    ("POST", "/api/v1/reports/{id}/unpublish", &["coordinator"]),
    (
        "POST",
        "/api/v1/reports/{id}/escalate",
        &["volunteer", "coordinator"],
    ),
    ("POST", "/api/v1/reports/{id}/ack", &["authority"]),
    (
        "GET",
        "/api/v1/escalations",
        &["volunteer", "coordinator", "authority"],
    ),
    (
        "GET",
        "/api/v1/rumors",
        &["volunteer", "coordinator", "authority"],
    ),
    (
        "GET",
        "/api/v1/stats",
        &["volunteer", "coordinator", "authority"],
    ),
    (
        "GET",
        "/api/v1/sources",
        &["volunteer", "coordinator", "authority"],
    ),
    ("GET", "/api/v1/export.csv", &["coordinator", "authority"]),
    (
        "GET",
        "/api/v1/me",
        &["volunteer", "coordinator", "authority"],
    ),
    (
        "GET",
        "/api/v1/places",
        &["volunteer", "coordinator", "authority"],
    ),
    (
        "POST",
        "/api/v1/reports/bulk",
        &["volunteer", "coordinator"],
    ),
    ("POST", "/api/v1/tokens", &["coordinator"]),
    ("GET", "/api/v1/tokens", &["coordinator"]),
    ("DELETE", "/api/v1/tokens/{id}", &["coordinator"]),
    (
        "GET",
        "/api/v1/changes",
        &["volunteer", "coordinator", "authority"],
    ),
    (
        "GET",
        "/api/v1/rooms",
        &["volunteer", "coordinator", "authority"],
    ),
    ("PUT", "/api/v1/rooms", &["coordinator"]),
    (
        "GET",
        "/api/v1/relays",
        &["volunteer", "coordinator", "authority"],
    ),
    ("POST", "/api/v1/relays", &["volunteer", "coordinator"]),
    ("POST", "/api/v1/relays/{id}/approve", &["coordinator"]),
    ("POST", "/api/v1/relays/{id}/withdraw", &["coordinator"]),
];

/// How a refusal names the action of a route, written out independently of the code.
fn action_words(method: &str, path: &str) -> &'static str {
    match (method, path) {
        (_, p) if p.ends_with("/publish") || p.ends_with("/unpublish") => "publishing",
        (_, p) if p.ends_with("/ack") => "acknowledging an escalation",
        (_, p) if p.ends_with("/escalate") => "escalating",
        (_, p) if p.ends_with("/claim") || p.ends_with("/release") => "claiming",
        (_, p) if p.contains("/tokens") => "managing access tokens",
        ("PUT", "/api/v1/rooms") => "defining the team's topic rooms",
        ("POST", "/api/v1/relays") => "drafting a relay",
        (_, p) if p.starts_with("/api/v1/relays/") => "approving or withdrawing a relay",
        (_, p) if p.ends_with("/export.csv") => "exporting",
        ("PATCH", _) | ("POST", "/api/v1/reports/bulk") => "changing a report",
        ("POST", "/api/v1/reports") => "entering a report by hand",
        _ => "reading",
    }
}

#[tokio::test]
async fn the_role_matrix() {
    let w = world().await;
    let revoked = issue(&w.app, Role::Coordinator, "Parti").await;
    w.app
        .store
        .revoke_token(&revoked.record.id, chrono::Utc::now(), "test")
        .await
        .unwrap();
    let id = fresh(&w.app).await["id"].as_str().unwrap().to_string();
    let documented: Vec<(String, String)> = api::routes()
        .iter()
        .filter(|r| r.access.0.is_some())
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    assert_eq!(
        documented.len(),
        MATRIX.len(),
        "every protected route is in the matrix"
    );
    for (method, path, allowed) in MATRIX {
        assert!(
            documented.contains(&(method.to_string(), path.to_string())),
            "{method} {path} is routed"
        );
        let uri = path.replace(
            "{id}",
            if path.contains("tokens") {
                "t000000000000"
            } else {
                &id
            },
        );
        let method: Method = method.parse().unwrap();
        for (who, token) in [
            ("nobody", None),
            ("bad", Some("vigie_0000")),
            ("revoked", Some(revoked.secret.as_str())),
        ] {
            let a = call(&w.app, method.clone(), &uri, token, &[], None).await;
            assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{who} {method} {uri}");
            assert_eq!(a.body["error"]["code"], "unauthorized");
        }
        for (role, token) in [
            ("volunteer", &w.volunteer),
            ("coordinator", &w.coordinator),
            ("authority", &w.authority),
        ] {
            let a = send(&w.app, method.clone(), &uri, token, None).await;
            if allowed.contains(&role) {
                assert!(
                    a.status != StatusCode::FORBIDDEN && a.status != StatusCode::UNAUTHORIZED,
                    "{role} may {method} {uri}: {}",
                    a.text
                );
            } else {
                assert_eq!(
                    a.status,
                    StatusCode::FORBIDDEN,
                    "{role} may not {method} {uri}: {}",
                    a.text
                );
                let message = a.body["error"]["message"].as_str().unwrap();
                assert!(
                    message.contains(&format!("this token is a {role}'s"))
                        || message.contains(&format!("this token is an {role}'s")),
                    "{message}"
                );
                assert!(
                    message.contains(action_words(method.as_str(), path)),
                    "{method} {path}: the refusal names the action: {message}"
                );
                for may in allowed.iter() {
                    assert!(message.contains(may), "{message} names {may}");
                }
            }
        }
    }
    // Public routes.
    assert_eq!(fetch(&w.app, "/healthz", None).await.status, StatusCode::OK);
    assert_eq!(
        fetch(&w.app, "/api/v1/openapi.json", None).await.status,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_parallel_updates_with_one_version_one_wins() {
    let w = world().await;
    let report = fresh(&w.app).await;
    let id = report["id"].as_str().unwrap().to_string();
    let version = report["version"].as_u64().unwrap().to_string();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let app = w.app.clone();
        let (id, version, token) = (id.clone(), version.clone(), w.volunteer.clone());
        tasks.push(tokio::spawn(async move {
            let a = call(
                &app,
                Method::PATCH,
                &format!("/api/v1/reports/{id}"),
                Some(&token),
                &[("If-Match", &version)],
                Some(json!({"summary": format!("version {i}")})),
            )
            .await;
            (a.status, i)
        }));
    }
    let mut ok = Vec::new();
    let mut stale = 0;
    for t in tasks {
        let (status, i) = t.await.unwrap();
        match status {
            StatusCode::OK => ok.push(i),
            StatusCode::PRECONDITION_FAILED => stale += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(ok.len(), 1, "exactly one update wins");
    assert_eq!(stale, 19);
    let now = get(&w.app, &format!("/api/v1/reports/{id}"), &w.volunteer).await;
    assert_eq!(
        now.body["summary"],
        format!("version {}", ok[0]),
        "the winner's change, nothing else"
    );
    assert_eq!(
        now.body["version"].as_u64().unwrap(),
        version.parse::<u64>().unwrap() + 1
    );
    assert_eq!(
        now.body["history"].as_array().unwrap().len(),
        1,
        "one change recorded"
    );
    assert_eq!(
        now.etag_value(),
        Some(now.body["version"].to_string().as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn claims_race_and_expire() {
    let w = world().await;
    let id = fresh(&w.app).await["id"].as_str().unwrap().to_string();
    let mut names = Vec::new();
    for i in 0..10 {
        names.push(token(&w.app, Role::Volunteer, &format!("Bénévole {i}")).await);
    }
    let mut tasks = Vec::new();
    for t in names.clone() {
        let app = w.app.clone();
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            post(&app, &format!("/api/v1/reports/{id}/claim"), &t)
                .await
                .status
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        9,
        "{statuses:?}"
    );
    let report = get(&w.app, &format!("/api/v1/reports/{id}"), &w.volunteer).await;
    let holder = report.body["claimed_by"].as_str().unwrap().to_string();
    assert!(
        holder.starts_with("Bénévole"),
        "others see who holds it: {holder}"
    );
    assert!(report.body["claim_expires_at"].is_string());

    // Someone else cannot change it or release it while the claim runs...
    let v = report.body["version"].to_string();
    let a = call(
        &w.app,
        Method::PATCH,
        &format!("/api/v1/reports/{id}"),
        Some(&w.volunteer),
        &[("If-Match", &v)],
        Some(json!({"priority": "high"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(a.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("claimed by Bénévole"));
    let a = post(&w.app, &format!("/api/v1/reports/{id}/claim"), &w.volunteer).await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    // ...and once it has run out, the report is free again.
    let mut expired: vigie_domain::Report = serde_json::from_value(report.body.clone()).unwrap();
    expired.claim_expires_at = Some(chrono::Utc::now() - chrono::Duration::seconds(1));
    let entry = vigie_domain::report::HistoryEntry {
        report_id: id.clone(),
        version: 0,
        at: chrono::Utc::now(),
        actor: "test".into(),
        action: "expire".into(),
        changes: json!({}),
    };
    w.app
        .store
        .update_report(&expired, expired.version, &entry)
        .await
        .unwrap();
    let a = post(&w.app, &format!("/api/v1/reports/{id}/claim"), &w.volunteer).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert!(a.body["claimed_by"].as_str().unwrap().starts_with("Lyne"));
    let a = post(
        &w.app,
        &format!("/api/v1/reports/{id}/release"),
        &w.volunteer,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body["claimed_by"].is_null());
}

#[tokio::test]
async fn every_field_is_validated_by_name() {
    let w = world().await;
    let report = fresh(&w.app).await;
    let id = report["id"].as_str().unwrap();
    let v = report["version"].to_string();
    let uri = format!("/api/v1/reports/{id}");
    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (
            json!({"category": "flood"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "category",
        ),
        (
            json!({"priority": "urgent"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "priority",
        ),
        (
            json!({"verification": "maybe"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "verification",
        ),
        (
            json!({"status": "published"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "status",
        ),
        (
            json!({"status": "gone"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "status",
        ),
        (json!({"category": 3}), StatusCode::BAD_REQUEST, "category"),
        (
            json!({"location": {"lat": 200, "lon": -61.5}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "location.lat",
        ),
        (
            json!({"location": {"lat": 16.2, "lon": -361}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "location.lon",
        ),
        (
            json!({"location": {"lat": -61.5, "lon": 16.2}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "outside the crisis area",
        ),
        (
            json!({"location": {"place": "Atlantis"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "location.place",
        ),
        (
            json!({"location": {"lat": 16.2}}),
            StatusCode::BAD_REQUEST,
            "location",
        ),
        (
            json!({"location": "PAP"}),
            StatusCode::BAD_REQUEST,
            "location",
        ),
        (
            json!({"summary": "x".repeat(501)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "summary",
        ),
        (json!({"summary": 12}), StatusCode::BAD_REQUEST, "summary"),
        (json!({"colour": "red"}), StatusCode::BAD_REQUEST, "colour"),
        (json!({}), StatusCode::BAD_REQUEST, "nothing to change"),
    ];
    for (body, status, needle) in cases {
        let a = call(
            &w.app,
            Method::PATCH,
            &uri,
            Some(&w.volunteer),
            &[("If-Match", &v)],
            Some(body.clone()),
        )
        .await;
        assert_eq!(a.status, status, "{body}: {}", a.text);
        let message = a.body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "{body}: {message}");
    }
    let a = send(
        &w.app,
        Method::PATCH,
        &uri,
        &w.volunteer,
        Some(json!({"priority": "high"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("If-Match"));
    let a = call(
        &w.app,
        Method::PATCH,
        &uri,
        Some(&w.volunteer),
        &[("If-Match", "abc")],
        Some(json!({"priority": "high"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let a = call(
        &w.app,
        Method::PATCH,
        &uri,
        Some(&w.volunteer),
        &[("If-Match", "99")],
        Some(json!({"priority": "high"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::PRECONDITION_FAILED);

    // Nothing above changed the report.
    let same = fetch(&w.app, &uri, Some(&w.volunteer)).await;
    assert_eq!(same.body["version"], report["version"]);

    // Raw bodies: not JSON, not an object, too large.
    for (raw, status) in [
        ("{not json", StatusCode::BAD_REQUEST),
        ("[1,2]", StatusCode::BAD_REQUEST),
    ] {
        let resp = call_text(
            &w.app,
            Method::PATCH,
            &uri,
            Some(&w.volunteer),
            &[("If-Match", &v)],
            raw,
        )
        .await;
        assert_eq!(resp.status, status, "{raw}");
    }
    let big = json!({"network": "facebook", "url": "https://fb.example/p/big", "text": "x".repeat(70 * 1024)});
    let a = send(
        &w.app,
        Method::POST,
        "/api/v1/reports",
        &w.volunteer,
        Some(big),
    )
    .await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(a.body["error"]["code"], "too_large");

    // A valid change, then the queue shows it.
    let a = call(&w.app, Method::PATCH, &uri, Some(&w.volunteer), &[("If-Match", &v)], Some(json!({"category": "damage", "priority": "high", "summary": "Toitures arrachées", "location": {"place": "PAP"}}))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["status"], "triaged");
    assert_eq!(a.body["location"]["insee"], "97120");
    assert_eq!(a.body["location"]["method"], "volunteer");
}

#[tokio::test]
async fn hand_entries_are_classified_located_and_deduplicated() {
    let w = world().await;
    // The author typed is an official account's: a hand entry is still not official.
    let body = json!({"network": "facebook", "url": "https://www.facebook.example/groups/gwada/posts/123/", "text": "Au secours, famille bloquée sur le toit à Petit-Bourg, l'eau monte !", "observed_at": "2026-09-14T03:00:00Z", "author": "prefecture@social.demo.example"});
    let a = send(
        &w.app,
        Method::POST,
        "/api/v1/reports",
        &w.volunteer,
        Some(body.clone()),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    assert_eq!(a.body["duplicate"], false);
    assert_eq!(a.body["network"], "facebook");
    assert_eq!(a.body["suggested_category"], "rescue");
    assert_eq!(a.body["suggested_priority"], "critical");
    assert_eq!(a.body["location"]["insee"], "97118");
    let id = a.body["id"].clone();
    assert_eq!(a.body["official"], false);
    let mut again = body.clone();
    again["url"] = json!("https://www.facebook.example/groups/gwada/posts/123#comments");
    let a = send(
        &w.app,
        Method::POST,
        "/api/v1/reports",
        &w.coordinator,
        Some(again),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body["duplicate"], true);
    assert_eq!(a.body["id"], id);
    // Who entered it and what they typed is the first entry of its history.
    let entered = get(
        &w.app,
        &format!("/api/v1/reports/{}", id.as_str().unwrap()),
        &w.coordinator,
    )
    .await;
    let history = entered.body["history"].as_array().unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0]["action"], "create");
    assert!(
        history[0]["actor"].as_str().unwrap().starts_with("Lyne ("),
        "{history:?}"
    );
    assert_eq!(history[0]["changes"]["url"]["after"], body["url"]);
    assert_eq!(history[0]["changes"]["text"]["after"], body["text"]);
    assert_eq!(history[0]["changes"]["network"]["after"], "facebook");
    // A post already collected is not stored again, whatever network the volunteer names.
    let collected = fresh(&w.app).await;
    let address = collected["source_url"].as_str().unwrap().to_string();
    let shouted = address.replacen("https://", "HTTPS://", 1) + "/";
    for network in [
        collected["network"].as_str().unwrap(),
        "facebook",
        "whatsapp",
    ] {
        let a = send(
            &w.app,
            Method::POST,
            "/api/v1/reports",
            &w.volunteer,
            Some(json!({"network": network, "url": shouted, "text": "Vu sur un groupe"})),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{network}: {}", a.text);
        assert_eq!(a.body["duplicate"], true, "{network}");
        assert_eq!(a.body["id"], collected["id"], "{network}");
    }
    let with_point = json!({"network": "waze", "url": "https://waze.example/r/9", "text": "Route inondée", "point": {"lat": 16.24, "lon": -61.53}});
    let a = send(
        &w.app,
        Method::POST,
        "/api/v1/reports",
        &w.volunteer,
        Some(with_point),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    assert_eq!(a.body["location"]["precision"], "exact");
    for (bad, needle) in [
        (
            json!({"url": "https://x.example/1", "text": "t"}),
            "network",
        ),
        (json!({"network": "facebook", "text": "t"}), "url"),
        (
            json!({"network": "facebook", "url": "ftp://x", "text": "t"}),
            "url",
        ),
        (
            json!({"network": "facebook", "url": "https://x.example/1"}),
            "text",
        ),
        (
            json!({"network": "Face Book", "url": "https://x.example/1", "text": "t"}),
            "network",
        ),
        (
            json!({"network": "facebook", "url": "https://x.example/1", "text": "t", "observed_at": "hier"}),
            "observed_at",
        ),
        (
            json!({"network": "facebook", "url": "https://x.example/1", "text": "t", "place": "Atlantis"}),
            "place",
        ),
        (
            json!({"network": "facebook", "url": "https://x.example/1", "text": "t", "likes": 3}),
            "likes",
        ),
    ] {
        let a = send(
            &w.app,
            Method::POST,
            "/api/v1/reports",
            &w.volunteer,
            Some(bad.clone()),
        )
        .await;
        assert!(
            a.status == StatusCode::BAD_REQUEST || a.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            a.text
        );
        assert!(
            a.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains(needle),
            "{bad}: {}",
            a.text
        );
    }
}

#[tokio::test]
async fn a_coordinator_publishes_what_is_complete() {
    let w = world().await;
    let report = fresh(&w.app).await;
    let id = report["id"].as_str().unwrap();
    let a = post(
        &w.app,
        &format!("/api/v1/reports/{id}/publish"),
        &w.coordinator,
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(
        a.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("category"),
        "{}",
        a.text
    );
    let v = report["version"].to_string();
    call(&w.app, Method::PATCH, &format!("/api/v1/reports/{id}"), Some(&w.volunteer), &[("If-Match", &v)], Some(json!({"category": "access", "summary": "Route coupée", "location": {"place": "97114"}}))).await;
    let a = post(
        &w.app,
        &format!("/api/v1/reports/{id}/publish"),
        &w.volunteer,
    )
    .await;
    assert_eq!(
        a.status,
        StatusCode::FORBIDDEN,
        "a volunteer never publishes"
    );
    let a = post(
        &w.app,
        &format!("/api/v1/reports/{id}/publish"),
        &w.coordinator,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["status"], "published");
    assert!(w
        .app
        .store
        .published_reports()
        .await
        .unwrap()
        .iter()
        .any(|r| r.id == id));
    // On the public map, only a coordinator changes it.
    let v = a.body["version"].to_string();
    let uri = format!("/api/v1/reports/{id}");
    let p = call(
        &w.app,
        Method::PATCH,
        &uri,
        Some(&w.volunteer),
        &[("If-Match", &v)],
        Some(json!({"status": "triaged"})),
    )
    .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "{}", p.text);
    let p = call(
        &w.app,
        Method::PATCH,
        &uri,
        Some(&w.coordinator),
        &[("If-Match", &v)],
        Some(json!({"summary": "Route coupée, déviation"})),
    )
    .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text);
    let a = post(
        &w.app,
        &format!("/api/v1/reports/{id}/unpublish"),
        &w.coordinator,
    )
    .await;
    assert_eq!(a.body["status"], "triaged");
    assert!(!w
        .app
        .store
        .published_reports()
        .await
        .unwrap()
        .iter()
        .any(|r| r.id == id));
    let history = get(&w.app, &format!("/api/v1/reports/{id}"), &w.authority).await;
    let actions: Vec<&str> = history.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["update", "publish", "update", "unpublish"]);
    let who: Vec<&str> = history.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["actor"].as_str().unwrap())
        .collect();
    assert!(
        who[0].starts_with("Lyne") && who[1].starts_with("Coordination"),
        "{who:?}"
    );
    assert_eq!(
        history.body["history"][1]["changes"]["status"]["before"],
        "triaged"
    );
    assert_eq!(
        history.body["history"][1]["changes"]["status"]["after"],
        "published"
    );
}

#[tokio::test]
async fn escalations_reach_the_authority_at_once() {
    let hook = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path("/vigie"))
        .respond_with(wiremock::ResponseTemplate::new(204))
        .expect(1)
        .mount(&hook)
        .await;
    let w = world_notifying(&hook).await;
    let id = fresh(&w.app).await["id"].as_str().unwrap().to_string();
    let a = post(
        &w.app,
        &format!("/api/v1/reports/{id}/escalate"),
        &w.volunteer,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["notification"], "queued");
    assert_eq!(a.body["escalated"], true);
    let deliveries = deliveries_of(&w, &id, 1).await;
    assert_eq!(deliveries[0]["delivered"], true, "{deliveries:?}");
    assert_eq!(
        deliveries[0]["after"], "delivered to the webhook (attempt 1 of 6)",
        "{deliveries:?}"
    );
    let received = &hook.received_requests().await.unwrap()[0];
    let payload: Value = serde_json::from_slice(&received.body).unwrap();
    assert_eq!(payload["event"], "escalation");
    assert_eq!(payload["report"]["id"], id.as_str());
    let a = post(
        &w.app,
        &format!("/api/v1/reports/{id}/escalate"),
        &w.volunteer,
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "already waiting");
    let a = post(&w.app, &format!("/api/v1/reports/{id}/ack"), &w.authority).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body["acknowledged_by"]
        .as_str()
        .unwrap()
        .starts_with("Cellule de crise"));
    let list = get(&w.app, "/api/v1/escalations", &w.authority).await;
    let items = list.body["items"].as_array().unwrap();
    assert!(items.iter().any(|i| i["id"] == id.as_str()));
    let waiting: Vec<bool> = items
        .iter()
        .map(|i| i["acknowledged_at"].is_null())
        .collect();
    assert!(
        waiting.windows(2).all(|p| p[0] >= p[1]),
        "those waiting for the authority come first: {waiting:?}"
    );
    assert_eq!(
        items.last().unwrap()["id"],
        id.as_str(),
        "the acknowledged one last"
    );
    let stats = get(&w.app, "/api/v1/stats", &w.volunteer).await;
    assert!(stats.body["total"].as_u64().unwrap() >= 150);
    assert!(stats.body["by_category"]
        .as_object()
        .unwrap()
        .contains_key("rescue"));
    assert!(!stats.body["by_hour"].as_object().unwrap().is_empty());
}

#[tokio::test]
async fn rumours_are_grouped_by_cluster_with_their_spread() {
    let w = world().await;
    // The demo's dam rumour spreads in copies; mark two of them.
    let page = w
        .app
        .store
        .list_reports(&ReportQuery {
            q: Some("barrage Moreau cédé".into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    let clusters: std::collections::HashMap<String, usize> =
        page.items.iter().fold(Default::default(), |mut m, r| {
            *m.entry(r.cluster_id.clone()).or_default() += 1;
            m
        });
    let (cluster, _) = clusters.iter().max_by_key(|(_, n)| **n).unwrap();
    let members: Vec<_> = page
        .items
        .iter()
        .filter(|r| &r.cluster_id == cluster)
        .take(2)
        .collect();
    for m in &members {
        let uri = format!("/api/v1/reports/{}", m.id);
        let a = call(
            &w.app,
            Method::PATCH,
            &uri,
            Some(&w.volunteer),
            &[("If-Match", &m.version.to_string())],
            Some(json!({"verification": "rumor"})),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    }
    let a = get(&w.app, "/api/v1/rumors", &w.volunteer).await;
    let item = a.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["cluster_id"] == cluster.as_str())
        .expect("the cluster is listed");
    assert_eq!(item["verification"], "rumor");
    assert!(item["size"].as_u64().unwrap() >= 2);
    assert!(item["spread"].as_u64().unwrap() >= item["size"].as_u64().unwrap());
}

#[tokio::test]
async fn csv_export_import_export_is_identical() {
    let w = world().await;
    let a = get(&w.app, "/api/v1/export.csv", &w.authority).await;
    assert_eq!(a.status, StatusCode::OK);
    let first = a.text;
    assert!(
        first.starts_with('\u{feff}'),
        "a BOM so spreadsheets read UTF-8"
    );
    let mut lines = first.trim_start_matches('\u{feff}').lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("id,posted_at,collected_at,network"));
    let hxl = lines.next().unwrap();
    for tag in [
        "#date",
        "#geo+lat",
        "#geo+lon",
        "#loc+name",
        "#sector",
        "#status",
    ] {
        assert!(
            hxl.split(',')
                .any(|c| c == tag || c.starts_with(&format!("{tag}+"))),
            "{tag} in {hxl}"
        );
    }
    let reports = vigie_domain::table::read(&first, chrono::Utc::now()).unwrap();
    assert!(reports.len() > 150);

    let blank = TestApp::builder().open();
    let empty = &blank.app;
    let added = vigie_app::import::import(
        empty.store.as_ref(),
        &reports,
        "earlier.csv",
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert!(added.iter().all(|new| *new));
    let log = empty.store.history(&reports[0].id).await.unwrap();
    assert_eq!(log.len(), 1, "one entry per imported row: {log:?}");
    assert_eq!(log[0].action, "import");
    assert_eq!(log[0].actor, "vigie import");
    assert_eq!(log[0].changes["file"]["after"], "earlier.csv");
    // The categories and priorities the earlier volunteers set teach the model, once.
    let decided = |pick: fn(&vigie_domain::Report) -> bool| {
        u32::try_from(reports.iter().filter(|r| pick(r)).count()).unwrap()
    };
    let expected = (
        decided(|r| r.category.is_some()),
        decided(|r| r.priority.is_some()),
    );
    assert!(expected.0 > 0, "the demo's triage sets categories");
    let learnt = || async {
        vigie_app::learning::model(empty.store.as_ref())
            .await
            .expect("the model is in the store")
            .decisions()
    };
    assert_eq!(learnt().await, expected);
    let again = vigie_app::import::import(
        empty.store.as_ref(),
        &reports[..1],
        "earlier.csv",
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(again, [false]);
    assert_eq!(
        empty.store.history(&reports[0].id).await.unwrap().len(),
        1,
        "a row already present is not imported again"
    );
    assert_eq!(learnt().await, expected, "nor learnt again");
    let t = token(empty, Role::Coordinator, "C").await;
    let second = get(empty, "/api/v1/export.csv", &t).await.text;
    assert_eq!(first, second, "export → import → export is identical");
}

#[tokio::test]
async fn tokens_are_created_listed_and_revoked_at_once() {
    let w = world().await;
    let a = send(
        &w.app,
        Method::POST,
        "/api/v1/tokens",
        &w.coordinator,
        Some(json!({"name": "Nouvelle bénévole", "role": "volunteer"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    let secret = a.body["token"].as_str().unwrap().to_string();
    let id = a.body["id"].as_str().unwrap().to_string();
    assert_eq!(
        fetch(&w.app, "/api/v1/reports?limit=1", Some(&secret))
            .await
            .status,
        StatusCode::OK
    );
    let list = get(&w.app, "/api/v1/tokens", &w.coordinator).await;
    assert!(list.text.contains("Nouvelle bénévole"));
    assert!(
        !list.text.contains(&secret) && !list.text.contains("hash"),
        "never the token nor its hash"
    );
    assert_eq!(
        send(
            &w.app,
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            &w.coordinator,
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        fetch(&w.app, "/api/v1/reports?limit=1", Some(&secret))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(
            &w.app,
            Method::DELETE,
            "/api/v1/tokens/t-none",
            &w.coordinator,
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let a = send(
        &w.app,
        Method::POST,
        "/api/v1/tokens",
        &w.coordinator,
        Some(json!({"name": "X", "role": "mayor"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_openapi_document_matches_the_router() {
    let w = world().await;
    let doc = fetch(&w.app, "/api/v1/openapi.json", None).await.body;
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let mut documented = 0;
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            documented += 1;
            assert!(op["summary"].is_string());
            let uri = path.replace("{id}", "r0");
            let a = send(
                &w.app,
                method.to_uppercase().parse().unwrap(),
                &uri,
                &w.coordinator,
                None,
            )
            .await;
            assert!(
                !(a.status == StatusCode::NOT_FOUND
                    && a.body["error"]["message"] == "route not found"),
                "{method} {path} is documented but not routed"
            );
            assert_ne!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        }
    }
    assert_eq!(
        documented,
        api::routes().len(),
        "every route documented once"
    );
    // Each body's fields, as the handler accepts them (the list its refusal of an unknown field
    // gives), are the properties of its schema in the document, no more and no fewer.
    let report = fresh(&w.app).await;
    let report_uri = format!("/api/v1/reports/{}", report["id"].as_str().unwrap());
    let version = report["version"].to_string();
    let mut bodies = 0;
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            let Some(reference) =
                op["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
            else {
                continue;
            };
            bodies += 1;
            let name = reference.trim_start_matches("#/components/schemas/");
            let schema = &doc["components"]["schemas"][name];
            assert_eq!(schema["additionalProperties"], false, "{name}");
            let documented: std::collections::BTreeSet<String> = schema["properties"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            let uri = path.replace("{id}", report["id"].as_str().unwrap());
            let a = call(
                &w.app,
                method.to_uppercase().parse().unwrap(),
                &uri,
                Some(&w.coordinator),
                &[("If-Match", &version)],
                Some(json!({"zz_not_a_field": 1})),
            )
            .await;
            assert_eq!(
                a.status,
                StatusCode::BAD_REQUEST,
                "{method} {path}: {}",
                a.text
            );
            let message = a.body["error"]["message"].as_str().unwrap();
            let accepted: std::collections::BTreeSet<String> = message
                .split_once("(expected one of: ")
                .and_then(|(_, rest)| rest.strip_suffix(')'))
                .unwrap_or_else(|| panic!("{method} {path}: {message}"))
                .split(", ")
                .map(str::to_string)
                .collect();
            assert_eq!(accepted, documented, "{method} {path}: handler vs {name}");
        }
    }
    // The bulk body's `changes`, likewise.
    let changes = &doc["components"]["schemas"]["Bulk"]["properties"]["changes"];
    assert_eq!(changes["additionalProperties"], false);
    let documented: std::collections::BTreeSet<&str> = changes["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let a = send(
        &w.app,
        Method::POST,
        "/api/v1/reports/bulk",
        &w.coordinator,
        Some(json!({"ids": ["r0"], "action": "update", "changes": {"zz_not_a_field": 1}})),
    )
    .await;
    let message = a.body["error"]["message"].as_str().unwrap();
    let accepted: std::collections::BTreeSet<&str> = message
        .split_once("(expected one of: ")
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("bulk changes: {message}"))
        .split(", ")
        .collect();
    assert_eq!(accepted, documented, "bulk changes: handler vs schema");
    let actions: Vec<&str> = doc["components"]["schemas"]["Bulk"]["properties"]["action"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for action in &actions {
        let a = send(&w.app, Method::POST, "/api/v1/reports/bulk", &w.coordinator, Some(json!({"ids": ["r-missing"], "action": action, "changes": if *action == "update" { json!({"priority": "low"}) } else { Value::Null }})))
        .await;
        assert_eq!(a.status, StatusCode::OK, "bulk {action}: {}", a.text);
    }
    let a = send(
        &w.app,
        Method::POST,
        "/api/v1/reports/bulk",
        &w.coordinator,
        Some(json!({"ids": ["r0"], "action": "archive"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    for action in &actions {
        assert!(
            a.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains(action),
            "the refusal lists {action}: {}",
            a.text
        );
    }
    // The new answers have exactly the properties of their schemas.
    let schema_of = |path: &str, method: &str| {
        let schema = &doc["paths"][path][method]["responses"]["200"]["content"]["application/json"]
            ["schema"];
        let name = schema["$ref"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path}: {schema}"))
            .trim_start_matches("#/components/schemas/");
        doc["components"]["schemas"][name].clone()
    };
    let keys = |v: &Value| -> std::collections::BTreeSet<String> {
        v.as_object().unwrap().keys().cloned().collect()
    };
    let me = get(&w.app, "/api/v1/me", &w.volunteer).await;
    let me_schema = schema_of("/api/v1/me", "get");
    assert_eq!(
        keys(&me.body),
        keys(&me_schema["properties"]),
        "{}",
        me.text
    );
    let places = get(&w.app, "/api/v1/places?q=pointe", &w.volunteer).await;
    let places_schema = schema_of("/api/v1/places", "get");
    assert_eq!(keys(&places.body), keys(&places_schema["properties"]));
    let place_schema = &doc["components"]["schemas"]["Place"];
    assert_eq!(
        keys(&places.body["items"][0]),
        keys(&place_schema["properties"]),
        "{}",
        places.text
    );
    for p in doc["paths"]["/api/v1/places"]["get"]["parameters"]
        .as_array()
        .unwrap()
    {
        assert_eq!(p["in"], "query");
    }
    let outcome = send(&w.app, Method::POST, "/api/v1/reports/bulk", &w.volunteer, Some(json!({"ids": [report["id"], "r-missing"], "action": "update", "changes": {"priority": "low"}})))
    .await;
    let outcome_schema = schema_of("/api/v1/reports/bulk", "post");
    assert_eq!(keys(&outcome.body), keys(&outcome_schema["properties"]));
    for (list, item) in [
        ("done", &outcome.body["done"][0]),
        ("skipped", &outcome.body["skipped"][0]),
    ] {
        assert_eq!(
            keys(item),
            keys(&outcome_schema["properties"][list]["items"]["properties"]),
            "{}",
            outcome.text
        );
    }
    let released = post(&w.app, &format!("{report_uri}/release"), &w.coordinator).await;
    let release_doc = &doc["paths"]["/api/v1/reports/{id}/release"]["post"]["responses"]["200"]
        ["content"]["application/json"]["schema"]["allOf"][1];
    for field in release_doc["required"].as_array().unwrap() {
        assert!(
            released.body.get(field.as_str().unwrap()).is_some(),
            "{field} in {}",
            released.text
        );
    }
    assert_eq!(
        bodies, 8,
        "hand entry, update, new token, bulk, rooms, relay draft, approval, withdrawal"
    );
    // Answers have schemas: a report has every field its schema requires.
    let one = get(&w.app, &report_uri, &w.coordinator).await;
    for field in doc["components"]["schemas"]["Report"]["required"]
        .as_array()
        .unwrap()
    {
        assert!(
            one.body.get(field.as_str().unwrap()).is_some(),
            "{field} in {}",
            one.text
        );
    }
    assert!(
        doc["paths"]["/api/v1/export.csv"]["get"]["responses"]["200"]["content"]
            .get("text/csv")
            .is_some()
    );
    assert!(
        doc["paths"]["/api/v1/reports"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"]["$ref"]
            == "#/components/schemas/Page"
    );
    // What the schemas refuse, the router refuses too.
    let cursor = doc["paths"]["/api/v1/reports"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "cursor")
        .unwrap()["schema"]
        .clone();
    assert!(cursor["minLength"].as_u64().unwrap() >= 1);
    let a = get(&w.app, "/api/v1/reports?cursor=", &w.coordinator).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let entry = &doc["components"]["schemas"]["HandEntry"];
    assert_eq!(entry["properties"]["place"]["minLength"], 1);
    assert!(entry["not"]["anyOf"].as_array().unwrap().len() == 3);
    let a = send(&w.app, Method::POST, "/api/v1/reports", &w.volunteer, Some(json!({"network": "waze", "url": "https://waze.example/r/1", "text": "Route inondée", "point": {"lat": 16.24, "lon": -61.53}, "location": {"lat": 16.24, "lon": -61.53}})))
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    let name = &doc["components"]["schemas"]["NewToken"]["properties"]["name"];
    let pattern = regex::Regex::new(name["pattern"].as_str().unwrap()).unwrap();
    assert!(pattern.is_match("Lyne B."));
    assert!(!pattern.is_match("Lyne\u{7}") && !pattern.is_match("   ") && !pattern.is_match(""));
    let a = send(
        &w.app,
        Method::POST,
        "/api/v1/tokens",
        &w.coordinator,
        Some(json!({"name": "Lyne\u{7}", "role": "volunteer"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Nothing is routed that the document does not list.
    for (method, uri) in [
        ("GET", "/api/v1/report"),
        ("PUT", "/api/v1/reports"),
        ("GET", "/api/v2/reports"),
        ("DELETE", "/api/v1/reports/r0"),
    ] {
        let a = send(&w.app, method.parse().unwrap(), uri, &w.coordinator, None).await;
        assert!(
            a.status == StatusCode::NOT_FOUND || a.status == StatusCode::METHOD_NOT_ALLOWED,
            "{method} {uri}: {}",
            a.status
        );
        assert!(
            a.body["error"]["code"].is_string(),
            "errors keep their shape"
        );
    }
}

#[tokio::test]
async fn cors_is_what_the_crisis_file_allows() {
    let crisis = format!(
        "{}\n[triage]\ncors_origins = [\"https://volunteers.example\"]\n",
        demo::CRISIS_TOML
    );
    let w = world_with(&crisis).await;
    async fn preflight(app: &Vigie, origin: &str) -> Answer {
        request(app, Method::OPTIONS, "/api/v1/reports")
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "PATCH")
            .header("Access-Control-Request-Headers", "authorization,if-match")
            .send()
            .await
    }
    let resp = preflight(&w.app, "https://volunteers.example").await;
    assert_eq!(
        resp.headers.get("access-control-allow-origin").unwrap(),
        "https://volunteers.example"
    );
    let resp = preflight(&w.app, "https://evil.example").await;
    assert!(resp.headers.get("access-control-allow-origin").is_none());
    let plain = world().await;
    let resp = preflight(&plain.app, "https://volunteers.example").await;
    assert!(
        resp.headers.get("access-control-allow-origin").is_none(),
        "no origin allowed by default"
    );
}

/// The lease of a claim: how long it runs past the moment it was taken.
fn lease_minutes(report: &Value) -> i64 {
    let at = |f: &str| {
        chrono::DateTime::parse_from_rfc3339(report[f].as_str().unwrap()).unwrap_or_else(|e| {
            panic!("{f}: {e}");
        })
    };
    let lease = at("claim_expires_at") - at("updated_at");
    assert_eq!(lease.num_seconds() % 60, 0, "a whole number of minutes");
    lease.num_minutes()
}

#[tokio::test]
async fn a_claim_lasts_fifteen_minutes_unless_the_crisis_file_says() {
    for (extra, minutes) in [("", 15), ("\n[triage]\nclaim_minutes = 40\n", 40)] {
        let w = world_with(&format!("{}{extra}", demo::CRISIS_TOML)).await;
        let id = fresh(&w.app).await["id"].as_str().unwrap().to_string();
        let a = post(&w.app, &format!("/api/v1/reports/{id}/claim"), &w.volunteer).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        assert_eq!(lease_minutes(&a.body), minutes, "{extra:?}");
    }
}

#[tokio::test]
async fn releasing_no_claim_changes_nothing() {
    let w = world().await;
    let report = fresh(&w.app).await;
    let id = report["id"].as_str().unwrap();
    let a = post(
        &w.app,
        &format!("/api/v1/reports/{id}/release"),
        &w.volunteer,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["version"], report["version"], "no new version");
    let now = get(&w.app, &format!("/api/v1/reports/{id}"), &w.volunteer).await;
    assert_eq!(now.body["version"], report["version"]);
    assert_eq!(now.body["history"], json!([]), "no history entry");
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let w = world().await;
    for scheme in ["bearer", "BEARER", "Bearer", "bEaReR"] {
        let resp = request(&w.app, Method::GET, "/api/v1/stats")
            .header("Authorization", &format!("{scheme} {}", w.volunteer))
            .send()
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{scheme}");
    }
    for wrong in ["Basic", "Token", "Bearer"] {
        let value = if wrong == "Bearer" {
            "Bearer".to_string()
        } else {
            format!("{wrong} {}", w.volunteer)
        };
        let resp = request(&w.app, Method::GET, "/api/v1/stats")
            .header("Authorization", &value)
            .send()
            .await;
        assert_eq!(resp.status, StatusCode::UNAUTHORIZED, "{wrong}");
    }
}

#[tokio::test]
async fn routes_without_parameters_refuse_unknown_ones_by_name() {
    let w = world().await;
    for route in ["stats", "escalations", "rumors", "sources"] {
        let a = get(&w.app, &format!("/api/v1/{route}?status=new"), &w.volunteer).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{route}: {}", a.text);
        assert_eq!(a.body["error"]["code"], "bad_request");
        assert!(
            a.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("`status`"),
            "{route}: {}",
            a.text
        );
        let a = get(&w.app, &format!("/api/v1/{route}"), &w.volunteer).await;
        assert_eq!(a.status, StatusCode::OK, "{route}: {}", a.text);
    }
}

#[tokio::test]
async fn unreadable_paths_and_queries_answer_with_the_error_body() {
    let w = world().await;
    for uri in [
        "/api/v1/reports/%FF",
        "/api/v1/reports/%FF/claim",
        "/api/v1/tokens/%C3%28",
        "/api/v1/stats?%FF=1",
    ] {
        let method = if uri.ends_with("/claim") {
            Method::POST
        } else if uri.starts_with("/api/v1/tokens") {
            Method::DELETE
        } else {
            Method::GET
        };
        let a = send(&w.app, method, uri, &w.coordinator, None).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{uri}: {}", a.text);
        assert_eq!(a.body["error"]["code"], "bad_request", "{uri}: {}", a.text);
        assert!(a.body["error"]["message"].is_string(), "{uri}: {}", a.text);
    }
}

/// The `notify` entries of a report's history (their `notification` change), once there are
/// at least `n` of them (waited for: deliveries run after the answer).
async fn deliveries_of(w: &TestApp, id: &str, n: usize) -> Vec<Value> {
    for _ in 0..300 {
        let h = get(&w.app, &format!("/api/v1/reports/{id}"), &w.volunteer).await;
        let found: Vec<Value> = h.body["history"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "notify")
            .map(|e| e["changes"]["notification"].clone())
            .collect();
        if found.len() >= n {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("fewer than {n} deliveries recorded for {id}");
}

#[tokio::test]
async fn a_failing_webhook_is_retried_after_the_answer_and_each_attempt_recorded() {
    let hook = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(wiremock::ResponseTemplate::new(503))
        .mount(&hook)
        .await;
    let mut w = world_notifying(&hook).await;
    w.app = w.app.clone().with_retries(vigie_app::triage::Retries {
        attempts: 3,
        first_wait: std::time::Duration::from_millis(50),
    });
    let id = fresh(&w.app).await["id"].as_str().unwrap().to_string();
    let a = post(
        &w.app,
        &format!("/api/v1/reports/{id}/escalate"),
        &w.volunteer,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["escalated"], true);
    assert_eq!(a.body["notification"], "queued");
    let deliveries = deliveries_of(&w, &id, 3).await;
    assert_eq!(deliveries.len(), 3, "{deliveries:?}");
    for (n, d) in deliveries.iter().enumerate() {
        assert_eq!(d["attempt"], n as u64 + 1, "{deliveries:?}");
        assert_eq!(d["delivered"], false, "{deliveries:?}");
        let said = d["after"].as_str().unwrap();
        assert!(said.contains("HTTP 503"), "{said}");
        assert!(
            !said.contains(&hook.uri()),
            "the webhook's address stays out: {said}"
        );
    }
    assert!(deliveries[2]["after"]
        .as_str()
        .unwrap()
        .ends_with("the last)"));
    assert_eq!(hook.received_requests().await.unwrap().len(), 3);
    // No more attempts than said, and the report's version never moved for them.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(hook.received_requests().await.unwrap().len(), 3);
    let now = get(&w.app, &format!("/api/v1/reports/{id}"), &w.volunteer).await;
    assert_eq!(now.body["version"], a.body["version"]);
    let waiting = get(&w.app, "/api/v1/escalations", &w.authority).await;
    assert!(
        waiting.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == id.as_str()),
        "the authority sees it: {}",
        waiting.text
    );
}

/// A webhook that hangs never holds the volunteer's answer: the escalation is answered
/// "queued" while the first attempt waits, and a later attempt delivers it.
#[tokio::test]
async fn a_hung_webhook_never_delays_the_answer() {
    let hook = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(
            wiremock::ResponseTemplate::new(204).set_delay(std::time::Duration::from_secs(60)),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&hook)
        .await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(wiremock::ResponseTemplate::new(204))
        .with_priority(2)
        .mount(&hook)
        .await;
    let mut w = world_notifying(&hook).await;
    w.app = w.app.clone().with_retries(vigie_app::triage::Retries {
        attempts: 3,
        first_wait: std::time::Duration::from_millis(50),
    });
    let id = fresh(&w.app).await["id"].as_str().unwrap().to_string();
    let a = post(
        &w.app,
        &format!("/api/v1/reports/{id}/escalate"),
        &w.volunteer,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(
        a.body["notification"], "queued",
        "answered before the webhook"
    );
    // Nothing is recorded yet: the first attempt is still waiting for the webhook.
    let now = get(&w.app, &format!("/api/v1/reports/{id}"), &w.volunteer).await;
    assert!(
        !now.body["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "notify"),
        "{}",
        now.text
    );
    let deliveries = deliveries_of(&w, &id, 2).await;
    assert_eq!(deliveries[0]["delivered"], false, "{deliveries:?}");
    let said = deliveries[0]["after"].as_str().unwrap();
    assert!(
        said.contains("timed out") || said.contains("no answer within"),
        "{deliveries:?}"
    );
    assert_eq!(deliveries[1]["delivered"], true, "{deliveries:?}");
}

#[tokio::test]
async fn the_last_coordinator_token_stays_and_tokens_say_who_made_and_revoked_them() {
    let w = world().await;
    let tokens_now = |w: &TestApp| {
        let app = w.app.clone();
        let t = w.coordinator.clone();
        async move {
            fetch(&app, "/api/v1/tokens", Some(&t)).await.body["items"]
                .as_array()
                .unwrap()
                .clone()
        }
    };
    let me = tokens_now(&w)
        .await
        .into_iter()
        .find(|t| t["name"] == "Coordination")
        .unwrap();
    let my_id = me["id"].as_str().unwrap().to_string();
    let a = delete(&w.app, &format!("/api/v1/tokens/{my_id}"), &w.coordinator).await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.text);
    assert_eq!(a.body["error"]["code"], "last_coordinator");
    assert!(a.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("last active coordinator token"));
    // With a second coordinator, the first may go; the second then is the last.
    let second = send(
        &w.app,
        Method::POST,
        "/api/v1/tokens",
        &w.coordinator,
        Some(json!({"name": "Relève", "role": "coordinator"})),
    )
    .await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.text);
    assert!(
        second.body["created_by"]
            .as_str()
            .unwrap()
            .starts_with(&format!("Coordination ({my_id})")),
        "{}",
        second.text
    );
    let second_secret = second.body["token"].as_str().unwrap().to_string();
    let second_id = second.body["id"].as_str().unwrap().to_string();
    let a = delete(&w.app, &format!("/api/v1/tokens/{my_id}"), &second_secret).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let a = delete(
        &w.app,
        &format!("/api/v1/tokens/{second_id}"),
        &second_secret,
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.text);
    let list = get(&w.app, "/api/v1/tokens", &second_secret).await;
    let first = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == my_id.as_str())
        .unwrap()
        .clone();
    assert!(first["revoked_at"].is_string());
    assert_eq!(
        first["revoked_by"],
        format!("Relève ({second_id})"),
        "{}",
        list.text
    );
    assert_eq!(first["created_by"], "test");
}

/// Enters a post by hand as `token`, returning the report as answered.
async fn enter(app: &Vigie, token: &str, n: usize, text: &str) -> Value {
    let body = json!({"network": "facebook", "url": format!("https://www.facebook.example/groups/gwada/posts/{n}/"), "text": text, "observed_at": "2026-09-14T03:00:00Z"});
    let a = send(app, Method::POST, "/api/v1/reports", token, Some(body)).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    a.body
}

#[tokio::test]
async fn the_volunteers_decisions_teach_the_suggestions() {
    let w = world().await;
    let probe = "Encore des sargasses à Sainte-Anne ce matin, ça sent l'œuf pourri";
    let before = enter(&w.app, &w.volunteer, 1, probe).await;
    assert_ne!(before["suggested_category"], "hazard", "{before}");
    // Volunteers file a crisis's own subject, one by one and in bulk.
    let (mut bulk, mut filed) = (Vec::new(), Vec::new());
    for i in 0..24 {
        let r = enter(
            &w.app,
            &w.volunteer,
            100 + i,
            &format!("Les sargasses recouvrent l'anse numéro {i}, odeur forte"),
        )
        .await;
        let id = r["id"].as_str().unwrap();
        filed.push(id.to_string());
        let a = call(
            &w.app,
            Method::PATCH,
            &format!("/api/v1/reports/{id}"),
            Some(&w.volunteer),
            &[("If-Match", &r["version"].to_string())],
            Some(json!({"category": "hazard", "priority": "medium"})),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        let r = enter(
            &w.app,
            &w.volunteer,
            200 + i,
            &format!("Des sargasses encore sur la plage {i} ce matin"),
        )
        .await;
        bulk.push(r["id"].clone());
        filed.push(r["id"].as_str().unwrap().to_string());
        let r = enter(
            &w.app,
            &w.volunteer,
            300 + i,
            &format!("Collecte de vêtements samedi au gymnase {i}, venez nombreux"),
        )
        .await;
        let a = call(
            &w.app,
            Method::PATCH,
            &format!("/api/v1/reports/{}", r["id"].as_str().unwrap()),
            Some(&w.volunteer),
            &[("If-Match", &r["version"].to_string())],
            Some(json!({"category": "solidarity", "priority": "low"})),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    }
    let a = send(&w.app, Method::POST, "/api/v1/reports/bulk", &w.volunteer, Some(json!({"ids": bulk, "action": "update", "changes": {"category": "hazard", "priority": "medium"}})))
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let model = vigie_app::learning::model(w.app.store.as_ref())
        .await
        .expect("the model is in the store");
    assert!(model.decisions().0 >= 72, "{:?}", model.decisions());

    // A new post on the subject is suggested as the volunteers filed it, and says why.
    let after = enter(&w.app, &w.volunteer, 2, probe).await;
    assert_eq!(after["suggested_category"], "hazard", "{after}");
    assert_eq!(after["suggested_priority"], "medium", "{after}");
    let why = &after["suggestion_reasons"][0];
    assert_eq!(why["rule"], "learned", "{after}");
    assert_eq!(why["category"], "hazard");
    assert!(
        why["words"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w == "sargasses"),
        "{why}"
    );
    // Another host on the same store suggests with the same model.
    let other = TestApp::builder()
        .store(w.app.store.clone())
        .publisher(w.app.publisher.clone())
        .open();
    let there = enter(&other.app, &w.volunteer, 3, probe).await;
    assert_eq!(there["suggested_category"], "hazard", "{there}");
    // A life at risk found by the rules stays critical, whatever was learnt.
    let rescue = enter(
        &w.app,
        &w.volunteer,
        4,
        "Au secours, des sargasses partout et ma grand-mère est bloquée sur le toit, l'eau monte",
    )
    .await;
    assert_eq!(rescue["suggested_priority"], "critical", "{rescue}");

    // A changed decision is forgotten: refiled as `other`, the subject no longer reads hazard.
    for id in &filed {
        let r = get(&w.app, &format!("/api/v1/reports/{id}"), &w.volunteer).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let a = call(
            &w.app,
            Method::PATCH,
            &format!("/api/v1/reports/{id}"),
            Some(&w.volunteer),
            &[("If-Match", &r.body["version"].to_string())],
            Some(json!({"category": "other", "priority": "low"})),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    }
    let refiled = enter(&w.app, &w.volunteer, 5, probe).await;
    assert_ne!(refiled["suggested_category"], "hazard", "{refiled}");
}

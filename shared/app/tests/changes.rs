//! The feed of changes and the team's rooms through the router, as the volunteers' app uses
//! them: every kind of write through the API appears in `/changes`, a quiet poll is a 304,
//! the rooms are the defaults until a coordinator saves them at the version read.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;
use vigie_conformance::harness::{call, fetch, get, new_reports, send, TestApp};

/// The demo crisis on SQLite, its change cursors reaching back a fifth of a second only.
async fn world() -> TestApp {
    TestApp::builder()
        .change_overlap(Duration::from_millis(200))
        .collect()
        .team()
        .build()
        .await
}

/// Every change from `cursor` to the end of the feed: the reports by id, as last given.
async fn changes(w: &TestApp, cursor: &str) -> (Vec<Value>, String) {
    let mut cursor = cursor.to_string();
    let mut items = Vec::new();
    loop {
        let a = get(
            &w.app,
            &format!("/api/v1/changes?since={cursor}"),
            &w.volunteer,
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        items.extend(a.body["items"].as_array().unwrap().iter().cloned());
        cursor = a.body["cursor"].as_str().unwrap().to_string();
        assert_eq!(a.etag.as_deref(), Some(format!("\"{cursor}\"").as_str()));
        if a.body["more"] == false {
            return (items, cursor);
        }
    }
}

/// The report `id` as the feed from `cursor` last gave it.
async fn changed(w: &TestApp, cursor: &str, id: &str) -> Option<Value> {
    changes(w, cursor)
        .await
        .0
        .into_iter()
        .rfind(|r| r["id"] == id)
}

async fn new_report(w: &TestApp, skip: usize) -> String {
    new_reports(&w.app, 50).await[skip].id.clone()
}

#[tokio::test]
async fn every_write_through_the_api_is_in_the_feed_and_a_quiet_poll_is_a_304() {
    let w = world().await;
    let start = get(&w.app, "/api/v1/changes", &w.authority).await;
    assert_eq!(start.status, StatusCode::OK, "{}", start.text);
    assert_eq!(start.body["items"], json!([]), "no report without `since`");
    assert_eq!(start.body["more"], false);
    let c0 = start.body["cursor"].as_str().unwrap().to_string();
    assert_eq!(start.etag, Some(format!("\"{c0}\"")));

    let id = new_report(&w, 0).await;
    let uri = format!("/api/v1/reports/{id}");
    let send = |method: Method,
                path: String,
                token: String,
                headers: Vec<(&'static str, String)>,
                body: Option<Value>| {
        let app = w.app.clone();
        async move {
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let a = call(&app, method, &path, Some(&token), &headers, body).await;
            assert!(a.status.is_success(), "{path}: {}", a.text);
            a.body
        }
    };
    // Claim (and renewal), edit, release, escalate, ack, publish, unpublish: each one in the
    // feed at its new version.
    let claim = send(
        Method::POST,
        format!("{uri}/claim"),
        w.volunteer.clone(),
        vec![],
        None,
    )
    .await;
    let got = changed(&w, &c0, &id).await.expect("a claim is a change");
    assert_eq!(got["version"], claim["version"]);
    assert_eq!(got["claimed_by"], claim["claimed_by"]);
    assert!(got["claimed_by"].as_str().unwrap().starts_with("Lyne ("));
    let renewed = send(
        Method::POST,
        format!("{uri}/claim"),
        w.volunteer.clone(),
        vec![],
        None,
    )
    .await;
    assert_eq!(
        changed(&w, &c0, &id).await.unwrap()["claim_expires_at"],
        renewed["claim_expires_at"]
    );
    let edit = send(
        Method::PATCH,
        uri.clone(),
        w.volunteer.clone(),
        vec![("If-Match", renewed["version"].to_string())],
        Some(json!({"category": "access", "priority": "high", "summary": "Route coupée", "status": "triaged", "location": {"place": "Sainte-Rose"}})),
    )
    .await;
    assert_eq!(
        changed(&w, &c0, &id).await.unwrap()["version"],
        edit["version"]
    );
    let released = send(
        Method::POST,
        format!("{uri}/release"),
        w.volunteer.clone(),
        vec![],
        None,
    )
    .await;
    assert_eq!(
        changed(&w, &c0, &id).await.unwrap()["claimed_by"],
        Value::Null
    );
    assert_eq!(
        changed(&w, &c0, &id).await.unwrap()["version"],
        released["version"]
    );
    let escalated = send(
        Method::POST,
        format!("{uri}/escalate"),
        w.volunteer.clone(),
        vec![],
        None,
    )
    .await;
    assert_eq!(changed(&w, &c0, &id).await.unwrap()["escalated"], true);
    let acked = send(
        Method::POST,
        format!("{uri}/ack"),
        w.authority.clone(),
        vec![],
        None,
    )
    .await;
    assert!(acked["version"].as_u64() > escalated["version"].as_u64());
    assert_eq!(
        changed(&w, &c0, &id).await.unwrap()["version"],
        acked["version"]
    );
    let published = send(
        Method::POST,
        format!("{uri}/publish"),
        w.coordinator.clone(),
        vec![],
        None,
    )
    .await;
    assert_eq!(
        changed(&w, &c0, &id).await.unwrap()["status"],
        "published",
        "{published}"
    );
    let unpublished = send(
        Method::POST,
        format!("{uri}/unpublish"),
        w.coordinator.clone(),
        vec![],
        None,
    )
    .await;
    assert_eq!(
        changed(&w, &c0, &id).await.unwrap()["version"],
        unpublished["version"]
    );
    // A hand entry.
    let entered = send(
        Method::POST,
        "/api/v1/reports".into(),
        w.volunteer.clone(),
        vec![],
        Some(json!({"network": "facebook", "url": "https://www.facebook.com/groups/gwada/posts/123456", "text": "Pont effondré à Goyave, route coupée", "place": "Goyave"})),
    )
    .await;
    let hand = entered["id"].as_str().unwrap();
    assert!(
        changed(&w, &c0, hand).await.is_some(),
        "a hand entry is in the feed"
    );
    // Oldest change first, each report once: the hand entry came after the other report's
    // last change (the demo's collected reports, stored just before the first cursor, may
    // come before them: the overlap).
    let (all, _) = changes(&w, &c0).await;
    let order: Vec<&str> = all.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(order[order.len() - 2..], [id.as_str(), hand]);
    let unique: std::collections::BTreeSet<&str> = order.iter().copied().collect();
    assert_eq!(unique.len(), order.len(), "each report once");

    // `limit` pages the feed.
    let first = get(
        &w.app,
        &format!("/api/v1/changes?since={c0}&limit=1"),
        &w.volunteer,
    )
    .await;
    assert_eq!(
        first.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        first.text
    );
    assert_eq!(first.body["more"], true);

    // Quiet: once the overlap has passed, the same cursor, and with If-None-Match a 304.
    let (_, mut cursor) = changes(&w, &c0).await;
    let etag = loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let a = get(
            &w.app,
            &format!("/api/v1/changes?since={cursor}"),
            &w.volunteer,
        )
        .await;
        if a.body["items"] == json!([]) {
            assert_eq!(
                a.body["cursor"],
                cursor.as_str(),
                "nothing changed: the same cursor"
            );
            break a.etag.unwrap();
        }
        cursor = a.body["cursor"].as_str().unwrap().to_string();
    };
    let poll = |token: String, inm: String| {
        let app = w.app.clone();
        let uri = format!("/api/v1/changes?since={cursor}");
        async move {
            call(
                &app,
                Method::GET,
                &uri,
                Some(&token),
                &[("If-None-Match", &inm)],
                None,
            )
            .await
        }
    };
    let quiet = poll(w.volunteer.clone(), etag.clone()).await;
    assert_eq!(quiet.status, StatusCode::NOT_MODIFIED);
    assert!(quiet.text.is_empty(), "no body: {}", quiet.text);
    assert_eq!(quiet.etag.as_deref(), Some(etag.as_str()));
    // Another tag is not this answer's: the answer itself.
    let other = poll(w.volunteer.clone(), "\"00\"".into()).await;
    assert_eq!(other.status, StatusCode::OK);
    assert_eq!(other.body["items"], json!([]));
    // Something changes: no 304, the change.
    let next = new_report(&w, 1).await;
    send(
        Method::POST,
        format!("/api/v1/reports/{next}/claim"),
        w.volunteer.clone(),
        vec![],
        None,
    )
    .await;
    let woke = poll(w.volunteer.clone(), etag.clone()).await;
    assert_eq!(woke.status, StatusCode::OK);
    assert_eq!(woke.body["items"][0]["id"], next.as_str(), "{}", woke.text);
    assert_ne!(woke.etag.as_deref(), Some(etag.as_str()));
}

#[tokio::test]
async fn the_feed_refuses_what_it_cannot_read_by_name() {
    let w = world().await;
    for (query, names) in [
        ("since=zz", "since"),
        ("since=", "since"),
        ("since=6e6f", "since"),
        ("since=3030303030303030303030303030303030303030", "since"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=many", "limit"),
        ("sinse=00", "sinse"),
    ] {
        let a = get(&w.app, &format!("/api/v1/changes?{query}"), &w.volunteer).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{query}: {}", a.text);
        assert_eq!(a.body["error"]["code"], "bad_request");
        assert!(
            a.body["error"]["message"].as_str().unwrap().contains(names),
            "{query}: {}",
            a.text
        );
    }
    let a = get(&w.app, "/api/v1/changes?limit=1000", &w.volunteer).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let anonymous = fetch(&w.app, "/api/v1/changes", None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn rooms_are_the_defaults_until_a_coordinator_saves_them_at_the_version_read() {
    let w = world().await;
    let defaults = get(&w.app, "/api/v1/rooms", &w.authority).await;
    assert_eq!(defaults.status, StatusCode::OK, "{}", defaults.text);
    assert_eq!(defaults.body["version"], 0);
    let ids: Vec<&str> = defaults.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["secours", "meteo", "reseaux", "rumeurs", "carto"]);
    assert_eq!(
        defaults.body["items"][0]["params"],
        json!({"category": "rescue"})
    );
    assert_eq!(
        defaults.body["items"][3]["params"],
        json!({"verification": "rumor"})
    );
    // Every default room is a valid /reports query.
    for room in defaults.body["items"].as_array().unwrap() {
        let query: Vec<String> = room["params"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap()))
            .collect();
        let a = get(
            &w.app,
            &format!("/api/v1/reports?{}", query.join("&")),
            &w.volunteer,
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{room}: {}", a.text);
    }

    let put = |token: String, body: Value| {
        let app = w.app.clone();
        async move { send(&app, Method::PUT, "/api/v1/rooms", &token, Some(body)).await }
    };
    let mine = json!({"items": [
        {"id": "nord", "name": "Nord Basse-Terre", "params": {"place": "Sainte-Rose", "status": "new"}},
        {"id": "secours", "name": "Secours", "params": {"category": "rescue", "escalated": "false"}}
    ], "version": 0});
    for token in [&w.volunteer, &w.authority] {
        let a = put(token.clone(), mine.clone()).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
        assert!(a.text.contains("topic rooms"), "{}", a.text);
    }
    let saved = put(w.coordinator.clone(), mine.clone()).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    assert_eq!(saved.body["version"], 1);
    let read = get(&w.app, "/api/v1/rooms", &w.volunteer).await;
    assert_eq!(read.body["version"], 1);
    assert_eq!(
        read.body["items"], mine["items"],
        "everyone sees the saved rooms"
    );
    // Saved over by someone who read them before: refused, nothing lost.
    let stale = put(w.coordinator.clone(), json!({"items": [], "version": 0})).await;
    assert_eq!(
        stale.status,
        StatusCode::PRECONDITION_FAILED,
        "{}",
        stale.text
    );
    assert_eq!(stale.body["error"]["code"], "stale_version");
    assert_eq!(
        get(&w.app, "/api/v1/rooms", &w.volunteer).await.body["items"],
        mine["items"]
    );

    // What is wrong is named: the room and the parameter.
    let room = |r: Value| json!({"items": [r], "version": 1});
    let many: Vec<Value> = (0..31)
        .map(|i| json!({"id": format!("r{i}"), "name": "R", "params": {}}))
        .collect();
    for (body, words) in [
        (
            room(json!({"id": "nord", "name": "Nord", "params": {"category": "volcans"}})),
            vec!["room `nord`", "category"],
        ),
        (
            room(json!({"id": "nord", "name": "Nord", "params": {"colour": "red"}})),
            vec!["room `nord`", "colour"],
        ),
        (
            room(json!({"id": "nord", "name": "Nord", "params": {"limit": "10"}})),
            vec!["room `nord`", "limit"],
        ),
        (
            room(json!({"id": "nord", "name": "Nord", "params": {"escalated": true}})),
            vec!["room `nord`", "escalated"],
        ),
        (
            room(json!({"id": "nord", "name": "Nord", "params": {"priority": "urgent"}})),
            vec!["room `nord`", "priority"],
        ),
        (
            room(json!({"id": "Nord Est", "name": "Nord", "params": {}})),
            vec!["items[0]", "id"],
        ),
        (
            room(json!({"id": "nord", "name": "", "params": {}})),
            vec!["room `nord`", "name"],
        ),
        (
            room(json!({"id": "nord", "name": "x".repeat(61), "params": {}})),
            vec!["room `nord`", "name"],
        ),
        (
            room(json!({"id": "nord", "name": "Nord", "colour": "red"})),
            vec!["items[0]", "colour"],
        ),
        (
            json!({"items": [{"id": "a", "name": "A"}, {"id": "a", "name": "B"}], "version": 1}),
            vec!["room `a`", "twice"],
        ),
        (json!({"items": many, "version": 1}), vec!["items", "30"]),
        (json!({"items": []}), vec!["version"]),
        (json!({"version": 1}), vec!["items"]),
        (
            json!({"items": [], "version": 1, "owner": "me"}),
            vec!["owner"],
        ),
    ] {
        let a = put(w.coordinator.clone(), body.clone()).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{body}: {}", a.text);
        let message = a.body["error"]["message"].as_str().unwrap();
        for word in words {
            assert!(message.contains(word), "{body}: `{word}` in {message}");
        }
    }
    assert_eq!(
        get(&w.app, "/api/v1/rooms", &w.volunteer).await.body["version"],
        1
    );
    let unknown = get(&w.app, "/api/v1/rooms?all=1", &w.volunteer).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
}

//! The triage API through the router as a host serves it, on the SQLite store: tokens, the
//! queue, roles checked from the route table, and the routes the volunteers' app needs (`/me`,
//! `/places`, forced release, bulk actions).

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use vigie_app::{api, Vigie};
use vigie_conformance::harness::{
    call_text, fetch, issue, new_reports, request, send, token, TestApp,
};
use vigie_conformance::TestStore as _;
use vigie_domain::ports::ReportQuery;
use vigie_domain::taxonomy::Role;

/// The demo collected once, on SQLite; the app and what holds its folder.
async fn app() -> (TestApp, Vigie) {
    let fixture = TestApp::builder().collect().build().await;
    let app = fixture.app.clone();
    (fixture, app)
}

/// `n` reports nobody has touched yet.
async fn untouched(app: &Vigie, n: usize) -> Vec<vigie_domain::Report> {
    let items = new_reports(app, n).await;
    assert_eq!(items.len(), n, "the demo has {n} new reports");
    items
}

/// Makes a report complete enough to publish, as a volunteer would.
async fn make_publishable(app: &Vigie, id: &str, volunteer: &str) {
    let (_, report) = fetch(app, &format!("/api/v1/reports/{id}"), Some(volunteer))
        .await
        .pair();
    let version = report["version"].to_string();
    let (status, body) = call_text(
        app,
        Method::PATCH,
        &format!("/api/v1/reports/{id}"),
        Some(volunteer),
        &[("If-Match", &version)],
        &json!({"category": "access", "summary": "Route coupée", "location": {"place": "97114"}})
            .to_string(),
    )
    .await
    .pair();
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn tokens_open_the_queue_and_nothing_else_does() {
    let (_dir, app) = app().await;
    let (status, body) = fetch(&app, "/healthz", None).await.pair();
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );

    let (status, body) = fetch(&app, "/api/v1/reports", None).await.pair();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthorized");
    let (status, _) = fetch(&app, "/api/v1/reports", Some("vigie_not_a_token"))
        .await
        .pair();
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let issued = issue(&app, Role::Volunteer, "Lyne").await;
    let (status, body) = fetch(&app, "/api/v1/reports?limit=5", Some(&issued.secret))
        .await
        .pair();
    assert_eq!(status, StatusCode::OK);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert!(body["next_cursor"].is_string());
    for field in [
        "id",
        "version",
        "status",
        "network",
        "source_url",
        "author",
        "official",
        "text",
        "language",
        "posted_at",
        "collected_at",
        "suggested_category",
        "suggested_priority",
        "category",
        "priority",
        "verification",
        "location",
        "summary",
        "cluster_id",
        "cluster_size",
        "claimed_by",
        "claim_expires_at",
        "escalated",
        "published_at",
    ] {
        assert!(items[0].get(field).is_some(), "report JSON lacks {field}");
    }
    assert_eq!(
        items[0]["suggested_priority"], "critical",
        "the queue starts with what is most urgent"
    );

    let next = body["next_cursor"].as_str().unwrap();
    let (status, page2) = fetch(
        &app,
        &format!("/api/v1/reports?limit=5&cursor={next}"),
        Some(&issued.secret),
    )
    .await
    .pair();
    assert_eq!(status, StatusCode::OK);
    assert_ne!(page2["items"][0]["id"], items[0]["id"]);

    let id = items[0]["id"].as_str().unwrap();
    let (status, one) = fetch(&app, &format!("/api/v1/reports/{id}"), Some(&issued.secret))
        .await
        .pair();
    assert_eq!(status, StatusCode::OK);
    assert!(one["history"].is_array());
    let (status, _) = fetch(&app, "/api/v1/reports/r000", Some(&issued.secret))
        .await
        .pair();
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = fetch(&app, "/api/v1/sources", Some(&issued.secret))
        .await
        .pair();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["items"][0]["id"], "demo-stream");
    assert!(body["items"][0]["health"]["last_success_at"].is_string());

    app.store
        .revoke_token(&issued.record.id, chrono::Utc::now(), "test")
        .await
        .unwrap();
    let (status, body) = fetch(&app, "/api/v1/reports", Some(&issued.secret))
        .await
        .pair();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("revoked"));
}

#[tokio::test]
async fn bad_filters_name_the_parameter() {
    let (_dir, app) = app().await;
    let t = token(&app, Role::Authority, "Cellule de crise").await;
    for (query, needle) in [
        ("category=flood", "category"),
        ("priority=urgent", "priority"),
        ("limit=500", "limit"),
        ("limit=abc", "limit"),
        ("escalated=maybe", "escalated"),
        ("colour=red", "colour"),
        ("cursor=zz", "cursor"),
    ] {
        let (status, body) = fetch(&app, &format!("/api/v1/reports?{query}"), Some(&t))
            .await
            .pair();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{query}: {message}");
    }
    let (status, body) = fetch(&app, "/api/v1/reports?category=rescue&limit=200", Some(&t))
        .await
        .pair();
    assert_eq!(status, StatusCode::OK);
    for item in body["items"].as_array().unwrap() {
        let cat = item["category"]
            .as_str()
            .or(item["suggested_category"].as_str());
        assert_eq!(cat, Some("rescue"));
    }
}

/// Every route's roles come from its line of `api::routes()`: a role that may not take the
/// route's action is refused with 403 and the error body before anything of the request is
/// read (an unknown parameter and a broken body still get 403), and every role that may is let
/// through. Derived from the table, so a route added to it is checked too.
#[tokio::test]
async fn every_route_refuses_the_roles_its_table_line_does_not_allow() {
    let (_dir, app) = app().await;
    let id = untouched(&app, 1).await[0].id.clone();
    let mut by_role = Vec::new();
    for role in Role::ALL {
        by_role.push((*role, token(&app, *role, &format!("Someone {role}")).await));
    }
    let mut refused = 0;
    let mut allowed = 0;
    for route in api::routes() {
        let uri = route.path.replace(
            "{id}",
            if route.path.contains("tokens") {
                "t000000000000"
            } else {
                &id
            },
        );
        let api::Access(Some(action)) = route.access else {
            let (status, _) = call_text(&app, route.method.clone(), &uri, None, &[], "")
                .await
                .pair();
            assert_eq!(status, StatusCode::OK, "{} {uri} is public", route.method);
            continue;
        };
        let (status, body) = call_text(&app, route.method.clone(), &uri, None, &[], "")
            .await
            .pair();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{} {uri}", route.method);
        assert_eq!(body["error"]["code"], "unauthorized");
        for (role, secret) in &by_role {
            if role.may(action) {
                let (status, body) =
                    call_text(&app, route.method.clone(), &uri, Some(secret), &[], "")
                        .await
                        .pair();
                assert!(
                    status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED,
                    "{role} may {} {uri}: {status} {body}",
                    route.method
                );
                allowed += 1;
            } else {
                let junk = format!("{uri}?zz_not_a_parameter=1");
                let (status, body) = call_text(
                    &app,
                    route.method.clone(),
                    &junk,
                    Some(secret),
                    &[("If-Match", "nope")],
                    "{not json",
                )
                .await
                .pair();
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{role} may not {} {uri}: {body}",
                    route.method
                );
                assert_eq!(body["error"]["code"], "forbidden", "{body}");
                assert_eq!(
                    body["error"]["message"].as_str(),
                    Some(role.refusal(action).as_str()),
                    "{} {uri}",
                    route.method
                );
                refused += 1;
            }
        }
    }
    assert!(
        refused >= 15 && allowed >= 40,
        "{refused} refused, {allowed} allowed"
    );
}

#[tokio::test]
async fn me_names_the_caller_as_their_claims_do() {
    let (_dir, app) = app().await;
    let lyne = issue(&app, Role::Volunteer, "Lyne").await;
    let (status, me) = fetch(&app, "/api/v1/me", Some(&lyne.secret)).await.pair();
    assert_eq!(status, StatusCode::OK, "{me}");
    let mut keys: Vec<&str> = me.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["claim_minutes", "label", "name", "role", "token_id"],
        "{me}"
    );
    assert_eq!(me["token_id"], lyne.record.id.as_str());
    assert_eq!(me["name"], "Lyne");
    assert_eq!(me["role"], "volunteer");
    assert_eq!(me["claim_minutes"], app.crisis.claim_minutes);
    // The label is exactly what her claims carry.
    let id = untouched(&app, 1).await[0].id.clone();
    let (status, claimed) = send(
        &app,
        Method::POST,
        &format!("/api/v1/reports/{id}/claim"),
        &lyne.secret,
        None,
    )
    .await
    .pair();
    assert_eq!(status, StatusCode::OK, "{claimed}");
    assert_eq!(claimed["claimed_by"], me["label"]);
    let coordinator = token(&app, Role::Coordinator, "Coordination").await;
    let (_, other) = fetch(&app, "/api/v1/me", Some(&coordinator)).await.pair();
    assert_eq!(other["role"], "coordinator");
    assert_ne!(other["label"], me["label"]);
    let (status, body) = fetch(&app, "/api/v1/me?who=1", Some(&lyne.secret))
        .await
        .pair();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"].as_str().unwrap().contains("`who`"));
    let (status, _) = fetch(&app, "/api/v1/me", None).await.pair();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn places_complete_a_prefix_from_the_crisis_gazetteer() {
    let (_dir, app) = app().await;
    let t = token(&app, Role::Authority, "Cellule de crise").await;
    let volunteer = token(&app, Role::Volunteer, "Lyne").await;
    let places = |q: &str| {
        let app = app.clone();
        let t = t.clone();
        let uri = format!("/api/v1/places?{q}");
        async move { fetch(&app, &uri, Some(&t)).await.pair() }
    };
    let (status, body) = places("q=pointe").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let first = &body["items"][0];
    assert_eq!(
        first,
        &json!({"name": "Pointe-à-Pitre", "insee": "97120", "kind": "commune", "lat": first["lat"], "lon": first["lon"], "precision": "commune", "matched": "Pointe-à-Pitre"})
    );
    assert!(
        (first["lat"].as_f64().unwrap() - 16.24).abs() < 0.1,
        "{first}"
    );
    assert!(
        (first["lon"].as_f64().unwrap() + 61.53).abs() < 0.1,
        "{first}"
    );
    // Accents and case ignored, a later word, a Creole name (named as matched), an island.
    let (_, body) = places("q=POINTE-%C3%80-p").await;
    assert_eq!(body["items"][0]["name"], "Pointe-à-Pitre", "{body}");
    let (_, body) = places("q=pitre").await;
    assert_eq!(body["items"][0]["name"], "Pointe-à-Pitre", "{body}");
    let (_, body) = places("q=lapw").await;
    assert_eq!(body["items"][0]["matched"], "Lapwent", "{body}");
    assert_eq!(body["items"][0]["name"], "Pointe-à-Pitre", "{body}");
    let (_, body) = places("q=grandt%C3%A8").await;
    let island = &body["items"][0];
    assert_eq!(island["name"], "Grande-Terre", "{body}");
    assert_eq!(island["kind"], "area");
    assert_eq!(island["precision"], "area");
    assert!(island["insee"].is_null());
    let (_, body) = places("q=atlantis").await;
    assert_eq!(body["items"], json!([]));
    // The limit: 10 by default, as asked up to 50.
    let (letter, many) = ('a'..='z')
        .map(|l| (l, app.gazetteer.suggest(&l.to_string(), 50).len()))
        .max_by_key(|(_, n)| *n)
        .unwrap();
    assert!(many > 10, "{letter}: {many}");
    let (_, body) = places(&format!("q={letter}")).await;
    assert_eq!(body["items"].as_array().unwrap().len(), 10);
    let (_, body) = places(&format!("q={letter}&limit=2")).await;
    assert_eq!(body["items"].as_array().unwrap().len(), 2);
    let (_, body) = places(&format!("q={letter}&limit=50")).await;
    assert_eq!(body["items"].as_array().unwrap().len(), many);
    // What a suggestion names locates a report: the app sends it back as `place`.
    let (_, body) = places("q=basse-terre").await;
    let suggested = body["items"].as_array().unwrap();
    assert_eq!(suggested.len(), 2, "the town and the island: {body}");
    for (place, report) in suggested.iter().zip(untouched(&app, 2).await) {
        let (status, located) = call_text(
            &app,
            Method::PATCH,
            &format!("/api/v1/reports/{}", report.id),
            Some(&volunteer),
            &[("If-Match", &report.version.to_string())],
            &json!({"location": {"place": place["name"]}}).to_string(),
        )
        .await
        .pair();
        assert_eq!(status, StatusCode::OK, "{located}");
        assert_eq!(located["location"]["place"], place["name"]);
        assert_eq!(located["location"]["insee"], place["insee"]);
        assert_eq!(located["location"]["precision"], place["precision"]);
    }
    // Errors name the parameter.
    for (query, needle) in [
        ("", "q"),
        ("limit=3", "q"),
        ("q=", "q"),
        ("q=%20%20", "q"),
        ("q=--", "q"),
        ("q=pointe&limit=0", "limit"),
        ("q=pointe&limit=51", "limit"),
        ("q=pointe&limit=ten", "limit"),
        ("q=pointe&near=PAP", "`near`"),
    ] {
        let (status, body) = places(query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["error"]["code"], "bad_request", "{query}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{query}: {message}");
    }
    let (status, _) = fetch(&app, "/api/v1/places?q=pointe", None).await.pair();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_coordinator_forces_a_release_and_the_history_names_the_holder() {
    let (_dir, app) = app().await;
    let lyne = token(&app, Role::Volunteer, "Lyne").await;
    let mano = token(&app, Role::Volunteer, "Mano").await;
    let coordinator = token(&app, Role::Coordinator, "Coordination").await;
    let (_, lyne_me) = fetch(&app, "/api/v1/me", Some(&lyne)).await.pair();
    let (_, coordinator_me) = fetch(&app, "/api/v1/me", Some(&coordinator)).await.pair();
    let id = untouched(&app, 1).await[0].id.clone();
    let claim = format!("/api/v1/reports/{id}/claim");
    let release = format!("/api/v1/reports/{id}/release");
    let (status, claimed) = send(&app, Method::POST, &claim, &lyne, None).await.pair();
    assert_eq!(status, StatusCode::OK, "{claimed}");
    // Renewed by its holder: a new lease, running from now.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let (status, renewed) = send(&app, Method::POST, &claim, &lyne, None).await.pair();
    assert_eq!(status, StatusCode::OK, "{renewed}");
    assert!(
        renewed["claim_expires_at"].as_str() > claimed["claim_expires_at"].as_str(),
        "{claimed} then {renewed}"
    );
    // Another volunteer can neither take it nor give it back.
    let (status, body) = send(&app, Method::POST, &release, &mano, None).await.pair();
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains(lyne_me["label"].as_str().unwrap()));
    // A coordinator can, and is told whose claim it was.
    let (status, released) = send(&app, Method::POST, &release, &coordinator, None)
        .await
        .pair();
    assert_eq!(status, StatusCode::OK, "{released}");
    assert_eq!(released["released_from"], lyne_me["label"]);
    assert!(released["claimed_by"].is_null());
    assert!(released["claim_expires_at"].is_null());
    let (_, one) = fetch(&app, &format!("/api/v1/reports/{id}"), Some(&mano))
        .await
        .pair();
    let last = one["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "force_release", "{last}");
    assert_eq!(last["actor"], coordinator_me["label"]);
    assert_eq!(last["changes"]["claimed_by"]["before"], lyne_me["label"]);
    assert!(last["changes"]["claimed_by"]["after"].is_null());
    // Nobody holds it now: releasing again names nobody and writes nothing.
    let (status, again) = send(&app, Method::POST, &release, &coordinator, None)
        .await
        .pair();
    assert_eq!(status, StatusCode::OK);
    assert!(again["released_from"].is_null(), "{again}");
    assert_eq!(again["version"], released["version"]);
    // A holder's own release names themselves, and is an ordinary release.
    send(&app, Method::POST, &claim, &mano, None).await.pair();
    let (_, mano_me) = fetch(&app, "/api/v1/me", Some(&mano)).await.pair();
    let (status, own) = send(&app, Method::POST, &release, &mano, None).await.pair();
    assert_eq!(status, StatusCode::OK, "{own}");
    assert_eq!(own["released_from"], mano_me["label"]);
    let (_, one) = fetch(&app, &format!("/api/v1/reports/{id}"), Some(&mano))
        .await
        .pair();
    let last = one["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "release", "{last}");
}

/// `POST /reports/bulk` as `token` with `body`.
async fn bulk(app: &Vigie, token: &str, body: Value) -> (StatusCode, Value) {
    send(app, Method::POST, "/api/v1/reports/bulk", token, Some(body))
        .await
        .pair()
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn bulk_actions_never_touch_a_report_claimed_by_someone_else() {
    let (_dir, app) = app().await;
    let lyne = token(&app, Role::Volunteer, "Lyne").await;
    let mano = token(&app, Role::Volunteer, "Mano").await;
    let coordinator = token(&app, Role::Coordinator, "Coordination").await;
    let (_, mano_me) = fetch(&app, "/api/v1/me", Some(&mano)).await.pair();
    let reports = untouched(&app, 4).await;
    let [a, b, c, d] = [0, 1, 2, 3].map(|i| reports[i].id.clone());
    let (status, held) = send(
        &app,
        Method::POST,
        &format!("/api/v1/reports/{b}/claim"),
        &mano,
        None,
    )
    .await
    .pair();
    assert_eq!(status, StatusCode::OK);
    // Dismiss: each report done or skipped, once, in the order given.
    let (status, out) = bulk(
        &app,
        &lyne,
        json!({"ids": [a, b, c, "r-missing", a], "action": "dismiss"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(ids(&out["done"]), [a.as_str(), c.as_str()], "{out}");
    assert_eq!(ids(&out["skipped"]), [b.as_str(), "r-missing"], "{out}");
    let claimed = &out["skipped"][0];
    assert_eq!(claimed["code"], "claimed");
    let reason = claimed["reason"].as_str().unwrap();
    let until: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(held["claim_expires_at"].clone()).unwrap();
    assert!(
        reason.contains(mano_me["label"].as_str().unwrap()) && reason.contains(&until.to_string()),
        "the holder and the expiry: {reason}"
    );
    assert_eq!(out["skipped"][1]["code"], "not_found");
    for done in out["done"].as_array().unwrap() {
        let (_, r) = fetch(
            &app,
            &format!("/api/v1/reports/{}", done["id"].as_str().unwrap()),
            Some(&lyne),
        )
        .await
        .pair();
        assert_eq!(r["status"], "dismissed");
        assert_eq!(r["version"], done["version"]);
    }
    let (_, untouched_b) = fetch(&app, &format!("/api/v1/reports/{b}"), Some(&lyne))
        .await
        .pair();
    assert_eq!(untouched_b["status"], "new");
    assert_eq!(untouched_b["version"], held["version"], "B was not touched");
    // Nor by a coordinator's bulk action: claims are respected whatever the role, even by a
    // release (a forced release is one report at a time, by its own route).
    for action in ["dismiss", "release", "publish", "unpublish"] {
        let (_, out) = bulk(&app, &coordinator, json!({"ids": [b], "action": action})).await;
        assert_eq!(out["skipped"][0]["code"], "claimed", "{action}: {out}");
    }
    let (_, r) = fetch(&app, &format!("/api/v1/reports/{b}"), Some(&lyne))
        .await
        .pair();
    assert_eq!(r["claimed_by"], mano_me["label"]);
    // Update: category and priority.
    let (status, out) = bulk(
        &app,
        &lyne,
        json!({"ids": [d, b], "action": "update", "changes": {"category": "rescue", "priority": "high"}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(ids(&out["done"]), [d.as_str()]);
    assert_eq!(ids(&out["skipped"]), [b.as_str()]);
    let (_, r) = fetch(&app, &format!("/api/v1/reports/{d}"), Some(&lyne))
        .await
        .pair();
    assert_eq!(
        (r["category"].as_str(), r["priority"].as_str()),
        (Some("rescue"), Some("high"))
    );
    // Release gives back one's own claims only.
    send(
        &app,
        Method::POST,
        &format!("/api/v1/reports/{d}/claim"),
        &lyne,
        None,
    )
    .await
    .pair();
    let (_, out) = bulk(&app, &lyne, json!({"ids": [d, b], "action": "release"})).await;
    assert_eq!(ids(&out["done"]), [d.as_str()], "{out}");
    assert_eq!(out["skipped"][0]["code"], "claimed");
    let (_, r) = fetch(&app, &format!("/api/v1/reports/{d}"), Some(&lyne))
        .await
        .pair();
    assert!(r["claimed_by"].is_null());
    let (_, r) = fetch(&app, &format!("/api/v1/reports/{b}"), Some(&lyne))
        .await
        .pair();
    assert_eq!(r["claimed_by"], mano_me["label"]);
    // Publishing: a coordinator's, for the whole request.
    make_publishable(&app, &d, &lyne).await;
    let (status, body) = bulk(&app, &lyne, json!({"ids": [d], "action": "publish"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "forbidden");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("coordinator"));
    let (status, _) = bulk(&app, &lyne, json!({"ids": [d], "action": "unpublish"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, r) = fetch(&app, &format!("/api/v1/reports/{d}"), Some(&lyne))
        .await
        .pair();
    assert_eq!(
        r["status"], "triaged",
        "nothing published by a refused request"
    );
    let (status, out) = bulk(
        &app,
        &coordinator,
        json!({"ids": [d, a], "action": "publish"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(ids(&out["done"]), [d.as_str()], "{out}");
    assert_eq!(ids(&out["skipped"]), [a.as_str()]);
    assert_eq!(
        out["skipped"][0]["code"], "not_allowed_now",
        "a dismissed report: {out}"
    );
    assert!(app
        .store
        .published_reports()
        .await
        .unwrap()
        .iter()
        .any(|r| r.id == d));
    // A published report someone else claims stays on the map.
    send(
        &app,
        Method::POST,
        &format!("/api/v1/reports/{d}/claim"),
        &mano,
        None,
    )
    .await
    .pair();
    let (_, out) = bulk(
        &app,
        &coordinator,
        json!({"ids": [d], "action": "unpublish"}),
    )
    .await;
    assert_eq!(out["skipped"][0]["code"], "claimed", "{out}");
    assert_eq!(app.store.published_reports().await.unwrap().len(), 1);
    send(
        &app,
        Method::POST,
        &format!("/api/v1/reports/{d}/release"),
        &mano,
        None,
    )
    .await
    .pair();
    let (_, out) = bulk(
        &app,
        &coordinator,
        json!({"ids": [d], "action": "unpublish"}),
    )
    .await;
    assert_eq!(ids(&out["done"]), [d.as_str()], "{out}");
    assert!(app.store.published_reports().await.unwrap().is_empty());
}

#[tokio::test]
async fn bulk_requests_are_checked_before_anything_is_done() {
    let (_dir, app) = app().await;
    let lyne = token(&app, Role::Volunteer, "Lyne").await;
    let id = untouched(&app, 1).await[0].id.clone();
    let over: Vec<String> = (0..201).map(|_| id.clone()).collect();
    for (body, status, needle) in [
        (json!({"action": "dismiss"}), 400, "ids"),
        (json!({"ids": [], "action": "dismiss"}), 400, "ids"),
        (json!({"ids": over, "action": "dismiss"}), 400, "ids"),
        (json!({"ids": [1], "action": "dismiss"}), 400, "ids"),
        (json!({"ids": [id]}), 400, "action"),
        (json!({"ids": [id], "action": "shred"}), 400, "`shred`"),
        (
            json!({"ids": [id], "action": "dismiss", "changes": {"priority": "low"}}),
            400,
            "changes",
        ),
        (json!({"ids": [id], "action": "update"}), 400, "changes"),
        (
            json!({"ids": [id], "action": "update", "changes": {}}),
            400,
            "changes",
        ),
        (
            json!({"ids": [id], "action": "update", "changes": {"colour": "red"}}),
            400,
            "colour",
        ),
        (
            json!({"ids": [id], "action": "update", "changes": {"category": "flood"}}),
            422,
            "category",
        ),
        (
            json!({"ids": [id], "action": "dismiss", "why": "spam"}),
            400,
            "why",
        ),
    ] {
        let (got, answer) = bulk(&app, &lyne, body.clone()).await;
        assert_eq!(got.as_u16(), status, "{body}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{body}: {message}");
    }
    let (_, r) = fetch(&app, &format!("/api/v1/reports/{id}"), Some(&lyne))
        .await
        .pair();
    assert_eq!(r["status"], "new", "no refused request changed anything");
    assert_eq!(r["history"], json!([]));
    // 200 is allowed.
    let (status, out) = bulk(
        &app,
        &lyne,
        json!({"ids": (0..200).map(|i| format!("r-missing-{i}")).collect::<Vec<_>>(), "action": "dismiss"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["skipped"].as_array().unwrap().len(), 200);
}

/// The open-rumour rule, for one report and in bulk: a message is not published while a copy
/// of it is an open rumour.
#[tokio::test]
async fn a_copy_of_an_open_rumour_is_not_published() {
    let (_dir, app) = app().await;
    let lyne = token(&app, Role::Volunteer, "Lyne").await;
    let coordinator = token(&app, Role::Coordinator, "Coordination").await;
    let page = app
        .store
        .list_reports(&ReportQuery {
            q: Some("barrage Moreau".into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut by_cluster: std::collections::BTreeMap<&str, Vec<&vigie_domain::Report>> =
        Default::default();
    for r in &page.items {
        by_cluster.entry(&r.cluster_id).or_default().push(r);
    }
    let copies = by_cluster
        .values()
        .find(|m| m.len() >= 2)
        .expect("the demo's dam rumour has copies");
    let (rumour, copy) = (copies[0].clone(), copies[1].id.clone());
    let (status, _) = call_text(
        &app,
        Method::PATCH,
        &format!("/api/v1/reports/{}", rumour.id),
        Some(&lyne),
        &[("If-Match", &rumour.version.to_string())],
        &json!({"verification": "rumor"}).to_string(),
    )
    .await
    .pair();
    assert_eq!(status, StatusCode::OK);
    make_publishable(&app, &copy, &lyne).await;
    let (status, body) = send(
        &app,
        Method::POST,
        &format!("/api/v1/reports/{copy}/publish"),
        &coordinator,
        None,
    )
    .await
    .pair();
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "not_allowed_now");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("open rumour") && message.contains(&rumour.id),
        "{message}"
    );
    let (_, out) = bulk(
        &app,
        &coordinator,
        json!({"ids": [copy], "action": "publish"}),
    )
    .await;
    assert_eq!(out["skipped"][0]["code"], "not_allowed_now", "{out}");
    assert!(out["skipped"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("open rumour"));
    // Debunked, the rumour no longer holds the copy back.
    let (_, now) = fetch(&app, &format!("/api/v1/reports/{}", rumour.id), Some(&lyne))
        .await
        .pair();
    let (status, _) = call_text(
        &app,
        Method::PATCH,
        &format!("/api/v1/reports/{}", rumour.id),
        Some(&lyne),
        &[("If-Match", &now["version"].to_string())],
        &json!({"verification": "debunked"}).to_string(),
    )
    .await
    .pair();
    assert_eq!(status, StatusCode::OK);
    let (_, out) = bulk(
        &app,
        &coordinator,
        json!({"ids": [copy], "action": "publish"}),
    )
    .await;
    assert_eq!(ids(&out["done"]), [copy.as_str()], "{out}");
}

/// Characters XML forbids (C0 controls but tab, line feed and carriage return; U+FFFE,
/// U+FFFF) would break the public Atom feed: a hand entry's text and author and a
/// volunteer's summary are stored without them (cleaned, not refused: they come from pastes).
#[tokio::test]
async fn characters_xml_forbids_are_taken_out_of_what_volunteers_type() {
    let (_dir, app) = app().await;
    let t = token(&app, Role::Volunteer, "Lyne").await;
    let forbidden = ['\u{0}', '\u{1}', '\u{8}', '\u{1b}', '\u{fffe}', '\u{ffff}'];
    let dirty = |words: &str| -> String {
        let mut s = String::from(words);
        for c in forbidden {
            s.push(c);
            s.push('x');
        }
        s.push_str("\nligne\tsuivante\r\nfin");
        s
    };
    let (status, created) = send(
        &app,
        Method::POST,
        "/api/v1/reports",
        &t,
        Some(json!({
            "network": "facebook",
            "url": "https://facebook.example/posts/xml-1",
            "text": dirty("Route coupée"),
            "author": dirty("Mano"),
        })),
    )
    .await
    .pair();
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let clean = |v: &Value, field: &str| {
        let s = v[field].as_str().unwrap_or_else(|| panic!("{field}: {v}"));
        assert!(
            !s.contains(forbidden),
            "{field} keeps a character XML forbids: {s:?}"
        );
        s.to_string()
    };
    assert!(clean(&created, "text").starts_with("Route coupéex"));
    assert!(clean(&created, "author").starts_with("Manox"));
    let id = created["id"].as_str().unwrap();
    let version = created["version"].to_string();
    let (status, patched) = call_text(
        &app,
        Method::PATCH,
        &format!("/api/v1/reports/{id}"),
        Some(&t),
        &[("If-Match", &version)],
        &json!({"summary": dirty("Route coupée à Goyave")}).to_string(),
    )
    .await
    .pair();
    assert_eq!(status, StatusCode::OK, "{patched}");
    let summary = clean(&patched, "summary");
    assert_eq!(
        summary, "Route coupée à Goyavexxxxxx\nligne\tsuivante\r\nfin",
        "tab, line feed and carriage return stay"
    );
}

/// A search of many words or a long one was a 503 and an ERROR log (SQLite refuses an
/// expression that deep), which the cloud's 5xx alarm counts: `q` over 200 characters or 10
/// words is the caller's error, a 400 naming `q`, on every store (checked before the store).
#[tokio::test]
async fn long_searches_are_refused_naming_q_never_a_5xx() {
    let (_dir, app) = app().await;
    let t = token(&app, Role::Volunteer, "Lyne").await;
    let words = |n: usize| vec!["route"; n].join("+");
    for q in [
        words(11),
        words(2000),
        "a".repeat(201),
        "é".repeat(201),
        format!("{}+{}", "x".repeat(150), "y".repeat(60)),
    ] {
        let (status, body) = fetch(&app, &format!("/api/v1/reports?q={q}"), Some(&t))
            .await
            .pair();
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "q of {} bytes: {body}",
            q.len()
        );
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.starts_with("q: "), "{message}");
        assert!(
            message.contains("200") && message.contains("10"),
            "{message}"
        );
    }
    // Up to the limits, a search is a search.
    for q in [
        words(10),
        "a".repeat(200),
        format!("{}+route", "x".repeat(194)),
    ] {
        let (status, body) = fetch(&app, &format!("/api/v1/reports?q={q}"), Some(&t))
            .await
            .pair();
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // A topic room's filters are checked the same way.
    let c = token(&app, Role::Coordinator, "Coord").await;
    let (_, rooms) = fetch(&app, "/api/v1/rooms", Some(&c)).await.pair();
    let eleven = ["route"; 11].join(" ");
    let (status, body) = call_text(
        &app,
        Method::PUT,
        "/api/v1/rooms",
        Some(&c),
        &[],
        &json!({
            "version": rooms["version"],
            "items": [{"id": "long", "name": "Long", "params": {"q": eleven}}],
        })
        .to_string(),
    )
    .await
    .pair();
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("q: "),
        "{body}"
    );
}

/// A place typed "Gosier" is stored under the gazetteer's name, "Le Gosier": the `place`
/// filter resolves its value through the same gazetteer, so every form of the name finds it
/// (an INSEE code too); a place the gazetteer does not know is matched as given.
#[tokio::test]
async fn the_place_filter_resolves_names_as_entry_does() {
    let (_dir, app) = app().await;
    let t = token(&app, Role::Volunteer, "Lyne").await;
    let (status, created) = send(
        &app,
        Method::POST,
        "/api/v1/reports",
        &t,
        Some(json!({
            "network": "facebook",
            "url": "https://facebook.example/posts/gosier-1",
            "text": "Arbre tombé sur la route",
            "place": "Gosier",
        })),
    )
    .await
    .pair();
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["location"]["place"], "Le Gosier");
    let id = created["id"].as_str().unwrap();
    for value in [
        "Gosier",
        "gosier",
        "Le%20Gosier",
        "le+gosier",
        "Gozi%C3%A9",
        "97113",
    ] {
        let (status, body) = fetch(
            &app,
            &format!("/api/v1/reports?limit=200&place={value}"),
            Some(&t),
        )
        .await
        .pair();
        assert_eq!(status, StatusCode::OK, "{value}: {body}");
        let items = body["items"].as_array().unwrap();
        assert!(
            items.iter().any(|r| r["id"] == id),
            "?place={value} finds the report entered as Gosier"
        );
        for r in items {
            assert_eq!(r["location"]["place"], "Le Gosier", "?place={value}");
        }
    }
    // A place the gazetteer does not know is matched as given, as before: nothing here.
    let (status, body) = fetch(&app, "/api/v1/reports?place=Atlantis", Some(&t))
        .await
        .pair();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["items"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn every_api_answer_is_never_cached_sniffed_or_framed() {
    let (_dir, app) = app().await;
    let coordinator = token(&app, Role::Coordinator, "Coord").await;
    let cases: Vec<(Method, String, Option<&str>, &str)> = vec![
        (
            Method::GET,
            "/api/v1/reports?limit=1".into(),
            Some(&coordinator),
            "",
        ),
        (Method::GET, "/api/v1/reports".into(), None, ""),
        (
            Method::GET,
            "/api/v1/nowhere".into(),
            Some(&coordinator),
            "",
        ),
        (
            Method::GET,
            "/api/v1/reports?limit=0".into(),
            Some(&coordinator),
            "",
        ),
        (
            Method::GET,
            "/api/v1/changes".into(),
            Some(&coordinator),
            "",
        ),
        (
            Method::POST,
            "/api/v1/tokens".into(),
            Some(&coordinator),
            r#"{"name": "Nouvelle", "role": "volunteer"}"#,
        ),
    ];
    for (method, uri, token, body) in cases {
        let resp = call_text(&app, method.clone(), &uri, token, &[], body).await;
        let get = |name: &str| resp.header(name);
        let what = format!("{method} {uri} ({})", resp.status);
        assert_eq!(get("cache-control"), "no-store", "{what}");
        assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
        assert_eq!(get("referrer-policy"), "no-referrer", "{what}");
        assert!(
            get("content-security-policy").contains("frame-ancestors 'none'"),
            "{what}"
        );
    }
}

/// A body that does not say it is JSON, a key given twice, an `If-Match` in any but its
/// documented forms and a query parameter given twice are refused, each naming what is wrong,
/// and nothing is changed.
#[tokio::test]
async fn ambiguous_requests_are_refused_and_change_nothing() {
    let (_dir, app) = app().await;
    let volunteer = token(&app, Role::Volunteer, "Lyne").await;
    let report = untouched(&app, 1).await.remove(0);
    let uri = format!("/api/v1/reports/{}", report.id);
    let version = report.version.to_string();
    let body = r#"{"category": "access"}"#;

    // The Content-Type: missing, a form, text, JSON with another charset, or given twice.
    for types in [
        vec![],
        vec!["application/x-www-form-urlencoded"],
        vec!["text/plain"],
        vec!["text/plain; charset=utf-8"],
        vec!["application/json; charset=latin1"],
        vec!["application/json", "application/json"],
    ] {
        let mut req = request(&app, Method::PATCH, &uri)
            .bearer(&volunteer)
            .header("If-Match", &version);
        for t in &types {
            req = req.header("Content-Type", t);
        }
        let resp = req.raw(body).send().await;
        let status = resp.status;
        let answer: Value = serde_json::from_slice(&resp.bytes).unwrap();
        assert_eq!(
            status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{types:?}: {answer}"
        );
        assert_eq!(
            answer["error"]["code"], "unsupported_media_type",
            "{answer}"
        );
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("Content-Type: "),
            "{answer}"
        );
    }
    // Accepted as JSON: the media type in any case, with charset=utf-8.
    for t in [
        "application/json",
        "Application/JSON; charset=UTF-8",
        "application/json;charset=\"utf-8\"",
    ] {
        let (status, answer) = call_text(
            &app,
            Method::GET,
            "/api/v1/reports?limit=1",
            Some(&volunteer),
            &[("Content-Type", t)],
            "",
        )
        .await
        .pair();
        assert_eq!(status, StatusCode::OK, "{t}: {answer}");
    }

    // A key given twice, at the top or deeper.
    for twice in [
        r#"{"category": "access", "category": "rescue"}"#,
        r#"{"location": {"place": "Goyave", "place": "Capesterre-Belle-Eau"}}"#,
    ] {
        let (status, answer) = call_text(
            &app,
            Method::PATCH,
            &uri,
            Some(&volunteer),
            &[("If-Match", &version)],
            twice,
        )
        .await
        .pair();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{twice}: {answer}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .contains("is given twice"),
            "{answer}"
        );
    }

    // If-Match: the version, "version" or W/"version"; nothing else.
    let v = report.version;
    for bad in [
        "*".to_string(),
        format!("+{v}"),
        format!("\"{v}"),
        format!("{v}\""),
        format!("W/{v}"),
        format!("\"{v}\", \"{}\"", v + 1),
        format!("{v}abc"),
        format!("\"\"{v}\"\""),
        "99999999999999999999999".to_string(),
        String::new(),
    ] {
        let (status, answer) = call_text(
            &app,
            Method::PATCH,
            &uri,
            Some(&volunteer),
            &[("If-Match", &bad)],
            body,
        )
        .await
        .pair();
        assert_eq!(status, StatusCode::BAD_REQUEST, "If-Match {bad}: {answer}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("If-Match: "),
            "{answer}"
        );
    }
    let resp = request(&app, Method::PATCH, &uri)
        .bearer(&volunteer)
        .header("Content-Type", "application/json")
        .header("If-Match", &version)
        .header("If-Match", &version)
        .header("Accept", "application/json")
        .raw(body)
        .send()
        .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST, "If-Match twice");

    // Repeated query parameters, on a listing and on a route that takes none.
    for query in [
        "/api/v1/reports?status=new&status=triaged",
        "/api/v1/reports?limit=5&limit=500",
        "/api/v1/stats?x=1&x=2",
    ] {
        let (status, answer) = fetch(&app, query, Some(&volunteer)).await.pair();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("more than once") || message.contains("takes none"),
            "{query}: {message}"
        );
    }

    // Nothing above changed the report; each documented form of If-Match works.
    let (_, now) = fetch(&app, &uri, Some(&volunteer)).await.pair();
    assert_eq!(now["version"], report.version, "{now}");
    assert!(now["category"].is_null(), "{now}");
    let mut version = report.version;
    for (form, category) in [
        ("{v}", "access"),
        ("\"{v}\"", "rescue"),
        ("W/\"{v}\"", "damage"),
    ] {
        let header = form.replace("{v}", &version.to_string());
        let (status, answer) = call_text(
            &app,
            Method::PATCH,
            &uri,
            Some(&volunteer),
            &[("If-Match", &header)],
            &format!(r#"{{"category": "{category}"}}"#),
        )
        .await
        .pair();
        assert_eq!(status, StatusCode::OK, "If-Match {header}: {answer}");
        assert_eq!(answer["category"], category);
        version = answer["version"].as_u64().unwrap();
    }
}

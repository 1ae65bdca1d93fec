//! Posting relays against loopback servers speaking Mastodon's statuses API (with
//! `Idempotency-Key` honoured as Mastodon does: the same key within the hour gives back the
//! status already made) and atproto's `createRecord` (a record key already used is refused)
//! and `getRecord`.

mod common;

use common::http;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use vigie_domain::ports::{PostError, Poster};
use vigie_sources::{BlueskyPoster, MastodonPoster};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Mastodon's statuses: one status per idempotency key; a request with a key already used
/// answers the same status, as Mastodon does.
#[derive(Clone, Default)]
struct Statuses {
    made: Arc<Mutex<Vec<(String, Value)>>>,
    /// Answers with a 504 after making the status, this many times (a lost answer).
    lose: Arc<Mutex<u32>>,
}

impl Respond for Statuses {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let auth = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if auth != Some("Bearer masto-relay-token") {
            return ResponseTemplate::new(401)
                .set_body_json(json!({"error": "The access token is invalid"}));
        }
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        let text = body["status"].as_str().unwrap_or_default().to_string();
        if text.chars().count() > 500 {
            return ResponseTemplate::new(422).set_body_json(
                json!({"error": "Validation failed: Text character limit of 500 exceeded"}),
            );
        }
        let key = req
            .headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let mut made = self.made.lock().unwrap();
        let status = match made.iter().find(|(k, _)| !key.is_empty() && *k == key) {
            Some((_, status)) => status.clone(),
            None => {
                let id = 110_000 + made.len();
                let status = json!({"id": id.to_string(), "uri": format!("https://mastodon.example/users/asso/statuses/{id}"),
                    "url": format!("https://mastodon.example/@asso/{id}"), "content": text, "visibility": body["visibility"]});
                made.push((key, status.clone()));
                status
            }
        };
        let mut lose = self.lose.lock().unwrap();
        if *lose > 0 {
            *lose -= 1;
            return ResponseTemplate::new(504);
        }
        ResponseTemplate::new(200).set_body_json(status)
    }
}

#[tokio::test]
async fn mastodon_posts_once_per_key_even_when_sent_again_or_its_answer_is_lost() {
    let server = MockServer::start().await;
    let statuses = Statuses::default();
    Mock::given(method("POST"))
        .and(path("/api/v1/statuses"))
        .respond_with(statuses.clone())
        .mount(&server)
        .await;
    let poster = MastodonPoster::new(
        "asso-masto",
        &server.uri(),
        "masto-relay-token".into(),
        http(),
    );
    assert_eq!(
        (poster.account(), poster.network()),
        ("asso-masto", "mastodon")
    );
    let text = "Consignes de la préfecture : restez chez vous. https://prefecture.example/c #Gwada";
    let first = poster.post(text, "vigie-rl1-asso-masto").await.unwrap();
    assert_eq!(first.url, "https://mastodon.example/@asso/110000");
    // The coordinator's second click, or a function retried: the same key, the same status.
    let again = poster.post(text, "vigie-rl1-asso-masto").await.unwrap();
    assert_eq!(again, first);
    // The answer lost once (a gateway timeout after the status was made): the client sends
    // again with the key and gets the status made.
    *statuses.lose.lock().unwrap() = 1;
    let lost = poster
        .post("Autre message", "vigie-rl2-asso-masto")
        .await
        .unwrap();
    assert_eq!(lost.url, "https://mastodon.example/@asso/110001");
    let made = statuses.made.lock().unwrap().clone();
    assert_eq!(made.len(), 2, "one status per relay");
    assert_eq!(made[0].1["visibility"], "public");

    // A refused token and a refused text are refusals, naming what to fix; never the token.
    let wrong = MastodonPoster::new("asso-masto", &server.uri(), "wrong".into(), http());
    let e = wrong.post(text, "k").await.unwrap_err();
    assert!(
        matches!(&e, PostError::Refused(t) if t.contains("token_env") && !t.contains("wrong")),
        "{e:?}"
    );
    let e = poster.post(&"a".repeat(501), "k2").await.unwrap_err();
    assert!(
        matches!(&e, PostError::Refused(t) if t.contains("character limit")),
        "{e:?}"
    );
}

/// A PDS: sessions from the app password, records by key (a key already used is refused,
/// as `createRecord` does), `getRecord`.
#[derive(Clone, Default)]
struct Pds {
    records: Arc<Mutex<HashMap<String, Value>>>,
    /// Answers 500 after storing the record, this many times.
    fail_after_write: Arc<Mutex<u32>>,
}

impl Respond for Pds {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let method_path = req.url.path();
        if method_path.ends_with("com.atproto.server.createSession") {
            let body: Value = serde_json::from_slice(&req.body).unwrap();
            if body["password"] != "app-pass-1234" {
                return ResponseTemplate::new(401).set_body_json(
                    json!({"error": "AuthenticationRequired", "message": "Invalid identifier or password"}),
                );
            }
            return ResponseTemplate::new(200).set_body_json(json!({
                "accessJwt": "access-1", "refreshJwt": "refresh-1",
                "did": "did:plc:asso123", "handle": "asso.bsky.example"
            }));
        }
        if method_path.ends_with("com.atproto.repo.getRecord") {
            let rkey = req
                .url
                .query_pairs()
                .find(|(k, _)| k == "rkey")
                .unwrap()
                .1
                .into_owned();
            return match self.records.lock().unwrap().get(&rkey) {
                Some(record) => ResponseTemplate::new(200).set_body_json(json!({
                    "uri": format!("at://did:plc:asso123/app.bsky.feed.post/{rkey}"), "value": record
                })),
                None => ResponseTemplate::new(400).set_body_json(
                    json!({"error": "RecordNotFound", "message": "Could not locate record"}),
                ),
            };
        }
        assert!(method_path.ends_with("com.atproto.repo.createRecord"));
        assert_eq!(
            req.headers
                .get("authorization")
                .and_then(|v| v.to_str().ok()),
            Some("Bearer access-1")
        );
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        assert_eq!(body["repo"], "did:plc:asso123");
        assert_eq!(body["collection"], "app.bsky.feed.post");
        let rkey = body["rkey"].as_str().unwrap().to_string();
        let mut records = self.records.lock().unwrap();
        if records.contains_key(&rkey) {
            return ResponseTemplate::new(400).set_body_json(
                json!({"error": "InvalidRequest", "message": "Record already exists"}),
            );
        }
        records.insert(rkey.clone(), body["record"].clone());
        let mut fail = self.fail_after_write.lock().unwrap();
        if *fail > 0 {
            *fail -= 1;
            return ResponseTemplate::new(500).set_body_json(
                json!({"error": "InternalServerError", "message": "Internal Server Error"}),
            );
        }
        ResponseTemplate::new(200).set_body_json(json!({
            "uri": format!("at://did:plc:asso123/app.bsky.feed.post/{rkey}"), "cid": "bafyrei"
        }))
    }
}

#[tokio::test]
async fn bluesky_posts_once_under_its_record_key_with_link_and_hashtag_facets() {
    let server = MockServer::start().await;
    let pds = Pds::default();
    Mock::given(path("/xrpc/com.atproto.server.createSession"))
        .respond_with(pds.clone())
        .mount(&server)
        .await;
    Mock::given(path("/xrpc/com.atproto.repo.createRecord"))
        .respond_with(pds.clone())
        .mount(&server)
        .await;
    Mock::given(path("/xrpc/com.atproto.repo.getRecord"))
        .respond_with(pds.clone())
        .mount(&server)
        .await;
    let poster = BlueskyPoster::new(
        "asso-bsky",
        &server.uri(),
        "asso.bsky.example".into(),
        "app-pass-1234".into(),
        http(),
    );
    let text = "Évacuez les zones basses : https://prefecture.example/evac #Gwada #Guadeloupe";
    let first = poster.post(text, "3lbqzbx2k7s2a").await.unwrap();
    assert_eq!(
        first.url,
        "https://bsky.app/profile/asso.bsky.example/post/3lbqzbx2k7s2a"
    );
    // Sent again: the key is taken, the record is there: the same post, not a second one.
    let again = poster.post(text, "3lbqzbx2k7s2a").await.unwrap();
    assert_eq!(again, first);
    // The server fails after writing (a 500, as some PDS answer a duplicate too): the post is
    // found under its key.
    *pds.fail_after_write.lock().unwrap() = 1;
    let after_500 = poster
        .post("Eau potable : faites bouillir", "3lbqzbx2k7s2b")
        .await
        .unwrap();
    assert!(after_500.url.ends_with("/post/3lbqzbx2k7s2b"));

    let records = pds.records.lock().unwrap().clone();
    assert_eq!(records.len(), 2);
    let record = &records["3lbqzbx2k7s2a"];
    assert_eq!(record["$type"], "app.bsky.feed.post");
    assert_eq!(record["text"], text);
    let link_start = text.find("https").unwrap();
    assert_eq!(
        record["facets"][0],
        json!({"index": {"byteStart": link_start, "byteEnd": link_start + "https://prefecture.example/evac".len()},
               "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://prefecture.example/evac"}]})
    );
    let tag = text.find("#Gwada").unwrap();
    assert_eq!(
        record["facets"][1],
        json!({"index": {"byteStart": tag, "byteEnd": tag + 6},
               "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "Gwada"}]})
    );
    assert_eq!(record["facets"].as_array().unwrap().len(), 3);

    let wrong = BlueskyPoster::new(
        "asso-bsky",
        &server.uri(),
        "asso.bsky.example".into(),
        "nope".into(),
        http(),
    );
    let e = wrong.post(text, "3lbqzbx2k7s2c").await.unwrap_err();
    assert!(
        matches!(&e, PostError::Refused(t) if t.contains("app password") && !t.contains("nope")),
        "{e:?}"
    );
}

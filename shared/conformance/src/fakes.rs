//! Loopback fakes of the networks relays are posted to, speaking their documented wire
//! formats: Mastodon's statuses API with `Idempotency-Key` honoured as Mastodon does, and an
//! atproto PDS (`createSession`, `createRecord` refusing a record key already used,
//! `getRecord`). Mount them on a `wiremock::MockServer` with [`mount_mastodon`] and
//! [`mount_pds`].

use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The token the fake Mastodon accepts.
pub const MASTODON_TOKEN: &str = "masto-relay-token";
/// The app password the fake PDS accepts, and its account.
pub const PDS_PASSWORD: &str = "app-pass-1234";
pub const PDS_HANDLE: &str = "asso.bsky.example";

/// Mastodon's statuses: one status per idempotency key; a request with a key already used
/// answers the same status, as Mastodon does.
#[derive(Clone, Default)]
pub struct Statuses {
    pub made: Arc<Mutex<Vec<(String, Value)>>>,
    /// Answers with a 504 after making the status, this many times (a lost answer).
    pub lose: Arc<Mutex<u32>>,
}

impl Respond for Statuses {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let auth = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if auth != Some(format!("Bearer {MASTODON_TOKEN}").as_str()) {
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

/// A PDS: sessions from the app password, records by key (a key already used is refused,
/// as `createRecord` does), `getRecord`.
#[derive(Clone, Default)]
pub struct Pds {
    pub records: Arc<Mutex<HashMap<String, Value>>>,
    /// Answers 500 after storing the record, this many times.
    pub fail_after_write: Arc<Mutex<u32>>,
    /// Answers 503 to every create without storing anything while set.
    pub down: Arc<Mutex<bool>>,
}

impl Respond for Pds {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let method_path = req.url.path();
        if method_path.ends_with("com.atproto.server.createSession") {
            let body: Value = serde_json::from_slice(&req.body).unwrap();
            if body["password"] != PDS_PASSWORD {
                return ResponseTemplate::new(401).set_body_json(
                    json!({"error": "AuthenticationRequired", "message": "Invalid identifier or password"}),
                );
            }
            return ResponseTemplate::new(200).set_body_json(json!({
                "accessJwt": "access-1", "refreshJwt": "refresh-1",
                "did": "did:plc:asso123", "handle": PDS_HANDLE
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
        if *self.down.lock().unwrap() {
            return ResponseTemplate::new(503);
        }
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

/// Mounts a fake Mastodon's statuses on `server`.
pub async fn mount_mastodon(server: &MockServer) -> Statuses {
    let statuses = Statuses::default();
    Mock::given(method("POST"))
        .and(path("/api/v1/statuses"))
        .respond_with(statuses.clone())
        .mount(server)
        .await;
    statuses
}

/// Mounts a fake PDS on `server`.
pub async fn mount_pds(server: &MockServer) -> Pds {
    let pds = Pds::default();
    for method_name in [
        "com.atproto.server.createSession",
        "com.atproto.repo.createRecord",
        "com.atproto.repo.getRecord",
    ] {
        Mock::given(path(format!("/xrpc/{method_name}")))
            .respond_with(pds.clone())
            .mount(server)
            .await;
    }
    pds
}

//! The test harness of vigie-app's integration tests, written once (feature `app`): a demo
//! [`Vigie`] on the embedded adapters in a temporary folder ([`TestApp::builder`]), tokens per
//! role, and one way to send a request through [`api::router`] and read its [`Answer`].
//!
//! ```text
//! let w = TestApp::builder().collect().seed_triage().team().build().await;
//! let a = get(&w.app, "/api/v1/reports?limit=5", &w.volunteer).await;
//! assert_eq!(a.status, StatusCode::OK, "{}", a.text);
//! ```

use axum::body::Body;
use axum::http::header::HeaderMap;
use axum::http::{Method, Request, StatusCode};
use bytes::Bytes;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;
use vigie_app::collect::{run_source, Budget, RUN_TIME};
use vigie_app::demo::{self, DemoSource};
use vigie_app::{api, tokens, Vigie};
use vigie_domain::ports::{Notifier, Publisher, ReportQuery, ReportStore};
use vigie_domain::taxonomy::{Role, Status};
use vigie_domain::{Crisis, Gazetteer, Report};
use vigie_local::{FolderPublisher, LogNotifier, SqliteStore, WebhookNotifier};

/// A [`Vigie`] over a SQLite store and a folder publisher, both in [`TestApp::dir`].
pub struct TestApp {
    pub app: Vigie,
    /// The folder publisher's folder (`public` in [`TestApp::dir`]).
    pub public: PathBuf,
    /// Tokens of the three roles, named "Lyne", "Coordination" and "Cellule de crise", when
    /// the builder was asked for [`Builder::team`]; empty strings otherwise.
    pub volunteer: String,
    pub coordinator: String,
    pub authority: String,
    /// The temporary folder, removed when the app is dropped.
    pub dir: tempfile::TempDir,
}

/// How [`TestApp`] is made: see its methods; [`Builder::build`] to get the app.
pub struct Builder {
    crisis: String,
    change_overlap: Option<Duration>,
    store: Option<Arc<dyn ReportStore>>,
    publisher: Option<Arc<dyn Publisher>>,
    collect: bool,
    seed_triage: bool,
    team: bool,
}

impl TestApp {
    /// The demo crisis ([`demo::CRISIS_TOML`]), an empty store, nothing collected.
    pub fn builder() -> Builder {
        Builder {
            crisis: demo::CRISIS_TOML.to_string(),
            change_overlap: None,
            store: None,
            publisher: None,
            collect: false,
            seed_triage: false,
            team: false,
        }
    }
}

impl Builder {
    /// The crisis file's text instead of the demo's. A `[notify] webhook` in it is where
    /// escalations are sent ([`WebhookNotifier`]); without one they are only logged.
    pub fn crisis(mut self, toml: &str) -> Builder {
        self.crisis = toml.to_string();
        self
    }

    /// The demo crisis with its escalations sent to `hook`'s `/vigie`.
    pub fn notifying(self, hook: &str) -> Builder {
        self.crisis(&format!(
            "{}\n[notify]\nwebhook = \"{hook}/vigie\"\n",
            demo::CRISIS_TOML
        ))
    }

    /// The SQLite store's change cursors reach back `overlap` only (not a [`Builder::store`]).
    pub fn change_overlap(mut self, overlap: Duration) -> Builder {
        self.change_overlap = Some(overlap);
        self
    }

    /// This store instead of SQLite in the folder.
    pub fn store(mut self, store: Arc<dyn ReportStore>) -> Builder {
        self.store = Some(store);
        self
    }

    /// This publisher instead of the folder's.
    pub fn publisher(mut self, publisher: Arc<dyn Publisher>) -> Builder {
        self.publisher = Some(publisher);
        self
    }

    /// One run of the demo collection (`demo-stream`, 3 posts a minute) before the app is
    /// given.
    pub fn collect(mut self) -> Builder {
        self.collect = true;
        self
    }

    /// The demo's seeded triage ([`demo::apply_seed_triage`]), after the collection.
    pub fn seed_triage(mut self) -> Builder {
        self.seed_triage = true;
        self
    }

    /// Tokens of the three roles in [`TestApp::volunteer`], `coordinator` and `authority`.
    pub fn team(mut self) -> Builder {
        self.team = true;
        self
    }

    /// The app, nothing collected nor issued: what [`Builder::build`] starts from, for a
    /// test that needs no runtime.
    pub fn open(self) -> TestApp {
        self.make()
    }

    fn make(&self) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let public = dir.path().join("public");
        let crisis = Crisis::parse("crisis.toml", &self.crisis).unwrap();
        let notifier: Arc<dyn Notifier> = match &crisis.webhook {
            Some(url) => Arc::new(WebhookNotifier::new(url).unwrap()),
            None => Arc::new(LogNotifier),
        };
        let store: Arc<dyn ReportStore> = match &self.store {
            Some(store) => store.clone(),
            None => {
                let mut store = SqliteStore::open(&dir.path().join("vigie.db")).unwrap();
                if let Some(overlap) = self.change_overlap {
                    store = store.with_change_overlap(overlap);
                }
                Arc::new(store)
            }
        };
        let publisher: Arc<dyn Publisher> = match &self.publisher {
            Some(publisher) => publisher.clone(),
            None => Arc::new(FolderPublisher::new(&public).unwrap()),
        };
        let app = Vigie::new(crisis, Gazetteer::guadeloupe(), store, publisher, notifier);
        TestApp {
            app,
            public,
            volunteer: String::new(),
            coordinator: String::new(),
            authority: String::new(),
            dir,
        }
    }

    /// The app, with what was asked: the collection, the seeded triage, the team's tokens.
    pub async fn build(self) -> TestApp {
        let mut test = self.make();
        if self.collect {
            collect_demo(&test.app).await;
        }
        if self.seed_triage {
            demo::apply_seed_triage(&test.app).await.unwrap();
        }
        if self.team {
            test.volunteer = token(&test.app, Role::Volunteer, "Lyne").await;
            test.coordinator = token(&test.app, Role::Coordinator, "Coordination").await;
            test.authority = token(&test.app, Role::Authority, "Cellule de crise").await;
        }
        test
    }
}

/// One run of the demo collection into `app`: `demo-stream`, 3 posts a minute.
pub async fn collect_demo(app: &Vigie) {
    run_source(
        app,
        &DemoSource::new("demo-stream", 3),
        Budget::within(RUN_TIME),
    )
    .await;
}

/// A token of `role` named `name`, issued by "test": its secret.
pub async fn token(app: &Vigie, role: Role, name: &str) -> String {
    issue(app, role, name).await.secret
}

/// A token of `role` named `name`, issued by "test": its record and secret.
pub async fn issue(app: &Vigie, role: Role, name: &str) -> tokens::IssuedToken {
    tokens::issue(app.store.as_ref(), role, name, "test")
        .await
        .unwrap()
}

/// The first `limit` reports nobody has touched yet (status new), in the queue's order.
pub async fn new_reports(app: &Vigie, limit: usize) -> Vec<Report> {
    app.store
        .list_reports(&ReportQuery {
            status: Some(Status::New),
            limit,
            ..Default::default()
        })
        .await
        .unwrap()
        .items
}

/// Every report of `store`, page by page.
pub async fn all_reports(store: &dyn ReportStore) -> Vec<Report> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_reports(&ReportQuery {
                limit: 200,
                cursor,
                ..Default::default()
            })
            .await
            .unwrap();
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

/// What the router answered.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The body read as JSON, [`Value::Null`] when it is not.
    pub body: Value,
    /// The body as sent.
    pub bytes: Bytes,
    /// The body as text (lossy).
    pub text: String,
    /// The `ETag` header as sent, quotes included.
    pub etag: Option<String>,
}

impl Answer {
    /// The status and the JSON body.
    pub fn pair(self) -> (StatusCode, Value) {
        (self.status, self.body)
    }

    /// The header `name` as text, `""` when absent.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The `ETag` header without its quotes.
    pub fn etag_value(&self) -> Option<&str> {
        self.etag.as_deref().map(|e| e.trim_matches('"'))
    }
}

/// A request being made for [`api::router`]: [`request`] to start one.
#[must_use]
pub struct Call<'a> {
    app: &'a Vigie,
    request: axum::http::request::Builder,
    body: Body,
}

/// `method` on `uri`, no header and no body yet.
pub fn request<'a>(app: &'a Vigie, method: Method, uri: &str) -> Call<'a> {
    Call {
        app,
        request: Request::builder().method(method).uri(uri),
        body: Body::empty(),
    }
}

impl Call<'_> {
    /// `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &str) -> Self {
        self.header("Authorization", &format!("Bearer {token}"))
    }

    /// The bearer token if there is one.
    pub fn bearer_opt(self, token: Option<&str>) -> Self {
        match token {
            Some(t) => self.bearer(t),
            None => self,
        }
    }

    /// One more header (a name given twice is sent twice).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.request = self.request.header(name, value);
        self
    }

    /// Each of `headers`, in order.
    pub fn headers(self, headers: &[(&str, &str)]) -> Self {
        headers.iter().fold(self, |c, (k, v)| c.header(k, v))
    }

    /// `value` as the body, with `Content-Type: application/json`.
    pub fn json(self, value: &Value) -> Self {
        self.header("Content-Type", "application/json")
            .raw(value.to_string())
    }

    /// The body as given, no header added.
    pub fn raw(mut self, body: impl Into<Body>) -> Self {
        self.body = body.into();
        self
    }

    /// Sends it through a fresh router and reads the whole answer.
    pub async fn send(self) -> Answer {
        let resp = api::router(self.app.clone())
            .oneshot(self.request.body(self.body).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let etag = headers.get("etag").map(|v| v.to_str().unwrap().to_string());
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 24)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&bytes).to_string();
        Answer {
            status,
            headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            bytes,
            text,
            etag,
        }
    }
}

/// `method` on `uri` with `token` (if any), `headers`, and `body` as JSON (if any).
pub async fn call(
    app: &Vigie,
    method: Method,
    uri: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Answer {
    let c = request(app, method, uri).bearer_opt(token).headers(headers);
    match body {
        Some(v) => c.json(&v),
        None => c,
    }
    .send()
    .await
}

/// `method` on `uri` with `token` (if any), `headers` and `body` as given: a body not empty
/// is said to be JSON unless `headers` give a `Content-Type` (to send what is not valid JSON).
pub async fn call_text(
    app: &Vigie,
    method: Method,
    uri: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut c = request(app, method, uri).bearer_opt(token).headers(headers);
    if !body.is_empty()
        && !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        c = c.header("Content-Type", "application/json");
    }
    c.raw(body.to_string()).send().await
}

/// `GET uri`, with `token` if there is one.
pub async fn fetch(app: &Vigie, uri: &str, token: Option<&str>) -> Answer {
    call(app, Method::GET, uri, token, &[], None).await
}

/// `method` on `uri` with `token`, and `body` as JSON if there is one.
pub async fn send(
    app: &Vigie,
    method: Method,
    uri: &str,
    token: &str,
    body: Option<Value>,
) -> Answer {
    call(app, method, uri, Some(token), &[], body).await
}

/// `method` on `uri` with `token`, no other header and no body.
pub async fn bare(app: &Vigie, method: Method, uri: &str, token: &str) -> Answer {
    call(app, method, uri, Some(token), &[], None).await
}

/// `GET uri` with `token`.
pub async fn get(app: &Vigie, uri: &str, token: &str) -> Answer {
    bare(app, Method::GET, uri, token).await
}

/// `POST uri` with `token` and no body.
pub async fn post(app: &Vigie, uri: &str, token: &str) -> Answer {
    bare(app, Method::POST, uri, token).await
}

/// `DELETE uri` with `token`.
pub async fn delete(app: &Vigie, uri: &str, token: &str) -> Answer {
    bare(app, Method::DELETE, uri, token).await
}

/// `PATCH uri` with `token`, at `version` (`If-Match`), `changes` as JSON.
pub async fn patch(app: &Vigie, uri: &str, token: &str, version: &str, changes: Value) -> Answer {
    call(
        app,
        Method::PATCH,
        uri,
        Some(token),
        &[("If-Match", version)],
        Some(changes),
    )
    .await
}

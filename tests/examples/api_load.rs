//! Load benchmark of the triage API on the embedded store: starts `vigie local --demo` on a
//! loopback port, then for a fixed time sends queue listings, then updates, from a fixed
//! number of concurrent clients, and prints requests per second with p50 and p99 latencies.
//! Targets on a 2-core machine: 2,000 listings/s with p99 under 50 ms; 500 updates/s.
//!
//! Run with `scripts/bench-api` (it builds `vigie` and this in the bench profile first).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CLIENTS: usize = 16;
const PHASE: Duration = Duration::from_secs(10);

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, latencies: &mut [Duration], errors: usize, elapsed: Duration) {
    latencies.sort();
    println!(
        "{name:<10} {:>8.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  ({} requests, {errors} unexpected answers, {:.1} s)",
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(latencies, 0.99).as_secs_f64() * 1000.0,
        latencies.len(),
        elapsed.as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    let vigie = std::env::var("VIGIE_BIN").expect("VIGIE_BIN: path to the vigie binary");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = Command::new(&vigie)
        .args([
            "local",
            "--demo",
            "--data-dir",
            data.to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("VIGIE_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("vigie starts");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .unwrap();
    let started = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "vigie did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let out = Command::new(&vigie)
        .args([
            "token",
            "create",
            "--role",
            "coordinator",
            "--name",
            "bench",
            "--data-dir",
            data.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let token = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_string();

    // Phase 1: queue listings (the first page of the critical-first queue, 50 reports).
    let mut tasks = Vec::new();
    let phase_start = Instant::now();
    for _ in 0..CLIENTS {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0;
            while phase_start.elapsed() < PHASE {
                let t = Instant::now();
                match client
                    .get(format!("{base}/api/v1/reports?limit=50"))
                    .bearer_auth(&token)
                    .send()
                    .await
                {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        lat.push(t.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        lat.extend(l);
        errors += e;
    }
    report("listings", &mut lat, errors, phase_start.elapsed());

    // Phase 2: updates, each client on its own reports (read the version, PATCH with If-Match).
    let page: serde_json::Value = client
        .get(format!("{base}/api/v1/reports?limit=200"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    let mut tasks = Vec::new();
    let phase_start = Instant::now();
    for c in 0..CLIENTS {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        let mine: Vec<String> = ids.iter().skip(c).step_by(CLIENTS).cloned().collect();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0;
            let mut versions: std::collections::HashMap<String, u64> =
                std::collections::HashMap::new();
            let mut i = 0usize;
            while phase_start.elapsed() < PHASE {
                let id = &mine[i % mine.len()];
                i += 1;
                let version = match versions.get(id) {
                    Some(v) => *v,
                    None => {
                        let r: serde_json::Value = client
                            .get(format!("{base}/api/v1/reports/{id}"))
                            .bearer_auth(&token)
                            .send()
                            .await
                            .unwrap()
                            .json()
                            .await
                            .unwrap();
                        r["version"].as_u64().unwrap()
                    }
                };
                let t = Instant::now();
                let resp = client
                    .patch(format!("{base}/api/v1/reports/{id}"))
                    .bearer_auth(&token)
                    .header("If-Match", version.to_string())
                    .json(&serde_json::json!({"summary": format!("bench {i}")}))
                    .send()
                    .await;
                match resp {
                    Ok(r) if r.status().is_success() => {
                        let v: serde_json::Value = r.json().await.unwrap();
                        lat.push(t.elapsed());
                        versions.insert(id.clone(), v["version"].as_u64().unwrap());
                    }
                    _ => {
                        errors += 1;
                        versions.remove(id);
                    }
                }
            }
            (lat, errors)
        }));
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        lat.extend(l);
        errors += e;
    }
    report("updates", &mut lat, errors, phase_start.elapsed());
    let _ = server.kill();
    let _ = server.wait();
}

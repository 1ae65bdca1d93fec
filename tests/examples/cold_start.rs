//! Cold starts of the Lambda functions (issue 19, point 1): each release bootstrap spawned
//! behind the Runtime API emulator on loopback, with DynamoDB Local and moto's S3 as its stack's
//! table and bucket, RUNS times; from the spawn to its first `GET .../invocation/next` (the end
//! of its init) and to its first answer, median and max, with the peak memory of the process;
//! beside them the same figures for a lambda_runtime hello-world built with the same profile
//! (the floor). A benchmark, not a test: it prints figures and targets, and exits 0 once it has
//! measured.
//!
//! Usage: cold_start LAMBDA_DIR HELLO_BIN [RUNS]   (LAMBDA_DIR: where `cargo lambda build
//! --release` put `<function>/bootstrap`; scripts/bench-cold-start builds both and runs this)

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;
use vigie_e2e::{bench, start_dynamodb_local, start_moto, FunctionSpec, FUNCTIONS};

/// The floor's binary, for the packages' ratios.
static FLOOR: std::sync::OnceLock<String> = std::sync::OnceLock::new();

const BUCKET: &str = "vigie-bench-cold";
const TABLE: &str = "vigie-bench-cold";

/// What one function is invoked with on its first request.
fn event(function: &str) -> Value {
    match function {
        "triage-api" => json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": "/healthz",
            "rawQueryString": "",
            "headers": {"host": "bench.execute-api.us-east-1.amazonaws.com"},
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "bench",
                "domainName": "bench.execute-api.us-east-1.amazonaws.com",
                "domainPrefix": "bench",
                "http": {
                    "method": "GET",
                    "path": "/healthz",
                    "protocol": "HTTP/1.1",
                    "sourceIp": "192.0.2.10",
                    "userAgent": "bench"
                },
                "requestId": "bench",
                "routeKey": "$default",
                "stage": "$default",
                "time": "07/Dec/2026:00:00:00 +0000",
                "timeEpoch": 0
            },
            "isBase64Encoded": false
        }),
        _ => json!({}),
    }
}

struct Figures {
    init: Vec<Duration>,
    answer: Vec<Duration>,
    peak_kib: u64,
    failed: Option<String>,
}

fn median(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn measure(bin: &Path, name: &str, env: &[(&str, String)], runs: usize) -> Figures {
    let mut f = Figures {
        init: Vec::new(),
        answer: Vec::new(),
        peak_kib: 0,
        failed: None,
    };
    for _ in 0..runs {
        let function = FunctionSpec::new(bin, &format!("vigie-bench-{name}"))
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .timeout(Duration::from_secs(30))
            .start();
        let Some(init) = function.init_time(Duration::from_secs(30)) else {
            f.failed = Some(format!("no init: {}", tail(&function.logs())));
            return f;
        };
        if let Err(e) = function.invoke(event(name)) {
            f.failed = Some(format!("first answer failed: {e}"));
            return f;
        }
        f.answer.push(function.since_spawn());
        f.init.push(init);
        f.peak_kib = f.peak_kib.max(function.peak_memory_kib().unwrap_or(0));
    }
    f
}

fn tail(logs: &str) -> String {
    let lines: Vec<&str> = logs.lines().collect();
    lines[lines.len().saturating_sub(3)..].join(" | ")
}

fn zipped_size(bin: &Path) -> Option<u64> {
    // The package Lambda receives: the bootstrap alone in a zip (deflate), as cargo lambda
    // makes it; python3's zipfile so nothing else need be installed.
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import io,sys,zipfile\nb=io.BytesIO()\nz=zipfile.ZipFile(b,'w',zipfile.ZIP_DEFLATED,compresslevel=9)\nz.write(sys.argv[1],'bootstrap')\nz.close()\nprint(len(b.getvalue()))",
            &bin.display().to_string(),
        ])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, hello, rest @ ..] = args.as_slice() else {
        eprintln!("usage: cold_start LAMBDA_DIR HELLO_BIN [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = rest
        .first()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20)
        .max(1);
    let dynamo = start_dynamodb_local();
    let moto = start_moto();
    let client = reqwest::blocking::Client::new();
    let created = client.put(format!("{}/{BUCKET}", moto.url)).send();
    assert!(
        created.is_ok_and(|r| r.status().is_success()),
        "the bucket on moto"
    );
    let crisis_dir = tempfile::tempdir().expect("a folder for the crisis file");
    let crisis = crisis_dir.path().join("crisis.toml");
    std::fs::write(
        &crisis,
        "[crisis]\nid = \"bench-cold\"\nname = \"Cold starts\"\nbbox = [-61.85, 15.83, -61.00, 16.52]\n",
    )
    .expect("the crisis file");
    let env: Vec<(&str, String)> = vec![
        ("AWS_ENDPOINT_URL_DYNAMODB", dynamo.url.clone()),
        ("AWS_ENDPOINT_URL_S3", moto.url.clone()),
        ("VIGIE_S3_PATH_STYLE", "true".into()),
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ("AWS_SESSION_TOKEN", "test".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("VIGIE_CRISIS_FILE", crisis.display().to_string()),
        ("TABLE_NAME", TABLE.into()),
        ("BUCKET_NAME", BUCKET.into()),
    ];
    // The stack makes its table; the functions open it as it is.
    dynamo.create_table(TABLE);

    FLOOR.set(hello.clone()).ok();
    let hello_bin = PathBuf::from(hello);
    let floor = measure(&hello_bin, "hello", &env, runs);
    let floor_init = median(&floor.init);
    println!(
        "cold starts, {runs} each, spawn to first /next (init) and to first answer, in ms; the floor is a lambda_runtime hello-world of the same profile"
    );
    println!(
        "{:<18} {:>10} {:>9} {:>11} {:>10} {:>10} {:>10} {:>10}  targets",
        "function",
        "init p50",
        "init max",
        "answer p50",
        "ans. max",
        "× floor",
        "peak MiB",
        "zip MB"
    );
    let row = |name: &str, f: &Figures, zip: Option<u64>| {
        if let Some(why) = &f.failed {
            println!("{name:<18} not measured: {why}");
            return;
        }
        let init = median(&f.init);
        let ratio = init.as_secs_f64() / floor_init.as_secs_f64().max(1e-9);
        let zip_mb = zip.map(|z| z as f64 / 1_000_000.0);
        let met = |ok: bool| if ok { "met" } else { "NOT met" };
        let targets = if name == "hello (floor)" {
            String::new()
        } else {
            format!(
                "≤ 3× floor {}, < 10 ms {}, zip < 5 MB {}",
                met(ratio <= 3.0),
                met(init < Duration::from_millis(10)),
                met(zip_mb.is_some_and(|z| z < 5.0))
            )
        };
        let zip_text = zip_mb.map_or("-".into(), |z| format!("{z:.2} MB"));
        if name == "hello (floor)" {
            bench::row(
                "cold start: hello-world (floor), init p50",
                &format!("{} ms", ms(init)),
                "",
                "",
                None,
            );
            bench::row(
                "package: hello-world (floor), zipped",
                &zip_text,
                "",
                "",
                None,
            );
        } else {
            bench::row(
                &format!("cold start: {name}, init p50 (max)"),
                &format!(
                    "{} ms ({} ms)",
                    ms(init),
                    ms(f.init.iter().max().copied().unwrap_or_default())
                ),
                &format!("{ratio:.1}× floor"),
                "≤ 3× floor and < 10 ms",
                bench::met(ratio <= 3.0 && init < Duration::from_millis(10)),
            );
            bench::row(
                &format!("cold start: {name}, first answer p50"),
                &format!("{} ms", ms(median(&f.answer))),
                "",
                "",
                None,
            );
            bench::row(
                &format!("package: {name}, zipped"),
                &zip_text,
                &zip.zip(zipped_size(&PathBuf::from(FLOOR.get().unwrap())))
                    .map_or(String::new(), |(z, h)| {
                        format!("{:.1}× floor", z as f64 / h.max(1) as f64)
                    }),
                "< 5 MB",
                bench::met(zip_mb.is_some_and(|z| z < 5.0)),
            );
            bench::row(
                &format!("memory: {name}, peak"),
                &format!("{:.1} MiB", f.peak_kib as f64 / 1024.0),
                "",
                "< 256 MiB (the template's smallest MemorySize)",
                bench::met(f.peak_kib < 256 * 1024),
            );
            bench::metric(
                &format!("init_ms.{name}"),
                init.as_secs_f64() * 1000.0,
                "ms",
            );
            bench::metric(
                &format!("answer_ms.{name}"),
                median(&f.answer).as_secs_f64() * 1000.0,
                "ms",
            );
            bench::metric(&format!("zip_bytes.{name}"), zip.unwrap_or(0) as f64, "B");
            bench::metric(&format!("peak_kib.{name}"), f.peak_kib as f64, "KiB");
        }
        println!(
            "{name:<18} {:>10} {:>9} {:>11} {:>10} {:>10.1} {:>10.1} {:>10}  {targets}",
            ms(init),
            ms(f.init.iter().max().copied().unwrap_or_default()),
            ms(median(&f.answer)),
            ms(f.answer.iter().max().copied().unwrap_or_default()),
            ratio,
            f.peak_kib as f64 / 1024.0,
            zip_mb.map_or("-".into(), |z| format!("{z:.2}")),
        );
    };
    row("hello (floor)", &floor, zipped_size(&hello_bin));
    for name in FUNCTIONS {
        let bin = PathBuf::from(dir).join(name).join("bootstrap");
        if !bin.is_file() {
            println!("{name:<18} not measured: {} missing", bin.display());
            continue;
        }
        let f = measure(&bin, name, &env, runs);
        row(name, &f, zipped_size(&bin));
    }
}

//! The cloud lifecycle commands without a cloud: `vigie activate`, `deactivate` and `status`
//! with `--dry-run` print their plan from the crisis file and the template and call nothing
//! (every AWS endpoint points at a closed loopback port, and neither `sam` nor `cargo lambda`
//! is on the PATH); a bad crisis file fails before any plan.

use std::process::{Command, Stdio};
use vigie_e2e::{free_port, vigie_bin};

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../infra/examples/gp-cyclone-2026.toml"
);

/// `vigie` with no way to reach AWS or the deployment tools.
fn offline(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let closed = format!("http://127.0.0.1:{}", free_port());
    let out = Command::new(vigie_bin())
        .args(args)
        .env_clear()
        .env("PATH", "/nonexistent")
        .env("HOME", std::env::temp_dir())
        .env("AWS_ENDPOINT_URL", &closed)
        .env("AWS_ACCESS_KEY_ID", "offline")
        .env("AWS_SECRET_ACCESS_KEY", "offline")
        .env("AWS_EC2_METADATA_DISABLED", "true")
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

#[test]
fn activate_dry_run_prints_the_plan_from_the_crisis_file() {
    let (code, out, err) = offline(
        &[
            "activate",
            "--crisis",
            EXAMPLE,
            "--region",
            "eu-west-3",
            "--dry-run",
        ],
        &[("MASTO_MAIN_TOKEN", "secret-token-value")],
    );
    assert_eq!(code, 0, "{err}");
    for expected in [
        "Plan: activate crisis gp-cyclone-2026",
        "vigie-gp-cyclone-2026 in eu-west-3",
        "CrisisId = gp-cyclone-2026",
        "Architecture = arm64",
        "MastodonRate = rate(2 minutes)",
        "BlueskyRate = rate(2 minutes)",
        "FeedsRate = rate(5 minutes)",
        "XRate = rate(5 minutes)",
        "YouTubeRate = rate(15 minutes)",
        "SchedulesState = ENABLED",
        // The app's Content-Security-Policy allows the crisis file's tile server.
        "TileServerOrigin = https://tile.openstreetmap.org",
        "ReportsTable",
        "AWS::DynamoDB::Table",
        "PublicDistribution",
        "TriageHttpApi",
        "SourceCredentials",
        "cargo lambda build --release --arm64",
        "sam deploy --template-file infra/template.yaml --stack-name vigie-gp-cyclone-2026",
        "upload the volunteers' app",
        "to the public bucket under app/",
        "create a coordinator token \"Coordinator\"",
        "its sign-in link",
        "dry run: nothing was built, deployed or called",
    ] {
        assert!(out.contains(expected), "missing `{expected}` in:\n{out}");
    }
    for function in vigie_e2e::FUNCTIONS {
        assert!(out.contains(&format!("-p {function}")), "{function}");
    }
    // Secrets by name, never by value.
    assert!(out.contains("MASTO_MAIN_TOKEN"));
    assert!(out.contains("BSKY_APP_PASSWORD            NOT set here"));
    assert!(
        out.contains("X_BEARER_TOKEN               NOT set here"),
        "{out}"
    );
    assert!(
        out.contains("YOUTUBE_API_KEY              NOT set here"),
        "{out}"
    );
    // The relay accounts' credentials go in the same secret.
    for name in [
        "RELAY_MASTO_TOKEN",
        "RELAY_BSKY_HANDLE",
        "RELAY_BSKY_APP_PASSWORD",
    ] {
        assert!(
            out.lines()
                .any(|l| l.contains(name) && l.contains("NOT set here")),
            "{name} in:\n{out}"
        );
    }
    assert!(!out.contains("secret-token-value"));
}

#[test]
fn activate_dry_run_takes_the_architecture_and_the_alert_address() {
    let (code, out, err) = offline(
        &[
            "activate",
            "--crisis",
            EXAMPLE,
            "--arch",
            "x86_64",
            "--alert-email",
            "veille@example.org",
            "--dry-run",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Architecture = x86_64"), "{out}");
    assert!(out.contains("AlertEmail = veille@example.org"), "{out}");
    assert!(
        out.contains("cargo lambda build --release --x86-64"),
        "{out}"
    );
}

#[test]
fn a_bad_crisis_file_fails_before_any_plan() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(EXAMPLE)
        .unwrap()
        .replace("every = \"5m\"", "every = \"5 parsecs\"");
    std::fs::write(&bad, text).unwrap();
    let (code, out, err) = offline(
        &["activate", "--crisis", bad.to_str().unwrap(), "--dry-run"],
        &[],
    );
    assert_ne!(code, 0);
    assert!(out.is_empty(), "no plan for a bad file: {out}");
    assert!(err.contains("bad.toml") && err.contains("every"), "{err}");

    // A demo source cannot run in the cloud.
    let demo = dir.path().join("demo.toml");
    std::fs::write(
        &demo,
        "[crisis]\nid = \"demo-x\"\nname = \"D\"\nbbox = [-61.85, 15.83, -61.00, 16.52]\n\n[[sources]]\nid = \"replay\"\nkind = \"demo\"\n",
    )
    .unwrap();
    let (code, out, err) = offline(
        &["activate", "--crisis", demo.to_str().unwrap(), "--dry-run"],
        &[],
    );
    assert_ne!(code, 0);
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("replay") && err.contains("vigie local"),
        "{err}"
    );

    let (code, _, err) = offline(
        &[
            "activate",
            "--crisis",
            "/nonexistent/crisis.toml",
            "--dry-run",
        ],
        &[],
    );
    assert_ne!(code, 0);
    assert!(err.contains("/nonexistent/crisis.toml"), "{err}");
}

#[test]
fn deactivate_and_status_dry_runs_print_their_plans() {
    let (code, out, err) = offline(
        &["deactivate", "--crisis", "gp-cyclone-2026", "--dry-run"],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    for expected in [
        "Plan: deactivate crisis gp-cyclone-2026",
        "vigie-gp-cyclone-2026",
        "SchedulesState = DISABLED",
        "final export",
        "reports.jsonl",
        "reports.csv",
        "delete the stack",
        "kept        the table, the public bucket",
        "dry run: nothing was called",
    ] {
        assert!(out.contains(expected), "missing `{expected}` in:\n{out}");
    }
    let (code, out, _) = offline(
        &[
            "deactivate",
            "--crisis",
            "gp-cyclone-2026",
            "--purge",
            "--dry-run",
        ],
        &[],
    );
    assert_eq!(code, 0);
    assert!(out.contains("--purge: delete the table"), "{out}");
    assert!(out.contains("kept        the archive bucket"), "{out}");

    let (code, out, err) = offline(&["status", "--crisis", "gp-cyclone-2026", "--dry-run"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Plan: status of crisis gp-cyclone-2026"),
        "{out}"
    );

    let (code, out, err) = offline(&["deactivate", "--crisis", "Bad/Id", "--dry-run"], &[]);
    assert_ne!(code, 0);
    assert!(out.is_empty());
    assert!(err.contains("Bad/Id"), "{err}");
}

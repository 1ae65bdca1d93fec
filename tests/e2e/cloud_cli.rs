//! `vigie` publishing to an S3-compatible server: `--publish s3://BUCKET/PREFIX` with the
//! standard AWS environment and `AWS_ENDPOINT_URL`, against moto on loopback; the public then
//! reads `reports.geojson` over plain HTTP. Then the whole product on the emulators: reports in
//! DynamoDB Local, public files in moto's S3.

use vigie_e2e::{run_vigie_env, start_dynamodb_local, start_moto, AWS_TEST_ENV};

#[test]
fn export_once_to_s3() {
    let moto = start_moto();
    let client = reqwest::blocking::Client::new();
    // A bucket whose public prefix anyone may read (as the CDN in front of it makes it).
    let created = client
        .put(format!("{}/vigie-public", moto.url))
        .send()
        .unwrap();
    assert!(created.status().is_success(), "{}", created.text().unwrap());
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::vigie-public/gp-s3/public/*"}]}"#;
    let set = client
        .put(format!("{}/vigie-public?policy", moto.url))
        .body(policy)
        .send()
        .unwrap();
    assert!(set.status().is_success(), "{}", set.text().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let crisis = dir.path().join("crisis.toml");
    std::fs::write(&crisis, "[crisis]\nid = \"gp-s3\"\nname = \"S3\"\nbbox = [-61.85, 15.83, -61.00, 16.52]\n\n[[sources]]\nid = \"demo-stream\"\nkind = \"demo\"\n").unwrap();
    let run = |args: &[&str]| {
        let mut env = AWS_TEST_ENV.to_vec();
        env.push(("AWS_ENDPOINT_URL", &moto.url));
        run_vigie_env(args, &env)
    };
    let (code, _, err) = run(&[
        "collect",
        "--once",
        "--crisis",
        crisis.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(&[
        "export",
        "--once",
        "--data-dir",
        data.to_str().unwrap(),
        "--publish",
        "s3://vigie-public/gp-s3/public",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("reports.geojson"), "{out}");
    let (code, out, _) = run(&[
        "export",
        "--once",
        "--data-dir",
        data.to_str().unwrap(),
        "--publish",
        "s3://vigie-public/gp-s3/public",
    ]);
    assert_eq!(code, 0);
    // A new process may write meta.json once (its generation time); nothing else is uploaded.
    let wrote = out
        .split("wrote ")
        .nth(1)
        .and_then(|w| w.split(';').next())
        .unwrap_or_default();
    assert!(
        wrote == "none" || wrote == "meta.json",
        "nothing else uploaded again: {out}"
    );
    // Read it back as the SDK stores it (moto serves objects with path-style URLs).
    let body = client
        .get(format!(
            "{}/vigie-public/gp-s3/public/reports.geojson",
            moto.url
        ))
        .send()
        .unwrap();
    let geojson: serde_json::Value = serde_json::from_str(&body.text().unwrap()).unwrap();
    assert_eq!(geojson["type"], "FeatureCollection");
    assert!(
        !geojson["features"].as_array().unwrap().is_empty(),
        "the demo's published reports"
    );
    let (code, _, err) = run(&[
        "export",
        "--once",
        "--data-dir",
        data.to_str().unwrap(),
        "--publish",
        "s3://Bad_Bucket/x",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("Bad_Bucket"), "{err}");
}

#[test]
fn collect_token_export_on_dynamodb_and_s3() {
    let moto = start_moto();
    let dynamo = start_dynamodb_local();
    let client = reqwest::blocking::Client::new();
    assert!(client
        .put(format!("{}/vigie-cloud", moto.url))
        .send()
        .unwrap()
        .status()
        .is_success());
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::vigie-cloud/public/*"}]}"#;
    assert!(client
        .put(format!("{}/vigie-cloud?policy", moto.url))
        .body(policy)
        .send()
        .unwrap()
        .status()
        .is_success());
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let crisis = dir.path().join("crisis.toml");
    std::fs::write(&crisis, "[crisis]\nid = \"gp-cloud\"\nname = \"Cloud\"\nbbox = [-61.85, 15.83, -61.00, 16.52]\n\n[[sources]]\nid = \"demo-stream\"\nkind = \"demo\"\n").unwrap();
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend([
            "--data-dir",
            data.to_str().unwrap(),
            "--store",
            "dynamodb:vigie-e2e",
        ]);
        let mut env = AWS_TEST_ENV.to_vec();
        env.extend([
            ("AWS_ENDPOINT_URL_DYNAMODB", dynamo.url.as_str()),
            ("AWS_ENDPOINT_URL_S3", moto.url.as_str()),
            ("VIGIE_S3_PATH_STYLE", "true"),
        ]);
        run_vigie_env(&all, &env)
    };
    let (code, out, err) = run(&["collect", "--once", "--crisis", crisis.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("demo-stream:") && out.contains(" new"),
        "{out}"
    );
    let (code, out, _) = run(&["collect", "--once"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("0 already stored") || out.contains("3 new"),
        "{out}"
    );
    let (code, out, err) = run(&[
        "token",
        "create",
        "--role",
        "coordinator",
        "--name",
        "Cloud test",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().last().unwrap().starts_with("vigie_"));
    let (code, out, err) = run(&["export", "--once", "--publish", "s3://vigie-cloud/public"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("published reports"), "{out}");
    let body = client
        .get(format!("{}/vigie-cloud/public/reports.geojson", moto.url))
        .send()
        .unwrap();
    assert_eq!(body.status(), 200);
    let geojson: serde_json::Value = serde_json::from_str(&body.text().unwrap()).unwrap();
    assert!(
        geojson["features"].as_array().unwrap().len() > 50,
        "the demo's published reports, read from DynamoDB"
    );
}

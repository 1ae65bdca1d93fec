//! `vigie local --demo` as a newcomer runs it: the public GeoJSON fills within 30 s, a token
//! from `vigie token create` opens the API, and bad start-ups fail with one clear line.

use std::time::Duration;
use vigie_e2e::{eventually, free_port, run_vigie, spawn_vigie};

fn get(url: &str, token: Option<&str>) -> Option<(u16, String)> {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .ok()?;
    let mut req = client.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().ok()?;
    let status = resp.status().as_u16();
    Some((status, resp.text().ok()?))
}

/// A GET as another site's page (or uMap) makes it, without following redirects: status and
/// headers.
fn headers_of(url: &str) -> (u16, reqwest::header::HeaderMap) {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = client
        .get(url)
        .header("Origin", "https://umap.example")
        .send()
        .unwrap();
    (resp.status().as_u16(), resp.headers().clone())
}

#[test]
fn the_demo_runs_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let _server = spawn_vigie(&["local", "--demo", "--data-dir", data, "--listen", &listen]);
    let base = format!("http://{listen}");

    let collection: serde_json::Value = eventually(
        Duration::from_secs(30),
        "published demo reports in the GeoJSON",
        || {
            let (status, body) = get(&format!("{base}/public/reports.geojson"), None)?;
            let v: serde_json::Value = serde_json::from_str(&body).ok()?;
            (status == 200 && v["features"].as_array().is_some_and(|f| !f.is_empty())).then_some(v)
        },
    );
    assert_eq!(collection["type"], "FeatureCollection");
    for f in collection["features"].as_array().unwrap() {
        assert_eq!(f["type"], "Feature");
        assert_eq!(f["geometry"]["type"], "Point");
        let c = f["geometry"]["coordinates"].as_array().unwrap();
        assert!(c[0].as_f64().unwrap().abs() <= 180.0 && c[1].as_f64().unwrap().abs() <= 90.0);
    }

    // The public files carry the export's content types and cache lifetimes, as from the
    // bucket: data briefly, versioned libraries for long; any origin may GET them.
    let header = |h: &reqwest::header::HeaderMap, name: &str| {
        h.get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    for (path, content_type, cache) in [
        (
            "reports.geojson",
            "application/geo+json",
            "public, max-age=30",
        ),
        ("meta.json", "application/json", "public, max-age=30"),
        (
            "official.atom",
            "application/atom+xml; charset=utf-8",
            "public, max-age=30",
        ),
        ("", "text/html; charset=utf-8", "public, max-age=300"),
        (
            "app.js",
            "text/javascript; charset=utf-8",
            "public, max-age=300",
        ),
        (
            "assets/leaflet-1.9.4/leaflet.js",
            "text/javascript; charset=utf-8",
            "public, max-age=31536000, immutable",
        ),
    ] {
        let (status, h) = headers_of(&format!("{base}/public/{path}"));
        assert_eq!(status, 200, "/public/{path}");
        assert_eq!(header(&h, "content-type"), content_type, "/public/{path}");
        assert_eq!(header(&h, "cache-control"), cache, "/public/{path}");
        assert_eq!(
            header(&h, "access-control-allow-origin"),
            "*",
            "/public/{path}"
        );
        // The security headers of the stack's CloudFront: the map page's CSP allows its own
        // files and the tile server's images, nothing inline, no framing.
        let csp = header(&h, "content-security-policy");
        assert!(csp.contains("script-src 'self';"), "/public/{path}: {csp}");
        assert!(csp.contains("connect-src 'self';"), "/public/{path}: {csp}");
        assert!(
            csp.contains("img-src 'self' data: https://"),
            "/public/{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "/public/{path}: {csp}");
        assert_eq!(header(&h, "x-content-type-options"), "nosniff");
        assert_eq!(header(&h, "x-frame-options"), "DENY");
    }
    // `/public` alone goes to `/public/`, where the page's relative links resolve.
    let (status, h) = headers_of(&format!("{base}/public"));
    assert!(matches!(status, 301 | 308), "{status}");
    assert_eq!(header(&h, "location"), "/public/");
    let (status, h) = headers_of(&format!("{base}/public?lang=en"));
    assert!(matches!(status, 301 | 308), "{status}");
    assert_eq!(header(&h, "location"), "/public/?lang=en");

    // The volunteers' app at `/`: its page and bundle, under a strict CSP that names the
    // demo's tile server, and a 404 for a path that is none of its files.
    for (path, content_type) in [
        ("/", "text/html; charset=utf-8"),
        ("/app.js", "text/javascript; charset=utf-8"),
        ("/app.css", "text/css; charset=utf-8"),
        ("/manifest.webmanifest", "application/manifest+json"),
    ] {
        let (status, h) = headers_of(&format!("{base}{path}"));
        assert_eq!(status, 200, "{path}");
        assert_eq!(header(&h, "content-type"), content_type, "{path}");
        let csp = header(&h, "content-security-policy");
        assert!(csp.contains("script-src 'self';"), "{path}: {csp}");
        assert!(csp.contains("connect-src 'self';"), "{path}: {csp}");
        assert!(
            csp.contains("img-src 'self' data: https://"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(header(&h, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header(&h, "referrer-policy"), "no-referrer", "{path}");
        // Checked with the server on each load (a new version's entry names new chunks), and
        // cheap when unchanged: 304 on its ETag.
        assert_eq!(header(&h, "cache-control"), "no-cache", "{path}");
        let etag = header(&h, "etag");
        assert!(etag.starts_with('"') && etag.len() > 2, "{path}: {etag}");
        let again = reqwest::blocking::Client::new()
            .get(format!("{base}{path}"))
            .header("If-None-Match", &etag)
            .send()
            .unwrap();
        assert_eq!(again.status().as_u16(), 304, "{path}");
        assert!(again.bytes().unwrap().is_empty(), "{path}");
    }
    let (status, _) = headers_of(&format!("{base}/no-such-file.js"));
    assert_eq!(status, 404);

    // A token created on the same data dir while the server runs opens the API.
    let (code, stdout, stderr) = run_vigie(&[
        "token",
        "create",
        "--role",
        "coordinator",
        "--name",
        "Test coordinator",
        "--data-dir",
        data,
    ]);
    assert_eq!(code, 0, "{stderr}");
    let token = stdout.lines().last().unwrap().trim().to_string();
    assert!(
        token.starts_with("vigie_") && !token.contains(' '),
        "last line is the token alone: {stdout}"
    );
    let (status, _) = get(&format!("{base}/api/v1/reports"), None).unwrap();
    assert_eq!(status, 401);
    let (status, body) = get(
        &format!("{base}/api/v1/reports?status=published&limit=200"),
        Some(&token),
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let page: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(
        page["items"].as_array().unwrap().len()
            >= collection["features"].as_array().unwrap().len().min(200)
    );

    // The queue fills live: the demo source replays more posts on its schedule.
    let count = |token: &str| -> usize {
        let mut total = 0;
        let mut cursor = String::new();
        loop {
            let (_, body) = get(
                &format!("{base}/api/v1/reports?limit=200{cursor}"),
                Some(token),
            )
            .unwrap();
            let page: serde_json::Value = serde_json::from_str(&body).unwrap();
            total += page["items"].as_array().unwrap().len();
            match page["next_cursor"].as_str() {
                Some(c) => cursor = format!("&cursor={c}"),
                None => return total,
            }
        }
    };
    let before = count(&token);
    eventually(Duration::from_secs(40), "new demo posts arriving", || {
        (count(&token) > before).then_some(())
    });

    // The authority exports the table; another data dir imports it (an earlier deployment's
    // spreadsheet brought into a new one), and a broken file is refused by line and column.
    let (status, csv) = get(&format!("{base}/api/v1/export.csv"), Some(&token)).unwrap();
    assert_eq!(status, 200);
    let csv_file = dir.path().join("table.csv");
    std::fs::write(&csv_file, &csv).unwrap();
    let other = dir.path().join("other");
    let empty_crisis = dir.path().join("empty.toml");
    std::fs::write(
        &empty_crisis,
        "[crisis]\nid = \"gp-next\"\nname = \"Next\"\nbbox = [-61.85, 15.83, -61.00, 16.52]\n",
    )
    .unwrap();
    let (code, _, err) = run_vigie(&[
        "export",
        "--once",
        "--crisis",
        empty_crisis.to_str().unwrap(),
        "--data-dir",
        other.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let broken = dir.path().join("broken.csv");
    std::fs::write(&broken, csv.replacen(",published,", ",publishd,", 1)).unwrap();
    let (code, _, err) = run_vigie(&[
        "import",
        broken.to_str().unwrap(),
        "--data-dir",
        other.to_str().unwrap(),
    ]);
    assert_ne!(code, 0);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("broken.csv") && err.contains("column `status`"),
        "{err}"
    );
    let (code, out, err) = run_vigie(&[
        "import",
        csv_file.to_str().unwrap(),
        "--data-dir",
        other.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let rows = csv.lines().count() - 2;
    assert!(
        out.contains(&format!("imported {rows} reports")) && out.contains(&format!("{rows} new")),
        "{out}"
    );
    let (_, out, _) = run_vigie(&[
        "import",
        csv_file.to_str().unwrap(),
        "--data-dir",
        other.to_str().unwrap(),
    ]);
    assert!(out.contains("0 new"), "importing twice adds nothing: {out}");
    // Into a data dir that never ran a crisis, as the README says.
    let fresh = dir.path().join("fresh");
    let (code, out, err) = run_vigie(&[
        "import",
        csv_file.to_str().unwrap(),
        "--data-dir",
        fresh.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("{rows} new")), "{out}");

    let (status, meta) = get(&format!("{base}/public/meta.json"), None).unwrap();
    assert_eq!(status, 200);
    let meta: serde_json::Value = serde_json::from_str(&meta).unwrap();
    assert_eq!(meta["crisis"]["id"], "demo-kalina");
}

#[test]
fn bad_crisis_files_fail_with_one_line_and_touch_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let sentinel = data.join("crisis.json");
    std::fs::write(&sentinel, "keep me").unwrap();
    let cases = [
        ("[crisis]\nid = \"gp\"\nname = \"x\"\nbbox = [-61.85, 15.83, -61.0, 16.52]\n", "crisis.id"),
        ("[crisis]\nid = \"gp-test\"\nname = \"x\"\nbbox = [-61.0, 15.83, -61.85, 16.52]\n", "crisis.bbox"),
        ("[crisis]\nid = \"gp-test\"\nname = \"x\"\nbbox = [-61.85, 15.83, -61.0, 16.52]\ncolour = 1\n", "colour"),
        ("[crisis]\nid = \"gp-test\"\nname = \"x\"\nbbox = [-61.85, 15.83, -61.0, 16.52]\ngazetteer = \"builtin:mars\"\n", "crisis.gazetteer"),
        ("[crisis]\nid = \"gp-test\"\nname = \"x\"\nbbox = [-61.85, 15.83, -61.0, 16.52]\n[[sources]]\nid = \"a\"\nkind = \"demo\"\n[[sources]]\nid = \"a\"\nkind = \"demo\"\n", "sources[1].id"),
        ("[crisis]\nid = \"gp-test\"\nname = \"x\"\nbbox = [-61.85, 15.83, -61.0, 16.52]\ngazetteer = \"missing.csv\"\n", "crisis.toml: key `crisis.gazetteer`: cannot read"),
        ("[crisis]\nid = \"gp-test\"\nname = \"x\"\nbbox = [-61.85, 95.0, -61.0, 96.0]\n", "crisis.bbox"),
        ("[crisis]\nid = \"gp-test\"\nname = \"x\"\nbbox = [-61.85, 15.83, -61.0, 16.52]\n[[sources]]\nid = \"a\"\nkind = \"demo\"\nurll = 1\n", "sources[0].urll"),
        ("[crisis\nid = ", "crisis.toml:1"),
    ];
    for (text, needle) in cases {
        let file = dir.path().join("crisis.toml");
        std::fs::write(&file, text).unwrap();
        let (code, _out, err) = run_vigie(&[
            "local",
            "--crisis",
            file.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{}", free_port()),
        ]);
        assert_ne!(code, 0, "{needle}: must fail");
        let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "one line for {needle}: {err}");
        assert!(
            lines[0].starts_with("vigie: ") && lines[0].contains(needle),
            "{needle}: {err}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(&sentinel).unwrap(),
        "keep me",
        "nothing overwritten"
    );
    assert!(
        !data.join("vigie.db").exists(),
        "no store created for a bad crisis file"
    );
}

#[test]
fn an_unwritable_data_dir_and_a_corrupt_store_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    // A data dir that is a file cannot hold anything.
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, "x").unwrap();
    let (code, _, err) = run_vigie(&[
        "export",
        "--once",
        "--crisis",
        &demo_crisis(dir.path()),
        "--data-dir",
        blocker.join("sub").to_str().unwrap(),
    ]);
    assert_ne!(code, 0);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("data dir") && err.contains("not-a-dir"),
        "{err}"
    );

    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let junk = b"not a database at all, a spreadsheet maybe\n".repeat(100);
    std::fs::write(data.join("vigie.db"), &junk).unwrap();
    let (code, _, err) = run_vigie(&[
        "collect",
        "--once",
        "--crisis",
        &demo_crisis(dir.path()),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert_ne!(code, 0);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("vigie.db"), "{err}");
    assert_eq!(
        std::fs::read(data.join("vigie.db")).unwrap(),
        junk,
        "the corrupt file is left as it was"
    );

    let (code, _, err) = run_vigie(&[
        "collect",
        "--crisis",
        &demo_crisis(dir.path()),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("--once"), "{err}");

    // A port in use is refused before the data dir is created.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let fresh = dir.path().join("fresh");
    let (code, _, err) = run_vigie(&[
        "local",
        "--demo",
        "--data-dir",
        fresh.to_str().unwrap(),
        "--listen",
        &addr,
    ]);
    assert_ne!(code, 0);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("cannot listen") && err.contains(&addr),
        "{err}"
    );
    assert!(
        !fresh.exists(),
        "no data dir for a server that cannot start"
    );
}

#[test]
fn collect_and_export_once_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let crisis = demo_crisis(dir.path());
    let (code, out, err) =
        run_vigie(&["collect", "--once", "--crisis", &crisis, "--data-dir", data]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("demo-stream:") && out.contains(" new"),
        "{out}"
    );
    let (code, out, _) = run_vigie(&[
        "collect",
        "--once",
        "--data-dir",
        data,
        "--source",
        "demo-stream",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.contains("3 new"),
        "the stored crisis is reused and the replay goes on: {out}"
    );
    let (code, _, err) = run_vigie(&["collect", "--once", "--data-dir", data, "--source", "nope"]);
    assert_ne!(code, 0);
    assert!(err.contains("nope") && err.contains("demo-stream"), "{err}");
    let (code, out, err) = run_vigie(&["export", "--once", "--data-dir", data]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("reports.geojson"), "{out}");
    let v: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("data/public/reports.geojson")).unwrap(),
    )
    .unwrap();
    assert!(!v["features"].as_array().unwrap().is_empty());
    let (code, _, err) = run_vigie(&[
        "token",
        "create",
        "--role",
        "mayor",
        "--name",
        "x",
        "--data-dir",
        data,
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("mayor") && err.contains("volunteer"), "{err}");

    // The data dir holds this crisis: another one is refused, nothing changed.
    let other = dir.path().join("other.toml");
    std::fs::write(&other, "[crisis]\nid = \"mq-test\"\nname = \"Martinique\"\nbbox = [-61.25, 14.38, -60.80, 14.90]\n").unwrap();
    let stored = std::fs::read(dir.path().join("data/crisis.json")).unwrap();
    let db = std::fs::read(dir.path().join("data/vigie.db")).unwrap();
    let (code, _, err) = run_vigie(&[
        "export",
        "--once",
        "--crisis",
        other.to_str().unwrap(),
        "--data-dir",
        data,
    ]);
    assert_ne!(code, 0);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("demo-kalina") && err.contains("mq-test") && err.contains("--data-dir"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(dir.path().join("data/crisis.json")).unwrap(),
        stored
    );
    assert_eq!(std::fs::read(dir.path().join("data/vigie.db")).unwrap(), db);
}

/// The demo crisis as a file, as an operator would write one.
fn demo_crisis(dir: &std::path::Path) -> String {
    let path = dir.join("demo-crisis.toml");
    let text = "[crisis]\nid = \"demo-kalina\"\nname = \"Demo\"\nbbox = [-61.85, 15.83, -61.00, 16.52]\n\n[[sources]]\nid = \"demo-stream\"\nkind = \"demo\"\nevery = \"10s\"\nbatch = 3\n";
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn logs_that_cannot_be_written_lose_no_answer_and_a_second_server_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    // stderr on a full device, stdout a pipe nobody reads any more.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let mut child = std::process::Command::new(vigie_e2e::vigie_bin())
        .args(["local", "--demo", "--data-dir", data, "--listen", &listen])
        .env("VIGIE_LOG", "debug")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(full)
        .spawn()
        .expect("vigie starts");
    drop(child.stdout.take());
    let _server = vigie_e2e::Running(child);
    let base = format!("http://{listen}");
    eventually(Duration::from_secs(60), "the server answering", || {
        get(&format!("{base}/healthz"), None).filter(|(s, _)| *s == 200)
    });
    // The data dir Vigie made, and its database, are the owner's only.
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let data_dir = std::path::Path::new(data);
        assert_eq!(mode(data_dir), 0o700, "data dir");
        assert_eq!(mode(&data_dir.join("vigie.db")), 0o600, "vigie.db");
    }

    let (code, stdout, stderr) = run_vigie(&[
        "token",
        "create",
        "--role",
        "coordinator",
        "--name",
        "Test",
        "--data-dir",
        data,
    ]);
    assert_eq!(code, 0, "{stderr}");
    let token = stdout.lines().last().unwrap().trim().to_string();
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    for n in 0..5 {
        let resp = client
            .post(format!("{base}/api/v1/reports"))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "network": "facebook",
                "url": format!("https://facebook.example/posts/{n}"),
                "text": "Famille bloquée sur le toit à Goyave, l'eau monte",
            }))
            .send()
            .expect("an answer, not a closed connection");
        assert_eq!(resp.status().as_u16(), 201, "{:?}", resp.text());
        let report: serde_json::Value = resp.json().unwrap();
        let id = report["id"].as_str().unwrap();
        let resp = client
            .post(format!("{base}/api/v1/reports/{id}/escalate"))
            .bearer_auth(&token)
            .send()
            .expect("an answer to the escalation");
        assert!(resp.status().is_success(), "{:?}", resp.text());
    }
    assert_eq!(
        get(&format!("{base}/healthz"), None).unwrap().0,
        200,
        "still serving"
    );

    // A second server on the same data dir is refused, naming why; the first one goes on.
    let other = format!("127.0.0.1:{}", free_port());
    let (code, _, stderr) = run_vigie(&["local", "--demo", "--data-dir", data, "--listen", &other]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("another `vigie local` is running with the data dir"),
        "{stderr}"
    );
    assert_eq!(get(&format!("{base}/healthz"), None).unwrap().0, 200);
}

#[test]
fn idle_connections_are_closed_and_never_take_the_files_the_exporter_needs() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let listen = format!("127.0.0.1:{}", free_port());
    // A low open-file limit, soft and hard, as on a small host: 250 idle connections would
    // take nearly all of it.
    let mut child = std::process::Command::new("sh")
        .args(["-c", "ulimit -n 300 && exec \"$0\" \"$@\""])
        .arg(vigie_e2e::vigie_bin())
        .args(["local", "--demo", "--data-dir", data, "--listen", &listen])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("vigie starts");
    let stderr = child.stderr.take().unwrap();
    let log = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::BufReader::new(stderr).read_to_string(&mut text);
        text
    });
    let server = vigie_e2e::Running(child);
    let base = format!("http://{listen}");
    eventually(Duration::from_secs(60), "the server answering", || {
        get(&format!("{base}/healthz"), None).filter(|(s, _)| *s == 200)
    });

    // 250 connections that send nothing, and one that sends its headers a byte at a time.
    let mut idle: Vec<std::net::TcpStream> = (0..250)
        .map(|_| std::net::TcpStream::connect(&listen).expect("a connection"))
        .collect();
    let slow = std::net::TcpStream::connect(&listen).unwrap();
    let slow_writer = std::thread::spawn(move || {
        let mut slow = slow;
        let mut sent = 0;
        for b in
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".iter()
        {
            if std::io::Write::write_all(&mut slow, &[*b]).is_err() {
                break;
            }
            sent += 1;
            std::thread::sleep(Duration::from_millis(500));
        }
        sent
    });
    // Others are served meanwhile (at once while slots remain, else as the idle ones go).
    eventually(Duration::from_secs(60), "healthz during the flood", || {
        get(&format!("{base}/healthz"), None).filter(|(s, _)| *s == 200)
    });
    // Every idle connection is closed by the server, none answered.
    for s in &mut idle {
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let mut buf = [0u8; 64];
        match s.read(&mut buf) {
            Ok(n) => assert_eq!(n, 0, "an idle connection got an answer"),
            Err(e) => assert!(
                matches!(e.kind(), std::io::ErrorKind::ConnectionReset),
                "an idle connection was never closed: {e}"
            ),
        }
    }
    let sent = slow_writer.join().unwrap();
    assert!(
        sent < 50,
        "the slow client could send its whole head ({sent} bytes)"
    );

    // The exporter (every 5 s, through the flood) kept its files: no export failed, and the
    // public GeoJSON is still served.
    std::thread::sleep(Duration::from_secs(6));
    assert_eq!(
        get(&format!("{base}/public/reports.geojson"), None)
            .unwrap()
            .0,
        200
    );
    drop(server);
    let log = log.join().unwrap();
    assert!(!log.contains("Too many open files"), "{log}");
    assert!(!log.contains("export failed"), "{log}");
}

//! Benchmark of the public export (issue 19, point 2): stores of 10,000 and 100,000 published
//! reports (or the sizes given), each exported by a whole `vigie export --once` process (what a
//! cold map-export does), and by a warm exporter a minute later after 1% of the reports were
//! edited (as `vigie local` and a warm map-export function run it), time and peak memory,
//! beside `ogr2ogr` converting the same rows from CSV to GeoJSON. Targets: fresh at least 3
//! times faster than ogr2ogr, every minute at least 10 times, peak memory under 256 MiB, time
//! growing no faster than linearly.
//!
//! Run with `scripts/bench-export [SIZES…]` (bench profile; `VIGIE_BIN` is the vigie binary).
//! The warm exporter runs in a child process (`export_bench export DIR EDITS`) so its peak
//! memory is its own.

#[path = "support/seed.rs"]
mod seed;

use chrono::Utc;
use std::io::Write;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;
use vigie_app::Vigie;
use vigie_conformance::TestStore as _;
use vigie_domain::report::{HistoryEntry, IngestContext, Location};
use vigie_domain::taxonomy::{Category, LocationMethod, Status, Verification};
use vigie_domain::{Crisis, Gazetteer};
use vigie_e2e::bench;

/// The bench's folder: removed at the end, unless BENCH_DIR asks to keep it for a look.
enum KeepOrDrop {
    Keep(std::path::PathBuf),
    Drop(tempfile::TempDir),
}

impl From<std::path::PathBuf> for KeepOrDrop {
    fn from(p: std::path::PathBuf) -> Self {
        KeepOrDrop::Keep(p)
    }
}

impl KeepOrDrop {
    fn path(&self) -> &std::path::Path {
        match self {
            KeepOrDrop::Keep(p) => p,
            KeepOrDrop::Drop(d) => d.path(),
        }
    }
}

const CRISIS: &str =
    "[crisis]\nid = \"bench\"\nname = \"Bench\"\nbbox = [-61.85, 15.83, -61.00, 16.52]\n";

fn app(dir: &std::path::Path) -> Vigie {
    Vigie::new(
        Crisis::parse("bench", CRISIS).unwrap(),
        Gazetteer::guadeloupe(),
        Arc::new(vigie_local::SqliteStore::open(&dir.join("vigie.db")).unwrap()),
        Arc::new(vigie_local::FolderPublisher::new(&dir.join("public")).unwrap()),
        Arc::new(vigie_local::LogNotifier),
    )
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse()
                    .unwrap_or(0)
            })
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("export") {
        let dir = std::path::PathBuf::from(&args[2]);
        let edits: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(0);
        let app = app(&dir);
        // The first export of a fresh process renders every report.
        let start = Instant::now();
        let summary = vigie_app::export::export_once(&app).await.unwrap();
        let first = start.elapsed();
        // Then a minute's work of the volunteers: `edits` published reports edited.
        let versions = app.store.published_versions().await.unwrap();
        let step = (versions.len() / edits.max(1)).max(1);
        for (id, _) in versions.iter().step_by(step).take(edits) {
            let before = app.store.get_report(id).await.unwrap().unwrap();
            let mut after = before.clone();
            after.summary = after.summary.map(|s| format!("{s} (mis à jour)"));
            after.updated_at = Utc::now();
            let entry = HistoryEntry {
                report_id: id.clone(),
                version: before.version + 1,
                at: after.updated_at,
                actor: "bench".into(),
                action: "edit".into(),
                changes: vigie_domain::report::diff(&before, &after),
            };
            app.store
                .update_report(&after, before.version, &entry)
                .await
                .unwrap();
        }
        // The next export, as the map-export function or `vigie local` runs it every minute.
        let start = Instant::now();
        let next = vigie_app::export::export_once(&app).await.unwrap();
        let steady = start.elapsed();
        assert_eq!(next.features, summary.features);
        assert!(edits == 0 || next.written.iter().any(|f| f == "reports.geojson"));
        println!(
            "{} {} {} {}",
            summary.features,
            first.as_secs_f64(),
            steady.as_secs_f64(),
            peak_rss_kib()
        );
        return;
    }
    let sizes: Vec<usize> = args[1..]
        .iter()
        .filter_map(|a| a.parse().ok())
        .collect::<Vec<_>>();
    let sizes = if sizes.is_empty() {
        vec![10_000, 100_000]
    } else {
        sizes
    };
    let vigie = std::env::var("VIGIE_BIN").expect("VIGIE_BIN: the vigie binary to measure");
    let mut per_report: Vec<(usize, f64)> = Vec::new();
    for n in sizes {
        let fresh = measure_size(n, &vigie).await;
        per_report.push((n, fresh / n as f64));
    }
    // Linear growth: the time per report at each size against the smallest's.
    if let (Some(&(n0, t0)), Some(&(n1, t1))) = (per_report.first(), per_report.last()) {
        if n1 > n0 {
            let growth = t1 / t0;
            println!(
                "time per report at {n1} against {n0}: {growth:.2} times (linear growth: at most 1.25)"
            );
            bench::row(
                &format!("export: time per report, {n1} against {n0}"),
                &format!("{growth:.2}×"),
                "",
                "≤ 1.25× (linear)",
                bench::met(growth <= 1.25),
            );
        }
    }
}

/// Seeds a store of `n` published reports (and the same rows as CSV for ogr2ogr), measures
/// the exports and ogr2ogr, prints and reports the figures; returns the fresh export's time.
async fn measure_size(n: usize, vigie: &str) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let dir = match std::env::var("BENCH_DIR") {
        Ok(d) => {
            std::fs::create_dir_all(&d).unwrap();
            tempfile::TempDir::new_in(d).unwrap().keep().into()
        }
        Err(_) => KeepOrDrop::Drop(dir),
    };
    seed(dir.path(), n).await;
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|r| *r > 0)
        .unwrap_or(3);
    // Reports edited between a process's first export and its next one: 1% of the map
    // changing within a minute is a very busy minute.
    let edits: usize = std::env::var("EDITS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(n / 100);

    // A cold map-export: a whole `vigie export --once` process on the existing store, each run
    // into an empty public folder, so every file is written.
    let public = dir.path().join("public");
    let (mut fresh, mut fresh_peak) = (f64::INFINITY, 0u64);
    for _ in 0..runs {
        let _ = std::fs::remove_dir_all(&public);
        let (took, peak, ok) = bench::run_measured(
            Command::new(vigie)
                .args(["export", "--once", "--crisis"])
                .arg(dir.path().join("crisis.toml"))
                .arg("--data-dir")
                .arg(dir.path())
                .env("RUST_LOG", "warn"),
        );
        assert!(ok, "vigie export --once failed on {}", dir.path().display());
        fresh = fresh.min(took.as_secs_f64());
        fresh_peak = fresh_peak.max(peak);
    }
    // A warm exporter (`vigie local`, a warm map-export function) a minute later, after 1% of
    // the reports were edited: in a child process, so its peak memory is its own.
    let me = std::env::current_exe().unwrap();
    let (mut minute, mut warm_peak) = (f64::INFINITY, 0u64);
    for _ in 0..runs {
        let _ = std::fs::remove_dir_all(&public);
        let out = Command::new(&me)
            .args(["export", dir.path().to_str().unwrap(), &edits.to_string()])
            .output()
            .unwrap();
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        let line = String::from_utf8(out.stdout).unwrap();
        let parts: Vec<&str> = line.split_whitespace().collect();
        let (steady, kib): (f64, u64) = (parts[2].parse().unwrap(), parts[3].parse().unwrap());
        minute = minute.min(steady);
        warm_peak = warm_peak.max(kib);
    }

    let (mut ogr, mut ogr_peak) = (None::<f64>, 0u64);
    if which_ogr2ogr() {
        for _ in 0..runs {
            let target = dir.path().join("ogr.geojson");
            let _ = std::fs::remove_file(&target);
            let (took, peak, ok) = bench::run_measured(
                Command::new("ogr2ogr")
                    .args(["-f", "GeoJSON"])
                    .arg(&target)
                    .arg(dir.path().join("reports.csv"))
                    .args([
                        "-oo",
                        "X_POSSIBLE_NAMES=lon",
                        "-oo",
                        "Y_POSSIBLE_NAMES=lat",
                        "-oo",
                        "KEEP_GEOM_COLUMNS=NO",
                    ]),
            );
            if !ok {
                break;
            }
            let secs = took.as_secs_f64();
            ogr = Some(ogr.map_or(secs, |b| b.min(secs)));
            ogr_peak = ogr_peak.max(peak);
        }
    }

    let mib = |kib: u64| kib as f64 / 1024.0;
    println!("{n} published reports (best of {runs}):");
    println!(
        "  vigie export --once, whole process   {fresh:.3} s, peak {:.0} MiB",
        mib(fresh_peak)
    );
    println!(
        "  warm exporter, a minute later ({edits} edited)   {minute:.3} s, process peak {:.0} MiB",
        mib(warm_peak)
    );
    match ogr {
        Some(o) => println!(
            "  ogr2ogr CSV → GeoJSON                 {o:.3} s, peak {:.0} MiB: export {:.1}× faster fresh, {:.1}× every minute",
            mib(ogr_peak),
            o / fresh,
            o / minute
        ),
        None => println!("  ogr2ogr: not measured (missing or failed: apt-get install gdal-bin)"),
    }
    let versus = |t: f64| {
        ogr.map_or(String::new(), |o| {
            format!("{:.1}× faster than ogr2ogr ({o:.2} s)", o / t)
        })
    };
    bench::row(
        &format!("export: {n} reports, fresh process"),
        &format!("{fresh:.3} s"),
        &versus(fresh),
        "≥ 3× faster than ogr2ogr",
        ogr.map(|o| o / fresh >= 3.0),
    );
    bench::row(
        &format!("export: {n} reports, every minute after 1% edits"),
        &format!("{minute:.3} s"),
        &versus(minute),
        "≥ 10× faster than ogr2ogr",
        ogr.map(|o| o / minute >= 10.0),
    );
    bench::row(
        &format!("export: {n} reports, peak memory (fresh; warm)"),
        &format!("{:.0} MiB; {:.0} MiB", mib(fresh_peak), mib(warm_peak)),
        &ogr.map_or(String::new(), |_| {
            format!("ogr2ogr {:.0} MiB", mib(ogr_peak))
        }),
        "< 256 MiB",
        bench::met(fresh_peak.max(warm_peak) < 256 * 1024),
    );
    bench::metric(&format!("export.fresh_s.{n}"), fresh, "s");
    bench::metric(&format!("export.minute_s.{n}"), minute, "s");
    bench::metric(
        &format!("export.peak_kib.{n}"),
        fresh_peak.max(warm_peak) as f64,
        "KiB",
    );
    // What a browser downloads of it: CloudFront compresses GeoJSON (gzip, as here).
    let geojson = std::fs::read(public.join("reports.geojson")).unwrap_or_default();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&geojson).unwrap();
    let gzipped = gz.finish().unwrap().len();
    bench::metric(
        &format!("export.geojson_bytes.{n}"),
        geojson.len() as f64,
        "B",
    );
    bench::metric(
        &format!("export.geojson_gzip_ratio.{n}"),
        gzipped as f64 / geojson.len().max(1) as f64,
        "",
    );
    fresh
}

fn which_ogr2ogr() -> bool {
    Command::new("ogr2ogr")
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `n` published reports in the folder's store, the crisis file beside it, and the same rows
/// as CSV (`reports.csv`) for ogr2ogr.
async fn seed(dir: &std::path::Path, n: usize) {
    std::fs::write(dir.join("crisis.toml"), CRISIS).unwrap();
    let app = app(dir);
    let posts = seed::Posts::new(&app.gazetteer, Utc::now());
    let ctx = IngestContext {
        crisis: &app.crisis,
        gazetteer: &app.gazetteer,
    };
    let now = posts.start;
    let mut csv = std::io::BufWriter::new(std::fs::File::create(dir.join("reports.csv")).unwrap());
    writeln!(
        csv,
        "id,lon,lat,category,summary,place,precision,verification,published_at,network,official"
    )
    .unwrap();
    eprintln!("preparing {n} published reports…");
    for chunk in (0..n).collect::<Vec<_>>().chunks(5000) {
        let mut batch = Vec::with_capacity(chunk.len());
        for &i in chunk {
            let place = &posts.places[i % posts.places.len()];
            let mut r = posts.report(i, &ctx);
            r.status = Status::Published;
            r.category = Some(Category::Access);
            r.verification = Verification::Confirmed;
            r.summary = Some(format!("Route {i} coupée par un arbre à {}", place.name));
            r.location = Some(Location::at_place(place, LocationMethod::Volunteer));
            r.published_at = Some(now);
            writeln!(
                csv,
                "{},{},{},access,\"{}\",\"{}\",commune,confirmed,{},{},false",
                r.id,
                place.lon,
                place.lat,
                r.summary.as_deref().unwrap(),
                place.name,
                now.to_rfc3339(),
                r.network
            )
            .unwrap();
            batch.push(r);
        }
        app.store.insert_reports(&batch).await.unwrap();
    }
    csv.flush().unwrap();
}

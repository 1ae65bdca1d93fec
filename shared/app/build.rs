//! Brings the map page's third-party browser libraries (Leaflet, Leaflet.markercluster) from
//! npm at build time, pinned by `web/package-lock.json` with integrity hashes, and copies the
//! files the page uses into OUT_DIR to be embedded. Nothing from npm is committed. Without npm,
//! the build goes on and the page falls back to its list view.

use std::path::{Path, PathBuf};
use std::process::Command;

const FILES: &[(&str, &str)] = &[
    ("leaflet/dist/leaflet.js", "leaflet.js"),
    ("leaflet/dist/leaflet.css", "leaflet.css"),
    (
        "leaflet.markercluster/dist/leaflet.markercluster.js",
        "leaflet.markercluster.js",
    ),
    (
        "leaflet.markercluster/dist/MarkerCluster.css",
        "MarkerCluster.css",
    ),
    (
        "leaflet.markercluster/dist/MarkerCluster.Default.css",
        "MarkerCluster.Default.css",
    ),
];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let web = manifest.join("web");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("vendor");
    println!("cargo:rerun-if-changed=web/package-lock.json");
    println!("cargo:rerun-if-changed=web/package.json");
    let modules = web.join("node_modules");
    if !FILES.iter().all(|(from, _)| modules.join(from).exists()) {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&web)
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            println!("cargo:warning=npm ci in shared/app/web failed: the map page will show its list view only (install Node.js and npm for the map)");
        }
    }
    let _ = std::fs::create_dir_all(&out);
    for (from, to) in FILES {
        let src = modules.join(from);
        let dst = out.join(to);
        if copy(&src, &dst).is_err() {
            let _ = std::fs::write(&dst, b"");
        }
        println!("cargo:rerun-if-changed={}", src.display());
    }
}

fn copy(src: &Path, dst: &Path) -> std::io::Result<()> {
    std::fs::copy(src, dst).map(|_| ())
}

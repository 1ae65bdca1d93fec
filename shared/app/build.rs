//! Brings the map page's third-party browser libraries (Leaflet, Leaflet.markercluster) from
//! npm at build time, pinned by `web/package-lock.json` with integrity hashes, and copies the
//! files the page uses into OUT_DIR to be embedded. Nothing from npm is committed.
//!
//! `npm ci` runs when a library file is missing or when `package-lock.json` is newer than the
//! lock npm wrote into `node_modules` at its last install; with an up-to-date `node_modules`
//! the build needs no network (so `vigie local --demo` builds offline). If npm fails, a release
//! build fails (a page without its map must not ship to the cloud); a development build goes on
//! with a warning and the page falls back to its list view.

#[path = "build/npm.rs"]
mod npm;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

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
    // `bench` and other profiles inheriting from release report `release` here.
    let profile = std::env::var("PROFILE").unwrap_or_default();
    let release = profile == "release";
    let lock = web.join("package-lock.json");
    let modules = web.join("node_modules");
    // npm writes this copy of the lock at each install: the installed marker.
    let installed = modules.join(".package-lock.json");
    println!("cargo:rerun-if-changed=web/package-lock.json");
    println!("cargo:rerun-if-changed=web/package.json");
    println!("cargo:rerun-if-changed={}", installed.display());
    println!("cargo:rerun-if-changed=build/npm.rs");

    let present = FILES.iter().all(|(from, _)| modules.join(from).exists());
    if npm::install_needed(present, modified(&lock), modified(&installed)) {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&web)
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            let why = match status {
                Ok(s) => format!("exited with {s}"),
                Err(e) => format!("could not run ({e})"),
            };
            match npm::on_failure(&profile, &why) {
                npm::OnFailure::Fail(message) => panic!("{message}"),
                npm::OnFailure::Warn(message) => println!("cargo:warning={message}"),
            }
        }
    }
    let _ = std::fs::create_dir_all(&out);
    for (from, to) in FILES {
        let src = modules.join(from);
        let dst = out.join(to);
        if std::fs::copy(&src, &dst).is_err() {
            if release {
                panic!(
                    "{} is missing after npm ci: a release build needs the map page's libraries",
                    src.display()
                );
            }
            let _ = std::fs::write(&dst, b"");
        }
        println!("cargo:rerun-if-changed={}", src.display());
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

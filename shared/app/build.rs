//! Brings the map page's third-party browser libraries (Leaflet, Leaflet.markercluster) from
//! npm at build time, pinned by `web/package-lock.json` with integrity hashes, and copies the
//! files the page uses into OUT_DIR to be embedded. Nothing from npm is committed. All of it
//! only with the `site` feature, which the crates that embed the pages enable.
//!
//! It also bundles the volunteers' app (`web/app/src/main.js`, Preact + htm + signals) with
//! esbuild into `OUT_DIR/app/` (minified ESM, `app.js` plus code-split chunks under `assets/`),
//! copies Leaflet's CSS and images beside it, and writes `OUT_DIR/app_files.rs`, the list of
//! those files that `site::app_files()` embeds.
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
    // Without the `site` feature nothing embeds the pages: no npm, no bundle (a collector's
    // build).
    if std::env::var_os("CARGO_FEATURE_SITE").is_none() {
        return;
    }
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
    println!("cargo:rerun-if-changed=web/app");

    let present = FILES.iter().all(|(from, _)| modules.join(from).exists())
        && APP_DEPS.iter().all(|dep| modules.join(dep).exists());
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
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    bundle_app(&web, &out_dir, &profile);
}

/// The npm packages the app's bundle needs (checked before deciding that `npm ci` can be skipped).
const APP_DEPS: &[&str] = &[
    "preact/package.json",
    "htm/package.json",
    "@preact/signals/package.json",
    "esbuild/package.json",
];

/// Leaflet's files served beside the app (its CSS, and the images the CSS names).
const APP_LEAFLET: &[&str] = &[
    "leaflet.css",
    "images/layers.png",
    "images/layers-2x.png",
    "images/marker-icon.png",
    "images/marker-icon-2x.png",
    "images/marker-shadow.png",
];

/// Bundles the app into `out/app` and lists its files in `out/app_files.rs`.
fn bundle_app(web: &Path, out: &Path, profile: &str) {
    let dir = out.join("app");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(dir.join("assets"));
    let esbuild = web.join("node_modules").join(".bin").join("esbuild");
    let status = Command::new(&esbuild)
        .arg("app=./app/src/main.js")
        .args([
            "--bundle",
            "--format=esm",
            "--splitting",
            "--minify",
            "--target=es2020",
            "--legal-comments=none",
            "--log-level=warning",
            "--entry-names=[name]",
            "--chunk-names=assets/[name]-[hash]",
        ])
        .arg(format!("--outdir={}", dir.display()))
        .current_dir(web)
        .status();
    if !matches!(status, Ok(s) if s.success()) {
        let why = match status {
            Ok(s) => format!("exited with {s}"),
            Err(e) => format!("could not run {} ({e})", esbuild.display()),
        };
        match npm::on_bundle_failure(profile, &why) {
            npm::OnFailure::Fail(message) => panic!("{message}"),
            npm::OnFailure::Warn(message) => println!("cargo:warning={message}"),
        }
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(
            dir.join("app.js"),
            b"document.body.textContent='Vigie: this build has no app (Node.js and npm were missing when it was built).';\n",
        );
    }
    let leaflet = web.join("node_modules").join("leaflet").join("dist");
    for file in APP_LEAFLET {
        let dst = dir.join("assets").join("leaflet-1.9.4").join(file);
        if let Some(parent) = dst.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::copy(leaflet.join(file), &dst);
    }
    let mut files = Vec::new();
    list_files(&dir, &dir, &mut files);
    files.sort();
    let mut rust = String::from("&[\n");
    for (name, path) in files {
        rust.push_str(&format!(
            "    ({name:?}, include_bytes!({:?}) as &[u8]),\n",
            path.display().to_string()
        ));
    }
    rust.push_str("]\n");
    let _ = std::fs::write(out.join("app_files.rs"), rust);
}

fn list_files(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            list_files(root, &path, files);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            files.push((name, path));
        }
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

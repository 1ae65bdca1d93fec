//! The build script's decisions about npm, apart from its I/O so they are tested
//! (`tests/npm_decisions.rs`): when `npm ci` runs, and what a failure (of npm or of the
//! volunteers' app bundle by esbuild) does to the build.

use std::time::SystemTime;

/// `npm ci` runs when a library file is missing, when npm never recorded an install, or when
/// `package-lock.json` is newer than the lock npm wrote into `node_modules` at its last
/// install. An up-to-date `node_modules` needs no network.
pub fn install_needed(
    files_present: bool,
    lock: Option<SystemTime>,
    installed: Option<SystemTime>,
) -> bool {
    match (files_present, lock, installed) {
        (false, _, _) => true,
        (true, Some(lock), Some(installed)) => lock > installed,
        (true, _, None) => true,
        (true, None, Some(_)) => false,
    }
}

/// What a failed `npm ci` does to the build.
#[derive(Debug, PartialEq, Eq)]
pub enum OnFailure {
    /// The build stops: a page without its map must not ship to the cloud.
    Fail(String),
    /// The build goes on; the page shows its list view only.
    Warn(String),
}

/// Release builds (and the profiles inheriting from release, reported as `release` to build
/// scripts) fail; development builds warn.
pub fn on_failure(profile: &str, why: &str) -> OnFailure {
    if profile == "release" {
        OnFailure::Fail(format!("npm ci in shared/app/web {why}: a release build needs the map page's libraries (install Node.js and npm, with access to the npm registry)"))
    } else {
        OnFailure::Warn(format!("npm ci in shared/app/web {why}: this development build's map page will show its list view only (install Node.js and npm for the map)"))
    }
}

/// What a failed esbuild run (the volunteers' app bundle) does to the build: a release build
/// fails, a development build serves a page that says the app was not built.
pub fn on_bundle_failure(profile: &str, why: &str) -> OnFailure {
    if profile == "release" {
        OnFailure::Fail(format!("esbuild in shared/app/web {why}: a release build needs the volunteers' app (install Node.js and npm, with access to the npm registry)"))
    } else {
        OnFailure::Warn(format!("esbuild in shared/app/web {why}: this development build's volunteers' app at / only says it was not built (install Node.js and npm)"))
    }
}

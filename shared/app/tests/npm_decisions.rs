//! The build script's npm decisions: a release build never ships a page without its map, and
//! `npm ci` runs again when the lock changed since the last install, not otherwise.

#[path = "../build/npm.rs"]
mod npm;

use std::time::{Duration, SystemTime};

#[test]
fn npm_ci_runs_when_files_are_missing_or_the_lock_is_newer_than_the_install() {
    let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let later = t + Duration::from_secs(60);
    assert!(
        npm::install_needed(false, Some(t), Some(later)),
        "files missing"
    );
    assert!(
        npm::install_needed(true, Some(later), Some(t)),
        "lock changed after the install"
    );
    assert!(
        npm::install_needed(true, Some(t), None),
        "npm never recorded an install"
    );
    assert!(
        !npm::install_needed(true, Some(t), Some(later)),
        "up to date: offline build"
    );
    assert!(
        !npm::install_needed(true, Some(t), Some(t)),
        "same time: up to date"
    );
}

#[test]
fn a_failed_npm_ci_fails_release_builds_and_warns_in_development() {
    assert!(matches!(
        npm::on_failure("release", "exited with 1"),
        npm::OnFailure::Fail(m) if m.contains("release build") && m.contains("exited with 1")
    ));
    assert!(matches!(
        npm::on_failure("debug", "could not run"),
        npm::OnFailure::Warn(m) if m.contains("list view")
    ));
}

#[test]
fn a_failed_app_bundle_fails_a_release_build_and_warns_in_development() {
    assert!(matches!(
        npm::on_bundle_failure("release", "exited with 1"),
        npm::OnFailure::Fail(m) if m.contains("esbuild") && m.contains("release")
    ));
    assert!(matches!(
        npm::on_bundle_failure("debug", "exited with 1"),
        npm::OnFailure::Warn(m) if m.contains("esbuild")
    ));
}

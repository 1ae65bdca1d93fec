//! What a benchmark reports to `scripts/bench`: each figure beside its reference and target,
//! and the raw metrics the cost model reads, appended tab-separated to the file that
//! `VIGIE_BENCH_RESULTS` names. Without the variable (a piece run alone) nothing is written;
//! each benchmark prints its own figures either way.

use std::io::Write;

/// Whether a figure meets its target; `None` where it has no target (a reference, a context).
pub fn met(ok: bool) -> Option<bool> {
    Some(ok)
}

fn append(fields: &[&str]) {
    let Ok(path) = std::env::var("VIGIE_BENCH_RESULTS") else {
        return;
    };
    let line = fields
        .iter()
        .map(|f| f.replace(['\t', '\n'], " "))
        .collect::<Vec<_>>()
        .join("\t");
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| writeln!(f, "{line}"));
    if let Err(e) = written {
        eprintln!("cannot append to VIGIE_BENCH_RESULTS={path}: {e}");
    }
}

/// One row of the table: what is measured, the figure, the figure against its reference
/// measured in the same run ("3.2× ogr2ogr", or "" without one), the target, and whether it
/// is met.
pub fn row(measure: &str, figure: &str, reference: &str, target: &str, met: Option<bool>) {
    let met = match met {
        Some(true) => "met",
        Some(false) => "NOT met",
        None => "-",
    };
    append(&["row", measure, figure, reference, target, met]);
}

/// A raw figure for the cost model (`scripts/bench-cost`): its name, value and unit.
pub fn metric(name: &str, value: f64, unit: &str) {
    append(&["metric", name, &format!("{value}"), unit]);
}

/// Runs `command` to completion as a whole process: its wall time from spawn to exit, its
/// peak resident memory (the kernel's `ru_maxrss` of that child alone, in KiB), and whether it
/// succeeded. Its output goes to `/dev/null` unless the command says otherwise.
pub fn run_measured(command: &mut std::process::Command) -> (std::time::Duration, u64, bool) {
    let start = std::time::Instant::now();
    let child = command
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it for the child it reaps.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pid is our own child's, not yet reaped (the Child handle is never waited on).
    let reaped = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed();
    drop(child);
    let ok = reaped > 0 && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    (elapsed, usage.ru_maxrss.max(0) as u64, ok)
}

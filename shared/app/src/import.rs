//! `vigie import`: reports read from a CSV in the export's format (a spreadsheet of an earlier
//! deployment) stored as they are, each new one with an `import` entry in its history; the
//! categories and priorities its volunteers set teach the triage model ([`crate::learning`]).

use chrono::{DateTime, Utc};
use serde_json::json;
use vigie_domain::ports::{Checkpoints, Reports, StoreError};
use vigie_domain::report::HistoryEntry;
use vigie_domain::Report;

/// Stores `reports` (a report already stored is left as it is), each new one with the record
/// that it came from `file`. Returns, for each report, whether it was new.
pub async fn import<S: Reports + Checkpoints + ?Sized>(
    store: &S,
    reports: &[Report],
    file: &str,
    now: DateTime<Utc>,
) -> Result<Vec<bool>, StoreError> {
    // One entry per report id: rows of one post repeated in the file are one report.
    let mut seen = std::collections::HashSet::new();
    let entries: Vec<HistoryEntry> = reports
        .iter()
        .filter(|r| seen.insert(r.id.as_str()))
        .map(|r| HistoryEntry {
            report_id: r.id.clone(),
            version: r.version,
            at: now,
            actor: "vigie import".into(),
            action: "import".into(),
            changes: json!({"file": {"before": null, "after": file}}),
        })
        .collect();
    let new = store.insert_reports_with_history(reports, &entries).await?;
    // The categories and priorities of an earlier deployment's volunteers teach the model.
    let learnt: Vec<(Option<&Report>, &Report)> = reports
        .iter()
        .zip(&new)
        .filter(|(_, new)| **new)
        .map(|(r, _)| (None, r))
        .collect();
    crate::learning::learn(store, &learnt).await;
    Ok(new)
}

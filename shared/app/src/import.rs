//! `vigie import`: reports read from a CSV in the export's format (a spreadsheet of an earlier
//! deployment) stored as they are, each new one with an `import` entry in its history.

use chrono::{DateTime, Utc};
use serde_json::json;
use vigie_domain::ports::{ReportStore, StoreError};
use vigie_domain::report::HistoryEntry;
use vigie_domain::Report;

/// Stores `reports` (a report already stored is left as it is) and records, for each new one,
/// that it came from `file`. Returns, for each report, whether it was new.
pub async fn import(
    store: &dyn ReportStore,
    reports: &[Report],
    file: &str,
    now: DateTime<Utc>,
) -> Result<Vec<bool>, StoreError> {
    let inserted = store.insert_reports(reports).await?;
    let entries: Vec<HistoryEntry> = reports
        .iter()
        .zip(&inserted)
        .filter(|(_, new)| **new)
        .map(|(r, _)| HistoryEntry {
            report_id: r.id.clone(),
            version: r.version,
            at: now,
            actor: "vigie import".into(),
            action: "import".into(),
            changes: json!({"file": {"before": null, "after": file}}),
        })
        .collect();
    for chunk in entries.chunks(500) {
        store.append_history(chunk).await?;
    }
    Ok(inserted)
}

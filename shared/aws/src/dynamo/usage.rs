//! Capacity metering: what each operation consumed, for `scripts/bench-dynamodb`.

use super::*;

/// What this store asked of DynamoDB: requests by operation and the capacity units DynamoDB
/// said they consumed (table and indexes). Benchmarks read it; runs log it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Usage {
    pub requests: BTreeMap<&'static str, u64>,
    pub units: BTreeMap<&'static str, f64>,
    pub write_requests: u64,
    pub read_requests: u64,
    pub write_units: f64,
    pub read_units: f64,
}

impl DynamoStore {
    /// Requests and capacity so far.
    pub fn usage(&self) -> Usage {
        self.usage.lock().map(|u| u.clone()).unwrap_or_default()
    }

    pub(super) fn note(&self, op: &'static str, consumed: &[ConsumedCapacity]) {
        let write = matches!(
            op,
            "PutItem" | "UpdateItem" | "TransactWriteItems" | "BatchWriteItem"
        );
        let units: f64 = consumed.iter().filter_map(|c| c.capacity_units()).sum();
        if let Ok(mut u) = self.usage.lock() {
            *u.requests.entry(op).or_default() += 1;
            *u.units.entry(op).or_default() += units;
            if write {
                u.write_requests += 1;
                u.write_units += units;
            } else {
                u.read_requests += 1;
                u.read_units += units;
            }
        }
    }
}

//! What the clients' tests share: a loopback HTTP client, the area, an allowance in memory.
//! Each test file uses a part of it.
#![allow(dead_code)]

use async_trait::async_trait;
use std::sync::Mutex;
use std::time::Duration;
use vigie_domain::crisis::BBox;
use vigie_domain::ports::{Allowance, StoreError};
use vigie_sources::{Http, RetryPolicy};
use wiremock::Request;

pub const GUADELOUPE: BBox = BBox {
    west: -61.85,
    south: 15.83,
    east: -61.0,
    north: 16.52,
};

/// A fixture file of `tests/fixtures`.
pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

pub fn http() -> Http {
    Http::new(
        Duration::from_millis(800),
        RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(40),
        },
    )
    .unwrap()
}

/// The allowance as the store keeps it, in memory: what the source takes and gives back.
#[derive(Default)]
pub struct Counted {
    spent: Mutex<(String, u64)>,
}

#[async_trait]
impl Allowance for Counted {
    async fn take(&self, period: &str, want: u64, cap: u64) -> Result<u64, StoreError> {
        let mut spent = self.spent.lock().unwrap();
        if spent.0 != period {
            *spent = (period.to_string(), 0);
        }
        let granted = want.min(cap.saturating_sub(spent.1));
        spent.1 += granted;
        Ok(granted)
    }
    async fn give_back(&self, period: &str, amount: u64) -> Result<(), StoreError> {
        let mut spent = self.spent.lock().unwrap();
        if spent.0 == period {
            spent.1 = spent.1.saturating_sub(amount);
        }
        Ok(())
    }
    async fn used(&self, period: &str) -> Result<u64, StoreError> {
        let spent = self.spent.lock().unwrap();
        Ok(if spent.0 == period { spent.1 } else { 0 })
    }
}

pub fn param(req: &Request, key: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

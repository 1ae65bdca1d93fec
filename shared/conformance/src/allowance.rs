//! The rules of a network's allowance counted in the store
//! ([`vigie_domain::ports::StoredAllowance`]): takes up to what is left, gives back, starts
//! again from nothing in a new period, and, taken from by many runs at once, never grants more
//! than the cap. Each rule on a fresh, empty store.

use std::sync::Arc;
use vigie_domain::ports::{Allowance, ReportStore, StoredAllowance};

/// Source `x`'s allowance for 2026-12 (cap 500) taken until spent, then 150 given back: 350
/// used.
async fn spent_then_given_back(store: &Arc<dyn ReportStore>) -> StoredAllowance {
    let meter = StoredAllowance::new(store.clone(), "x");
    for _ in 0..4 {
        meter.take("2026-12", 200, 500).await.unwrap();
    }
    meter.give_back("2026-12", 150).await.unwrap();
    meter
}

/// Takes up to what is left, nothing once spent; what is given back can be used again.
pub async fn an_allowance_grants_up_to_what_is_left_and_gets_back_what_is_given(
    store: Arc<dyn ReportStore>,
) {
    let meter = StoredAllowance::new(store.clone(), "x");
    assert_eq!(meter.used("2026-12").await.unwrap(), 0, "nothing used yet");
    assert_eq!(meter.take("2026-12", 200, 500).await.unwrap(), 200);
    assert_eq!(meter.take("2026-12", 200, 500).await.unwrap(), 200);
    assert_eq!(
        meter.take("2026-12", 200, 500).await.unwrap(),
        100,
        "what is left"
    );
    assert_eq!(meter.take("2026-12", 200, 500).await.unwrap(), 0, "spent");
    meter.give_back("2026-12", 150).await.unwrap();
    assert_eq!(meter.used("2026-12").await.unwrap(), 350);
}

/// Another source's allowance is its own; the checkpoint of the same id is untouched.
pub async fn an_allowance_is_its_sources_own_and_not_its_checkpoint(store: Arc<dyn ReportStore>) {
    spent_then_given_back(&store).await;
    let other = StoredAllowance::new(store.clone(), "yt");
    assert_eq!(other.used("2026-12").await.unwrap(), 0);
    assert_eq!(store.checkpoint("x").await.unwrap(), None);
}

/// A new period starts from nothing; what is given back to an ended one is dropped.
pub async fn a_new_period_of_an_allowance_starts_from_nothing(store: Arc<dyn ReportStore>) {
    let meter = spent_then_given_back(&store).await;
    assert_eq!(meter.take("2027-01", 50, 500).await.unwrap(), 50);
    meter.give_back("2026-12", 100).await.unwrap();
    assert_eq!(meter.used("2027-01").await.unwrap(), 50);
    assert_eq!(
        meter.used("2026-12").await.unwrap(),
        0,
        "the old period is gone"
    );
}

/// Eight runs taking at once, each until it is refused: never more than the cap in all.
pub async fn runs_taking_at_once_are_never_granted_more_than_the_cap(store: Arc<dyn ReportStore>) {
    let runs: Vec<_> = (0..8)
        .map(|_| {
            let meter = StoredAllowance::new(store.clone(), "busy");
            tokio::spawn(async move {
                let mut got = 0;
                loop {
                    let n = meter.take("2026-12", 7, 300).await.unwrap();
                    if n == 0 {
                        return got;
                    }
                    got += n;
                }
            })
        })
        .collect();
    let mut total = 0;
    for run in runs {
        total += run.await.unwrap();
    }
    assert_eq!(total, 300, "every unit granted once, none over the cap");
    let busy = StoredAllowance::new(store.clone(), "busy");
    assert_eq!(busy.used("2026-12").await.unwrap(), 300);
}

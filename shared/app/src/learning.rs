//! The triage model ([`vigie_domain::learn`]) in the store: read by whatever ingests posts
//! (collectors, hand entry), revised by whatever records a volunteer's decision (an update, a
//! bulk action, an import). It is kept under [`MODEL_KEY`] with the checkpoints' compare-and-set,
//! so two decisions at once both land: the one that loses the race reads the model again and
//! applies its change to the newer one.
//!
//! The model only ever helps: a model that cannot be read or written is logged and the
//! suggestions are the rules' alone; a decision is never refused because of it.

use tracing::{debug, warn};
use vigie_domain::learn::{changes_decision, Model, MODEL_KEY};
use vigie_domain::ports::Checkpoints;
use vigie_domain::Report;

/// How many times a revision is tried when other decisions land in between.
const ATTEMPTS: usize = 8;

/// The crisis's model, if volunteers have taught it anything and it can be read.
pub async fn model<S: Checkpoints + ?Sized>(store: &S) -> Option<Model> {
    match store.checkpoint(MODEL_KEY).await {
        Ok(Some(text)) => match Model::decode(&text) {
            Ok(m) => Some(m),
            Err(e) => {
                warn!(error = %e, "suggesting with the rules alone");
                None
            }
        },
        Ok(None) => None,
        Err(e) => {
            warn!(error = %e, "the triage model cannot be read; suggesting with the rules alone");
            None
        }
    }
}

/// Teaches the model the decisions in `changes`: each report as it was (`None` when it is
/// new) and as it is now. Only the categories and priorities volunteers set count.
pub async fn learn<S: Checkpoints + ?Sized>(store: &S, changes: &[(Option<&Report>, &Report)]) {
    if !changes
        .iter()
        .any(|(before, after)| changes_decision(*before, after))
    {
        return;
    }
    for _ in 0..ATTEMPTS {
        let stored = match store.checkpoint(MODEL_KEY).await {
            Ok(s) => s,
            Err(e) => {
                warn!(error = %e, "the triage model cannot be read; the decision is not learnt");
                return;
            }
        };
        let mut model = match stored.as_deref().map(Model::decode) {
            Some(Ok(m)) => m,
            // A damaged model is replaced: the decisions after it are not lost with it.
            Some(Err(e)) => {
                warn!(error = %e, "the triage model starts again");
                Model::default()
            }
            None => Model::default(),
        };
        let mut changed = false;
        for (before, after) in changes {
            changed |= model.revise(*before, after);
        }
        if !changed {
            return;
        }
        let next = model.encode();
        match store
            .advance_checkpoint(MODEL_KEY, stored.as_deref(), &next)
            .await
        {
            Ok(true) => {
                let (categories, priorities) = model.decisions();
                debug!(
                    categories,
                    priorities,
                    bytes = next.len(),
                    "triage model revised"
                );
                return;
            }
            Ok(false) => continue,
            Err(e) => {
                warn!(error = %e, "the triage model cannot be written; the decision is not learnt");
                return;
            }
        }
    }
    warn!("the triage model changed too often meanwhile; the decision is not learnt");
}
